/*
 * Builds a list of N 16-byte blocks (all live at once), then frees it
 * (unless "keep": the list is then still reachable at exit), and prints the
 * minor page faults of the build: "build_faults=F" (the program's own heap
 * pages, plus under the agent the pages its live table touches while it
 * grows), and of the whole run: "run_faults=R".
 *
 *   listpages [N [keep]]   (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct node {
    struct node *next;
    long value;
} node;

static long minflt(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt;
}

/* The new head of a list of nodes, or NULL if out of memory. */
static node *push(node *head, long value)
{
    node *e = malloc(sizeof *e);
    if (e)
        *e = (node){.next = head, .value = value};
    return e;
}

node *head; /* a root while the list is kept */

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int keep = argc > 2 && !strcmp(argv[2], "keep");
    long before = minflt();
    for (long i = 0; i < n; i++)
        if (!(head = push(head, i)))
            return 1;
    long after = minflt();
    for (node *next; head && !keep; head = next) {
        next = head->next;
        free(head);
    }
    printf("build_faults=%ld\n", after - before);
    printf("run_faults=%ld\n", minflt());
    return 0;
}

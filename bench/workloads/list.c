/*
 * One long list: N small blocks linked as they are allocated, then freed
 * from the head (allocation-bound, one stack, every block live at the peak):
 *
 *   list [NODES]   (default 3000000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct node {
    struct node *next;
    uint64_t value;
} node;

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 3000000;
    node *head = NULL;
    for (size_t i = 0; i < n; i++) {
        node *e = malloc(sizeof *e);
        if (!e)
            return 1;
        e->next = head;
        e->value = i;
        head = e;
    }
    uint64_t sum = 0;
    while (head) {
        node *next = head->next;
        sum += head->value;
        free(head);
        head = next;
    }
    printf("list: %zu nodes, checksum %llu\n", n, (unsigned long long)sum);
    return 0;
}

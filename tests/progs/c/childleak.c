/*
 * A program meant to run as someone's child: leaks argv[1] bytes (default
 * 77) from leak_in_child, prints "childleak ran", exits with argv[2]
 * (default 0). With argv[3] = "fork" it first forks without exec: the
 * child leaks 55 bytes from leak_after_fork and keeps 66 through a block
 * its parent allocated before the fork, then exits 7.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char **list;

__attribute__((noinline)) static void leak_in_child(size_t n)
{
    char *p = malloc(n);
    memset(p, 1, n);
}

__attribute__((noinline)) static void leak_after_fork(void)
{
    char *p = malloc(55);
    memset(p, 2, 55);
}

__attribute__((noinline)) static void keep_after_fork(void)
{
    list[1] = malloc(66);
}

static int fork_and_leak(void)
{
    list = calloc(4, sizeof *list);
    list[0] = strdup("parent's");
    pid_t c = fork();
    if (c < 0)
        return 1;
    if (c == 0) {
        leak_after_fork();
        keep_after_fork();
        free(list[0]); /* a block of the parent's, freed in the child only */
        _exit(7);
    }
    int st = 0;
    waitpid(c, &st, 0);
    printf("forked child exited %d\n", WEXITSTATUS(st));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 3 && !strcmp(argv[3], "fork") && fork_and_leak())
        return 1;
    leak_in_child(argc > 1 ? (size_t)atoi(argv[1]) : 77);
    printf("childleak ran\n");
    fflush(stdout);
    return argc > 2 ? atoi(argv[2]) : 0;
}

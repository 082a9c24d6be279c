/*
 * Starts a program that outlives it, then leaks a block and returns.
 *   spawner posix_spawn|vfork PIDFILE PROGRAM [ARGS...]
 * The child is started with posix_spawn, or with vfork and execv; its pid
 * goes to PIDFILE. Without arguments it exits 0 (the native corpus runs it so).
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
static void *volatile keep;

int main(int argc, char **argv)
{
    if (argc == 1)
        return 0;
    if (argc < 4)
        return 2;
    pid_t pid = -1;
    if (!strcmp(argv[1], "posix_spawn")) {
        if (posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0)
            return 3;
    } else {
        pid = vfork();
        if (pid == 0) {
            execv(argv[3], argv + 3);
            _exit(127);
        }
    }
    if (pid < 0)
        return 3;
    FILE *f = fopen(argv[2], "w");
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
    keep = malloc(321);
    keep = NULL;
    return 0;
}

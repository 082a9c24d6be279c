/*
 * Estimates the page faults its process took before its first exec: what
 * the launcher's child cost between its creation and the exec of the
 * program. A process's fault count survives exec, so the program reads it
 * at its start, execs itself once, reads it again: the second image paid
 * one exec and start-up like the first (the agent's included), and the
 * first count less that cost is what came before. Prints
 * "first=F exec=E before=B" (B can be a little below zero: the second exec
 * also tears down the first image, where the first exec replaced memory it
 * shared or had just copied).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

int main(int argc, char **argv)
{
    long now = minflt();
    if (argc > 1) {
        long first = atol(argv[1]), exec = now - first;
        printf("first=%ld exec=%ld before=%ld\n", first, exec, first - exec);
        return 0;
    }
    char arg[32];
    snprintf(arg, sizeof arg, "%ld", now);
    execl("/proc/self/exe", argv[0], arg, (char *)NULL);
    perror("exec");
    return 1;
}

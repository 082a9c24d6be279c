/*
 * Counts the signals it gets. Catches every catchable signal, leaks one
 * block, creates the file argv[1] once its handlers are in place, then
 * prints "got N" for each signal N as it arrives. SIGTERM ends it: it waits
 * 300 ms more for a duplicate, prints "exit", and exits with status 3.
 * Without an argument it only leaks, and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t counts[65];

static void on_signal(int sig)
{
    counts[sig]++;
}

static void drain(int *seen)
{
    for (int s = 1; s < 65; s++)
        while (seen[s] < counts[s]) {
            seen[s]++;
            printf("got %d\n", s);
            fflush(stdout);
        }
}

int main(int argc, char **argv)
{
    static int seen[65];
    char *leak = malloc(4242);
    memset(leak, 1, 4242);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD && s != SIGSEGV && s != SIGBUS &&
            s != SIGILL && s != SIGFPE && s != SIGTRAP && s != 32 && s != 33)
            sigaction(s, &sa, NULL);
    if (argc < 2)
        return 0;
    FILE *ready = fopen(argv[1], "w");
    if (ready)
        fclose(ready);
    double end = 0;
    for (;;) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        drain(seen);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double t = now.tv_sec + now.tv_nsec / 1e9;
        if (counts[SIGTERM] && end == 0)
            end = t + 0.3;
        if (end && t > end)
            break;
    }
    printf("exit\n");
    return 3;
}

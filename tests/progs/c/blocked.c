/*
 * A program checked while its threads sit in system calls, in C code, in a
 * signal handler and in thread exits: it reports whatever it sees go wrong.
 *   blocked           prints "ready", runs until its stdin ends (the main thread
 *                     blocked in read(2) meanwhile), then prints what each
 *                     thread saw and exits 0 if nothing went wrong.
 * Threads: a reader blocked in read(2) on a pipe, one blocked in poll(2)
 * without a timeout, a sleeper in nanosleep(2) that checks each sleep lasts
 * as long as asked, a handler thread (the only one taking SIGUSR1) that
 * spins in C and counts the signals, and a churner that starts and joins
 * short threads. None of their calls may fail with EINTR: stops for a leak
 * check restart them, as a stop signal does. It leaks one block
 * (leak_one: definitely lost) and keeps one in a global (still reachable).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int read_pipe[2], poll_pipe[2];
static atomic_int stop, sigusr1, eintr, short_sleeps, churned;
static void *kept;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
    (void)arg;
    char c;
    ssize_t n = read(read_pipe[0], &c, 1);
    if (n != 1)
        printf("read returned %zd (%s)\n", n, strerror(errno));
    return NULL;
}

static void *poller(void *arg)
{
    (void)arg;
    struct pollfd p = {.fd = poll_pipe[0], .events = POLLIN};
    int n = poll(&p, 1, -1);
    if (n != 1)
        printf("poll returned %d (%s)\n", n, strerror(errno));
    return NULL;
}

static void *sleeper(void *arg)
{
    (void)arg;
    while (!stop) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        double t0 = now();
        if (nanosleep(&ts, NULL) != 0)
            eintr++;
        else if (now() - t0 < 0.049)
            short_sleeps++;
    }
    return NULL;
}

static void on_usr1(int sig)
{
    (void)sig;
    volatile unsigned x = 0;
    for (int i = 0; i < 200000; i++) /* a while in the handler, in C */
        x += (unsigned)i;
    sigusr1++;
}

static void *handler(void *arg)
{
    (void)arg;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    volatile unsigned long spin = 0;
    while (!stop)
        spin++;
    return NULL;
}

static void *short_life(void *arg)
{
    free(malloc((size_t)(uintptr_t)arg));
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    while (!stop) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_life, (void *)(uintptr_t)64) == 0) {
            pthread_join(t, NULL);
            churned++;
        }
        usleep(100); /* a thread starting or ending at most moments, not a whole CPU */
    }
    return NULL;
}

__attribute__((noinline)) static void leak_one(void)
{
    void *volatile p = malloc(4242);
    (void)p; /* dropped on return */
}

__attribute__((noinline)) static void scrub(void)
{
    volatile char junk[4096];
    memset((char *)junk, 0, sizeof junk);
}

int main(void)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* inherited: only the handler thread takes it */
    if (pipe(read_pipe) || pipe(poll_pipe))
        return 2;
    kept = malloc(1111);
    leak_one();
    scrub();
    void *(*fns[])(void *) = {reader, poller, sleeper, handler, churner};
    pthread_t t[5];
    for (int i = 0; i < 5; i++)
        pthread_create(&t[i], NULL, fns[i], NULL);
    printf("ready\n");
    fflush(stdout);
    char buf[64];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) != 0)
        if (n < 0) {
            eintr += errno == EINTR;
            break;
        }
    stop = 1;
    if (write(read_pipe[1], "x", 1) != 1 || write(poll_pipe[1], "x", 1) != 1)
        return 2;
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    printf("sigusr1 %d\neintr %d\nshort sleeps %d\nthreads churned %s\n", (int)sigusr1, (int)eintr,
           (int)short_sleeps, churned > 0 ? "yes" : "no");
    return eintr || short_sleeps ? 1 : 0;
}

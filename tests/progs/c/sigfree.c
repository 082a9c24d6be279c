/*
 * No leak: SIGALRM (setitimer, every 100 us) and SIGUSR1 (from a sibling
 * thread) handlers malloc, realloc and free while the main thread churns
 * malloc/free, so the handlers often interrupt the allocator mid-call.
 *
 * glibc's malloc is not async-signal-safe: a handler that allocates while
 * the interrupted code holds an arena lock deadlocks. The main thread's
 * churn therefore stays in glibc's per-thread cache (same sizes freed and
 * allocated again: no lock), the handlers block each other, and only the
 * main thread takes the signals. The cache is filled for those sizes
 * before any signal can arrive: the first malloc of a size goes to the
 * arena under its lock, and a SIGUSR1 landing there hung about 1 run in
 * 80 (seen under load, with or without the agent in between). Runs for a fixed time (0.3 s), not a
 * fixed count, so a signal storm cannot make it unbounded.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void *held; /* made by one handler run, freed or resized by the next */

static void handler(int sig)
{
    void *a = malloc(24);
    if (sig == SIGUSR1) {
        free(held);
        held = malloc(100);
    } else {
        held = realloc(held, held ? 300 : 100);
    }
    free(a);
}

static void *pinger(void *arg)
{
    pthread_t main_thread = *(pthread_t *)arg;
    while (!stop) {
        pthread_kill(main_thread, SIGUSR1);
        usleep(100);
    }
    return NULL;
}

static long elapsed_ns(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000000000L + (now.tv_nsec - t0->tv_nsec);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);
    sigaddset(&sa.sa_mask, SIGUSR1);
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    /* The pinger starts with both signals blocked: only main takes them. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_t self = pthread_self(), th;
    pthread_create(&th, NULL, pinger, &self);
    void *volatile warm = malloc(40); /* the churn's sizes cached, while no signal can land */
    free(warm);
    warm = malloc(200);
    free(warm);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    struct itimerval it = {{0, 100}, {0, 100}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i % 1024 || elapsed_ns(&t0) < 300000000L; i++) {
        void *p = malloc(40);
        void *q = malloc(200);
        free(p);
        free(q);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    stop = 1;
    pthread_join(th, NULL);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    free(held);
    printf("done\n");
    return 0;
}

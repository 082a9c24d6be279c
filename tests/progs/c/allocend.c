/*
 * A known number of allocations, then an end chosen by argv[1]: "return",
 * "exit", "_exit" or "kill" (SIGKILL to itself). THREADS threads make
 * PER_THREAD allocations each (malloc and free, from churn_thread) and stay
 * alive, blocked, while the process ends; the main thread makes PER_THREAD
 * allocations from churn_main. So no thread ends before the process and
 * nothing per thread is flushed at a thread's end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 4
#define PER_THREAD 1000

static pthread_barrier_t ready;

static void *volatile sink;

static __attribute__((noinline)) void churn(int n)
{
    for (int i = 0; i < n; i++) {
        sink = malloc(16 + (size_t)(i % 7));
        free(sink);
    }
}

static __attribute__((noinline)) void churn_main(void)
{
    churn(PER_THREAD);
}

static void *churn_thread(void *arg)
{
    (void)arg;
    churn(PER_THREAD);
    pthread_barrier_wait(&ready);
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "return";
    pthread_barrier_init(&ready, NULL, THREADS + 1);
    for (int i = 0; i < THREADS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, churn_thread, NULL) != 0)
            return 2;
    }
    churn_main();
    pthread_barrier_wait(&ready);
    if (!strcmp(how, "exit"))
        exit(0);
    if (!strcmp(how, "_exit"))
        _exit(0);
    if (!strcmp(how, "kill"))
        kill(getpid(), SIGKILL);
    return 0;
}

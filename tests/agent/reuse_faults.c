/*
 * A thread that starts after another ended takes that thread's rule cache
 * (thread.c). Prints the page faults of the later thread's first recorded
 * malloc (getrusage of the thread): the first thread walked with one memo,
 * so the later one has one memo to forget, not all of the cache's.
 *
 *   reuse_faults   ->   "first_malloc_faults N"
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static void *volatile sink;

static void *first(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        sink = malloc(32);
        free(sink);
    }
    return NULL;
}

static void *later(void *arg)
{
    struct rusage a, b;
    getrusage(RUSAGE_THREAD, &a);
    sink = malloc(32);
    getrusage(RUSAGE_THREAD, &b);
    free(sink);
    *(long *)arg = b.ru_minflt - a.ru_minflt;
    return NULL;
}

int main(void)
{
    pthread_t t;
    long faults = -1;
    if (pthread_create(&t, NULL, first, NULL) || pthread_join(t, NULL))
        return 1;
    if (pthread_create(&t, NULL, later, &faults) || pthread_join(t, NULL))
        return 1;
    printf("first_malloc_faults %ld\n", faults);
    return 0;
}

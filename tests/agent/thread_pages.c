/*
 * Page faults of a new thread's first recorded malloc when no thread has
 * ended, so that it takes a fresh thread cache (thread.c): threads started
 * one after another, each measures its first malloc (getrusage of the
 * thread) and then waits for the others. Prints the median:
 *
 *   thread_pages [THREADS]   ->   "first_malloc_faults N"   (default 9 threads)
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static pthread_barrier_t all_measured;
static void *volatile sink;

static void *measure(void *arg)
{
    struct rusage a, b;
    getrusage(RUSAGE_THREAD, &a);
    sink = malloc(32);
    getrusage(RUSAGE_THREAD, &b);
    free(sink);
    *(long *)arg = b.ru_minflt - a.ru_minflt;
    pthread_barrier_wait(&all_measured); /* alive until all measured: no cache is recycled */
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 9;
    pthread_t *t = calloc(n ? n : 1, sizeof *t);
    long *faults = calloc(n ? n : 1, sizeof *faults);
    sink = malloc(32); /* the agent attaches on the main thread */
    free(sink);
    if (!t || !faults || !n || pthread_barrier_init(&all_measured, NULL, n + 1))
        return 1;
    for (unsigned i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, measure, &faults[i]))
            return 1;
    pthread_barrier_wait(&all_measured);
    for (unsigned i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    qsort(faults, n, sizeof *faults, by_value);
    printf("first_malloc_faults %ld\n", faults[n / 2]);
    free(t);
    free(faults);
    return 0;
}

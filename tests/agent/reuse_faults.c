/*
 * Page faults of a thread's first recorded malloc (getrusage of the
 * thread), by how it gets its thread cache (thread.c):
 *
 *   reuse_faults         a thread that starts after another ended takes
 *                        that thread's cache: the first thread walked with
 *                        one memo, so the later one has one memo to forget,
 *                        not all of the cache's
 *   reuse_faults fresh   threads started one after another while none has
 *                        ended, so each maps a fresh cache; each measures,
 *                        then waits for the others; the median of 9
 *
 *   ->   "first_malloc_faults N"
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define FRESH 9

static void *volatile sink;
static pthread_barrier_t all_measured;

static void *first(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        sink = malloc(32);
        free(sink);
    }
    return NULL;
}

static long first_malloc_faults(void)
{
    struct rusage a, b;
    void *volatile p; /* this thread's own: in fresh mode threads measure at once */
    getrusage(RUSAGE_THREAD, &a);
    p = malloc(32);
    getrusage(RUSAGE_THREAD, &b);
    free(p);
    return b.ru_minflt - a.ru_minflt;
}

static void *later(void *arg)
{
    *(long *)arg = first_malloc_faults();
    return NULL;
}

static void *fresh(void *arg)
{
    *(long *)arg = first_malloc_faults();
    pthread_barrier_wait(&all_measured); /* alive until all measured: no cache is recycled */
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static long median_of_fresh(void)
{
    pthread_t t[FRESH];
    long faults[FRESH];
    if (pthread_barrier_init(&all_measured, NULL, FRESH + 1))
        return -1;
    for (unsigned i = 0; i < FRESH; i++)
        if (pthread_create(&t[i], NULL, fresh, &faults[i]))
            return -1;
    pthread_barrier_wait(&all_measured);
    for (unsigned i = 0; i < FRESH; i++)
        pthread_join(t[i], NULL);
    qsort(faults, FRESH, sizeof *faults, by_value);
    return faults[FRESH / 2];
}

int main(int argc, char **argv)
{
    pthread_t t;
    long faults = -1;
    if (argc > 1 && !strcmp(argv[1], "fresh")) {
        sink = malloc(32); /* the agent attaches on the main thread */
        free(sink);
        faults = median_of_fresh();
    } else if (pthread_create(&t, NULL, first, NULL) || pthread_join(t, NULL) ||
               pthread_create(&t, NULL, later, &faults) || pthread_join(t, NULL)) {
        return 1;
    }
    printf("first_malloc_faults %ld\n", faults);
    return faults < 0;
}

/*
 * Threads alive at once, each walking the same stack once: no thread can
 * take an ended thread's rule cache (thread.c), so each starts with an
 * empty one. The rules they need are parsed from .eh_frame once per process
 * (rules_shared.h), not once per thread: tests/agent/run.sh counts the
 * parses (calls of ch_find_fde) under callgrind.
 *
 *   shared_rules [THREADS]   (default 32)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t all_started, all_walked;

__attribute__((noinline)) static void walk_once(void)
{
    void *volatile p = malloc(32); /* this thread's own: the threads walk at once */
    free(p);
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&all_started); /* nobody has ended: no cache to take */
    walk_once();
    pthread_barrier_wait(&all_walked);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 32;
    pthread_t *t = calloc(n ? n : 1, sizeof *t);
    if (!t || pthread_barrier_init(&all_started, NULL, n) ||
        pthread_barrier_init(&all_walked, NULL, n))
        return 1;
    for (unsigned i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, NULL))
            return 1;
    for (unsigned i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
    printf("shared_rules %u threads\n", n);
    return 0;
}

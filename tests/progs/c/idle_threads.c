/*
 * N threads alive at once (argv[1]), each allocating and freeing a little,
 * then waiting for the others: every thread takes its own cache of the
 * agent, and uses little of it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t all_alive;
static void *volatile sink; /* keeps each malloc/free pair from being optimized out */

static void *work(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        sink = malloc(16 + (size_t)i);
        free(sink);
    }
    pthread_barrier_wait(&all_alive);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    if (n < 1 || n > 256)
        return 2;
    pthread_t t[256];
    pthread_barrier_init(&all_alive, NULL, (unsigned)n);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, work, NULL) != 0)
            return 1;
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    printf("%d threads\n", n);
    return 0;
}

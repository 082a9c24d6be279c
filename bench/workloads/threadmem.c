/*
 * Memory per thread: T threads alive at once, each making K malloc/free
 * pairs (from two call sites) before all wait at a barrier; the main thread
 * then prints its own memory (kB, from /proc/self/status) and lets them end.
 *
 *   threadmem [THREADS [PAIRS]]   (default 2000 100)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_barrier_t all_done, may_end;
static unsigned pairs;

static __attribute__((noinline)) void *take(size_t n)
{
    return malloc(n);
}

static void *worker(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < pairs; i++) {
        free(take(16 + i % 64));
        free(malloc(32));
    }
    pthread_barrier_wait(&all_done);
    pthread_barrier_wait(&may_end);
    return NULL;
}

static void print_status(unsigned threads)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    printf("threads=%u", threads);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "RssAnon:", 8) ||
            !strncmp(line, "RssShmem:", 9)) {
            line[strcspn(line, ":")] = 0;
            printf(" %s=%ld", line, strtol(line + strlen(line) + 1, NULL, 10));
        }
    printf("\n");
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
    pairs = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
    pthread_t *t = calloc(threads, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    pthread_barrier_init(&all_done, NULL, threads + 1);
    pthread_barrier_init(&may_end, NULL, threads + 1);
    for (unsigned i = 0; i < threads; i++)
        if (pthread_create(&t[i], &attr, worker, NULL) != 0)
            return 1;
    pthread_barrier_wait(&all_done);
    print_status(threads);
    pthread_barrier_wait(&may_end);
    for (unsigned i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    free(t);
    return 0;
}

/*
 * Many threads doing small malloc/free: each of T threads keeps 16 blocks
 * and replaces one per step:
 *
 *   threads [THREADS [STEPS_PER_THREAD]]   (default 64 100000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t steps;

static void *worker(void *arg)
{
    uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1, sum = 0;
    void *keep[16] = {0};
    for (uint64_t i = 0; i < steps; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned k = (unsigned)(x & 15);
        free(keep[k]);
        keep[k] = malloc(8 + (x >> 32) % 120);
        sum += (uintptr_t)keep[k] & 0xff;
    }
    for (unsigned k = 0; k < 16; k++)
        free(keep[k]);
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 64;
    steps = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    pthread_t *t = calloc(n ? n : 1, sizeof *t);
    if (!t)
        return 1;
    for (unsigned i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
            return 1;
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (uintptr_t)r;
    }
    free(t);
    printf("threads: %u threads x %llu steps, checksum %llu\n", n, (unsigned long long)steps,
           (unsigned long long)sum);
    return 0;
}

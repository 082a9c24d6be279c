/*
 * Many deep, distinct stacks: 2 threads, each keeping a window of 4096
 * blocks with random lifetimes (each step frees a random slot and refills
 * it), every allocation made at the end of a call chain 10 to 24 deep that
 * takes one of two call sites per level, for about 16k distinct stacks:
 *
 *   stacks2t [STEPS_PER_THREAD]   (default 1000000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WINDOW 4096u
#define KEYS 16384u /* distinct (depth, path) pairs */

__attribute__((noinline)) static void *chain(unsigned depth, unsigned path, size_t size)
{
    void *p;
    if (depth == 0)
        return malloc(size);
    if (path & 1)
        p = chain(depth - 1, path >> 1, size); /* one call site */
    else
        p = chain(depth - 1, path >> 1, size + 1); /* another */
    __asm__ volatile("" ::: "memory");             /* keeps the frame: no tail call */
    return p;
}

static void *worker(void *arg)
{
    uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1, steps = *(uint64_t *)arg, sum = 0;
    void **slot = calloc(WINDOW, sizeof *slot);
    if (!slot)
        exit(1);
    for (uint64_t i = 0; i < steps; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned w = (unsigned)(x % WINDOW), key = (unsigned)(x >> 20) % KEYS;
        free(slot[w]);
        slot[w] = chain(10 + key % 15, key / 15, 16 + (x >> 40) % 64);
        sum += (uintptr_t)slot[w] & 0xff;
    }
    for (unsigned w = 0; w < WINDOW; w++)
        free(slot[w]);
    free(slot);
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
    static uint64_t steps[2];
    steps[0] = steps[1] = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, &steps[i]))
            return 1;
    uint64_t sum = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (uintptr_t)r;
    }
    printf("stacks2t: %llu steps, checksum %llu\n", (unsigned long long)(2 * steps[0]),
           (unsigned long long)sum);
    return 0;
}

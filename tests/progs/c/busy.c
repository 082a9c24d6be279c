/*
 * A program that keeps working while it is checked, and can tell when it
 * ran: for the leak check whose marking comes after the program resumed.
 *   busy BLOCKS SIZE   keeps BLOCKS blocks of SIZE bytes through a global
 *                      array, drops 7 blocks of 777 bytes (definitely lost),
 *                      prints "ready", then answers its stdin's lines:
 *                        ticks A B  ->  "ticks N": how many of its clock
 *                                       ticks fell in [A, B] (CLOCK_MONOTONIC,
 *                                       microseconds)
 *                      and when its stdin ends prints "bye" and exits 0.
 * Threads: a ticker that notes the clock about every millisecond (the last
 * 65,536 ticks), and a churner that keeps replacing kept blocks (a new
 * block, the slot pointed at it, the old one freed) and rewriting their
 * words: a check that read the memory after the resume instead of what it
 * copied at the stop would find blocks that no slot points to any more.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NTICKS 65536

static void **slots;
static size_t nslots, size;
static uint64_t ticks[NTICKS];
static atomic_ulong nticks;
static atomic_int stop;

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void *ticker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        unsigned long n = atomic_load(&nticks);
        ticks[n % NTICKS] = now_us();
        atomic_store(&nticks, n + 1);
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    for (size_t i = 0; !atomic_load(&stop); i = (i + 7919) % nslots) {
        void **fresh = malloc(size);
        if (!fresh)
            abort();
        memset(fresh, (int)(i & 0x7f), size);
        fresh[0] = slots[(i + 1) % nslots]; /* a pointer that moves as well */
        void *old = slots[i];
        slots[i] = fresh;
        free(old);
        if (i % 64 == 0)
            nanosleep(&(struct timespec){.tv_nsec = 20000}, NULL);
    }
    return NULL;
}

static unsigned long ticks_between(uint64_t a, uint64_t b)
{
    unsigned long n = atomic_load(&nticks), count = 0;
    for (unsigned long i = n > NTICKS ? n - NTICKS : 0; i < n; i++)
        count += ticks[i % NTICKS] >= a && ticks[i % NTICKS] <= b;
    return count;
}

static void leak_seven(void)
{
    for (int i = 0; i < 7; i++) {
        char *volatile p = malloc(777);
        memset(p, 1, 777);
    }
}

int main(int argc, char **argv)
{
    nslots = argc > 1 ? strtoul(argv[1], NULL, 10) : 65536;
    size = argc > 2 ? strtoul(argv[2], NULL, 10) : 1024;
    if (nslots < 2 || size < sizeof(void *))
        return 2;
    slots = calloc(nslots, sizeof *slots);
    for (size_t i = 0; slots && i < nslots; i++)
        if ((slots[i] = calloc(1, size)) == NULL)
            return 1;
    if (!slots)
        return 1;
    leak_seven();
    pthread_t t[2];
    pthread_create(&t[0], NULL, ticker, NULL);
    pthread_create(&t[1], NULL, churner, NULL);
    printf("ready\n");
    fflush(stdout);
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        unsigned long long a, b;
        if (sscanf(line, "ticks %llu %llu", &a, &b) == 2)
            printf("ticks %lu\n", ticks_between(a, b));
        fflush(stdout);
    }
    atomic_store(&stop, 1);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    printf("bye\n");
    return 0;
}

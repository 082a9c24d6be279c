/*
 * Workload (a): C allocation churn.
 *
 *   churn [THREADS [PAIRS_PER_THREAD]]     defaults: 2 threads, 1,000,000 pairs each
 *
 * Each thread performs PAIRS malloc/free pairs. Every malloc happens at the
 * bottom of a call chain CHAIN_DEPTH frames deep, so a profiler that unwinds
 * pays for a realistic stack. At each level one of two functions is chosen
 * from the iteration number: that gives 2^CHOICE_LEVELS distinct stacks, which
 * is what a real program looks like to a stack table (not one stack, not
 * millions). Sizes vary deterministically over 16..4096 bytes.
 *
 * Blocks are kept in a small ring and freed RING_SIZE iterations later, so
 * the allocator sees interleaved lifetimes rather than malloc/free of the
 * same block. Everything is freed before exit: the program has no leaks.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAIN_DEPTH 20
#define CHOICE_LEVELS 4 /* 16 distinct allocation stacks */
#define RING_SIZE 64
#define MIN_SIZE 16
#define MAX_SIZE 4096

typedef struct thread_state {
    void *ring[RING_SIZE];
    uint64_t pairs;
    uint64_t seed;
    uint64_t checksum; /* keeps the compiler from dropping the writes */
} thread_state;

/* Deterministic size sequence: a 64-bit LCG, high bits mapped to 16..4096. */
static size_t next_size(thread_state *t)
{
    t->seed = t->seed * 6364136223846793005ull + 1442695040888963407ull;
    return MIN_SIZE + (size_t)((t->seed >> 33) % (MAX_SIZE - MIN_SIZE + 1));
}

/* The leaf: replace the ring slot's old block with a new one. */
static __attribute__((noinline)) uint64_t alloc_leaf(thread_state *t, uint64_t i)
{
    size_t slot = i % RING_SIZE;
    free(t->ring[slot]);
    size_t size = next_size(t);
    unsigned char *p = malloc(size);
    if (!p) {
        fputs("churn: out of memory\n", stderr);
        exit(1);
    }
    p[0] = (unsigned char)i;
    p[size - 1] = (unsigned char)size;
    t->ring[slot] = p;
    return size;
}

static uint64_t descend_a(thread_state *t, uint64_t i, int depth);
static uint64_t descend_b(thread_state *t, uint64_t i, int depth);

/*
 * One level of the chain. The "+ depth" after the call keeps it from being a
 * tail call, so every level really is a frame on the stack.
 */
static __attribute__((noinline)) uint64_t descend(thread_state *t, uint64_t i, int depth)
{
    if (depth == 0)
        return alloc_leaf(t, i);
    /* The lowest CHOICE_LEVELS levels pick a function by one bit of i. */
    if (depth <= CHOICE_LEVELS && ((i >> (depth - 1)) & 1))
        return descend_b(t, i, depth - 1) + (uint64_t)depth;
    return descend_a(t, i, depth - 1) + (uint64_t)depth;
}

static __attribute__((noinline)) uint64_t descend_a(thread_state *t, uint64_t i, int depth)
{
    return descend(t, i, depth) + 1;
}

static __attribute__((noinline)) uint64_t descend_b(thread_state *t, uint64_t i, int depth)
{
    return descend(t, i, depth) + 2;
}

static void *run_thread(void *arg)
{
    thread_state *t = arg;
    /* Each level is two frames (descend + descend_a/b): depth/2 levels. */
    for (uint64_t i = 0; i < t->pairs; i++)
        t->checksum += descend(t, i, CHAIN_DEPTH / 2);
    for (size_t s = 0; s < RING_SIZE; s++)
        free(t->ring[s]);
    return NULL;
}

static long parse_count(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v <= 0) {
        fprintf(stderr, "churn: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long threads = argc > 1 ? parse_count(argv[1], "thread count") : 2;
    long pairs = argc > 2 ? parse_count(argv[2], "pair count") : 1000000;
    if (threads > 64) {
        fputs("churn: at most 64 threads\n", stderr);
        return 2;
    }
    thread_state *states = calloc((size_t)threads, sizeof *states);
    pthread_t ids[64];
    for (long n = 0; n < threads; n++) {
        states[n].pairs = (uint64_t)pairs;
        states[n].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(n + 1);
        if (pthread_create(&ids[n], NULL, run_thread, &states[n])) {
            fputs("churn: pthread_create failed\n", stderr);
            return 1;
        }
    }
    uint64_t checksum = 0;
    for (long n = 0; n < threads; n++) {
        pthread_join(ids[n], NULL);
        checksum += states[n].checksum;
    }
    free(states);
    printf("churn: %ld threads x %ld pairs, checksum %llu\n", threads, pairs,
           (unsigned long long)checksum);
    return 0;
}

/*
 * Fast paths that show as calls the agent does not make (tests/agent/run.sh
 * counts them with callgrind):
 *
 *   calls stacks   a created thread allocates from 2048 distinct stacks,
 *                  then from the same 2048 again
 *   calls lookups  a created thread allocates from 2048 distinct stacks,
 *                  then three times from the same 2048 in scattered orders
 *                  (each a lookup of a known stack far from the last)
 *   calls ids      a created thread leaks one block from each of 2048
 *                  distinct stacks (neighbouring paths differ in one frame),
 *                  then one more from each, in a scattered order
 *   calls realloc  20000 rounds of calloc, three reallocs, posix_memalign
 *   calls depths   a created thread allocates 20000 times from each of two
 *                  stacks, alternately: one call site at two depths
 *   calls tails    a created thread allocates from 2048 distinct stacks at
 *                  each of two depths, alternately, three times over (the
 *                  last pass, tail_measured, is the one measured)
 *   calls walks    a created thread allocates 3 x 8192 times under 24
 *                  nested frames and 9 fixed levels of chain, from 4
 *                  stacks that differ in their 2 innermost frames (the
 *                  last pass, walk_measured, is the one measured)
 *   calls varied   a created thread allocates 3 x 8192 times under 16
 *                  levels of chain, each level from one of its two call
 *                  sites at random, as bench/workloads/stacks2t.c does:
 *                  a walk shares runs of frames with the previous one
 *                  (the last pass, varied_measured, is the one measured)
 *   calls pairs    a created thread keeps 16 blocks and replaces one at
 *                  random per step, as bench/workloads/threads.c's worker
 *                  does: a malloc/free pair per step, every malloc from
 *                  one stack, every block freed young by its own thread
 *                  (2 x 8192 steps, the last pass, pairs_measured, measured)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH 11 /* 2^DEPTH distinct stacks */

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

__attribute__((noinline)) static void one_pass(void)
{
    for (unsigned path = 0; path < 1u << DEPTH; path++)
        free(chain(DEPTH, path, 16));
    __asm__ volatile("" ::: "memory");
}

/* Path i * odd (mod 2^DEPTH): every path once, neighbours far apart unless odd is 1. */
__attribute__((noinline)) static void lookup_pass(unsigned odd)
{
    for (unsigned i = 0; i < 1u << DEPTH; i++)
        free(chain(DEPTH, (i * odd) & ((1u << DEPTH) - 1), 16));
    __asm__ volatile("" ::: "memory");
}

static void *lookups(void *unused)
{
    (void)unused;
    static const unsigned odd[4] = {1, 0x9e5, 0x3a7, 0x5b1};
    for (volatile int pass = 0; pass < 4; pass++) /* one call site: the same stacks each pass */
        lookup_pass(odd[pass]);
    return NULL;
}

/* Leaks a block from path i * odd of chain for every i. */
__attribute__((noinline)) static void leak_pass(unsigned odd)
{
    for (unsigned i = 0; i < 1u << DEPTH; i++)
        if (!chain(DEPTH, (i * odd) & ((1u << DEPTH) - 1), 16))
            exit(1);
    __asm__ volatile("" ::: "memory");
}

static void *ids(void *unused)
{
    (void)unused;
    static const unsigned odd[2] = {1, 0x9e5};
    for (volatile int pass = 0; pass < 2; pass++) /* one call site: the same stacks each pass */
        leak_pass(odd[pass]);
    return NULL;
}

static void *stacks(void *unused)
{
    (void)unused;
    for (volatile int pass = 0; pass < 2; pass++) /* not unrolled: one return address */
        one_pass();
    return NULL;
}

/* Each path at two depths, alternately: every walk is a new stack, deeper by one frame or not. */
__attribute__((noinline)) static void tail_pass(void)
{
    for (unsigned path = 0; path < 1u << DEPTH; path++) {
        free(chain(DEPTH, path, 16));
        free(chain(DEPTH + 1, path, 16));
    }
    __asm__ volatile("" ::: "memory");
}

/* The pass measured (callgrind --toggle-collect=tail_measured). */
__attribute__((noinline)) static void tail_measured(void)
{
    tail_pass();
    __asm__ volatile("" ::: "memory");
}

static void *tails(void *unused)
{
    (void)unused;
    for (volatile int pass = 0; pass < 2; pass++) /* 8192 allocations: the memos widen */
        tail_pass();
    tail_measured();
    return NULL;
}

/* 8192 walks of about 40 frames: the innermost 2 vary, the memo has all the others. */
__attribute__((noinline)) static void walk_pass(void)
{
    for (unsigned i = 0; i < 8192; i++)
        free(chain(DEPTH, (i & 3) << (DEPTH - 2), 16)); /* chain's 2 innermost levels vary */
    __asm__ volatile("" ::: "memory");
}

/* The pass measured (callgrind --toggle-collect=walk_measured). */
__attribute__((noinline)) static void walk_measured(void)
{
    walk_pass();
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void nest(unsigned n)
{
    if (n) {
        nest(n - 1);
    } else {
        for (volatile int pass = 0; pass < 2; pass++) /* the rules are cached, the memos wide */
            walk_pass();
        walk_measured();
    }
    __asm__ volatile("" ::: "memory"); /* keeps the frame: no tail call */
}

static void *walks(void *unused)
{
    (void)unused;
    nest(24);
    return NULL;
}

/*
 * 8192 walks of about 22 frames, chain's 16 levels each from a random call
 * site (xorshift, a fixed seed): each walk is new, and about half its frames
 * are the previous walk's at the same index.
 */
#define VARIED_DEPTH 16
static unsigned long long varied_x = 88172645463325252ull;
__attribute__((noinline)) static void varied_pass(void)
{
    for (unsigned i = 0; i < 8192; i++) {
        varied_x ^= varied_x << 13;
        varied_x ^= varied_x >> 7;
        varied_x ^= varied_x << 17;
        free(chain(VARIED_DEPTH, (unsigned)(varied_x >> 20), 16));
    }
    __asm__ volatile("" ::: "memory");
}

/* The pass measured (callgrind --toggle-collect=varied_measured). */
__attribute__((noinline)) static void varied_measured(void)
{
    varied_pass();
    __asm__ volatile("" ::: "memory");
}

static void *varied(void *unused)
{
    (void)unused;
    for (volatile int pass = 0; pass < 2; pass++) /* the rules are cached, the memos wide */
        varied_pass();
    varied_measured();
    return NULL;
}

static void *pair_keep[16];
static uint64_t pair_x = 88172645463325252ull;

/* 8192 malloc/free pairs. */
__attribute__((noinline)) static void pair_pass(void)
{
    for (unsigned i = 0; i < 8192; i++) {
        pair_x ^= pair_x << 13;
        pair_x ^= pair_x >> 7;
        pair_x ^= pair_x << 17;
        unsigned k = (unsigned)(pair_x & 15);
        free(pair_keep[k]);
        pair_keep[k] = malloc(8 + (pair_x >> 32) % 120);
    }
    __asm__ volatile("" ::: "memory");
}

/* The pass measured (callgrind --toggle-collect=pairs_measured). */
__attribute__((noinline)) static void pairs_measured(void)
{
    pair_pass();
    __asm__ volatile("" ::: "memory");
}

static void *pairs(void *unused)
{
    (void)unused;
    pair_pass(); /* the rules cached, the memos wide */
    pairs_measured();
    for (unsigned k = 0; k < 16; k++)
        free(pair_keep[k]);
    return NULL;
}

static void *depths(void *unused)
{
    (void)unused;
    for (volatile int i = 0; i < 20000; i++) {
        free(chain(3, 0, 16));
        free(chain(4, 0, 16));
    }
    return NULL;
}

static int reallocs(void)
{
    for (int i = 0; i < 20000; i++) {
        char *b = calloc(1 + i % 32, 8);
        for (int k = 0; b && k < 3; k++) {
            char *nb = realloc(b, (size_t)(1 + i % 32) * 16 << k);
            if (!nb)
                break;
            b = nb;
        }
        void *a = NULL;
        if (!b || posix_memalign(&a, 64, 16 + i % 200))
            return 1;
        free(b);
        free(a);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "stacks")) {
        pthread_t t;
        if (pthread_create(&t, NULL, stacks, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "lookups")) {
        pthread_t t;
        if (pthread_create(&t, NULL, lookups, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "ids")) {
        pthread_t t;
        if (pthread_create(&t, NULL, ids, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "depths")) {
        pthread_t t;
        if (pthread_create(&t, NULL, depths, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "tails")) {
        pthread_t t;
        if (pthread_create(&t, NULL, tails, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "walks")) {
        pthread_t t;
        if (pthread_create(&t, NULL, walks, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "varied")) {
        pthread_t t;
        if (pthread_create(&t, NULL, varied, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "pairs")) {
        pthread_t t;
        if (pthread_create(&t, NULL, pairs, NULL) || pthread_join(t, NULL))
            return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "realloc"))
        return reallocs();
    fprintf(stderr, "usage: calls stacks|lookups|ids|depths|tails|walks|varied|pairs|realloc\n");
    return 2;
}

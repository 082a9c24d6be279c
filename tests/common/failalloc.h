/*
 * A failing allocator for the unit tests of common/: linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so the code under test
 * calls these. fail_after(n) lets n more allocations succeed, then fails
 * every one until fail_never(). Also the tests' CHECK, their case runner and
 * their random numbers.
 */
#ifndef CGOHEAP_TESTS_FAILALLOC_H
#define CGOHEAP_TESTS_FAILALLOC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long failalloc_left = -1; /* -1: never fail */

static inline void fail_after(long n)
{
    failalloc_left = n;
}

static inline void fail_never(void)
{
    failalloc_left = -1;
}

static int failalloc_now(void)
{
    if (failalloc_left < 0)
        return 0;
    if (failalloc_left == 0)
        return 1;
    failalloc_left--;
    return 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    return failalloc_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    return failalloc_now() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    return failalloc_now() ? NULL : __real_realloc(p, n);
}

/* The tests' random numbers: xorshift64, the same sequence every run. */
static inline uint64_t next_rand(void)
{
    static uint64_t rng = 88172645463325252ull;
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            if (++failures > 20)                                                                   \
                exit(1);                                                                           \
        }                                                                                          \
    } while (0)

/* The unit tests' main: runs the case named by argv[1] (basic or oom). */
static inline int run_case(int argc, char **argv, void (*basic)(void), void (*oom)(void))
{
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "basic") && strcmp(c, "oom")) {
        fprintf(stderr, "usage: %s basic|oom\n", argv[0]);
        return 2;
    }
    (strcmp(c, "basic") ? oom : basic)();
    return failures ? 1 : 0;
}

#endif

/*
 * Scale workload (BENCH_SCALE=1): per-event cost at small and large N.
 *
 *   scale LIVE EVENTS STACKS_LOG2 [leak|wait]
 *
 * 1. Allocates LIVE blocks of 32 bytes and keeps them (the live set), spread
 *    over 2^STACKS_LOG2 distinct allocation stacks.
 * 2. Performs malloc/free pairs until EVENTS interposed calls have happened in
 *    total (each malloc and each free is one event; step 1 counts too).
 * 3. Frees the live set, unless "leak" is given: then only the array that
 *    points to the blocks is freed, so LIVE blocks are definitely lost at exit
 *    and a leak checker has 2^STACKS_LOG2 loss records to report. With
 *    "wait", the program prints "scale: ready" after step 2 and waits for
 *    its standard input to end before step 3 (bench/serve reads its live
 *    heap meanwhile).
 *
 * Distinct stacks come from a chain of STACKS_LOG2 levels where each level
 * calls one of two functions chosen by one bit of the block index: different
 * return addresses, hence different stacks to record and symbolize.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 32
#define MAX_STACKS_LOG2 24

static void **live_set; /* the live set; global so the compiler keeps every block */

static __attribute__((noinline)) void *alloc_block(void)
{
    void *p = malloc(BLOCK_SIZE);
    if (!p) {
        fputs("scale: out of memory\n", stderr);
        exit(1);
    }
    *(volatile char *)p = 1;
    return p;
}

static void *pick_a(uint64_t index, int level);
static void *pick_b(uint64_t index, int level);

/* The empty asm after each call stops tail-call optimisation: one real frame per level. */
static __attribute__((noinline)) void *pick(uint64_t index, int level)
{
    if (level == 0)
        return alloc_block();
    void *p = ((index >> (level - 1)) & 1) ? pick_b(index, level - 1) : pick_a(index, level - 1);
    __asm__ volatile("" ::: "memory");
    return p;
}

static __attribute__((noinline)) void *pick_a(uint64_t index, int level)
{
    void *p = pick(index, level);
    __asm__ volatile("" ::: "memory");
    return p;
}

static __attribute__((noinline)) void *pick_b(uint64_t index, int level)
{
    void *p = pick(index, level);
    __asm__ volatile("" ::: "memory");
    return p;
}

static uint64_t parse_u64(const char *s, const char *what)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '-' || *end || end == s) {
        fprintf(stderr, "scale: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fputs("usage: scale LIVE EVENTS STACKS_LOG2 [leak|wait]\n", stderr);
        return 2;
    }
    uint64_t live = parse_u64(argv[1], "live count");
    uint64_t events = parse_u64(argv[2], "event count");
    uint64_t stacks_log2 = parse_u64(argv[3], "stack count log2");
    int leak = argc > 4 && !strcmp(argv[4], "leak");
    int wait = argc > 4 && !strcmp(argv[4], "wait");
    if (stacks_log2 > MAX_STACKS_LOG2) {
        fputs("scale: at most 2^24 stacks\n", stderr);
        return 2;
    }
    live_set = malloc((live ? live : 1) * sizeof *live_set);
    if (!live_set) {
        fputs("scale: out of memory\n", stderr);
        return 1;
    }
    for (uint64_t i = 0; i < live; i++)
        live_set[i] = pick(i, (int)stacks_log2);
    /* The final frees (the live set's, and the array's) count as events. */
    uint64_t done = live + (leak ? 0 : live) + 2;
    for (; done + 2 <= events; done += 2)
        free(pick(done, 0));
    if (wait) {
        puts("scale: ready");
        fflush(stdout);
        while (getchar() != EOF)
            ;
    }
    if (!leak) {
        for (uint64_t i = 0; i < live; i++)
            free(live_set[i]);
    }
    free(live_set);
    live_set = NULL;
    printf("scale: %llu live, %llu events, %llu stacks%s\n", (unsigned long long)live,
           (unsigned long long)events, 1ull << stacks_log2, leak ? ", leaked" : "");
    return 0;
}

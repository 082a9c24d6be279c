/* LSD radix sort of blocks and record entries by address; see block_sort.h. */
#include "common/block_sort.h"
#include "common/big_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The digits, low to high. Twelve bits: 2M blocks of 24 bytes sorted in a
 * median of 41-42 ms of user CPU with 10-12-bit digits, 47 ms with 16-bit ones
 * (buffers faulted in already, 7 runs each); the width matters less than the
 * bytes moved, so entries are sorted before they become blocks.
 */
#define DIGITS 6
#define WIDE 12
#define BUCKETS (1u << WIDE)
static const unsigned shift_of[DIGITS] = {0, 4, 16, 28, 40, 52};
static const unsigned width_of[DIGITS] = {4, 12, 12, 12, 12, 12};

typedef size_t counts[DIGITS][BUCKETS];

static __thread ch_sort_stats last;

ch_sort_stats ch_sort_last_stats(void)
{
    return last;
}

static inline unsigned digit(uint64_t key, unsigned d)
{
    return (unsigned)(key >> shift_of[d]) & ((1u << width_of[d]) - 1);
}

static inline uint64_t key_block(const ch_block *b)
{
    return b->addr;
}

static inline uint64_t key_entry(const ch_live_entry *e)
{
    return ch_entry_addr(e); /* without its epoch */
}

/* Every digit of key counted, the loop written out: a loop over the digits, not unrolled, took a
 * fifth of the sort's time (perf). */
static inline void count_key(counts *c, uint64_t key)
{
    _Static_assert(DIGITS == 6, "one line per digit");
    (*c)[0][digit(key, 0)]++;
    (*c)[1][digit(key, 1)]++;
    (*c)[2][digit(key, 2)]++;
    (*c)[3][digit(key, 3)]++;
    (*c)[4][digit(key, 4)]++;
    (*c)[5][digit(key, 5)]++;
}

/* The histograms of every digit of every element, and the scatter of one digit: for each type. */
#define RADIX_FNS(T, KEY)                                                                          \
    static void count_##T(const T *v, size_t n, counts *c)                                         \
    {                                                                                              \
        for (size_t i = 0; i < n; i++)                                                             \
            count_key(c, KEY(&v[i]));                                                              \
    }                                                                                              \
    static void scatter_##T(const T *from, T *to, size_t n, size_t *at, unsigned d)                \
    {                                                                                              \
        for (size_t i = 0; i < n; i++)                                                             \
            to[at[digit(KEY(&from[i]), d)]++] = from[i];                                           \
    }
RADIX_FNS(ch_block, key_block)
RADIX_FNS(ch_live_entry, key_entry)

/*
 * The digits that cost a pass (some two keys differ in them), low first, into
 * pass[]; their counts turned into the buckets' starts. Returns how many.
 */
static unsigned plan(counts *c, size_t n, uint64_t first, unsigned pass[DIGITS])
{
    unsigned k = 0;
    for (unsigned d = 0; d < DIGITS; d++) {
        if ((*c)[d][digit(first, d)] == n)
            continue;
        size_t at = 0;
        for (unsigned b = 0; b < (1u << width_of[d]); b++) {
            size_t x = (*c)[d][b];
            (*c)[d][b] = at;
            at += x;
        }
        pass[k++] = d;
        last.passes = k;
        if ((1u << width_of[d]) > last.buckets)
            last.buckets = 1u << width_of[d];
    }
    return k;
}

int ch_sort_blocks(ch_block *b, size_t n)
{
    last = (ch_sort_stats){0};
    if (n < 2)
        return 0;
    counts *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    count_ch_block(b, n, c);
    unsigned pass[DIGITS], k = plan(c, n, b[0].addr, pass);
    /* The scratch region: the heap copy that follows reuses these pages (big_alloc.h). */
    ch_scratch buf;
    ch_block *tmp = k ? ch_scratch_take(&buf, n * sizeof *tmp) : NULL;
    if (k && !tmp) {
        free(c);
        return -1;
    }
    ch_block *from = b, *to = tmp;
    for (unsigned i = 0; i < k; i++) {
        scatter_ch_block(from, to, n, (*c)[pass[i]], pass[i]);
        ch_block *t = from;
        from = to;
        to = t;
    }
    if (from != b)
        memcpy(b, from, n * sizeof *b);
    if (k)
        ch_scratch_give(&buf);
    free(c);
    return 0;
}

int ch_sort_entries(ch_live_entry *e, size_t n, ch_block *out)
{
    last = (ch_sort_stats){0};
    counts *c = n > 1 ? calloc(1, sizeof *c) : NULL;
    if (n > 1 && !c)
        return -1;
    unsigned pass[DIGITS], k = 0;
    if (c) {
        count_ch_live_entry(e, n, c);
        k = plan(c, n, key_entry(&e[0]), pass);
    }
    /* out (n blocks) holds n entries with room to spare: the other buffer. */
    ch_live_entry *from = e, *to = (ch_live_entry *)out;
    for (unsigned i = 0; i < k; i++) {
        scatter_ch_live_entry(from, to, n, (*c)[pass[i]], pass[i]);
        ch_live_entry *t = from;
        from = to;
        to = t;
    }
    free(c);
    if (from == e) {
        for (size_t i = 0; i < n; i++)
            out[i] = ch_block_of_entry(&e[i]);
        return 0;
    }
    /* The entries sorted in out's own memory: converted in place from the last. Block i starts
     * at or above entry i and covers no entry below it; entry i is read before the block is
     * written, both through memcpy, as the one memory holds both types. */
    for (size_t i = n; i-- > 0;) {
        ch_live_entry x;
        memcpy(&x, &from[i], sizeof x);
        const ch_block b = ch_block_of_entry(&x);
        memcpy(&out[i], &b, sizeof b);
    }
    return 0;
}

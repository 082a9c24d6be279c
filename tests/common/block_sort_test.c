/*
 * Unit tests of common/block_sort.h: blocks and record entries sorted by
 * address against qsort's order (ties in their first order), over spans
 * that take one to four passes, repeats, odd addresses and epochs; the
 * passes a heap of 2M blocks takes; out of memory. Usage: block_sort_test.
 */
#include "common/block_sort.h"
#include "failalloc.h"

#include <stdint.h>

/* By address, then by first position (kept in size): the order a stable sort gives. */
static int by_addr_then_size(const void *a, const void *b)
{
    const ch_block *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->size < y->size ? -1 : x->size > y->size;
}

/* n addresses base + (random below span, in steps of `align`), about one in `rep` repeated. */
static uint64_t addr_at(uint64_t base, uint64_t span, uint64_t align, unsigned rep, uint64_t prev)
{
    if (rep && prev && next_rand() % rep == 0)
        return prev;
    return base + next_rand() % (span / align) * align;
}

/* Sorts one set both ways (blocks; entries into blocks) and compares with qsort's. */
static void check_set(const char *what, size_t n, uint64_t base, uint64_t span, uint64_t align,
                      unsigned rep, unsigned want_passes)
{
    ch_block *b = malloc((n ? n : 1) * sizeof *b), *ref = malloc((n ? n : 1) * sizeof *ref),
             *out = malloc((n ? n : 1) * sizeof *out);
    ch_live_entry *e = malloc((n ? n : 1) * sizeof *e);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        prev = addr_at(base, span, align, rep, prev);
        uint32_t epoch = (uint32_t)(next_rand() % 5), stack = (uint32_t)(next_rand() % 1000);
        /* The size is the first position: a tie broken the wrong way shows. */
        e[i] = (ch_live_entry){ch_pack_addr_epoch(prev, epoch), ch_pack_size_stack(i, stack)};
        ref[i] = b[i] = ch_block_of_entry(&e[i]);
    }
    qsort(ref, n, sizeof *ref, by_addr_then_size);
    CHECK(ch_sort_blocks(b, n) == 0, "%s: blocks sorted", what);
    CHECK(!n || !memcmp(b, ref, n * sizeof *b), "%s: blocks in qsort's order", what);
    unsigned passes = ch_sort_last_stats().passes;
    CHECK(ch_sort_entries(e, n, out) == 0, "%s: entries sorted", what);
    CHECK(!n || !memcmp(out, ref, n * sizeof *out), "%s: entries' blocks in qsort's order", what);
    CHECK(ch_sort_last_stats().passes == passes, "%s: entries took the blocks' passes", what);
    CHECK(want_passes == ~0u || passes == want_passes, "%s: %u passes, %u wanted", what, passes,
          want_passes);
    free(b);
    free(ref);
    free(out);
    free(e);
}

int main(void)
{
    const uint64_t brk = 0x55d0a0000000ull, arena = 0x7f3c40000000ull;
    check_set("none", 0, brk, 1 << 20, 16, 0, 0);
    check_set("one", 1, brk, 1 << 20, 16, 0, 0);
    check_set("the same address", 100, brk, 16, 16, 0, 0);
    /* Bits 4-15 only: one pass, into out's memory, converted in place. */
    check_set("64 KiB", 5000, brk, 1 << 16, 16, 7, 1);
    /* Two, three and four digits of 12 bits: even and odd numbers of passes. */
    check_set("16 MiB", 100000, brk, 1 << 24, 16, 50, 2);
    check_set("1 GiB", 100000, brk, 1ull << 30, 16, 0, 3);
    check_set("brk and an arena", 100000, brk, arena - brk, 16, 0, 4);
    /* Addresses not 16-aligned: the low digit too. */
    check_set("odd addresses", 20000, brk + 3, 1 << 20, 1, 9, ~0u);
    /* The tree of bench/workloads: 2M blocks of 48-byte chunks in 96 MB, two passes of 4,096
     * buckets each (16-bit digits took two of 65,536). */
    check_set("2M blocks", 2000000, brk, 96000000, 48, 0, 2);
    CHECK(ch_sort_last_stats().buckets <= 4096, "2M blocks: %zu buckets a pass",
          ch_sort_last_stats().buckets);
    /* Blocks may hold any 64-bit address (a test's or a corrupt record's). */
    ch_block high[3] = {{.addr = ~0ull}, {.addr = 1ull << 63}, {.addr = 5}};
    CHECK(!ch_sort_blocks(high, 3) && high[0].addr == 5 && high[1].addr == 1ull << 63 &&
              high[2].addr == ~0ull,
          "addresses above 2^48");
    /* Out of memory: -1, the blocks as they were. */
    ch_block two[2] = {{.addr = 0x2000}, {.addr = 0x1000}};
    ch_live_entry ents[2] = {{0x2000, 0}, {0x1000, 0}};
    ch_block out[2];
    fail_after(0);
    CHECK(ch_sort_blocks(two, 2) == -1 && two[0].addr == 0x2000, "blocks: out of memory");
    CHECK(ch_sort_entries(ents, 2, out) == -1, "entries: out of memory");
    fail_never();
    if (!failures)
        printf("ok\n");
    return failures ? 1 : 0;
}

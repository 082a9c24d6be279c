/* Sorting the blocks and the arrays the scan searches. */
#include "analyze/block_index.h"
#include "common/big_alloc.h"
#include "common/block_sort.h"
#include "common/grow.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* What one pass over the blocks finds out (first_pass). */
typedef struct facts {
    bool sorted, spaced; /* spaced: see build_starts */
    uint64_t span;       /* the segments' total width */
} facts;

/* Appends segment [lo, hi) to ix->segs; -1 when out of memory. */
static int add_seg(ch_block_index *ix, size_t *cap, uint64_t lo, uint64_t hi)
{
    if (ix->nsegs == *cap) {
        ch_index_seg *more = ch_grow(ix->segs, cap, sizeof *more, 8);
        if (!more)
            return -1;
        ix->segs = more;
    }
    ix->segs[ix->nsegs++] = (ch_index_seg){.lo = lo, .hi = hi};
    return 0;
}

/*
 * One pass over blocks in address order: whether they are sorted, their
 * highest end, whether their starts are spaced for a bitmap, and their
 * segments (split at gaps wider than CH_INDEX_GAP). These were five passes
 * over the 48 MB of the tree's 2M blocks. Stops early (f->sorted false) at
 * the first block out of order; -1 when out of memory.
 */
static int first_pass(ch_block_index *ix, const ch_block *b, size_t n, facts *f)
{
    *f = (facts){.sorted = true, .spaced = true};
    size_t cap = 0;
    ix->nsegs = 0;
    /* Locals: stores through ix and f might alias the blocks, and reload b[0] at every block. */
    const uint64_t first = n ? b[0].addr : 0;
    uint64_t lo = first, hi = lo, top = 0, span = 0, prev = first;
    bool spaced = true;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = b[i].addr, end = ch_block_end(&b[i]);
        if (a < prev) {
            f->sorted = false;
            return 0;
        }
        spaced &= !((a - first) & 7) && (!i || a > prev);
        prev = a;
        if (i && !(a <= hi + CH_INDEX_GAP && hi + CH_INDEX_GAP > hi)) {
            if (add_seg(ix, &cap, lo, hi))
                return -1;
            span += hi - lo;
            lo = hi = a;
        }
        hi = end > hi ? end : hi;
        top = end > top ? end : top;
    }
    if (n && add_seg(ix, &cap, lo, hi))
        return -1;
    *f = (facts){.sorted = true, .spaced = spaced, .span = span + (hi - lo)};
    ix->hi = top;
    return 0;
}

/* Sets the bit of block i's start in `starts` (see ch_block_index). */
static void mark_start(ch_block_index *ix, size_t i)
{
    uint64_t word = (ix->blocks[i].addr - ix->lo) >> 3;
    ix->starts[word >> 5] |= 1ull << (word & 31);
}

/* About one bucket per block over the segments' spans, never more buckets
 * than blocks plus one per segment; the starts' bits set in the same pass. */
static int build_dir(ch_block_index *ix, uint64_t span)
{
    if (!ix->nsegs) { /* no blocks: one empty segment, which lo > hi keeps unsearched */
        size_t cap = 0;
        if (add_seg(ix, &cap, ix->lo, ix->lo))
            return -1;
    }
    ix->shift = 0;
    while ((span >> ix->shift) >= ix->n + 1)
        ix->shift++;
    ix->nbuckets = 0;
    for (size_t k = 0; k < ix->nsegs; k++) {
        ix->segs[k].base = ix->nbuckets;
        uint64_t width = ix->segs[k].hi - ix->segs[k].lo;
        ix->nbuckets += (width ? (width - 1) >> ix->shift : 0) + 1;
    }
    if (!(ix->dir = ch_big_alloc((ix->nbuckets + 1) * sizeof *ix->dir)))
        return -1;
    size_t i = 0;
    for (size_t k = 0; k < ix->nsegs; k++) {
        const ch_index_seg *g = &ix->segs[k];
        uint64_t nb = (k + 1 < ix->nsegs ? ix->segs[k + 1].base : ix->nbuckets) - g->base;
        for (uint64_t b = 0; b < nb; b++) {
            uint64_t at = g->lo + (b << ix->shift); /* < g->hi: cannot wrap */
            for (; i < ix->n && ix->blocks[i].addr < at; i++)
                if (ix->starts)
                    mark_start(ix, i);
            ix->dir[g->base + b] = (uint32_t)i;
        }
    }
    for (; ix->starts && i < ix->n; i++)
        mark_start(ix, i);
    ix->dir[ix->nbuckets] = (uint32_t)ix->n;
    return 0;
}

/* Makes ix->starts (zeroed) when the starts allow it (`spaced`: 8 bytes apart from lo, strictly
 * rising; see ch_block_index); else leaves it NULL. */
static int alloc_starts(ch_block_index *ix, bool spaced)
{
    uint64_t entries = ix->n ? ((ix->hi - 1 - ix->lo) >> 8) + 1 : 0;
    if (!spaced || !entries || entries > ix->n)
        return 0; /* a sparse heap, or odd starts: the buckets serve alone */
    if (!(ix->starts = ch_big_alloc(entries * sizeof *ix->starts)))
        return -1;
    memset(ix->starts, 0, entries * sizeof *ix->starts);
    return 0;
}

/* Each entry of `starts` given the count of blocks starting below it, once its bits are set. */
static void count_starts(ch_block_index *ix)
{
    uint64_t entries = ix->starts ? ((ix->hi - 1 - ix->lo) >> 8) + 1 : 0, below = 0;
    for (uint64_t e = 0; e < entries; e++) {
        ix->starts[e] |= below << 32;
        below += (uint64_t)__builtin_popcount((uint32_t)ix->starts[e]);
    }
}

int ch_block_index_init(ch_block_index *ix, ch_block *blocks, size_t n)
{
    *ix = (ch_block_index){0};
    if (n >= UINT32_MAX)
        return -1; /* dir holds 32-bit indices */
    /* collect hands them over sorted already: no sort, no copy. */
    facts f;
    if (first_pass(ix, blocks, n, &f))
        goto fail;
    if (!f.sorted) {
        if (ch_sort_blocks(blocks, n))
            goto fail;
        if (first_pass(ix, blocks, n, &f))
            goto fail;
    }
    ix->blocks = blocks;
    ix->n = n;
    ix->lo = n ? blocks[0].addr : 1;
    if (!n)
        ix->hi = 0; /* empty: lo > hi rejects every word */
    if (alloc_starts(ix, f.spaced) || build_dir(ix, f.span))
        goto fail;
    count_starts(ix);
    return 0;
fail:
    ch_block_index_free(ix);
    return -1;
}

void ch_block_index_free(ch_block_index *ix)
{
    free(ix->dir);
    free(ix->segs);
    free(ix->starts);
    *ix = (ch_block_index){0};
}

size_t ch_block_index_first_starting_at(const ch_block_index *ix, uint64_t addr)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->blocks[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t ch_block_index_first_ending_after(const ch_block_index *ix, uint64_t addr)
{
    /* Blocks do not overlap in a sane heap, so ends are sorted like starts.
     * In a corrupt record they may not be: step back over overlapping
     * predecessors so no block byte is ever treated as a root. */
    size_t lo = ch_block_index_first_starting_at(ix, addr);
    while (lo > 0 && ch_block_end(&ix->blocks[lo - 1]) > addr)
        lo--;
    return lo;
}

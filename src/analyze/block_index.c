/* Sorting the blocks and the arrays the scan searches. */
#include "analyze/block_index.h"
#include "common/big_alloc.h"
#include "common/block_sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int is_sorted(const ch_block *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i - 1].addr > b[i].addr)
            return 0;
    return 1;
}

/* Splits the sorted blocks into segments at gaps wider than CH_INDEX_GAP
 * (counted first with segs NULL). Returns how many, and their total span. */
static size_t find_segs(const ch_block_index *ix, ch_index_seg *segs, uint64_t *span)
{
    size_t k = 0;
    *span = 0;
    for (size_t i = 0; i < ix->n;) {
        uint64_t lo = ix->blocks[i].addr, hi = ch_block_end(&ix->blocks[i]);
        for (i++; i < ix->n && ix->blocks[i].addr <= hi + CH_INDEX_GAP && hi + CH_INDEX_GAP > hi;
             i++) {
            uint64_t end = ch_block_end(&ix->blocks[i]);
            hi = end > hi ? end : hi;
        }
        if (segs)
            segs[k] = (ch_index_seg){.lo = lo, .hi = hi};
        *span += hi - lo;
        k++;
    }
    return k;
}

/* About one bucket per block over the segments' spans, never more buckets
 * than blocks plus one per segment. */
static int build_dir(ch_block_index *ix)
{
    uint64_t span;
    ix->nsegs = find_segs(ix, NULL, &span);
    if (!(ix->segs = malloc((ix->nsegs ? ix->nsegs : 1) * sizeof *ix->segs)))
        return -1;
    (void)find_segs(ix, ix->segs, &span);
    if (!ix->nsegs) /* no blocks: one empty segment, which lo > hi keeps unsearched */
        ix->segs[ix->nsegs++] = (ch_index_seg){.lo = ix->lo, .hi = ix->lo};
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
            while (i < ix->n && ix->blocks[i].addr < at)
                i++;
            ix->dir[g->base + b] = (uint32_t)i;
        }
    }
    ix->dir[ix->nbuckets] = (uint32_t)ix->n;
    return 0;
}

/* Builds ix->starts when the starts allow it (`spaced`: 8 bytes apart from lo, strictly rising;
 * see ch_block_index); else leaves it NULL. */
static int build_starts(ch_block_index *ix, bool spaced)
{
    uint64_t entries = ix->n ? ((ix->hi - 1 - ix->lo) >> 8) + 1 : 0;
    if (!spaced || !entries || entries > ix->n)
        return 0; /* a sparse heap, or odd starts: the buckets serve alone */
    if (!(ix->starts = ch_big_alloc(entries * sizeof *ix->starts)))
        return -1;
    memset(ix->starts, 0, entries * sizeof *ix->starts);
    for (size_t i = 0; i < ix->n; i++) {
        uint64_t word = (ix->blocks[i].addr - ix->lo) >> 3;
        ix->starts[word >> 5] |= 1ull << (word & 31);
    }
    uint64_t below = 0;
    for (uint64_t e = 0; e < entries; e++) {
        ix->starts[e] |= below << 32;
        below += (uint64_t)__builtin_popcount((uint32_t)ix->starts[e]);
    }
    return 0;
}

int ch_block_index_init(ch_block_index *ix, ch_block *blocks, size_t n)
{
    *ix = (ch_block_index){0};
    if (n >= UINT32_MAX)
        return -1; /* dir holds 32-bit indices */
    /* collect hands them over sorted already: no sort, no copy. */
    if (!is_sorted(blocks, n) && ch_sort_blocks(blocks, n))
        return -1;
    ix->blocks = blocks;
    ix->n = n;
    ix->lo = n ? blocks[0].addr : 1;
    ix->hi = 0; /* empty: lo > hi rejects every word */
    bool spaced = true;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = ch_block_end(&blocks[i]);
        if (end > ix->hi)
            ix->hi = end;
        spaced &= !((blocks[i].addr - ix->lo) & 7) && (!i || blocks[i].addr > blocks[i - 1].addr);
    }
    if (build_dir(ix) || build_starts(ix, spaced)) {
        ch_block_index_free(ix);
        return -1;
    }
    return 0;
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

/* Sorting the blocks and the arrays the scan searches. */
#include "analyze/block_index.h"
#include "common/big_alloc.h"
#include "common/block_sort.h"

#include <stdlib.h>

static int is_sorted(const ch_block *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i - 1].addr > b[i].addr)
            return 0;
    return 1;
}

/* About one bucket per block, never more buckets than blocks (plus one). */
static int build_dir(ch_block_index *ix)
{
    uint64_t span = ix->hi > ix->lo ? ix->hi - ix->lo : 1;
    ix->shift = 0;
    while ((span >> ix->shift) >= ix->n + 1)
        ix->shift++;
    ix->nbuckets = (span >> ix->shift) + 1;
    if (!(ix->dir = ch_big_alloc((ix->nbuckets + 1) * sizeof *ix->dir)))
        return -1;
    size_t i = 0;
    for (uint64_t b = 0; b < ix->nbuckets; b++) {
        uint64_t at = b << ix->shift; /* offset from lo, <= span: cannot wrap */
        while (i < ix->n && ix->blocks[i].addr - ix->lo < at)
            i++;
        ix->dir[b] = (uint32_t)i;
    }
    ix->dir[ix->nbuckets] = (uint32_t)ix->n;
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
    for (size_t i = 0; i < n; i++) {
        uint64_t end = ch_block_end(&blocks[i]);
        if (end > ix->hi)
            ix->hi = end;
    }
    if (build_dir(ix)) {
        ch_block_index_free(ix);
        return -1;
    }
    return 0;
}

void ch_block_index_free(ch_block_index *ix)
{
    free(ix->dir);
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

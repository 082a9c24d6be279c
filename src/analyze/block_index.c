/* Sorting the blocks and the arrays the scan searches. */
#include "analyze/block_index.h"

#include <stdlib.h>

static int by_address(const void *a, const void *b)
{
    const ch_block *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Saturates: a corrupt record may hold sizes that would wrap the address space. */
static uint64_t block_end(const ch_block *b)
{
    uint64_t size = b->size ? b->size : 1;
    return b->addr > UINT64_MAX - size ? UINT64_MAX : b->addr + size;
}

static int is_sorted(const ch_block *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i - 1].addr > b[i].addr)
            return 0;
    return 1;
}

int ch_block_index_init(ch_block_index *ix, ch_block *blocks, size_t n)
{
    /* collect hands them over sorted already; glibc's qsort would still
     * spend n log n on them. */
    if (!is_sorted(blocks, n))
        qsort(blocks, n, sizeof *blocks, by_address);
    ix->blocks = blocks;
    ix->n = n;
    ix->starts = malloc((n ? n : 1) * sizeof *ix->starts);
    ix->ends = malloc((n ? n : 1) * sizeof *ix->ends);
    if (!ix->starts || !ix->ends) {
        ch_block_index_free(ix);
        return -1;
    }
    ix->lo = n ? blocks[0].addr : 1;
    ix->hi = 0; /* empty: lo > hi rejects every word */
    for (size_t i = 0; i < n; i++) {
        ix->starts[i] = blocks[i].addr;
        ix->ends[i] = block_end(&blocks[i]);
        if (ix->ends[i] > ix->hi)
            ix->hi = ix->ends[i];
    }
    return 0;
}

void ch_block_index_free(ch_block_index *ix)
{
    free(ix->starts);
    free(ix->ends);
    ix->starts = ix->ends = NULL;
    ix->n = 0;
}

size_t ch_block_index_first_ending_after(const ch_block_index *ix, uint64_t addr)
{
    /* Blocks do not overlap in a sane heap, so ends are sorted like starts.
     * In a corrupt record they may not be: step back over overlapping
     * predecessors so no block byte is ever treated as a root. */
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->starts[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo > 0 && ix->ends[lo - 1] > addr)
        lo--;
    return lo;
}

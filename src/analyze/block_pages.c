/* The pages that hold a block; see block_pages.h. */
#include "analyze/block_pages.h"

#include <stdlib.h>

/* At least 64 bits per page set, and 4 KiB of them (the L1 cache holds them): a word into a page
 * no block covers then shares a bit with a covered one once in 64 at most. The 2M-block tree
 * sampled (136 blocks, 86 MB of heap): 16 bits per page and 512 bytes made 58,000-74,000
 * lookups, this 13,000-14,000, the words into the blocks' own pages (2M before the filter). */
#define BITS_PER_PAGE 64
#define MIN_BITS ((uint64_t)1 << 15)
#define MAX_BITS ((uint64_t)1 << 24) /* 2 MiB */

static const uint64_t every_page = ~0ull;

static uint64_t first_page(uint64_t addr)
{
    return addr >> CH_BLOCK_PAGE_SHIFT;
}

static uint64_t last_page(const ch_block *b)
{
    return (ch_block_end(b) - 1) >> CH_BLOCK_PAGE_SHIFT;
}

/* Pages the blocks cover, each counted once (sorted blocks, which may overlap in a corrupt
 * record), or, with bits, set in bits. */
static uint64_t cover(const ch_block_index *ix, uint64_t *bits, uint64_t mask)
{
    uint64_t covered = 0, next = 0; /* next: the first page not counted yet */
    for (size_t i = 0; i < ix->n; i++) {
        uint64_t a = first_page(ix->blocks[i].addr), z = last_page(&ix->blocks[i]);
        if (a < next)
            a = next;
        if (a > z)
            continue;
        covered += z - a + 1;
        next = z + 1;
        /* More pages than bits set every bit: stop there (a corrupt size may span 2^40). */
        for (uint64_t p = a, k = 0; bits && p <= z && k <= mask; p++, k++)
            bits[(p & mask) >> 6] |= 1ull << (p & 63);
    }
    return covered;
}

/* Pages the index's segments span. */
static uint64_t span_pages(const ch_block_index *ix)
{
    uint64_t n = 0;
    for (size_t k = 0; k < ix->nsegs; k++)
        if (ix->segs[k].hi > ix->segs[k].lo)
            n += ((ix->segs[k].hi - 1) >> CH_BLOCK_PAGE_SHIFT) -
                 (ix->segs[k].lo >> CH_BLOCK_PAGE_SHIFT) + 1;
    return n;
}

void ch_block_pages_init(ch_block_pages *bp, const ch_block_index *ix)
{
    *bp = (ch_block_pages){.bits = &every_page, .mask = 63};
    /* As many blocks as pages (full tracking): the pages are not even counted, which read every
     * block entry (the 2M-block tree: 48 MB, 10-15 ms of CPU). */
    uint64_t pages = span_pages(ix);
    if (ix->n >= pages)
        return;
    uint64_t covered = cover(ix, NULL, 0);
    if (!covered || covered > pages / 2)
        return; /* most words into the heap would pass */
    uint64_t nbits = MIN_BITS;
    while (nbits < BITS_PER_PAGE * covered && nbits < MAX_BITS)
        nbits *= 2;
    uint64_t *bits = calloc(nbits / 64, sizeof *bits);
    if (!bits)
        return;
    bp->own = bits;
    bp->bits = bits;
    bp->mask = nbits - 1;
    (void)cover(ix, bits, bp->mask);
}

void ch_block_pages_free(ch_block_pages *bp)
{
    free(bp->own);
    *bp = (ch_block_pages){.bits = &every_page, .mask = 63};
}

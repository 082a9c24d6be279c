/* The pages that hold a block; see block_pages.h. */
#include "analyze/block_pages.h"

#include <stdlib.h>

/* At least 64 slots per page set, and 32 Ki of them (32 KiB): a word into a page no block covers
 * then shares a slot with a covered one once in 64 at most. The 2M-block tree sampled (136
 * blocks, 86 MB of heap): 16 slots per page and 4 Ki of them made 58,000-74,000 lookups, this
 * 13,000-14,000, the words into the blocks' own pages (2M before the filter). */
#define SLOTS_PER_PAGE 64
#define MIN_SLOTS ((uint64_t)1 << 15)
#define MAX_SLOTS ((uint64_t)1 << 21) /* 2 MiB */

static const uint8_t every_page = 1;

static uint64_t first_page(uint64_t addr)
{
    return addr >> CH_BLOCK_PAGE_SHIFT;
}

static uint64_t last_page(const ch_block *b)
{
    return (ch_block_end(b) - 1) >> CH_BLOCK_PAGE_SHIFT;
}

/* Pages the blocks cover, each counted once (sorted blocks, which may overlap in a corrupt
 * record), or, with slots, set in slots. */
static uint64_t cover(const ch_block_index *ix, uint8_t *slots, uint64_t mask)
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
        /* More pages than slots set every slot: stop there (a corrupt size may span 2^40). */
        for (uint64_t p = a, k = 0; slots && p <= z && k <= mask; p++, k++)
            slots[p & mask] = 1;
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

/* nslots slots (a power of two) with the blocks' pages set, or NULL (no memory). */
static uint8_t *filled(const ch_block_index *ix, uint64_t nslots)
{
    uint8_t *slots = calloc(nslots, 1);
    if (slots)
        (void)cover(ix, slots, nslots - 1);
    return slots;
}

void ch_block_pages_init(ch_block_pages *bp, const ch_block_index *ix)
{
    *bp = (ch_block_pages){.slots = &every_page, .mask = 0};
    /* As many blocks as pages (full tracking): the pages are not even counted, which read every
     * block entry (the 2M-block tree: 48 MB, 10-15 ms of CPU). */
    uint64_t pages = span_pages(ix);
    if (ix->n >= pages)
        return;
    uint64_t covered = cover(ix, NULL, 0);
    if (!covered || covered > pages / 2)
        return; /* most words into the heap would pass */
    uint64_t nslots = MIN_SLOTS;
    while (nslots < SLOTS_PER_PAGE * covered && nslots < MAX_SLOTS)
        nslots *= 2;
    uint8_t *slots = filled(ix, nslots);
    /* A covered page at a multiple of nslots pages shares page 0's slot, and the small words then
     * pass (ch_block_pages_drops_small): with twice the slots, only one at a multiple of twice
     * that does. Twice at most: each try reads every block's entry. */
    for (int tries = 0; slots && slots[0] && tries < 2 && nslots < MAX_SLOTS; tries++) {
        free(slots);
        nslots *= 2;
        slots = filled(ix, nslots);
    }
    if (!slots)
        return;
    bp->own = slots;
    bp->slots = slots;
    bp->mask = nslots - 1;
}

void ch_block_pages_free(ch_block_pages *bp)
{
    free(bp->own);
    *bp = (ch_block_pages){.slots = &every_page, .mask = 0};
}

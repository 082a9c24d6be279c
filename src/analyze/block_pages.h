/*
 * The pages that hold a block: a filter that drops, before any lookup in the
 * block index, the words that cannot point into one.
 *
 * A sampled run's roots include the untracked heap (collect/roots.c: the
 * arenas hold the unsampled live blocks), so its scan reads every word of
 * the program's heap, and most of those words are pointers into it: inside
 * the index's [lo, hi), each one searched for among a few hundred sampled
 * blocks that it nearly never points into. A byte per page number says
 * whether some block covers a byte of that page; a word whose page's slot is
 * clear points into no block and is dropped. The slots are indexed by the
 * page number's low bits (a power of two of them, at least 64 per page set),
 * so the C heap's segments, however far apart, share one small array without
 * a segment search; pages that share a slot only cost a lookup each, never a
 * missed block. A heap with as many blocks as pages, or whose blocks cover
 * most of its pages (full tracking), gets no filter: every word would pass
 * it after one more load.
 *
 * A slot is a byte, not a bit: the test is one load and compare per word,
 * where a bit's shift and mask made the word loop 1.7x slower (64 MiB of
 * heap words read from the L2 cache, 32 Ki slots: 5.0 against 2.9 ms). When
 * page 0's slot is clear (ch_block_pages_drops_small), the filter alone drops
 * the null and small words, half of a heap's words, and the scan leaves the C
 * heap's range test to the few words that pass.
 */
#ifndef CGOHEAP_BLOCK_PAGES_H
#define CGOHEAP_BLOCK_PAGES_H

#include "analyze/block_index.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ch_block_pages {
    const uint8_t *slots; /* mask + 1 slots, 1 where a block's page may be; {1} without a filter */
    uint8_t *own;         /* slots when allocated, else NULL */
    uint64_t mask;
} ch_block_pages;

#define CH_BLOCK_PAGE_SHIFT 12

/* Builds the filter for ix's blocks, or none when it would pass most words or there is no
 * memory for it (the filter is an optimisation: without it every word passes). */
void ch_block_pages_init(ch_block_pages *bp, const ch_block_index *ix);
void ch_block_pages_free(ch_block_pages *bp);

/* False when no block covers a byte of w's page. */
static inline bool ch_block_pages_may_hold(const ch_block_pages *bp, uint64_t w)
{
    return bp->slots[(w >> CH_BLOCK_PAGE_SHIFT) & bp->mask];
}

/* True when there is a filter and it drops every word below 4096 (page 0's slot is clear):
 * then nearly every word that passes points into the C heap. */
static inline bool ch_block_pages_drops_small(const ch_block_pages *bp)
{
    return bp->own && !bp->slots[0];
}

#endif

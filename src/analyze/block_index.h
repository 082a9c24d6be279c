/* A sorted view of the profile's blocks for pointer lookups during the scan. */
#ifndef CGOHEAP_BLOCK_INDEX_H
#define CGOHEAP_BLOCK_INDEX_H

#include "common/profile.h"
#include "common/search.h"
#include <stddef.h>
#include <stdint.h>

/* A range of target bytes [start, end), sorted with others by start (heap_copy.h). */
typedef struct ch_block_span {
    uint64_t start, end;
} ch_block_span;

/* A block's end: start + 1 for a zero-size block, saturating (a corrupt record may hold sizes
 * that would wrap the address space). */
static inline uint64_t ch_block_end(const ch_block *b)
{
    uint64_t size = b->size ? b->size : 1;
    return b->addr > UINT64_MAX - size ? UINT64_MAX : b->addr + size;
}

/*
 * A run of blocks with no gap wider than CH_INDEX_GAP between them, and
 * where its buckets start in the directory. The C heap is several such
 * runs far apart (glibc's brk heap near the program, mmap'd blocks and
 * thread arenas near the libraries, 2^46 bytes away): one directory over
 * the whole span gave buckets of 512 MiB, so gawk's 330k brk blocks sat in
 * one bucket and each lookup was a binary search of 19 misses.
 */
typedef struct ch_index_seg {
    uint64_t lo, hi; /* [first block's start, last block's end) */
    uint64_t base;   /* its first bucket in dir */
} ch_index_seg;

typedef struct ch_block_index {
    /*
     * Sorted by address (sorted in place by init) and searched as they are:
     * a copy of their starts and ends beside them (16 bytes a block) cost
     * 32 MB of fresh pages at 2M blocks, and a lookup reads one entry either way.
     */
    const ch_block *blocks;
    size_t n;
    uint64_t lo, hi; /* every block lies in [lo, hi): the cheap first test */
    /*
     * dir[b] is the first block starting at or above bucket b's start, the
     * buckets of each segment 1 << shift bytes from its lo on, one segment's
     * after another's: a lookup searches only the blocks of one bucket. A
     * search over all the starts cost 21 dependent cache misses per word at
     * 2M blocks (53% of a scan's time); buckets hold about one block each.
     */
    uint32_t *dir; /* nbuckets + 1 entries */
    uint64_t nbuckets;
    unsigned shift;
    ch_index_seg *segs; /* sorted, disjoint; a few per process */
    size_t nsegs;
    /*
     * Where blocks start, when every start is 8 bytes apart from lo and the
     * starts rise strictly (a sorted record without repeats): per 32 words
     * of [lo, hi) (256 bytes), a bit per word that a block starts at (low
     * 32 bits) under the count of blocks starting below them (high 32
     * bits). A start pointer (most pointers) is then found in this one entry,
     * 8 bytes per 256 bytes of heap where the search read the bucket and then
     * the block (the tree's 2M blocks: 3.4 MB against 7 MB and 48 MB, one
     * access where two missed the caches). NULL when not built: never more
     * than one entry per block.
     */
    uint64_t *starts;
} ch_block_index;

/* Two blocks further apart than this start a new segment. */
#define CH_INDEX_GAP ((uint64_t)1 << 24)

/* Sorts blocks[0..n) by address and builds the index. Returns 0, or -1 (no memory). */
int ch_block_index_init(ch_block_index *ix, ch_block *blocks, size_t n);
void ch_block_index_free(ch_block_index *ix);

/* First block whose start is at or above addr. */
size_t ch_block_index_first_starting_at(const ch_block_index *ix, uint64_t addr);

/* First block whose end lies above addr (the first that can overlap [addr, ...)). */
size_t ch_block_index_first_ending_after(const ch_block_index *ix, uint64_t addr);

/*
 * Where glibc's malloc puts the header of the chunk that follows a block of
 * `size` bytes at `addr`: chunks are max(32, size + 8 rounded up to 16)
 * bytes and user memory starts 16 bytes into its chunk. The next header's
 * first 8 bytes overlap the end of a block whose size leaves no slack, so a
 * pointer to it looks like an interior pointer into the block.
 */
static inline uint64_t ch_glibc_next_chunk(uint64_t addr, uint64_t size)
{
    uint64_t chunk = (size + 8 + 15) & ~15ull;
    return addr - 16 + (chunk < 32 ? 32 : chunk);
}

/* The entry of `starts` for word w in [lo, hi); see ch_block_index. */
static inline const uint64_t *ch_block_index_starts_of(const ch_block_index *ix, uint64_t w)
{
    return &ix->starts[(w - ix->lo) >> 8];
}

/* The block starting exactly at w (in [lo, hi)) by `starts`, or -1 (w may still be an interior
 * pointer, or no pointer into a block). */
static inline long ch_block_index_starting_at(const ch_block_index *ix, uint64_t w)
{
    if (!ix->starts || ((w - ix->lo) & 7))
        return -1;
    uint64_t e = *ch_block_index_starts_of(ix, w);
    unsigned bit = (unsigned)((w - ix->lo) >> 3) & 31;
    if (!((e >> bit) & 1))
        return -1;
    return (long)((e >> 32) + (uint64_t)__builtin_popcount((uint32_t)e & ((1u << bit) - 1)));
}

/* The directory entry of the bucket that word w would lie in, or NULL when w lies in no segment. */
static inline const uint32_t *ch_block_index_bucket(const ch_block_index *ix, uint64_t w)
{
    if (w < ix->lo || w >= ix->hi)
        return NULL;
    /* The last segment starting at or below w: segs[0].lo == lo <= w, so there is one. */
    const ch_index_seg *g = &ix->segs[CH_FIRST_ABOVE(ix->segs, ix->nsegs, lo, w) - 1];
    if (w >= g->hi)
        return NULL; /* between two segments */
    return &ix->dir[g->base + ((w - g->lo) >> ix->shift)];
}

/*
 * The block that word w points into, or -1. *at_start tells a start pointer
 * from an interior one. Like valgrind, a pointer to a zero-size block counts
 * only if it equals the block's address.
 *
 * A word that points exactly at the next glibc chunk header is malloc's own
 * bookkeeping (the arena's top chunk, bin lists of free chunks: it lives in
 * libc's data, a root) and is no pointer to the block: counting it would make
 * every block allocated just before free space "possibly lost".
 */
static inline long ch_block_index_find(const ch_block_index *ix, uint64_t w, int *at_start)
{
    if (w < ix->lo || w >= ix->hi)
        return -1;
    long at = ch_block_index_starting_at(ix, w);
    if (at >= 0) {
        *at_start = 1;
        return at;
    }
    const uint32_t *d = ch_block_index_bucket(ix, w);
    if (!d)
        return -1;
    /* The last start <= w is at d[0] - 1 or later, and before d[1]. */
    size_t lo = d[0] ? d[0] - 1 : 0, hi = d[1];
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->blocks[mid].addr <= w)
            lo = mid;
        else
            hi = mid;
    }
    const ch_block *k = &ix->blocks[lo];
    if (k->addr > w || w >= ch_block_end(k))
        return -1;
    *at_start = k->addr == w;
    if (!*at_start && w == ch_glibc_next_chunk(k->addr, k->size))
        return -1;
    return (long)lo;
}

#endif

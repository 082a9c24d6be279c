/*
 * The words of the blocks that a scan can follow, kept without the rest of
 * the blocks' bytes.
 *
 * The mark step looks only at words that fall in the C heap's address range
 * or Go's heap; every other word (sizes, keys, characters, glibc's chunk
 * headers, the gaps between blocks) is dropped as soon as it is read. The
 * blocks are read in address order, 1 MiB at a time (heap_copy.h), into
 * one small buffer that every piece reuses, and only the kept words stay:
 * the 2M-block tree of bench/workloads keeps 32 MB of words (16 bytes each,
 * with their offsets and blocks below) where a copy of its heap was 88 MB of
 * memory the kernel had to zero first (the record's entries' 32 MB of pages
 * are reused instead: the scratch region of big_alloc.h).
 *
 * A block not read (a hole at its start, or past CH_COPY_MAX bytes of kept
 * words) is "not held": the scan reads it on demand, as it did any block
 * the copy left out. A block with a hole inside keeps the words of its
 * readable prefix, as a copy of it held that prefix.
 *
 * Each kept word is looked up in the block index as it is kept, and keeps
 * the block it points into. The words are kept in address order, so the
 * lookups of one piece are independent of each other and their misses
 * (bucket, then block) overlap, a few words ahead; the mark step, which
 * meets the words in the order the marks spread, then reads only the target's
 * state where it searched a bucket and read a block per word.
 */
#ifndef CGOHEAP_HEAP_WORDS_H
#define CGOHEAP_HEAP_WORDS_H

#include "analyze/block_index.h"
#include "analyze/heap_copy.h"
#include "common/big_alloc.h"

#include <stdbool.h>
#include <stdint.h>

/* A kept word, where it was, and the block it points into. */
typedef struct ch_kept_word {
    uint64_t w;
    uint32_t off; /* its offset in its block, in words */
    uint32_t to;  /* 0: no block (Go's heap, a gap, glibc's next chunk); else CH_TO_* */
} ch_kept_word;
#define CH_TO_START (1u << 31)  /* a start pointer (else an interior one) */
#define CH_TO_INDEX 0x7fffffffu /* the block's index + 1 */

typedef struct ch_heap_words {
    uint32_t *first; /* n + 1 entries: block i's words are w[first[i] .. first[i + 1]) */
    ch_kept_word *w; /* the words kept, block by block in address order */
    uint64_t *held;  /* a bit per block: its bytes were read */
    ch_scratch scratch;
    uint64_t nwords, bytes_read;
} ch_heap_words;

/* The words to keep: inside [lo, hi) or [go_lo, go_hi). */
typedef struct ch_word_filter {
    uint64_t lo, hi, go_lo, go_hi;
} ch_word_filter;

/*
 * Reads the blocks of ix with r and keeps their words that pass f, each with
 * its offset and the block of ix it points into (none for a word in Go's
 * range). Returns 0, or -1 when out of memory (hw is then empty: every block
 * is read on demand). ix holds fewer than 2^31 blocks (the scan's bound).
 */
int ch_heap_words_init(ch_heap_words *hw, const ch_block_index *ix, const ch_word_filter *f,
                       const ch_copy_reader *r);
void ch_heap_words_free(ch_heap_words *hw);

static inline bool ch_heap_words_held(const ch_heap_words *hw, size_t i)
{
    return hw->held && (hw->held[i >> 6] >> (i & 63)) & 1;
}

#endif

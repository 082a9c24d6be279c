/*
 * Sorting blocks by address: an LSD radix sort, because glibc's qsort spent
 * 0.5 s on 2M blocks (its merge sort calls the comparison 40M times); the
 * record reader and the scan's index both need the blocks in address order.
 *
 * The digits are 12 bits wide above malloc's 16-byte alignment (bits 0-3,
 * bits 4-15, 16-27, ...), and a digit that every address shares costs no
 * pass: the 2M blocks of a 96 MiB heap take two passes of 4,096 buckets.
 * Sixteen-bit digits took the same two passes with 65,536 buckets, so that
 * nearly every move missed the caches (bench/RESULTS.md).
 */
#ifndef CGOHEAP_BLOCK_SORT_H
#define CGOHEAP_BLOCK_SORT_H

#include "cgoheap/shm.h"
#include "common/profile.h"
#include <stddef.h>

/* Sorts b[0..n) by address, stably. Returns 0, or -1 when out of memory (b untouched). */
int ch_sort_blocks(ch_block *b, size_t n);

/* A record's live entry as the block it stands for (not yet analyzed: unfreed). */
static inline ch_block ch_block_of_entry(const ch_live_entry *e)
{
    return (ch_block){.addr = ch_entry_addr(e),
                      .size = ch_entry_size(e),
                      .stack_id = ch_entry_stack(e),
                      .kind = CH_KIND_UNFREED,
                      .epoch = (uint16_t)ch_entry_epoch(e)};
}

/*
 * The blocks of the record's entries e[0..n), sorted by address (stably),
 * into out[0..n). The entries are sorted as they are (16 bytes each, where
 * a block is 24) with out's memory as the other buffer, and converted once:
 * no buffer beyond the two (e is clobbered). Returns 0, or -1 when out of
 * memory (e and out then undefined).
 */
int ch_sort_entries(ch_live_entry *e, size_t n, ch_block *out);

/* What the last sort of this thread did, for tests: its passes over the data and its buckets. */
typedef struct ch_sort_stats {
    unsigned passes;
    size_t buckets; /* the most of any pass */
} ch_sort_stats;
ch_sort_stats ch_sort_last_stats(void);

#endif

/*
 * A local copy of the target's blocks, read in large address-ordered ranges
 * before the scan marks anything.
 *
 * The mark step meets blocks in graph order, which in a long-lived program
 * has nothing to do with their addresses: reading each block when it is
 * met cost one system call per block (2.6 us each, 5 s for 2M blocks of a
 * tree). Blocks lie close together in malloc's arenas, so the sorted
 * blocks are merged into ranges (across gaps of at most CH_COPY_GAP bytes)
 * and each range is read with a few big reads. The copy holds at most
 * CH_COPY_MAX bytes; blocks beyond it are read on demand as before.
 *
 * Holes read as before too: a block's bytes are the readable prefix from
 * its own start (a read stops at the first unreadable page).
 */
#ifndef CGOHEAP_HEAP_COPY_H
#define CGOHEAP_HEAP_COPY_H

#include "analyze/analyze.h"
#include "analyze/block_index.h"
#include "common/big_alloc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_COPY_GAP (16u << 10)
#define CH_COPY_MAX (512ull << 20)

typedef struct ch_copy_span {
    uint64_t start, end; /* target bytes [start, end) ... */
    uint64_t off;        /* ... are at buf + off */
} ch_copy_span;

/*
 * A buffer kept from one copy to the next (a leak check's snapshot): fresh
 * pages cost the kernel their zeroing, 52% of the CPU of a 64 MiB check's
 * pause (perf), reused ones nothing. Between copies its pages are given
 * back lazily (MADV_FREE): reclaimed only under memory pressure. It is a
 * mapping of its own that grows in place or moves with its pages
 * (mremap), so growing faults in only the new part.
 */
typedef struct ch_copy_buf {
    uint8_t *p;
    uint64_t cap; /* bytes mapped */
} ch_copy_buf;
/* Grows b to hold at least `bytes` and touches every page of [0, bytes) (writes it), so a copy
 * of up to that size faults nothing in: done before the target is stopped, the first check's
 * pause does not zero fresh pages. 0, or -1 when out of memory (b is unchanged). */
int ch_copy_buf_reserve(ch_copy_buf *b, uint64_t bytes);
void ch_copy_buf_idle(ch_copy_buf *b);
void ch_copy_buf_free(ch_copy_buf *b);

/*
 * How a copy reads the target: read one range at a time (a short count is
 * a hole), and when read_many is set, every range at once first
 * (process_vm_readv: one system call per 1024 ranges, and the kernel copies
 * once, where /proc/PID/mem copies through a bounce page); only the ranges
 * it did not read whole are read again with read, hole by hole.
 */
typedef struct ch_copy_reader {
    ch_read_fn read;
    void *ctx;
    ch_read_many_fn read_many; /* NULL: one range at a time */
    void *many_ctx;
} ch_copy_reader;

typedef struct ch_heap_copy {
    uint8_t *buf;
    bool kept_buf;         /* buf belongs to a ch_copy_buf ... */
    ch_scratch scratch;    /* ... or is the scratch region (common/big_alloc.h) */
    ch_copy_span *planned; /* ranges meant to be copied, sorted, disjoint */
    size_t nplanned;
    ch_copy_span *read; /* the bytes actually read (planned ranges cut at holes), sorted */
    size_t nread, read_cap;
    uint64_t bytes;    /* bytes of buf in use */
    uint64_t left_out; /* bytes of ranges over the limit, not copied */
    uint64_t n_calls;  /* calls of the read callback, for diagnostics */
    uint64_t n_many;   /* ranges read whole by read_many */
} ch_heap_copy;

/* Copies the blocks of ix (up to `max` bytes of ranges). Returns 0, or -1
 * when out of memory (the copy is then empty and every lookup misses). */
int ch_heap_copy_init(ch_heap_copy *c, const ch_block_index *ix, uint64_t max, ch_read_fn read,
                      void *ctx);
void ch_heap_copy_free(ch_heap_copy *c);

/* The same over any spans sorted by start (they may overlap): a snapshot of
 * every range a scan will read, not only its blocks. */
int ch_heap_copy_spans(ch_heap_copy *c, const ch_block_span *span, size_t n, uint64_t max,
                       ch_copy_buf *keep, const ch_copy_reader *r);
/* The same over blocks sorted by address (each block's bytes up to ch_block_end), into keep's
 * buffer, or with keep NULL the scratch region. */
int ch_heap_copy_blocks(ch_heap_copy *c, const ch_block *blocks, size_t n, uint64_t max,
                        ch_copy_buf *keep, const ch_copy_reader *r);

/*
 * A ch_read_fn's answer from the copy alone: the bytes of the copy at addr
 * (the readable prefix; -1 if none, as a hole reads), -1 as well when addr
 * is not copied but the request runs into a copied range (the copy must not
 * be mixed with other bytes), or CH_COPY_MISS when the request touches no
 * copied range at all.
 */
#define CH_COPY_MISS (-2L)
long ch_heap_copy_read(const ch_heap_copy *c, uint64_t addr, void *buf, size_t len);

/*
 * The copied bytes of [addr, addr + size): returns 1 and sets *p, *len (the
 * readable prefix, possibly 0) if the copy covers addr; 0 if it does not
 * (read the target instead).
 */
int ch_heap_copy_get(const ch_heap_copy *c, uint64_t addr, uint64_t size, const uint8_t **p,
                     size_t *len);

#endif

/*
 * Reading target memory in big chunks with adaptive read-ahead.
 *
 * Each read of the target costs a system call (pread of /proc/PID/mem), so
 * reading a million small blocks one by one costs seconds. Blocks that are
 * allocated together usually lie together, and the scan often visits them
 * in address order (roots, the clique pass), so a window that grows while
 * requests are sequential and shrinks when they jump turns most block reads
 * into memory copies, while random access costs at most twice the bytes.
 */
#ifndef CGOHEAP_MEM_WINDOW_H
#define CGOHEAP_MEM_WINDOW_H

#include "analyze/analyze.h"
#include <stddef.h>
#include <stdint.h>

#define CH_WINDOW_MAX (1u << 20) /* largest single read; also the longest span returned */

typedef struct ch_mem_window {
    ch_read_fn read;
    void *ctx;
    uint8_t *buf;  /* CH_WINDOW_MAX bytes */
    uint64_t base; /* the buffer holds target bytes [base, base + len) */
    size_t len;
    size_t ahead;      /* current read size */
    uint64_t last_end; /* end of the previous request, to detect sequential access */
    uint64_t n_reads;  /* calls of `read`, for diagnostics */
} ch_mem_window;

int ch_mem_window_init(ch_mem_window *w, ch_read_fn read, void *ctx);
void ch_mem_window_free(ch_mem_window *w);

/*
 * Bytes [addr, addr + *len) of the target, *len <= CH_WINDOW_MAX on entry.
 * On return *len is how many are available (fewer at a hole, 0 if none).
 * The pointer is valid until the next call.
 */
const uint8_t *ch_mem_window_get(ch_mem_window *w, uint64_t addr, size_t *len);

#endif

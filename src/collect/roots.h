/* Choosing the root regions of the scan from the target's memory map. */
#ifndef CGOHEAP_ROOTS_H
#define CGOHEAP_ROOTS_H

#include "analyze/analyze.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where a thread's live stack starts at its exit stop (its stack pointer,
 * or for the thread in libc's exit() the frame of its caller:
 * collect/exitpath.h) and its TLS base (fs). */
typedef struct ch_thread_sp {
    uint64_t sp, tls;
} ch_thread_sp;

typedef struct ch_roots_ctx {
    uint64_t shm_inode;          /* the record's memfd: never a root */
    const char *agent_path;      /* the agent's own data: never a root */
    uint64_t main_sp;            /* where the main thread's live stack starts at exit */
    const ch_thread_sp *threads; /* every thread stopped at exit (main's included) */
    size_t nthreads;
    const uint64_t *marks; /* stack-switch marks (shm.h); 0 entries are unwritten */
    size_t nmarks;
    const ch_block *blocks; /* tracked blocks, sorted by address */
    size_t nblocks;
    int sampled; /* a sampled run: the blocks are a sample of the live ones */
} ch_roots_ctx;

/*
 * Parses /proc/PID/smaps (or any file in its format, for tests) and returns
 * the root regions: every readable and writable mapping except the record,
 * the agent's data, [vvar]/[vsyscall]/[vdso], malloc's arenas ([heap] and
 * mappings holding small tracked blocks or a glibc heap header) and mappings
 * never touched (no resident or swapped page: nothing there but zeros).
 * The main thread's [stack] is cut to start at its stack pointer, and so is
 * a glibc thread stack holding a thread's stack pointer; any other stack
 * holding stack-switch marks is cut to start at its highest mark, and in any
 * other mapping holding a thread's stack pointer the bytes just below it
 * (down to a 2 KiB boundary) are left out. In a sampled run malloc's arenas
 * are roots too (see roots.c). Returns
 * a malloc'd array, or NULL with errno set.
 */
ch_region *ch_roots_from_smaps(const char *smaps_path, const ch_roots_ctx *ctx, size_t *nroots,
                               ch_read_fn read, void *read_ctx);

#endif

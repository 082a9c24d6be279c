/* What the interposers call around the real allocator. */
#ifndef CGOHEAP_AGENT_HOOKS_H
#define CGOHEAP_AGENT_HOOKS_H

#include "agent/thread.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The registers of the calling function's caller, where a walk starts. Frame
 * layout with a frame pointer: [fp] = caller's RBP, [fp+8] = return address.
 */
#define CH_CALLER_REGS(r)                                                                          \
    ch_regs r;                                                                                     \
    do {                                                                                           \
        uint64_t *fp_ = __builtin_frame_address(0);                                                \
        r.pc = (uint64_t)__builtin_return_address(0);                                              \
        r.sp = (uint64_t)(fp_ + 2);                                                                \
        r.bp = fp_[0];                                                                             \
    } while (0)

/* After a successful allocation of `size` bytes at p; r = the interposer's caller. */
void ch_on_alloc(void *p, size_t size, const ch_regs *r);

/*
 * Before the real free of p. Removes p from the live table first: once the
 * real free returns, another thread may get p back from malloc and record it,
 * and removing afterwards would delete that new block.
 * Returns 1 if p was recorded, with its packed size_stack (for realloc).
 * caller_pc: the return address into the caller, kept in the thread's
 * recent frees (badfree.h).
 */
int ch_on_free(void *p, uint64_t *size_stack, uint64_t caller_pc);

/*
 * A free made while `inside` is set (a signal handler that interrupted the
 * agent): queues p, still allocated, for the agent to remove and free when
 * it leaves (thread.h).
 */
void ch_free_inside(ch_thread *t, void *p);

/* realloc failed after ch_on_free: put the old block back as it was. */
void ch_restore_block(void *p, uint64_t size_stack);

#endif

/* What the interposers call around the real allocator. */
#ifndef CGOHEAP_AGENT_RECORD_H
#define CGOHEAP_AGENT_RECORD_H

#include "agent/thread.h"

#include <stddef.h>
#include <stdint.h>

/* After a successful allocation of `size` bytes at p; r = the interposer's caller. */
void ch_on_alloc(void *p, size_t size, const ch_regs *r);

/*
 * Before the real free of p. Removes p from the live table first: once the
 * real free returns, another thread may get p back from malloc and record it,
 * and removing afterwards would delete that new block.
 * Returns 1 if p was recorded, with its packed size_stack (for realloc).
 */
int ch_on_free(void *p, uint64_t *size_stack);

/*
 * A free made while `inside` is set (a signal handler that interrupted the
 * agent): queues p, still allocated, for the agent to remove and free when
 * it leaves (thread.h).
 */
void ch_free_inside(ch_thread *t, void *p);

/* realloc failed after ch_on_free: put the old block back as it was. */
void ch_restore_block(void *p, uint64_t size_stack);

#endif

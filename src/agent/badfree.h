/*
 * Invalid frees: a free or realloc of a pointer the agent has no live block
 * for is reported (shm.h, ch_bad_free) only when it is surely wrong:
 *   - a double free: the pointer is in a thread's recent frees, and no
 *     allocation has gone unrecorded since (one could have handed out the
 *     same address again, and its free would look like a second one);
 *   - a misaligned pointer, which glibc's malloc never returns (another allocator may);
 * Anything else (blocks from before the agent attached, from ld.so's own
 * allocator, from another allocator) stays silent. Only with full tracking:
 * a sampled run does not know the live blocks.
 */
#ifndef CGOHEAP_AGENT_BADFREE_H
#define CGOHEAP_AGENT_BADFREE_H

#include "agent/thread.h"
#include "agent/thread_slot.h"

/* Allocations that went unrecorded (dropped), counted at once: see above. */
extern uint64_t ch_drops;

static inline void ch_drops_add(void)
{
    __atomic_fetch_add(&ch_drops, 1, __ATOMIC_RELAXED);
}

/* Remembers a free of a recorded block in the thread's slot: plain stores, one writer. */
static inline void ch_freed_note(ch_thread_slot *c, uint64_t addr, uint64_t size_stack, uint64_t pc)
{
    ch_freed *f = &ch_bucket_of(c, addr)->freed;
    f->addr = addr;
    f->size_stack = size_stack;
    f->free_pc = pc;
    f->drops = __atomic_load_n(&ch_drops, __ATOMIC_RELAXED);
}

/*
 * After ch_on_free found no block at p: records the call (registers r,
 * CH_BAD_REALLOC in `how` for realloc) if it is surely a bad free.
 */
void ch_check_bad_free(void *p, const ch_regs *r, unsigned how);

#endif

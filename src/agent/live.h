/* The sharded live-allocation table in shm: {addr, size, stack id} of every recorded block. */
#ifndef CGOHEAP_AGENT_LIVE_H
#define CGOHEAP_AGENT_LIVE_H

#include "cgoheap/shm.h"

#include <stdint.h>

/* A strong 64-bit mix of an address (fmix64 from MurmurHash3); never used raw. */
static inline uint64_t ch_addr_hash(uint64_t a)
{
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdull;
    a ^= a >> 33;
    a *= 0xc4ceb9fe1a85ec53ull;
    a ^= a >> 33;
    return a;
}

/*
 * Inserts (or overwrites) addr, as a young block of `own` (the calling
 * thread's slot) or, if own is NULL, in the shards. Returns 1, or 0 if the
 * shm heap is exhausted.
 */
int ch_live_insert(ch_thread_slot *own, uint64_t addr, uint64_t size, uint32_t stack_id);

/*
 * Called before the stack walk of a block about to be inserted: if it will
 * push an older young block out to the shards, starts loading that block's
 * shard slot, so the miss overlaps the walk instead of following it.
 */
void ch_live_prefetch_evict(ch_thread_slot *own, uint64_t addr);

/* Removes addr. Returns 1 and its packed size_stack if it was recorded, else 0. */
int ch_live_remove(ch_thread_slot *own, uint64_t addr, uint64_t *size_stack);

/* Moves the young blocks of a slot whose thread ends to the shards. */
void ch_live_flush_young(ch_thread_slot *own);

/*
 * Young blocks pushed out by others while the slot is small, or allocations
 * made, past which the owner widens its slot (shm.h, small slots): a thread
 * whose working set outgrows 64 young blocks gets 512, a busy one the 256
 * recent frees that catch a double free from further back.
 */
#define CH_WIDEN_COLLISIONS 16u
#define CH_WIDEN_ALLOCS 4096u

/* Widens the owner's small slot (shm.h); the caller runs with `inside` set. */
void ch_live_widen(ch_thread_slot *own);

#endif

/* The stack table in shm: distinct stacks, deduplicated (their counters: thread_slot.h). */
#ifndef CGOHEAP_AGENT_STACKS_H
#define CGOHEAP_AGENT_STACKS_H

#include "cgoheap/shm.h"

#include <stdint.h>

/*
 * The stack hash: NH (the universal hash of UMAC) over the frames, then a
 * 64-bit finalizer. Each frame costs two 32-bit additions of per-position
 * keys and one 32x32->64 multiply, and frames are independent of each other
 * (no chain of dependent multiplies), so a deep stack hashes in a few
 * nanoseconds. Position keys make the order matter. Only the agent hashes:
 * the launcher reads an entry's hash just to tell used entries from empty ones,
 * and the stack table compares frames too, so the hash only has to spread.
 */
extern uint32_t ch_stack_keys[2 * CH_MAX_FRAMES];

/* Fills ch_stack_keys (fixed pseudo-random values); called once at attach. */
void ch_stack_keys_setup(void);

/*
 * One frame's part of the NH sum: the frame at position pos. A walk that
 * changes a few frames of its memo's previous walk adjusts that walk's sum
 * by the frames it changed (unwind.c).
 */
static inline uint64_t ch_stack_nh_term(uint64_t frame, uint32_t pos)
{
    uint32_t lo = (uint32_t)frame + ch_stack_keys[2 * pos];
    uint32_t hi = (uint32_t)(frame >> 32) + ch_stack_keys[2 * pos + 1];
    return (uint64_t)lo * hi;
}

/*
 * NH over the frames. Plain 4-byte loads on purpose: the walk has just
 * stored the newest frames, and a 16-byte (SSE) load spanning two of those
 * 8-byte stores cannot be forwarded from the store buffer and stalls; the
 * measured cost of the vector version was no lower.
 */
static inline uint64_t ch_stack_nh_at(const uint64_t *frames, uint32_t n, uint32_t first)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += ch_stack_nh_term(frames[i], first + i);
    return sum;
}

/* NH is a sum over positions: frames appended at `depth` add their own sum. */
static inline uint64_t ch_stack_nh(const uint64_t *frames, uint32_t depth)
{
    return ch_stack_nh_at(frames, depth, 0);
}

/* The stack hash of a stack whose NH sum is `sum`. */
static inline uint64_t ch_stack_finish(uint64_t sum, uint32_t depth, uint16_t flags)
{
    uint64_t h = sum ^ ((uint64_t)depth << 48 | (uint64_t)flags << 40);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h ? h : 1; /* hash 0 marks an empty entry */
}

static inline uint64_t ch_stack_hash(const uint64_t *frames, uint32_t depth, uint16_t flags)
{
    return ch_stack_finish(ch_stack_nh(frames, depth), depth, flags);
}

/*
 * Returns the id of this stack (hash from ch_stack_hash), inserting it
 * if new. Returns 0 ("no stack") when the stack table or the frames area is full.
 */
uint32_t ch_stack_intern(const uint64_t *frames, uint32_t depth, uint16_t flags, uint64_t hash);

#endif

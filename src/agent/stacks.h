/* The stack table in shm: distinct stacks, deduplicated (their counters: thread_slot.h). */
#ifndef CGOHEAP_AGENT_STACKS_H
#define CGOHEAP_AGENT_STACKS_H

#include "cgoheap/shm.h"

#include <stdint.h>

/*
 * The stack hash: the position sum of the frames (each frame times a 64-bit
 * key of its position, summed mod 2^64), then a 64-bit finalizer. Position
 * keys make the order matter; frames are independent of each other (no
 * chain of dependent multiplies), and a walk that changes one frame of its
 * memo's previous walk adjusts that walk's sum by (new - old) * key: one
 * multiply, where NH (UMAC's, two 32-bit key additions and a 32x32->64
 * multiply per frame) took two and about 22 instructions per changed frame
 * (callgrind, stacks2t). Two stacks of one depth that differ, in frames
 * whose differences have at most v trailing zero bits (a few, for return
 * addresses), have the same sum for at most 2^(v-64) of the keys. Only the agent
 * hashes: the launcher reads an entry's hash just to tell used entries from
 * empty ones. The stack table also compares a second hash of the frames, not
 * linear in them (stacks.c, the check), and never the frames themselves.
 */
extern uint64_t ch_stack_keys[CH_MAX_FRAMES];

/* Fills ch_stack_keys (fixed pseudo-random values); called once at attach. */
void ch_stack_keys_setup(void);

/*
 * One frame's part of the position sum: the frame at position pos. A walk that
 * changes a few frames of its memo's previous walk adjusts that walk's sum
 * by the frames it changed (unwind.c).
 */
static inline uint64_t ch_stack_term(uint64_t frame, uint32_t pos)
{
    return frame * ch_stack_keys[pos];
}

/* The position sum of n frames, the first at position `first`. */
static inline uint64_t ch_stack_sum_at(const uint64_t *frames, uint32_t n, uint32_t first)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += ch_stack_term(frames[i], first + i);
    return sum;
}

/* A sum over positions: frames appended at `depth` add their own sum. */
static inline uint64_t ch_stack_sum(const uint64_t *frames, uint32_t depth)
{
    return ch_stack_sum_at(frames, depth, 0);
}

/* The stack hash of a stack whose position sum is `sum`. */
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
    return ch_stack_finish(ch_stack_sum(frames, depth), depth, flags);
}

/*
 * Returns the id of this stack (hash from ch_stack_hash), inserting it
 * if new. Returns 0 ("no stack") when the stack table or the frames area is full.
 */
uint32_t ch_stack_intern(const uint64_t *frames, uint32_t depth, uint16_t flags, uint64_t hash);

#endif

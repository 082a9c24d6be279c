/* The stack table in shm: distinct stacks, deduplicated, with per-stack counters. */
#ifndef CGOHEAP_AGENT_STACKS_H
#define CGOHEAP_AGENT_STACKS_H

#include <stdint.h>

/*
 * The stack hash is a sum of independently mixed per-frame terms, so the
 * unwinder can compute it while walking (no second pass over the frames),
 * the terms of different frames do not form a chain of dependent multiplies,
 * and a sum over a run of frames reused from the previous walk is a
 * difference of two prefix sums. The frame's index is mixed in, so order
 * matters. Only the agent hashes: the launcher reads a slot's hash just to
 * tell used slots from empty ones.
 */
static inline uint64_t ch_stack_term(uint64_t pc, uint32_t index)
{
    uint64_t x = pc + (uint64_t)(index + 1) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    return x;
}

static inline uint64_t ch_stack_hash_final(uint64_t sum, uint32_t depth, uint16_t flags)
{
    uint64_t h = sum ^ ((uint64_t)depth << 48 | (uint64_t)flags << 40);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1; /* hash 0 marks an empty slot */
}

/*
 * Returns the id of this stack (hash from ch_stack_hash_final), inserting it
 * if new. Returns 0 ("no stack") when the slot table or the frames area is full.
 */
uint32_t ch_stack_intern(const uint64_t *frames, uint32_t depth, uint16_t flags, uint64_t hash);

struct ch_thread;

/*
 * Adds one allocation of `size` bytes to the stack's counters (id 0
 * included). The increments are batched per thread and added with atomics
 * when another stack needs the batch entry and at every event flush
 * (thread.h): consecutive allocations from one stack then cost no atomic.
 * At a SIGKILL or an exit_group while other threads run, their last
 * batches (under CH_EVENT_FLUSH calls each) are lost: the stack table and
 * the live table stay exact, only these cumulative counters lag.
 */
void ch_stack_count(struct ch_thread *t, uint32_t id, uint64_t size);

/* Adds the thread's batched stack counters to the shared stats. */
void ch_stack_flush(struct ch_thread *t);

#endif

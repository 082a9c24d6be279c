/* The stack table in shm: distinct stacks, deduplicated, with per-stack counters. */
#ifndef CGOHEAP_AGENT_STACKS_H
#define CGOHEAP_AGENT_STACKS_H

#include <stdint.h>

/*
 * Returns the id of this stack, inserting it if new. Returns 0 ("no stack")
 * when the slot table or the frames area is full.
 */
uint32_t ch_stack_intern(const uint64_t *frames, uint32_t depth, uint16_t flags);

/* Adds one allocation of `size` bytes to the stack's counters (id 0 included). */
void ch_stack_count(uint32_t id, uint64_t size);

#endif

/* The stack walk: DWARF CFI through C frames, then the frame-pointer chain through Go. */
#ifndef CGOHEAP_AGENT_UNWIND_H
#define CGOHEAP_AGENT_UNWIND_H

#include "agent/thread.h"

#include <stdint.h>

/*
 * Walks from `start` (the interposer's caller) into t->frames, leaf first.
 * Returns the depth; *flags gets CH_STACK_F_*, *hash the stack hash
 * (stacks.h). *known_id is non-zero when the stack is exactly the previous
 * walk's and that walk's id was set with ch_unwind_set_id: no need to intern.
 */
uint32_t ch_unwind(ch_thread *t, const ch_regs *start, uint16_t *flags, uint64_t *hash,
                   uint32_t *known_id);

/* Remembers the stack id of the frames the last walk left in t->frames. */
void ch_unwind_set_id(ch_thread *t, uint32_t id);

#endif

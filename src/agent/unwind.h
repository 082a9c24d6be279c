/* The stack walk: DWARF CFI through C frames, then the frame-pointer chain through Go. */
#ifndef CGOHEAP_AGENT_UNWIND_H
#define CGOHEAP_AGENT_UNWIND_H

#include "agent/thread.h"

#include <stdint.h>

struct ch_walk_memo;

typedef struct ch_walk_result {
    uint64_t *frames; /* leaf first; valid until the thread's next walk; room for
                         CH_MAX_FRAMES, and what the caller appends past depth stays its own */
    uint32_t depth;
    uint16_t flags;    /* CH_STACK_F_* */
    uint32_t known_id; /* non-zero: the stack is exactly the one last given this id */
    uint64_t sum; /* its position sum (stacks.h: ch_stack_finish makes the hash); not computed when
                     known_id is set */
    struct ch_walk_memo *memo;
} ch_walk_result;

/* Walks from `start` (the interposer's caller), leaf first. */
void ch_unwind(ch_thread *t, const ch_regs *start, ch_walk_result *out);

/* Remembers the stack id of the walk's frames, for the next walk from the same call site. */
void ch_unwind_set_id(const ch_walk_result *walk, uint32_t id);

#endif

/*
 * Thread creation stacks: an allocation on a thread that the program
 * created with pthread_create ends at start_thread; its stack goes on with
 * a CH_PC_THREAD_CREATED frame (shm.h) and the stack of the pthread_create
 * call (C frames and, through cgo, the Go line), like AddressSanitizer's
 * "Thread T1 created by T0 here". Walks that continued into Go (a cgo call
 * on a Go thread) end in Go's own frames instead and get nothing appended.
 * A thread's walks always get the same creator, so the walk memos stay
 * exact: a remembered stack id is that of the whole stack.
 */
#ifndef CGOHEAP_AGENT_CREATED_H
#define CGOHEAP_AGENT_CREATED_H

#include "agent/thread.h"
#include "agent/unwind.h"

/* The stack id of a walk of this thread, its creator's stack appended where due. */
uint32_t ch_created_intern(ch_thread *t, const ch_walk_result *walk);

/*
 * Walks from r and interns the stack (with its creator's): the id, 0 if the
 * table is full. Inline: on the allocation path, a call here cost 17
 * instructions per malloc/free pair on the churn (callgrind).
 */
static inline uint32_t ch_stack_of(ch_thread *t, const ch_regs *r)
{
    ch_walk_result walk;
    ch_unwind(t, r, &walk);
    uint32_t id = walk.known_id;
    if (!id) {
        id = ch_created_intern(t, &walk);
        ch_unwind_set_id(&walk, id);
    }
    return id;
}

/* The stack id of the pthread_create call whose caller's registers are r (0 if none). */
uint32_t ch_creator_stack(const ch_regs *r);

#endif

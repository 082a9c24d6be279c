/* The stack walk: DWARF CFI through C frames, then the frame-pointer chain through Go. */
#ifndef CGOHEAP_AGENT_UNWIND_H
#define CGOHEAP_AGENT_UNWIND_H

#include "agent/thread.h"

#include <stdint.h>

/*
 * Walks from `start` (the interposer's caller) into t->frames, leaf first.
 * Returns the depth; *flags gets CH_STACK_F_*.
 */
uint32_t ch_unwind(ch_thread *t, const ch_regs *start, uint16_t *flags);

#endif

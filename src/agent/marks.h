/* Stack marks (shm.h): where thread stacks became dead, for the launcher's scan. */
#ifndef CGOHEAP_AGENT_MARKS_H
#define CGOHEAP_AGENT_MARKS_H

#include <stdint.h>

/* Appends a mark of `type` (CH_MARK_*) at stack pointer sp. Lock-free and
 * async-signal-safe: a fetch-add claims the slot, a release store fills it. */
void ch_mark(uint64_t sp, unsigned type);

#endif

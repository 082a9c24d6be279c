/*
 * Conventions of the agent (libcgoheap.so); its state is in agent/state.h.
 *
 * The agent is preloaded into a foreign process. Everything here obeys three
 * rules: never call the real allocator except through the passthrough path,
 * never block on anything a malloc caller might hold, and fail open (pass the
 * call through unrecorded) whenever in doubt.
 *
 * Results: a function that succeeds or fails returns 1 on success and 0 on
 * failure, read as a predicate (`if (!grow(s))`), as do the questions it
 * answers (found, readable); one that returns a value (a descriptor, a
 * count) returns it, or -1 when there is none.
 */
#ifndef CGOHEAP_AGENT_H
#define CGOHEAP_AGENT_H

#include <stdint.h>

#define CH_EXPORT __attribute__((visibility("default")))
#define CH_LIKELY(x) __builtin_expect(!!(x), 1)
#define CH_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Adds to a header counter. Relaxed: counters carry no ordering for other data. */
static inline void ch_header_add(uint64_t *field, uint64_t n)
{
    __atomic_fetch_add(field, n, __ATOMIC_RELAXED);
}

#endif

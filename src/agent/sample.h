/* Allocation sampling (Go's scheme) and the filter that lets frees skip the live table. */
#ifndef CGOHEAP_AGENT_SAMPLE_H
#define CGOHEAP_AGENT_SAMPLE_H

#include "agent/entry.h"
#include "agent/state.h"
#include "agent/thread.h"

#include <stdint.h>

/* Maps the address filter when sampling is on. Returns 0 on failure. */
int ch_sample_setup(void);

/* Slow part of ch_sampled: draws the next countdown. */
int ch_sample_hit(ch_thread *t, uint64_t size);

/*
 * True if this allocation is recorded. With sample_rate 1 (the default)
 * everything is; otherwise a per-thread byte countdown drawn from an
 * exponential distribution with mean sample_rate: the allocation whose size
 * crosses it is sampled, the others cost a subtraction.
 */
static inline int ch_sampled(ch_thread *t, uint64_t size)
{
    if (CH_LIKELY(ch_g.sample_rate <= 1))
        return 1;
    /* An unseeded thread has ch_sample_left 0 (TLS starts zeroed): it takes the slow path. */
    if (CH_LIKELY((ch_sample_left -= (int64_t)size) > 0))
        return 0;
    return ch_sample_hit(t, size);
}

/*
 * calloc's fast path (malloc's is in entry.S) for an allocation of `size`,
 * decided before the real allocator runs: returns 1 if sampling is on and this one is not
 * sampled (it is counted as an event and nothing else is to be done: the
 * interposer then tail-calls glibc, with no frame of its own on the way).
 * Inline, no call: unsampled allocations must cost about nothing next to
 * the real malloc. Returns 0 (record it: ch_on_alloc) when the allocation
 * is sampled or made inside the agent, with the countdown left as it was.
 */
static inline int ch_alloc_unsampled(ch_thread *t, uint64_t size)
{
    if (ch_g.sample_rate <= 1 || t->inside)
        return 0;
    if (CH_UNLIKELY((ch_sample_left -= (int64_t)size) <= 0)) {
        ch_sample_left += (int64_t)size; /* ch_on_alloc draws again */
        return 0;
    }
    ch_thread_event(t);
    return 1;
}

/* Counting filter over hash(addr): 0 means "certainly not recorded". NULL if not sampling. */
extern uint8_t *ch_filter;

/*
 * One counter per 16 bytes of address within a 64 MiB window, the window
 * offset by a hash of its number: blocks allocated near each other (most of
 * a thread's, from its arena) share the filter's cache lines, so the check in
 * free() rarely misses the cache. A window covers the whole filter, so each
 * counter also serves one address in every other window, at a different
 * offset in each: a counter that another arena's block made non-zero is a
 * false "maybe", settled by one shard lookup (live.c).
 */
static inline uint8_t *ch_filter_counter(uint64_t addr)
{
    uint64_t window = (addr >> CH_FILTER_WINDOW_SHIFT) * (uint64_t)CH_FILTER_WINDOW_MULT;
    uint64_t i = (addr >> CH_FILTER_GRAIN_SHIFT) + (window >> CH_FILTER_HASH_SHIFT);
    return &ch_filter[i & ((1u << CH_FILTER_BITS) - 1)];
}

void ch_filter_add(uint64_t addr);
void ch_filter_del(uint64_t addr);

static inline int ch_filter_maybe(uint64_t addr)
{
    return !ch_filter || __atomic_load_n(ch_filter_counter(addr), __ATOMIC_RELAXED) != 0;
}

#endif

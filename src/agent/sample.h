/* Allocation sampling (Go's scheme) and the filter that lets frees skip the live table. */
#ifndef CGOHEAP_AGENT_SAMPLE_H
#define CGOHEAP_AGENT_SAMPLE_H

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
    if (CH_LIKELY(t->seeded && (t->sample_left -= (int64_t)size) > 0))
        return 0;
    return ch_sample_hit(t, size);
}

/* Counting filter over hash(addr): 0 means "certainly not recorded". */
void ch_filter_add(uint64_t addr);
void ch_filter_del(uint64_t addr);
int ch_filter_maybe(uint64_t addr);

#endif

/*
 * The thread slots of the record (shm.h): each recording thread's counters
 * (allocations, frees, bytes, events, drops), pending per-stack counts and
 * young blocks, so that no call does an atomic read-modify-write on a line
 * other threads write.
 */
#ifndef CGOHEAP_AGENT_THREAD_SLOT_H
#define CGOHEAP_AGENT_THREAD_SLOT_H

#include "agent/state.h"
#include "agent/thread.h"

/* Slot i of the record's thread slots. */
static inline ch_thread_slot *ch_thread_slot_at(uint32_t i)
{
    return (ch_thread_slot *)(ch_g.base + ch_g.hdr->thread_slots_off) + i;
}

/*
 * The masks are the slot's own fields (set when a fresh slot is claimed),
 * not a flag to test: a flag's test cost 10 instructions per malloc/free
 * pair on the churn (callgrind).
 */

/* The bucket of addr in slot s (shm.h). */
static inline ch_slot_bucket *ch_bucket_of(ch_thread_slot *s, uint64_t addr)
{
    return &s->bucket[(CH_YOUNG_INDEX(addr) >> 1) & s->bucket_mask];
}

/* The young entry of addr in slot s. */
static inline ch_live_entry *ch_young_entry(ch_thread_slot *s, uint64_t addr)
{
    return &ch_bucket_of(s, addr)->young[CH_YOUNG_INDEX(addr) & 1];
}

/* The pending entry of stack id in slot s (a small slot's are the last ones). */
static inline ch_stack_pend *ch_pend_entry(ch_thread_slot *s, uint32_t id)
{
    return &s->pend[CH_PEND_INDEX(id, s->pend_or)];
}

/* Slow path of ch_thread_slot_of: claims a slot. NULL if none is left. */
ch_thread_slot *ch_thread_slot_claim(ch_thread *t);

/* At thread end: hands the slot to a later thread; the thread uses the header from now on. */
void ch_thread_slot_release(ch_thread *t);

/* The thread's slot, or NULL: then add to the header's counters with atomics. */
static inline ch_thread_slot *ch_thread_slot_of(ch_thread *t)
{
    if (CH_LIKELY(t->thread_slot != NULL))
        return t->thread_slot;
    return ch_thread_slot_claim(t);
}

/*
 * Adds n to a counter of the thread's own slot, or atomically to the
 * header's when slot is NULL. The slot has one writer, so a plain relaxed
 * store is exact: the launcher reads each 8-byte counter whole, even after
 * a SIGKILL. The caller runs with t->inside set, so a signal handler
 * cannot interleave an update of the same counter on this thread.
 */
static inline void ch_thread_counter_add(ch_thread_slot *slot, uint64_t *own, uint64_t *shared,
                                         uint64_t n)
{
    if (CH_LIKELY(slot != NULL))
        __atomic_store_n(own, *own + n, __ATOMIC_RELAXED);
    else
        ch_header_add(shared, n);
}

#define CH_THREAD_ADD(slot, field, n)                                                              \
    ch_thread_counter_add((slot), &(slot)->field, &ch_g.hdr->field, (n))

/* Slow path of ch_stack_count: no slot, or the entry holds another stack. */
void ch_stack_count_slow(ch_thread_slot *slot, uint32_t id, uint64_t size);

/*
 * Adds one allocation of `size` bytes to stack id's counts: to the slot's
 * pending entry for it (shm.h), which the launcher adds to the stats in
 * any case, so nothing is lost at an exit_group, an _exit or a SIGKILL; at
 * once to the shared stats when slot is NULL. Only this thread writes its
 * entries, and it runs with t->inside set.
 */
static inline void ch_stack_count(ch_thread_slot *slot, uint32_t id, uint64_t size)
{
    ch_stack_pend *e = slot ? ch_pend_entry(slot, id) : NULL;
    if (CH_LIKELY(e && e->id == id && e->count && e->count != UINT32_MAX)) {
        e->count++;
        e->bytes += size;
        return;
    }
    ch_stack_count_slow(slot, id, size);
}

/* Adds the slot's pending per-stack counts to the shared stats (thread end, exit). */
void ch_stack_flush(ch_thread_slot *slot);

#endif

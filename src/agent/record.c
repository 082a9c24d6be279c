/*
 * Recording: sampling decision, unwind, stack interning, live table.
 *
 * Counters (counters.h): n_allocs, n_frees and bytes_alloc are added at once
 * to the thread's own slot, so they are exact even at a SIGKILL; n_events and n_dropped are
 * batched per thread (CH_EVENT_FLUSH) and may lag by a few dozen per thread
 * at an abrupt end. The live table and the stack table are always exact.
 *
 * errno is saved and restored: the agent makes syscalls that may fail (page
 * probes), and a successful malloc must not change the caller's errno.
 */
#include "agent/record.h"
#include "agent/badfree.h"
#include "agent/counters.h"
#include "agent/created.h"
#include "agent/live.h"
#include "agent/sample.h"
#include "agent/stacks.h"

#include <errno.h>

void ch_on_alloc(void *p, size_t size, const ch_regs *r)
{
    ch_thread *t = &ch_self;
    if (CH_UNLIKELY(t->inside)) {
        t->pending_dropped++; /* the agent itself or a signal handler inside it */
        ch_drops_add();
        return;
    }
    ch_thread_event(t);
    if (!p || !ch_sampled(t, size))
        return;
    if (CH_UNLIKELY(__atomic_load_n(&ch_failed, __ATOMIC_RELAXED))) {
        t->pending_dropped++;
        ch_drops_add();
        return;
    }
    int saved_errno = errno;
    t->inside = 1;
    ch_thread_slot *c = ch_counters(t);
    ch_live_prefetch_evict(c, (uint64_t)p);
    uint32_t id = ch_stack_of(t, r);
    ch_stack_count(c, id, size);
    ch_filter_add((uint64_t)p);
    if (ch_live_insert(c, (uint64_t)p, size, id) == 0) {
        CH_COUNT(c, n_allocs, 1);
        CH_COUNT(c, bytes_alloc, size);
    } else {
        ch_filter_del((uint64_t)p);
        t->pending_dropped++;
        ch_drops_add();
    }
    t->inside = 0;
    errno = saved_errno;
}

int ch_on_free(void *p, uint64_t *size_stack, uint64_t caller_pc)
{
    ch_thread *t = &ch_self;
    if (CH_UNLIKELY(t->inside))
        return 0; /* never take a shard lock we might already hold */
    ch_thread_event(t);
    if (!ch_filter_maybe((uint64_t)p))
        return 0;
    t->inside = 1;
    ch_thread_slot *c = ch_counters(t);
    int found = ch_live_remove(c, (uint64_t)p, size_stack);
    if (found) {
        ch_filter_del((uint64_t)p);
        CH_COUNT(c, n_frees, 1);
        if (c && ch_g.sample_rate <= 1)
            ch_freed_note(c, (uint64_t)p, *size_stack, caller_pc);
    }
    t->inside = 0;
    return found;
}

void ch_restore_block(void *p, uint64_t size_stack)
{
    ch_thread *t = &ch_self;
    t->inside = 1;
    ch_filter_add((uint64_t)p);
    ch_thread_slot *c = ch_counters(t);
    if (ch_live_insert(c, (uint64_t)p, size_stack >> CH_STACK_ID_BITS,
                       (uint32_t)(size_stack & CH_STACK_ID_MASK)) == 0) {
        CH_COUNT(c, n_frees, (uint64_t)-1); /* takes back the free ch_on_free counted */
    } else {
        ch_filter_del((uint64_t)p);
    }
    t->inside = 0;
}

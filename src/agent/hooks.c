/*
 * Recording: sampling decision, unwind, stack interning, live table.
 *
 * Counters (thread_slot.h): n_allocs, n_frees and bytes_alloc are added at once
 * to the thread's own slot, so they are exact even at a SIGKILL; n_events and n_dropped are
 * batched per thread (CH_EVENT_FLUSH) and may lag by a few dozen per thread
 * at an abrupt end. The live table and the stack table are always exact.
 *
 * errno is saved and restored: the agent makes syscalls that may fail (page
 * probes), and a successful malloc must not change the caller's errno.
 */
#include "agent/hooks.h"
#include "agent/badfree.h"
#include "agent/created.h"
#include "agent/live.h"
#include "agent/next.h"
#include "agent/sample.h"
#include "agent/stacks.h"
#include "agent/thread_slot.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>

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
    ch_thread_slot *c = ch_thread_slot_of(t);
    ch_live_prefetch_evict(c, (uint64_t)p);
    uint32_t id = ch_stack_of(t, r);
    ch_stack_count(c, id, size);
    ch_filter_add((uint64_t)p);
    if (ch_live_insert(c, (uint64_t)p, size, id)) {
        CH_THREAD_ADD(c, n_allocs, 1);
        CH_THREAD_ADD(c, bytes_alloc, size);
    } else {
        ch_filter_del((uint64_t)p);
        t->pending_dropped++;
        ch_drops_add();
    }
    ch_leave(t);
    errno = saved_errno;
}

/* Removes p from the live table if it is there. Runs with `inside` set.
 * caller_pc: the free's caller, remembered for a later double free (0: none). */
static inline __attribute__((always_inline)) int
remove_block(ch_thread *t, void *p, uint64_t *size_stack, uint64_t caller_pc)
{
    ch_thread_slot *c = ch_thread_slot_of(t);
    int found = ch_live_remove(c, (uint64_t)p, size_stack);
    if (found) {
        ch_filter_del((uint64_t)p);
        CH_THREAD_ADD(c, n_frees, 1);
        if (c && ch_g.sample_rate <= 1)
            ch_freed_note(c, (uint64_t)p, *size_stack, caller_pc);
    }
    return found;
}

int ch_on_free(void *p, uint64_t *size_stack, uint64_t caller_pc)
{
    ch_thread *t = &ch_self;
    if (CH_UNLIKELY(t->inside))
        return 0; /* never take a shard lock we might already hold: ch_free_inside */
    ch_thread_event(t);
    if (!ch_filter_maybe((uint64_t)p))
        return 0;
    t->inside = 1;
    int found = remove_block(t, p, size_stack, caller_pc);
    ch_leave(t);
    return found;
}

void ch_free_inside(ch_thread *t, void *p)
{
    if (ch_filter_maybe((uint64_t)p))
        ch_defer_free(t, p);
    else
        ch_next.free(p); /* surely never recorded */
}

/*
 * The real frees run with every signal blocked: the handler that made them
 * ran with its own mask, and a handler that allocates must not interrupt
 * the allocator in the middle of a free the program made in a handler
 * (seen: glibc's tcache corrupted, abort). Blocking costs two syscalls,
 * only when something was queued. The list is taken whole with one
 * exchange all the same, so a handler that queues a free meanwhile (if
 * blocking failed) starts a new list instead of racing this walk.
 */
void ch_defer_drain(ch_thread *t)
{
    int saved_errno = errno;
    sigset_t all, old;
    sigfillset(&all);
    int masked = pthread_sigmask(SIG_BLOCK, &all, &old) == 0;
    do {
        t->inside = 1;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        void *p = __atomic_exchange_n(&t->deferred, NULL, __ATOMIC_RELAXED);
        while (p) {
            void *next = *(void **)p;
            uint64_t size_stack;
            remove_block(t, p, &size_stack, 0);
            ch_next.free(p);
            p = next;
        }
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        t->inside = 0;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
    } while (__atomic_load_n(&t->deferred, __ATOMIC_RELAXED)); /* queued after the exchange */
    if (masked)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved_errno;
}

void ch_restore_block(void *p, uint64_t size_stack)
{
    ch_thread *t = &ch_self;
    t->inside = 1;
    ch_filter_add((uint64_t)p);
    ch_thread_slot *c = ch_thread_slot_of(t);
    if (ch_live_insert(c, (uint64_t)p, size_stack >> CH_STACK_ID_BITS,
                       (uint32_t)(size_stack & CH_STACK_ID_MASK))) {
        CH_THREAD_ADD(c, n_frees, (uint64_t)-1); /* takes back the free ch_on_free counted */
    } else {
        ch_filter_del((uint64_t)p);
    }
    ch_leave(t);
}

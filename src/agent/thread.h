/*
 * Per-thread agent state, in initial-exec TLS.
 *
 * Initial-exec TLS is a fixed offset from %fs: reading it never calls
 * __tls_get_addr (which may malloc). That is valid because the agent is
 * preloaded, so its TLS block is part of the static TLS of every thread.
 */
#ifndef CGOHEAP_AGENT_THREAD_H
#define CGOHEAP_AGENT_THREAD_H

#include "agent/modules.h"
#include "agent/rule.h"
#include "agent/state.h"
#include "agent/walkmemo.h"

#include <stdint.h>

/* Validated-page cache for stack reads: direct mapped, a power of two. */
#define CH_PAGE_CACHE 32u
/* Events are counted per thread and added to its slot in batches. */
#define CH_EVENT_FLUSH 64u

/* Registers that define a frame: where the unwinder starts. */
typedef struct ch_regs {
    uint64_t pc; /* a return address */
    uint64_t sp; /* the caller's RSP after that return */
    uint64_t bp; /* the caller's RBP */
} ch_regs;

struct ch_rule;
struct ch_walk_memo;

typedef struct ch_thread {
    /*
     * Set while the agent runs on this thread. Any malloc-family call that
     * finds it set (from libc inside the agent, or from a signal handler that
     * interrupted the agent, possibly while it holds a spinlock) passes
     * straight through without touching shared state: that is what makes the
     * agent reentrancy- and signal-safe without blocking signals.
     */
    uint32_t inside;
    /*
     * A free that finds `inside` set cannot look at the live table (the
     * interrupted agent may hold the block's shard lock), and must not let
     * the block go either: once the allocator has it back, another thread
     * may get the address and record it before the entry could be removed.
     * So the block is queued here, still allocated, and freed for real when
     * the agent leaves (ch_leave). The queue is a list linked through the
     * blocks' own first words (the program is done with them, and every
     * block has 8 bytes), so it never fills. Only this thread and its
     * signal handlers touch it, with compare-and-swap: a handler runs to
     * completion before the code it interrupted resumes.
     */
    void *deferred;
    uint32_t seeded;
    uint64_t rng;
    struct ch_rule *rules; /* rules in use: the small set or the whole cache (thread.c), or NULL */
    struct ch_walk_memo *memos; /* walk memos, in the same mapping; NULL in exact mode */
    uint64_t rules_gen;         /* module generation the cache was filled under */
    uint32_t rule_mask;         /* entries of the cache in use, minus 1 (rule.h) */
    uint32_t rule_fills;        /* entries filled since the cache was taken or emptied */
    uint32_t memo_mask;         /* walk memos in use, minus 1: 0 until the slot widens (thread.c) */
    uint64_t pending_events;
    uint64_t pending_dropped;
    ch_thread_slot *thread_slot; /* this thread's slot in the record (thread_slot.h), or NULL */
    uint32_t thread_slot_state;  /* thread_slot.c: none yet, owned, or given up */
    uint32_t registered;         /* the key whose destructor runs at thread end is set */
    uint64_t last_mark;          /* the last stack-switch mark this thread recorded */
    uint32_t creator_id;         /* the stack that created this thread (created.h), or 0 */
    /*
     * [stk_lo, stk_hi): pages of this thread's stack known readable, every
     * one probed (memprobe.h). Checked with two compares before the page cache.
     */
    uint64_t stk_lo, stk_hi;
    uint64_t pages[CH_PAGE_CACHE];  /* (page << 1) | 1 of pages known readable */
    uint64_t frames[CH_MAX_FRAMES]; /* frames of a walk without a memo (exact mode) */
} ch_thread;

extern __thread ch_thread ch_self;

/*
 * Bytes until this thread's next sampled allocation. Outside ch_self so that
 * entry.S can find it by name: positive only while sampling is on and the
 * agent attached (see there).
 */
extern __thread int64_t ch_sample_left;

/*
 * Adds the thread's batched event counts to its slot and, if `all` (its
 * end, the process's exit), its slot's pending per-stack counts to the
 * shared stats.
 */
void ch_thread_flush(ch_thread *t, int all);

/* Counts an interposed call; flushes the batch now and then. */
static inline void ch_thread_event(ch_thread *t)
{
    if (CH_UNLIKELY(++t->pending_events >= CH_EVENT_FLUSH))
        ch_thread_flush(t, 0);
}

/* Slow path of ch_thread_rules: maps, recycles or resets the cache. */
struct ch_rule *ch_thread_rules_slow(ch_thread *t);

/* Ensures t->rules is usable and current; returns it or NULL (then parse every time). */
static inline struct ch_rule *ch_thread_rules(ch_thread *t)
{
    if (CH_LIKELY(t->rules && t->rules_gen == ch_modules_gen()))
        return t->rules;
    return ch_thread_rules_slow(t);
}

/* The parts of t's cache now in use go into the header's agent_bytes (thread.c). */
void ch_thread_cache_grew(ch_thread *t);

/*
 * After a rule went into the cache: a thread that keeps filling it gets the
 * whole of it (ch_thread_cache_grew moves t->rules), empty of its own rules
 * but filled again from the process-wide table (rules_shared.h).
 */
static inline void ch_thread_rule_filled(ch_thread *t)
{
    if (++t->rule_fills == CH_RULE_GROW_FILLS) {
        t->rule_mask = CH_RULE_CACHE - 1;
        ch_thread_cache_grew(t);
    }
}

/*
 * The walk memo for walks whose first return address is first_pc, from stack
 * pointer sp; NULL in exact mode or before ch_thread_rules.
 */
static inline struct ch_walk_memo *ch_thread_memo(ch_thread *t, uint64_t first_pc, uint64_t sp)
{
    if (!t->memos)
        return NULL;
    return ch_memo_pick(t->memos, t->memo_mask, first_pc, sp);
}

/* Queues p, a free made while `inside` is set (see there). */
static inline void ch_defer_free(ch_thread *t, void *p)
{
    void *head = __atomic_load_n(&t->deferred, __ATOMIC_RELAXED);
    do
        *(void **)p = head;
    while (!__atomic_compare_exchange_n(&t->deferred, &head, p, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
}

/* Removes and frees the queued blocks (hooks.c). Runs with `inside` clear. */
void ch_defer_drain(ch_thread *t);

/* Leaves the agent: clears `inside`, then does the frees queued meanwhile. */
static inline void ch_leave(ch_thread *t)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t->inside = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (CH_UNLIKELY(__atomic_load_n(&t->deferred, __ATOMIC_RELAXED) != NULL))
        ch_defer_drain(t);
}

/* Restores `inside` as it was before a nested section set it. */
static inline void ch_restore_inside(ch_thread *t, uint32_t was)
{
    if (was)
        t->inside = was;
    else
        ch_leave(t);
}

/* Called once at attach: the key whose destructor recycles rule caches and thread slots. */
void ch_thread_setup(void);

/* Arranges for thread_end to run when this thread ends. Returns 0 if it cannot. */
int ch_thread_register(ch_thread *t);

#endif

/*
 * Per-thread state: the TLS block, batched counters and the rule cache.
 *
 * Rule caches are 64 KiB mmaps (never malloc: we are the allocator). A
 * pthread key destructor returns a dying thread's cache to a free list so
 * thread churn does not leak mappings. pthread_setspecific on a key made at
 * start-up uses the thread's static key block and does not allocate; if it
 * ever did, the allocation would arrive with t->inside set and pass through.
 */
#include "agent/thread.h"
#include "agent/live.h"
#include "agent/marks.h"
#include "agent/modules.h"
#include "agent/rule.h"
#include "agent/spin.h"
#include "agent/thread_slot.h"
#include "agent/walkmemo.h"
#include "cgoheap/follow.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

__thread ch_thread ch_self;
__thread int64_t ch_sample_left;

static pthread_key_t end_key;
static int have_key;
static uint32_t free_lock;
static struct thread_cache *free_list; /* recycled caches */

/*
 * One mapping per thread (zeroed = empty): its bookkeeping, the rules of a
 * thread that allocates a little (CH_RULE_SMALL), the walk memos, then the
 * whole rule cache, which a thread takes once it keeps filling the small
 * one (thread.h) and fills again from the process-wide table
 * (rules_shared.h). The first page holds the bookkeeping, the small rules
 * and the start of memo 0 (a walk of up to 13 frames): a thread that
 * allocates a little touches that page alone. With the rules first, the
 * small ones and the bookkeeping in page 0 and memo 0 in page 16, a fresh
 * thread's first malloc touched 2 pages of its cache, 3 while the
 * bookkeeping had a page of its own after the memos
 * (`reuse_faults fresh`, tests/agent).
 */
typedef struct thread_cache {
    uint64_t gen;     /* module generation of the rules, kept while the cache is on the free list */
    uint64_t counted; /* bytes of it in the header's agent_bytes: see count_in_use */
    uint32_t memos_used;       /* memos its threads may have written: the first memos_used */
    struct thread_cache *next; /* on the free list */
    _Alignas(64) ch_rule small[CH_RULE_SMALL]; /* a two-way set (i, i ^ 1) in one line */
    ch_walk_memo memo[CH_WALK_MEMOS];
    _Alignas(64) ch_rule rules[CH_RULE_CACHE];
} thread_cache;

#define RULES_BYTES sizeof(thread_cache)
#define CACHE_PAGES ((RULES_BYTES + 4095) / 4096)
_Static_assert(CACHE_PAGES <= 511, "an AGENT mark holds the cache's length in 9 bits (shm.h)");
_Static_assert(offsetof(thread_cache, memo) + offsetof(ch_walk_memo, steps) +
                       14 * sizeof(ch_memo_step) <=
                   4096,
               "the bookkeeping, the small rules and memo 0's start share the first page");

/* The mapping whose walk memos are m. */
static thread_cache *cache_of(ch_walk_memo *m)
{
    return (thread_cache *)(void *)((char *)m - offsetof(thread_cache, memo));
}

/* The rules a thread uses by its mask: the small set or the whole cache. */
static ch_rule *rules_in_use(thread_cache *c, uint32_t rule_mask)
{
    return rule_mask == CH_RULE_CACHE - 1 ? c->rules : c->small;
}

/*
 * Runs with t->inside set: a signal handler that mallocs in the middle
 * passes through instead of flushing the same batch a second time.
 */
void ch_thread_flush(ch_thread *t, int all)
{
    ch_shm_header *h = ch_g.hdr;
    if (!h)
        return;
    uint32_t was_inside = t->inside;
    t->inside = 1;
    ch_thread_slot *c = ch_thread_slot_of(t);
    if (t->pending_events)
        CH_THREAD_ADD(c, n_events, t->pending_events);
    if (t->pending_dropped)
        CH_THREAD_ADD(c, n_dropped, t->pending_dropped);
    t->pending_events = 0;
    t->pending_dropped = 0;
    if (all)
        ch_stack_flush(c);
    else if (c && c->bucket_mask != CH_SLOT_BUCKETS - 1 &&
             (c->collisions >= CH_WIDEN_COLLISIONS || c->n_allocs >= CH_WIDEN_ALLOCS))
        ch_live_widen(c);
    /*
     * A thread that allocates a little walks with one memo (one page of its
     * cache: two call sites each in its own memo touched two); it gets all
     * of them (one per call site and depth: walkmemo.h) when its slot widens.
     */
    if (c && c->bucket_mask == CH_SLOT_BUCKETS - 1 && t->memo_mask != CH_WALK_MEMOS - 1) {
        t->memo_mask = CH_WALK_MEMOS - 1;
        ch_thread_cache_grew(t);
    }
    /* A released child (follow.h): the launcher is gone; recording goes on for nobody. */
    if (__atomic_load_n(&h->options, __ATOMIC_RELAXED) & CH_OPT_RELEASED)
        __atomic_store_n(&ch_state, CH_ST_PASSIVE, __ATOMIC_RELEASE);
    ch_restore_inside(t, was_inside);
}

/*
 * The key's destructor, run by the ending thread itself: its last batch,
 * then its rule cache and thread slot go to later threads. Calls it makes
 * afterwards (other destructors freeing memory) use the header's counters
 * and may take a fresh rule cache, which sets the key again: glibc then
 * runs this destructor once more.
 */
static void thread_end(void *unused)
{
    (void)unused;
    ch_thread *t = &ch_self;
    /* Locks are taken below: a signal handler's malloc meanwhile must pass through. */
    uint32_t was_inside = t->inside;
    t->inside = 1;
    t->registered = 0;
    ch_thread_flush(t, 1);
    ch_thread_slot_release(t);
    if (t->memos) {
        thread_cache *c = cache_of(t->memos);
        t->rules = NULL;
        t->memos = NULL;
        c->gen = t->rules_gen;
        ch_spin_lock(&free_lock);
        c->next = free_list;
        free_list = c;
        ch_spin_unlock(&free_lock);
    }
    ch_restore_inside(t, was_inside);
}

void ch_thread_setup(void)
{
    have_key = pthread_key_create(&end_key, thread_end) == 0;
}

int ch_thread_register(ch_thread *t)
{
    if (t->registered)
        return 1;
    /* Any non-NULL value: the destructor works on the ending thread's TLS. */
    if (!have_key || pthread_setspecific(end_key, t) != 0)
        return 0;
    t->registered = 1;
    return 1;
}

/*
 * Zero pages again, not zeroed pages: a memset made all 262 KiB of a
 * recycled cache resident, where its new thread may touch a few pages.
 */
static void empty_cache(thread_cache *c)
{
    uint64_t counted = c->counted;
    if (madvise(c, RULES_BYTES, MADV_DONTNEED) != 0)
        memset(c, 0, RULES_BYTES);
    ch_header_add(&ch_g.hdr->agent_bytes, -counted); /* its pages are gone */
}

/*
 * agent_bytes counts the parts of a cache that its threads have used, not
 * the mapping: a thread that allocates a little uses CH_RULE_SMALL rules
 * and one memo (6.6 KiB), and counting the 16 memos and the 4096 rules of
 * every thread whether used or not added 139 KiB per thread alive at once.
 * A recycled cache keeps what its earlier threads counted (its pages stay).
 */
static void count_in_use(thread_cache *c, uint32_t rule_mask, uint32_t memo_mask)
{
    uint64_t rules = CH_RULE_SMALL + (rule_mask == CH_RULE_CACHE - 1 ? CH_RULE_CACHE : 0);
    uint64_t bytes = rules * sizeof(ch_rule) + (uint64_t)(memo_mask + 1) * sizeof(ch_walk_memo);
    if (bytes > c->counted) {
        ch_header_add(&ch_g.hdr->agent_bytes, bytes - c->counted);
        c->counted = bytes;
    }
    if (memo_mask + 1 > c->memos_used)
        c->memos_used = memo_mask + 1;
}

void ch_thread_cache_grew(ch_thread *t)
{
    if (!t->memos)
        return;
    thread_cache *c = cache_of(t->memos);
    t->rules = rules_in_use(c, t->rule_mask);
    count_in_use(c, t->rule_mask, t->memo_mask);
}

/*
 * A recycled cache under the generation it was filled in: its rules hold
 * for any thread (a rule is a function of the pc and the loaded modules),
 * its memos only for the stack they were walked on, and a new thread's
 * stack may be the old one's mapping. So only the memos are forgotten (their
 * headers: one line each). Emptying the
 * whole cache took a madvise per thread start, its TLB shootdown and the
 * page faults of refilling: 5 to 6% of the samples of 128 short threads
 * (perf). Only the memos its threads used are visited (memos_used): the
 * others are still zero, each in pages of its own, and reading their
 * headers faulted them in, 15-16 page faults per thread start
 * (tests/agent/reuse_faults), 60-80 us of a new thread's CPU on this
 * virtual machine, where a page fault is dear.
 */
static void reuse_cache(thread_cache *c, uint64_t gen)
{
    if (c->gen != gen) {
        empty_cache(c); /* a dlclose since: a cached pc may now belong to another module */
        return;
    }
    for (uint32_t i = 0; i < c->memos_used && i < CH_WALK_MEMOS; i++)
        ch_memo_forget(&c->memo[i]);
}

static thread_cache *take_cache(uint64_t gen)
{
    ch_spin_lock(&free_lock);
    thread_cache *c = free_list;
    if (c)
        free_list = c->next;
    ch_spin_unlock(&free_lock);
    if (c) {
        reuse_cache(c, gen);
        return c;
    }
    c = mmap(NULL, RULES_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED)
        return NULL;
    ch_mark((uint64_t)(uintptr_t)c | (uint64_t)CACHE_PAGES << 3, CH_MARK_AGENT);
    return c;
}

/* The thread's rules start small again (a new cache, or emptied after a dlclose). */
static void start_small(ch_thread *t, uint64_t gen)
{
    t->rules_gen = gen;
    t->rule_mask = CH_RULE_SMALL - 1;
    t->rule_fills = 0;
    ch_thread_cache_grew(t); /* sets t->rules */
}

ch_rule *ch_thread_rules_slow(ch_thread *t)
{
    if (ch_g.exact)
        return NULL;
    uint64_t gen = ch_modules_gen();
    if (CH_UNLIKELY(!t->memos)) {
        /* Without a key the cache could not be recycled: parse every time instead. */
        thread_cache *c = ch_thread_register(t) ? take_cache(gen) : NULL;
        if (!c)
            return NULL;
        t->memos = c->memo;
        start_small(t, gen);
    }
    if (CH_UNLIKELY(t->rules_gen != gen)) {
        /* A dlclose: a cached pc may now belong to another module (memo included). */
        empty_cache(cache_of(t->memos));
        start_small(t, gen);
    }
    return t->rules;
}

/*
 * The interposed allocator entry points.
 *
 * Each forwards to the program's allocator (next.h: glibc's __libc_* entry
 * points, or the next definition when the program brings its own), then records. Each one
 * captures its own caller's registers with CH_CALLER_REGS: the unwinder
 * starts at the return address into the caller of malloc, so the agent's own
 * frames never appear in a stack. That needs a real frame in the exported
 * function: the agent is built with -fno-omit-frame-pointer, the functions are
 * noinline, and the regs are a local whose address escapes, which rules out
 * a tail call that would pop the frame.
 *
 * malloc, free, calloc, realloc, memalign and aligned_alloc themselves are
 * in entry.S: their fast paths for a sampled run, which jump to the
 * ch_*_slow functions here for anything else. A jump, not a call: these see
 * the program's call as their own.
 */
#include "agent/badfree.h"
#include "agent/hooks.h"
#include "agent/modules.h"
#include "agent/next.h"
#include "agent/sample.h"
#include "agent/state.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CH_INTERPOSER CH_EXPORT __attribute__((noinline))
/* Reached only by a jump from entry.S, in place of the exported function. */
#define CH_ENTRY_SLOW __attribute__((noinline, used))

void *ch_malloc_slow(size_t n);
void ch_free_slow(void *p);
void *ch_calloc_slow(size_t n, size_t size);
void *ch_realloc_slow(void *old, size_t n);
void *ch_memalign_slow(size_t align, size_t n);
int ch_posix_memalign_slow(void **out, size_t align, size_t n);

/* entry.S has seen that the countdown does not cover n: ch_on_alloc decides. */
CH_ENTRY_SLOW void *ch_malloc_slow(size_t n)
{
    void *p = ch_next.malloc(n);
    if (ch_is_active()) {
        CH_CALLER_REGS(r);
        ch_on_alloc(p, n, &r);
    }
    return p;
}

/* entry.S has seen an overflow, or a countdown that does not cover the product. */
CH_ENTRY_SLOW void *ch_calloc_slow(size_t n, size_t size)
{
    size_t bytes;
    int overflow = __builtin_mul_overflow(n, size, &bytes);
    if (!overflow && ch_is_active() && ch_alloc_unsampled(&ch_self, bytes))
        return ch_next.calloc(n, size); /* not sampled: a tail call */
    void *p = ch_next.calloc(n, size);
    if (ch_is_active()) {
        CH_CALLER_REGS(r);
        ch_on_alloc(p, n * size, &r); /* no overflow: calloc returned NULL if it did */
    }
    return p;
}

/* realloc semantics on top of __libc_realloc, recording for the caller in r. */
static void *realloc_recorded(void *old, size_t n, const ch_regs *r)
{
    uint64_t size_stack = 0;
    int had = old ? ch_on_free(old, &size_stack, r->pc) : 0;
    if (old && !had)
        ch_check_bad_free(old, r, CH_BAD_REALLOC);
    void *p = ch_next.realloc(old, n);
    if (p)
        ch_on_alloc(p, n, r);
    else if (had && n != 0)
        ch_restore_block(old, size_stack); /* failed: the old block is still live */
    return p;
}

/*
 * realloc in a signal handler that interrupted the agent: the old block's
 * free must wait in the queue (thread.h), so the move is done by hand.
 * The new block is not recorded (counted as dropped).
 */
static void *realloc_inside(ch_thread *t, void *old, size_t n)
{
    if (!ch_filter_maybe((uint64_t)old) || !ch_next.usable)
        return ch_next.realloc(old, n); /* never recorded, or no way to know its size */
    void *p = NULL;
    if (n) {
        if (!(p = ch_next.malloc(n)))
            return NULL; /* the old block stays, as realloc leaves it */
        size_t have = ch_next.usable(old);
        memcpy(p, old, have < n ? have : n);
        t->pending_dropped++;
    }
    ch_free_inside(t, old); /* glibc's realloc(p, 0) frees p and returns NULL */
    return p;
}

/*
 * realloc's fast path in a sampled run: the old block was surely never
 * recorded (the filter says so) and the new size is not sampled. Counts
 * the events the recorded path would count (a free, an allocation).
 */
static inline int realloc_unsampled(ch_thread *t, void *old, size_t n)
{
    if (old && ch_filter_maybe((uint64_t)old))
        return 0; /* maybe recorded; or not sampling at all (no filter) */
    if (!ch_alloc_unsampled(t, n))
        return 0;
    if (old)
        ch_thread_event(t);
    return 1;
}

/* entry.S has seen a maybe recorded old block, or a countdown that does not cover n. */
CH_ENTRY_SLOW void *ch_realloc_slow(void *old, size_t n)
{
    if (!ch_is_active() || realloc_unsampled(&ch_self, old, n))
        return ch_next.realloc(old, n); /* a tail call */
    if (CH_UNLIKELY(ch_self.inside) && old)
        return realloc_inside(&ch_self, old, n);
    CH_CALLER_REGS(r);
    return realloc_recorded(old, n, &r);
}

CH_INTERPOSER void *reallocarray(void *old, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    if (!ch_is_active() || realloc_unsampled(&ch_self, old, bytes))
        return ch_next.realloc(old, bytes);
    if (CH_UNLIKELY(ch_self.inside) && old)
        return realloc_inside(&ch_self, old, bytes);
    CH_CALLER_REGS(r);
    return realloc_recorded(old, bytes, &r);
}

CH_ENTRY_SLOW void ch_free_slow(void *p)
{
    uint64_t size_stack;
    /* entry.S has seen a non-zero filter counter, or no filter: ch_on_free decides. */
    if (!p || !ch_is_active()) {
        ch_next.free(p); /* nothing recorded to remove: a tail call */
        return;
    }
    if (CH_UNLIKELY(ch_self.inside)) {
        ch_free_inside(&ch_self, p);
        return;
    }
    if (!ch_on_free(p, &size_stack, (uint64_t)__builtin_return_address(0))) {
        CH_CALLER_REGS(r);
        ch_check_bad_free(p, &r, 0); /* then glibc does what it does with p */
    }
    ch_next.free(p);
}

/* memalign and aligned_alloc (entry.S): the countdown does not cover n. */
CH_ENTRY_SLOW void *ch_memalign_slow(size_t align, size_t n)
{
    if (ch_is_active() && ch_alloc_unsampled(&ch_self, n))
        return ch_next.memalign(align, n); /* not sampled: a tail call */
    void *p = ch_next.memalign(align, n);
    if (ch_is_active()) {
        CH_CALLER_REGS(r);
        ch_on_alloc(p, n, &r);
    }
    return p;
}

/* posix_memalign reports through its result: errno stays as it was. */
static inline void *memalign_keep_errno(size_t align, size_t n)
{
    int saved_errno = errno;
    void *p = ch_next.memalign(align, n);
    errno = saved_errno;
    return p;
}

/*
 * entry.S has seen another allocator than glibc's, a bad alignment or a
 * countdown that does not cover n: the whole call, in C.
 */
CH_ENTRY_SLOW int ch_posix_memalign_slow(void **out, size_t align, size_t n)
{
    if (align % sizeof(void *) || (align & (align - 1)) || align == 0)
        return EINVAL;
    int64_t left = ch_sample_left - (int64_t)n;
    int unsampled = CH_LIKELY(left > 0);
    if (unsampled)
        ch_sample_left = left;
    void *p = memalign_keep_errno(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    if (!unsampled && ch_is_active()) {
        CH_CALLER_REGS(r);
        ch_on_alloc(p, n, &r);
    }
    return 0;
}

CH_INTERPOSER void *valloc(size_t n)
{
    if (ch_is_active() && ch_alloc_unsampled(&ch_self, n))
        return ch_next.valloc(n); /* not sampled: a tail call */
    void *p = ch_next.valloc(n);
    if (ch_is_active()) {
        CH_CALLER_REGS(r);
        ch_on_alloc(p, n, &r);
    }
    return p;
}

CH_INTERPOSER void *pvalloc(size_t n)
{
    if (ch_is_active() && ch_alloc_unsampled(&ch_self, n))
        return ch_next.pvalloc(n); /* not sampled: a tail call */
    void *p = ch_next.pvalloc(n);
    if (ch_is_active()) {
        CH_CALLER_REGS(r);
        ch_on_alloc(p, n, &r);
    }
    return p;
}

/*
 * dlclose: while the real one runs, walks use no cache and look modules up
 * themselves (another thread may dlopen a library where the closed one was
 * before it returns); after, the module generation goes up so rule caches
 * and the module snapshot are rebuilt before any further CFI read: the
 * unloaded module's .eh_frame is gone.
 */
CH_INTERPOSER int dlclose(void *handle)
{
    static int (*real_dlclose)(void *);
    int (*fn)(void *) = __atomic_load_n(&real_dlclose, __ATOMIC_ACQUIRE);
    if (!fn) {
        ch_thread *t = &ch_self;
        uint32_t was_inside = t->inside;
        t->inside = 1; /* dlsym may allocate (its error buffer) */
        fn = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
        ch_restore_inside(t, was_inside);
        if (!fn)
            return -1;
        __atomic_store_n(&real_dlclose, fn, __ATOMIC_RELEASE);
    }
    ch_modules_before_dlclose();
    int rc = fn(handle);
    ch_modules_after_dlclose();
    return rc;
}

/*
 * Thread birth and death marks (shm.h, "stack marks").
 *
 * glibc keeps the stacks of joined threads for reuse, with whatever the
 * threads left on them. Scanned as roots, a dead thread's stack makes a
 * block that only the dead thread pointed to look "still reachable". So
 * pthread_create is wrapped: the new thread marks its stack when it starts
 * (the stack may be a reused one: what was dead there is now live again)
 * and again when its start routine returns or it calls pthread_exit.
 *
 * The wrapper adds one frame at the bottom of every thread. Its start
 * record (the program's routine and argument) lives in a pool of its own,
 * an anonymous mapping the scan treats as a root, like the thread
 * descriptor that held the argument before: between pthread_create and the
 * new thread's first instruction, the argument may be the only pointer to a
 * heap block (Go's thread-start record is). Records are zeroed when
 * released, so a stale argument never keeps anything alive. If the pool is
 * full, the real functions cannot be found, or the agent is not recording,
 * the calls pass straight through without marks.
 */
#include "agent/created.h"
#include "agent/hooks.h"
#include "agent/marks.h"
#include "agent/state.h"
#include "agent/thread.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include <sys/mman.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef void (*exit_fn)(void *);

typedef struct start_record {
    void *(*fn)(void *);
    void *arg;
    uint32_t creator; /* stack id of the pthread_create call (created.h) */
} start_record;

static create_fn real_create;
static exit_fn real_exit;

#define POOL_RECORDS 4096u /* threads starting at the same moment, at most */

static start_record *pool; /* mmap'ed once; never freed */
static uint32_t pool_hint; /* where the next claim starts looking */

/* Lock-free: a record is free while its fn is NULL; a CAS claims it. */
static start_record *claim_record(void *(*fn)(void *), void *arg)
{
    start_record *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
    if (!p) {
        p = mmap(NULL, POOL_RECORDS * sizeof *p, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        start_record *none = NULL;
        if (!__atomic_compare_exchange_n(&pool, &none, p, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            munmap(p, POOL_RECORDS * sizeof *p); /* another thread won */
            p = none;
        } else {
            ch_header_add(&ch_g.hdr->agent_bytes, POOL_RECORDS * sizeof *p);
        }
    }
    uint32_t first = __atomic_fetch_add(&pool_hint, 1, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < POOL_RECORDS; i++) {
        start_record *r = &p[(first + i) % POOL_RECORDS];
        void *(*expected)(void *) = NULL;
        if (__atomic_compare_exchange_n(&r->fn, &expected, fn, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            __atomic_store_n(&r->arg, arg, __ATOMIC_RELEASE);
            return r;
        }
    }
    return NULL;
}

/* Zeroes the record (arg first: fn == NULL frees the slot for others). */
static void release_record(start_record *r)
{
    __atomic_store_n(&r->arg, NULL, __ATOMIC_RELAXED);
    __atomic_store_n(&r->fn, NULL, __ATOMIC_RELEASE);
}

/* dlsym may allocate (dlerror's buffer): with `inside` set, that passes
 * through unrecorded instead of re-entering the agent. Racing threads
 * resolve the same values, so plain atomic stores suffice. */
static void *resolve(void **slot, const char *name)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (f)
        return f;
    ch_thread *t = &ch_self;
    uint32_t was = t->inside;
    t->inside = 1;
    f = dlsym(RTLD_NEXT, name);
    ch_restore_inside(t, was);
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

static uint64_t here(void)
{
    return (uint64_t)__builtin_frame_address(0);
}

/* Everything below this frame (the start routine's frames) dies with the
 * thread; the locals here hold only the start record's copy. */
static void *thread_start(void *p)
{
    start_record s = *(start_record *)p;
    release_record(p);
    ch_self.creator_id = s.creator;
    if (ch_is_active())
        ch_mark(here(), CH_MARK_BIRTH);
    void *ret = s.fn(s.arg);
    if (ch_is_active())
        ch_mark(here(), CH_MARK_DEATH);
    return ret;
}

CH_EXPORT int pthread_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *),
                             void *arg)
{
    create_fn create = (create_fn)resolve((void **)&real_create, "pthread_create");
    if (!create)
        return EAGAIN; /* cannot happen with glibc: pthread_create is in libc */
    start_record *s = ch_is_active() ? claim_record(fn, arg) : NULL;
    if (!s)
        return create(tid, attr, fn, arg);
    CH_CALLER_REGS(r);
    s->creator = ch_creator_stack(&r);
    int rc = create(tid, attr, thread_start, s);
    if (rc != 0)
        release_record(s);
    return rc;
}

CH_EXPORT void pthread_exit(void *ret)
{
    exit_fn ex = (exit_fn)resolve((void **)&real_exit, "pthread_exit");
    if (ch_is_active())
        ch_mark(here(), CH_MARK_DEATH);
    if (ex)
        ex(ret);
    __builtin_trap(); /* unreachable: glibc always has pthread_exit */
}

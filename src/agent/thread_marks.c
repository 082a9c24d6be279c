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
 * The wrapper adds one frame at the bottom of every thread and allocates
 * its small start record with the real allocator, so the program sees no
 * extra allocation. If the real functions cannot be found, or the agent is
 * not recording, the calls pass straight through.
 */
#include "agent/agent.h"
#include "agent/marks.h"
#include "agent/thread.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef void (*exit_fn)(void *);

typedef struct start_record {
    void *(*fn)(void *);
    void *arg;
} start_record;

static create_fn real_create;
static exit_fn real_exit;

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
    t->inside = was;
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

static uint64_t here(void) { return (uint64_t)__builtin_frame_address(0); }

/* Everything below this frame (the start routine's frames) dies with the
 * thread; the locals here hold only the start record's copy. */
static void *thread_start(void *p)
{
    start_record s = *(start_record *)p;
    __libc_free(p);
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
    start_record *s = ch_is_active() ? __libc_malloc(sizeof *s) : NULL;
    if (!s)
        return create(tid, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int rc = create(tid, attr, thread_start, s);
    if (rc != 0)
        __libc_free(s);
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

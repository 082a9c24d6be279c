/* Thread creation stacks; see created.h. */
#include "agent/created.h"
#include "agent/stacks.h"

#include <errno.h>
#include <string.h>

/* Interns the walk's frames, a CH_PC_THREAD_CREATED frame and the creator's. */
static uint32_t intern_with_creator(uint32_t walk_id, uint32_t creator)
{
    const ch_stack_slot *ws = &ch_g.slots[walk_id], *cs = &ch_g.slots[creator];
    uint64_t f[CH_MAX_FRAMES];
    uint32_t n = ws->depth;
    if (n + 1 >= CH_MAX_FRAMES)
        return walk_id;
    memcpy(f, ch_g.frames + ws->frames_off8, n * sizeof *f);
    f[n++] = CH_PC_THREAD_CREATED;
    uint32_t more = cs->depth < CH_MAX_FRAMES - n ? cs->depth : CH_MAX_FRAMES - n;
    memcpy(f + n, ch_g.frames + cs->frames_off8, more * sizeof *f);
    n += more;
    uint16_t flags = cs->flags | (more < cs->depth ? CH_STACK_F_TRUNCATED : 0);
    uint32_t id = ch_stack_intern(f, n, flags, ch_stack_hash(f, n, flags));
    return id ? id : walk_id;
}

/*
 * The walk's own stack is interned first, as on any thread; its id then
 * finds the whole stack's in the thread's memo (a thread's creator never
 * changes), so the creator's frames cost a copy and a hash only the first
 * time a stack is seen on the thread.
 */
uint32_t ch_created_intern(ch_thread *t, const ch_walk_result *w)
{
    uint32_t id = ch_stack_intern(w->frames, w->depth, w->flags, w->hash);
    if (!t->creator_id || !id || (w->flags & (CH_STACK_F_GO | CH_STACK_F_TRUNCATED)))
        return id;
    ch_created_way *m = ch_thread_created(t);
    if (!m)
        return intern_with_creator(id, t->creator_id); /* exact mode: no memo */
    /*
     * Two ways per set: stacks that alternate and share a set do not evict
     * each other. Sets from the end: small ids next to the rule cache (thread.c).
     */
    m += (CH_CREATED_MEMO - 2) - (id & (CH_CREATED_MEMO - 2));
    if (m[0].walk == id)
        return m[0].id;
    if (m[1].walk == id)
        return m[1].id;
    m[1] = m[0]; /* the older way goes */
    m[0].id = intern_with_creator(id, t->creator_id);
    m[0].walk = id;
    return m[0].id;
}

uint32_t ch_creator_stack(const ch_regs *r)
{
    ch_thread *t = &ch_self;
    if (t->inside || __atomic_load_n(&ch_failed, __ATOMIC_RELAXED))
        return 0;
    int saved_errno = errno; /* page probes may fail: pthread_create must not show it */
    t->inside = 1;
    uint32_t id = ch_stack_of(t, r);
    t->inside = 0;
    errno = saved_errno;
    return id;
}

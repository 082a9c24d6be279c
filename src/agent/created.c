/* Thread creation stacks; see created.h. */
#include "agent/created.h"
#include "agent/stacks.h"
#include "agent/walkmemo.h"

#include <errno.h>
#include <string.h>

/*
 * A thread with a creator interns one stack per allocation: its walk's
 * frames, a CH_PC_THREAD_CREATED frame and the creator's, appended in place
 * after the walk's (its memo's room: unwind.h) and hashed from the walk's
 * position sum plus the appended part's (stacks.h: the sum is over positions). It used to
 * intern the walk's own stack first and map its id to the whole stack's
 * through a per-thread memo: two lookups and a memo line per allocation,
 * and a stack table holding every walk twice (stacks2t: 49k stacks for 33k,
 * each lookup a few cache misses into 9.5 MB of frames).
 *
 * The walk memo keeps the appended part and its position sum (walkmemo.h,
 * tail_at), so a walk of the depth its memo's last append had neither
 * copies nor hashes it. The thread kept one sum for the last depth: where
 * depths vary (stacks2t: 15 depths, a memo each) every allocation copied
 * and hashed the creator's frames again, 2.2% of stacks2t's instructions
 * and 0.5% of the C churn's (callgrind).
 */
uint32_t ch_created_intern(ch_thread *t, const ch_walk_result *w)
{
    uint32_t n = w->depth, creator = t->creator_id;
    ch_walk_memo *m = w->memo;
    if (!creator || n + 1 >= CH_MAX_FRAMES || (w->flags & (CH_STACK_F_GO | CH_STACK_F_TRUNCATED))) {
        if (m)
            m->tail_at = 0; /* the walk may have written past n */
        return ch_stack_intern(w->frames, n, w->flags, ch_stack_finish(w->sum, n, w->flags));
    }
    const ch_stack_entry *cs = &ch_g.stacks[creator];
    uint64_t *f = w->frames, tail_sum;
    uint32_t more = cs->depth < CH_MAX_FRAMES - n - 1 ? cs->depth : CH_MAX_FRAMES - n - 1;
    if (m && m->tail_at == n + 1) {
        tail_sum = m->tail_sum;
    } else {
        f[n] = CH_PC_THREAD_CREATED;
        memcpy(f + n + 1, ch_g.frames + cs->frames_off8, more * sizeof *f);
        tail_sum = ch_stack_sum_at(f + n, more + 1, n);
        if (m) {
            m->tail_at = (uint8_t)(n + 1);
            m->tail_sum = tail_sum;
        }
    }
    uint32_t whole = n + 1 + more;
    uint16_t flags = cs->flags | (more < cs->depth ? CH_STACK_F_TRUNCATED : 0);
    uint32_t id =
        ch_stack_intern(f, whole, flags, ch_stack_finish(w->sum + tail_sum, whole, flags));
    if (!id) /* no room for it */
        id = ch_stack_intern(f, n, w->flags, ch_stack_finish(w->sum, n, w->flags));
    return id;
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

/*
 * The stack walk.
 *
 * C/C++ frames are stepped with DWARF CFI rules (rule.h), cached per thread
 * by return address unless CGOHEAP_UNWIND=exact. Both modes compute the same
 * rule for a pc, so they produce identical stacks; the cache only skips the
 * parse. A pc without CFI (Go code: its linker emits no .eh_frame; also
 * runtime.asmcgocall, where cgo calls enter C) switches to the frame-pointer
 * chain: Go keeps RBP as a frame pointer, and the CFI walk has recovered the
 * RBP that the C frames preserved for it.
 *
 * Go code called from C (an exported function of a c-archive or c-shared
 * library, a callback) runs on a goroutine stack entered from
 * runtime.cgocallback, whose frame stays on the system stack: cgocallbackg's
 * saved RBP points back to it, and from it the frame-pointer chain goes on
 * through crosscall2 into the C caller (crosscall2 saves the caller's RBP
 * just below the return address and points RBP there; Go 1.23's assembler
 * also gives it a prologue, whose frame record then sits right above). So
 * one frame-pointer jump off the goroutine stack is followed when it lands
 * on the system stack above where the walk left it; crosscall2 may follow,
 * then a pc with CFI must, where the CFI walk resumes. Anything else drops
 * the frames the jump added, as if it had not been taken.
 *
 * In fast mode the walk also replays runs of steps from the previous walk
 * of this thread (walkmemo.h): consecutive allocations mostly share the
 * outer part of their stacks, and a replayed step costs two independent
 * loads and compares instead of a rule lookup and a dependent load chain.
 *
 * Every stack read goes through ch_safe_read (or ch_safe_read_in, the same
 * check with the stack range in registers): a bad rule or a garbage frame
 * pointer ends the walk, never faults. A replayed read re-reads a word that
 * ch_safe_read validated in an earlier walk of this thread: validated pages
 * stay readable (memprobe.h).
 */
#include "agent/unwind.h"
#include "agent/marks.h"
#include "agent/memprobe.h"
#include "agent/rule.h"
#include "agent/stacks.h"
#include "agent/walkmemo.h"

/* A frame larger than this, or a frame-pointer jump this far, means a broken chain. */
#define CH_MAX_FRAME_SPAN (16ull << 20)

typedef struct walk {
    ch_thread *t;
    ch_rule *cache;     /* NULL in exact mode */
    uint32_t rule_mask; /* the entries of cache in use, minus 1 */
    ch_walk_memo *memo; /* NULL in exact mode */
    uint64_t *frames;   /* the memo's, or the thread's in exact mode */
    uint32_t old_steps; /* memo->nsteps of the previous walk */
    uint32_t old_depth; /* its depth: frames[0..old_depth) are still its frames */
    /*
     * sp and bp are not neighbours on purpose: the steps store them one by
     * one, and a neighbouring pair gets loaded back as one 16-byte vector,
     * which misses store forwarding and stalls the walk on every frame.
     */
    uint64_t sp;
    uint32_t mode; /* CH_MODE_* */
    uint32_t n;    /* frames pushed; the current state is n - 1 */
    uint64_t bp;
    uint64_t pc;
    uint16_t flags;
    uint32_t jump_at;   /* exact mode: the state the jump off the goroutine stack left */
    uint64_t switch_sp; /* exact mode: sp where the walk last left the system stack */
    int changed;        /* some frame differs from the previous walk's */
    uint64_t nh;        /* NH sum of frames[0..old_depth), adjusted for each frame changed */
    int bp_differs;     /* at a matched state: bp differs from the previous walk's */
} walk;

enum { STEP_STOP = 0, STEP_NEXT, STEP_CFI /* back_step: now a CFI state, step it so */ };

/*
 * The cache has two ways per set, entries i and i ^ 1 (one cache line). With
 * one, two return addresses that every walk looks up and that ASLR put on
 * the same entry (a call site of bench/workloads/threadmem.c and clone3's or
 * the agent's thread_start's: 8 runs in 150) replaced each other on each
 * walk: every thread took the whole cache after 32 walks and touched 4 more
 * pages of it (24 KiB per thread, not 8). Three such addresses in one set
 * are needed now (0 runs in 150).
 */
static inline const ch_rule *cached_rule(const ch_rule *cache, uint32_t mask, uint64_t pc)
{
    const ch_rule *way = &cache[(pc ^ (pc >> 12)) & mask];
    if (way->pc == pc)
        return way;
    way = &cache[((pc ^ (pc >> 12)) & mask) ^ 1];
    return way->pc == pc ? way : NULL;
}

static ch_rule rule_for(const walk *w, uint64_t pc)
{
    ch_rule r;
    if (w->cache) {
        const ch_rule *hit = cached_rule(w->cache, w->rule_mask, pc);
        if (hit)
            return *hit;
        ch_rule *way = &w->cache[(pc ^ (pc >> 12)) & w->rule_mask];
        ch_rule *other = &w->cache[((pc ^ (pc >> 12)) & w->rule_mask) ^ 1];
        if (ch_cfi_rule(pc, &r)) {
            if (way->pc && !other->pc)
                way = other;
            else if (way->pc)
                *other = *way; /* both full: the second way's entry goes */
            *way = r;
            ch_thread_rule_filled(w->t);
        }
        return r;
    }
    ch_cfi_rule(pc, &r);
    return r;
}

/*
 * Records where a cgo call entered this thread's system stack (shm.h,
 * "stack-switch marks"). Only a real switch counts: the frame pointer that
 * the Go frames continue from lies on another stack (the goroutine's), not
 * just above sp. A thread's mark rarely changes, so the per-thread
 * last_mark keeps the shared table to a few entries per thread; the table
 * is append-only with a fetch-add, so no lock is needed and a signal
 * handler that interrupts us can at worst leave a claimed slot at 0.
 */
static void note_stack_switch(ch_thread *t, uint64_t sp, uint64_t bp)
{
    if (bp >= sp && bp - sp < CH_MAX_FRAME_SPAN)
        return; /* same stack: no switch */
    if (sp == t->last_mark)
        return;
    t->last_mark = sp;
    ch_mark(sp, CH_MARK_SWITCH);
}

/* True, with the walk marked truncated, if it holds CH_MAX_FRAMES frames. */
static inline int out_of_frames(walk *w)
{
    if (w->n < CH_MAX_FRAMES)
        return 0;
    w->flags |= CH_STACK_F_TRUNCATED;
    return 1;
}

/* The sp of the CFI state where the walk last switched to a goroutine stack. */
static uint64_t switch_sp(const walk *w)
{
    if (!w->memo)
        return w->switch_sp;
    /* Its states and steps are this walk's (computed or replayed) up to the current one. */
    for (uint32_t j = w->n - 1; j-- > 0;)
        if (w->memo->steps[j].st.mode == CH_MODE_CFI &&
            CH_STEP_KIND(w->memo->steps[j].st.step) == CH_STEP_SWITCH)
            return w->memo->steps[j].st.sp;
    return 0;
}

/*
 * A frame pointer far above the goroutine stack: runtime.cgocallback's frame
 * on the system stack, if it lies above where the walk left that stack (the
 * C frames of the cgo call run below the callback that made it). Thread
 * stacks lie near the top of the address space, far above Go's heap, where
 * goroutine stacks are (from 0xc000000000), so only a jump up is tried: a
 * chain that ends at a zero frame pointer costs no more than before.
 */
static __attribute__((cold, noinline)) int jumps_back(walk *w, uint64_t bp)
{
    if (w->mode != CH_MODE_FP)
        return 0;
    uint64_t sys = switch_sp(w);
    if (!sys || bp <= sys || bp - sys > CH_MAX_FRAME_SPAN)
        return 0;
    w->mode = CH_MODE_BACK;
    w->jump_at = w->n - 1;
    return 1;
}

/*
 * One frame-pointer step: [bp] = caller's bp, [bp+8] = return address.
 * w->sp holds the previous frame pointer (0 at the first Go frame): the
 * chain must move up the stack, which rejects loops and garbage, except
 * for one jump back to the system stack (jumps_back).
 */
static int fp_step(walk *w, ch_memo_read *rd)
{
    uint64_t next, ra, bp = w->bp;
    if (w->sp && (bp <= w->sp || (bp - w->sp > CH_MAX_FRAME_SPAN && !jumps_back(w, bp))))
        return STEP_STOP;
    if (out_of_frames(w))
        return STEP_STOP;
    if (!ch_safe_read(w->t, bp, &next) || !ch_safe_read(w->t, bp + 8, &ra) || ra < 4096)
        return STEP_STOP;
    *rd = (ch_memo_read){bp, next, bp + 8, ra};
    w->pc = ra;
    w->sp = bp;
    w->bp = next;
    return STEP_NEXT;
}

/* The kind of a CFI step by the flags f of its rule (walkmemo.h). */
_Static_assert(CH_STEP_CFI == 0 && CH_RULE_CFI == 0 && CH_STEP_USES_BP == CH_RULE_CFA_RBP &&
                   CH_RBP_SAME == 0 && CH_RULE_MAKE(0, 0, 3u) == CH_STEP_SETS_BP,
               "a CFI step's kind is its rule's flags");
static inline uint32_t cfi_kind(uint32_t f)
{
    return f & (CH_STEP_USES_BP | CH_STEP_SETS_BP);
}

/*
 * One CFI step from a frame's (sp, bp) to its caller's (*pc, *sp, *bp),
 * registers in and out so that the hot loop keeps them in registers; lo and
 * span: the thread's stack range (ch_safe_read_in). Returns 0 where the
 * walk ends (bad frame, unreadable word, outermost frame).
 */
static inline __attribute__((always_inline)) int cfi_regs(ch_thread *t, uint64_t lo, uint64_t span,
                                                          const ch_rule *rule, uint64_t *pc,
                                                          uint64_t *sp, uint64_t *bp,
                                                          ch_memo_read *rd)
{
    /* A copy: the stores to rd could alias the cache, whose fields would be re-read after. */
    const ch_rule copy = *rule, *r = &copy;
    uint64_t cfa = ((r->flags & CH_RULE_CFA_RBP) ? *bp : *sp) + (int64_t)r->cfa_off;
    uint64_t ra, ra_at, caller_bp = *bp;
    /*
     * The CFA is above the frame's stack pointer, and not absurdly far: one
     * compare, as sp is a user address (far below 2^64 - CH_MAX_FRAME_SPAN).
     */
    if (cfa - *sp - 1 >= CH_MAX_FRAME_SPAN)
        return 0;
    ra_at = cfa + 8 * (int64_t)r->ra_off8;
    if (!ch_safe_read_in(t, lo, span, ra_at, &ra))
        return 0;
    *rd = (ch_memo_read){ra_at, ra, ra_at, ra};
    if (CH_RULE_RBP(r->flags) != CH_RBP_SAME) { /* SAME, the common case, in one test */
        switch (CH_RULE_RBP(r->flags)) {
        case CH_RBP_OFFSET:
            if (!ch_safe_read_in(t, lo, span, cfa + (int64_t)r->rbp_off, &caller_bp))
                return 0;
            rd->a1 = cfa + (int64_t)r->rbp_off;
            rd->v1 = caller_bp;
            break;
        case CH_RBP_VALOFF:
            caller_bp = cfa + (int64_t)r->rbp_off;
            break;
        default: /* CH_RBP_UNDEF */
            caller_bp = 0;
            break;
        }
    }
    if (ra < 4096)
        return 0; /* outermost frame (some runtimes end the stack with a zero RA) */
    *pc = ra;
    *sp = cfa;
    *bp = caller_bp;
    return 1;
}

/* One CFI step: from (pc, sp, bp) of a frame to its caller's. */
static int cfi_step(walk *w, const ch_rule *r, ch_memo_read *rd)
{
    uint64_t pc, sp = w->sp, bp = w->bp;
    ch_thread *t = w->t;
    if (!cfi_regs(t, t->stk_lo, t->stk_hi - t->stk_lo, r, &pc, &sp, &bp, rd) || out_of_frames(w))
        return STEP_STOP;
    w->pc = pc;
    w->sp = sp;
    w->bp = bp;
    return STEP_NEXT;
}

/*
 * A step in the BACK modes (walkmemo.h): crosscall2 (no FDE) once, then the
 * C caller, whose stack pointer is just above the return address the last
 * frame-pointer step read at w->sp + 8: STEP_CFI, for the caller to step it
 * (cfi_step has one call site).
 */
static __attribute__((cold, noinline)) int back_step(walk *w, const ch_rule *r, ch_memo_read *rd,
                                                     uint32_t *kind)
{
    unsigned k = CH_RULE_KIND(r->flags);
    if (k == CH_RULE_NOFDE && w->mode != CH_MODE_BACK_C) {
        uint64_t next, bp = w->bp;
        *kind = CH_STEP_FP | CH_STEP_USES_BP | CH_STEP_SETS_BP;
        if (w->mode == CH_MODE_BACK && ch_safe_read(w->t, bp, &next) && next == bp + 8) {
            /* A record right below another: crosscall2's own, then its prologue's,
             * whose word above is the caller's RBP, not a return address. Same pc. */
            if (out_of_frames(w))
                return STEP_STOP;
            *rd = (ch_memo_read){bp, next, bp, next};
            w->sp = bp;
            w->bp = next;
            w->mode = CH_MODE_BACK_1;
            return STEP_NEXT;
        }
        if (fp_step(w, rd) == STEP_STOP)
            return STEP_STOP;
        w->mode = CH_MODE_BACK_C;
        return STEP_NEXT;
    }
    if (k != CH_RULE_CFI)
        return STEP_STOP;
    w->sp += 16;
    w->mode = CH_MODE_CFI;
    return STEP_CFI;
}

/*
 * Step from the current state (index n - 1); its reads go to *rd, its kind
 * to *kind. hit: the rule for w->pc if the caller has it from the cache.
 */
static int step(walk *w, const ch_rule *hit, ch_memo_read *rd, uint32_t *kind)
{
    if (w->mode == CH_MODE_FP) {
        *kind = CH_STEP_FP | CH_STEP_USES_BP | CH_STEP_SETS_BP;
        return fp_step(w, rd);
    }
    ch_rule r = hit ? *hit : rule_for(w, w->pc);
    unsigned k = CH_RULE_KIND(r.flags);
    if (CH_UNLIKELY(w->mode != CH_MODE_CFI)) {
        int rc = back_step(w, &r, rd, kind);
        if (rc != STEP_CFI)
            return rc;
    }
    if (k == CH_RULE_NOFDE) {
        /* Only the innermost switch is marked: below it lie the cgo call's frames. */
        if (!(w->flags & CH_STACK_F_GO))
            note_stack_switch(w->t, w->sp, w->bp);
        w->flags |= CH_STACK_F_GO;
        w->switch_sp = w->sp;
        w->mode = CH_MODE_FP;
        w->sp = 0; /* no previous frame pointer yet */
        *kind = CH_STEP_SWITCH | CH_STEP_USES_BP | CH_STEP_SETS_BP;
        return fp_step(w, rd);
    }
    *kind = cfi_kind(r.flags);
    return k == CH_RULE_CFI ? cfi_step(w, &r, rd) : STEP_STOP;
}

/*
 * What a walk carries from state to state besides the registers, as locals
 * of the loop that enters states (enter_memo's pointers are to them).
 */
typedef struct walk_acc {
    uint64_t nh;
    int changed;
    int bp_differs;
} walk_acc;

/*
 * Pushes pc as frame j of memo m, at state (sp, bp, mode), and records the
 * state. Returns 1 if the previous walk had this very state with a recorded
 * step after it.
 */
static inline __attribute__((always_inline)) int enter_memo(const walk *w, ch_walk_memo *m,
                                                            uint32_t j, uint64_t pc, uint64_t sp,
                                                            uint64_t bp, uint32_t mode,
                                                            walk_acc *acc)
{
    uint64_t *frame = &m->frames[j];
    ch_memo_state *s = &m->steps[j].st;
    int same = 0;
    if (j >= w->old_depth) {
        acc->changed = 1;
        acc->nh += ch_stack_nh_term(pc, j);
    } else if (*frame != pc) {
        acc->changed = 1;
        acc->nh += ch_stack_nh_term(pc, j) - ch_stack_nh_term(*frame, j);
    } else if (j < w->old_steps && s->sp == sp && s->mode == mode) {
        acc->bp_differs = s->bp != bp;
        same = !acc->bp_differs || !(s->step & CH_STEP_USES_BP);
    }
    /* The old step bits stay: replay reads them; a fresh step overwrites them. */
    s->sp = sp;
    s->bp = bp;
    s->mode = mode;
    *frame = pc;
    return same;
}

/*
 * Pushes w->pc as frame n and records the new state in the memo. Returns 1
 * if the previous walk had this very state with a recorded step after it.
 */
static inline __attribute__((always_inline)) int enter(walk *w)
{
    uint32_t j = w->n++;
    if (!w->memo) {
        w->frames[j] = w->pc;
        return 0;
    }
    walk_acc acc = {w->nh, w->changed, w->bp_differs};
    int same = enter_memo(w, w->memo, j, w->pc, w->sp, w->bp, w->mode, &acc);
    w->nh = acc.nh;
    w->changed = acc.changed;
    w->bp_differs = acc.bp_differs;
    return same;
}

/* True if the words a recorded step read still hold what it read. */
static inline int same_words(const ch_memo_read *r)
{
    /* Independent loads: the addresses come from the memo, not from the previous load. */
    uint64_t v0 = *(const volatile uint64_t *)r->a0, v1 = *(const volatile uint64_t *)r->a1;
    return v0 == r->v0 && v1 == r->v1;
}

/*
 * A walk has at most one SWITCH step (it turns the mode to FP for good). If
 * the previous walk had one, it may lie in the run [i, k) just replayed: its
 * stack-switch mark must be noted again.
 */
static void note_switch_in_run(walk *w, uint32_t i, uint32_t k)
{
    const ch_walk_memo *m = w->memo;
    for (uint32_t j = i; j < k; j++)
        if (CH_STEP_KIND(m->steps[j].st.step) == CH_STEP_SWITCH) {
            w->flags |= CH_STACK_F_GO;
            note_stack_switch(w->t, m->steps[j].st.sp, m->steps[j].st.bp);
            return;
        }
}

/*
 * At state i, equal to the previous walk's state i (except maybe bp, which
 * is then bp_differs and this walk's bp is bp): re-reads what its steps i,
 * i+1, ... read and returns the first state k >= i whose step it cannot
 * jump over: its words changed, or its result depends on a differing bp.
 * Frames keep their index, so the frames jumped over are already in place.
 */
static inline __attribute__((always_inline)) uint32_t
replay(ch_walk_memo *m, uint32_t i, uint32_t old, int bp_differs, uint64_t bp)
{
    uint32_t k = i;
    /*
     * While bp differs, a step that uses it ends the run, one that reloads it
     * ends the doubt, and every other one carries this walk's bp into the
     * state it leads to: the memo then describes this walk, as the next
     * walk's matching needs.
     */
    if (bp_differs) {
        for (; k < old; k++) {
            ch_memo_step *s = &m->steps[k];
            uint32_t kind = s->st.step;
            if (!same_words(&s->rd))
                return k;
            if (kind & (CH_STEP_USES_BP | CH_STEP_SETS_BP)) { /* one test for the common case */
                if (kind & CH_STEP_USES_BP)
                    return k;
                k++;
                break;
            }
            s[1].st.bp = bp;
        }
    }
    while (k < old && same_words(&m->steps[k].rd))
        k++;
    return k;
}

enum { RUN_GENERAL = 0, RUN_STOP };

/*
 * The hot loop of a walk with a memo, from state w->n - 1 (`same` if it
 * matched the previous walk's): replays of the memo and CFI steps by cached
 * rules, with pc, sp, bp and the frame count in registers. Through the walk
 * in memory, which the memo's stores may alias, every step re-read them
 * (120 instructions per CFI step on the C churn, callgrind). Returns
 * RUN_STOP where the walk ends, RUN_GENERAL where step() must take the
 * next step: not CFI mode, a rule not cached (*hit NULL) or a pc without
 * CFI (*hit its rule: Go code), the frames full.
 */
static inline __attribute__((always_inline)) int memo_run(walk *w, int same, uint32_t *recorded,
                                                          const ch_rule **hit)
{
    ch_walk_memo *m = w->memo;
    const ch_rule *cache = w->cache;
    const uint32_t mask = w->rule_mask;
    uint64_t pc = w->pc, sp = w->sp, bp = w->bp;
    uint32_t n = w->n, mode = w->mode;
    walk_acc acc = {w->nh, w->changed, w->bp_differs};
    ch_thread *t = w->t;
    const uint64_t lo = t->stk_lo, span = t->stk_hi - lo; /* loaded once: ch_safe_read_in */
    int rc = RUN_GENERAL;
    *hit = NULL;
    for (;;) {
        if (same) {
            uint32_t i = n - 1, k = replay(m, i, w->old_steps, acc.bp_differs, bp);
            if (k != i) {
                if (CH_UNLIKELY(m->last_flags & CH_STACK_F_GO) && mode == CH_MODE_CFI &&
                    !(w->flags & CH_STACK_F_GO))
                    note_switch_in_run(w, i, k);
                const ch_memo_state *st = &m->steps[k].st;
                pc = m->frames[k];
                sp = st->sp;
                bp = st->bp;
                mode = st->mode;
                n = k + 1;
            }
            *recorded = n - 1;
        }
        if (CH_UNLIKELY(mode != CH_MODE_CFI) || n >= CH_MAX_FRAMES)
            break;
        const ch_rule *r = cached_rule(cache, mask, pc);
        if (!r)
            break;
        if (CH_RULE_KIND(r->flags) != CH_RULE_CFI) {
            if (CH_RULE_KIND(r->flags) == CH_RULE_NOFDE)
                *hit = r;
            else
                rc = RUN_STOP; /* END, STOP: step() stops there too */
            break;
        }
        ch_memo_step *s = &m->steps[n - 1];
        s->st.step = cfi_kind(r->flags); /* before the stores to s->rd: r stays in registers */
        if (!cfi_regs(t, lo, span, r, &pc, &sp, &bp, &s->rd)) {
            rc = RUN_STOP;
            break;
        }
        *recorded = n;
        same = enter_memo(w, m, n++, pc, sp, bp, CH_MODE_CFI, &acc);
    }
    w->pc = pc;
    w->sp = sp;
    w->bp = bp;
    w->n = n;
    w->mode = mode;
    w->nh = acc.nh;
    w->changed = acc.changed;
    w->bp_differs = acc.bp_differs;
    return rc;
}

/* In a BACK mode: the last state on the goroutine stack, where the jump was taken. */
static uint32_t jump_state(const walk *w)
{
    if (!w->memo)
        return w->jump_at;
    uint32_t j = w->n - 1;
    while (j > 0 && w->memo->steps[j].st.mode != CH_MODE_FP)
        j--;
    return j;
}

void ch_unwind(ch_thread *t, const ch_regs *start, ch_walk_result *out)
{
    ch_memo_read scratch;
    /*
     * One scalar load each (atomic loads are never merged): the interposer
     * stored the three just now, one by one, and the 16-byte load GCC makes
     * of two neighbouring fields would miss store forwarding and stall.
     */
    uint64_t pc = __atomic_load_n(&start->pc, __ATOMIC_RELAXED);
    uint64_t sp = __atomic_load_n(&start->sp, __ATOMIC_RELAXED);
    uint64_t bp = __atomic_load_n(&start->bp, __ATOMIC_RELAXED);
    /*
     * Field by field: an initializer zeroes the whole walk first, with a
     * `rep stos` of 12 words (22 instructions per walk on 4-frame stacks,
     * callgrind, and a slow start on the CPU).
     */
    walk w;
    w.t = t;
    w.pc = pc;
    w.sp = sp;
    w.bp = bp;
    w.mode = CH_MODE_CFI;
    w.n = 0;
    w.flags = 0;
    w.jump_at = 0;
    w.switch_sp = 0;
    w.changed = 0;
    w.bp_differs = 0;
    w.cache = ch_thread_rules(t);
    w.rule_mask = t->rule_mask;
    w.memo = ch_thread_memo(t, pc, sp);
    w.frames = w.memo ? w.memo->frames : t->frames;
    w.old_steps = w.memo ? w.memo->nsteps : 0;
    w.old_depth = w.memo ? w.memo->last_depth : 0;
    w.nh = w.old_depth ? w.memo->steps[0].nh : 0;
    ch_stack_range_start(t, sp);
    uint32_t recorded = 0; /* steps recorded in the memo, each followed by a state */
    int same = enter(&w);
    for (;;) {
        const ch_rule *hit = NULL;
        if (w.memo && memo_run(&w, same, &recorded, &hit) == RUN_STOP)
            break;
        uint32_t i = w.n - 1, kind;
        ch_memo_read *rd = w.memo ? &w.memo->steps[i].rd : &scratch;
        if (step(&w, hit, rd, &kind) == STEP_STOP)
            break;
        if (w.memo)
            w.memo->steps[i].st.step = kind;
        recorded = i + 1;
        same = enter(&w);
    }
    int dropped = 0;
    if (CH_UNLIKELY(w.mode >= CH_MODE_BACK) && !(w.flags & CH_STACK_F_TRUNCATED)) {
        /* The jump back reached no C frame: drop the frames it added. */
        uint32_t j = jump_state(&w);
        dropped = w.n > j + 1;
        w.n = j + 1;
        if (recorded > j)
            recorded = j;
    }
    *out = (ch_walk_result){.frames = w.frames, .depth = w.n, .flags = w.flags, .memo = w.memo};
    if (!w.memo) {
        out->nh = ch_stack_nh(w.frames, w.n);
        return;
    }
    ch_walk_memo *m = w.memo;
    int identical = !w.changed && w.n == m->last_depth && w.flags == m->last_flags;
    m->nsteps = (uint8_t)recorded;
    m->last_depth = (uint8_t)w.n;
    m->last_flags = (uint8_t)w.flags;
    if (identical && m->last_id) {
        out->known_id = m->last_id; /* no hash needed: the id is known */
        return;
    }
    m->last_id = 0;
    /*
     * w.nh is the previous walk's sum with each frame this walk changed or
     * added adjusted; the previous walk's frames past this one's depth still
     * lie in place (this walk wrote below w.n only, unless it dropped frames)
     * and leave the sum. The sum over all frames cost 12 instructions per frame.
     */
    if (CH_UNLIKELY(dropped))
        w.nh = ch_stack_nh(w.frames, w.n);
    else
        for (uint32_t j = w.n; j < w.old_depth; j++)
            w.nh -= ch_stack_nh_term(w.frames[j], j);
    m->steps[0].nh = w.nh;
    out->nh = w.nh;
}

void ch_unwind_set_id(const ch_walk_result *res, uint32_t id)
{
    if (res->memo)
        res->memo->last_id = id; /* 0 (the table was full): not known */
}

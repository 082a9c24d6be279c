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
    uint64_t sum;       /* position sum of frames[0..old_depth), adjusted for each frame changed */
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
            /* rbp_off from the rule, not the copy: read here only (the copy's was kept on the
             * stack) */
            if (!ch_safe_read_in(t, lo, span, cfa + (int64_t)rule->rbp_off, &caller_bp))
                return 0;
            rd->a1 = cfa + (int64_t)rule->rbp_off;
            rd->v1 = caller_bp;
            break;
        case CH_RBP_VALOFF:
            caller_bp = cfa + (int64_t)rule->rbp_off;
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
    uint64_t sum;
    int changed;
    int bp_differs;
} walk_acc;

/*
 * Pushes pc as frame j of memo m, at state (sp, bp, mode), and records the
 * state. Returns 1 if the previous walk had this very state with a recorded
 * step after it.
 */
static inline __attribute__((always_inline)) int enter_memo(uint32_t old_depth, uint32_t old_steps,
                                                            ch_walk_memo *m, uint32_t j,
                                                            uint64_t pc, uint64_t sp, uint64_t bp,
                                                            uint32_t mode, walk_acc *acc)
{
    uint64_t *frame = &m->frames[j];
    ch_memo_state *s = &m->steps[j].st;
    int same = 0;
    if (j >= old_depth) {
        acc->changed = 1;
        acc->sum += ch_stack_term(pc, j);
    } else if (*frame != pc) {
        acc->changed = 1;
        acc->sum += ch_stack_term(pc - *frame, j);
    } else if (j < old_steps && s->sp == sp && s->mode == mode) {
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
    walk_acc acc = {w->sum, w->changed, w->bp_differs};
    int same =
        enter_memo(w->old_depth, w->old_steps, w->memo, j, w->pc, w->sp, w->bp, w->mode, &acc);
    w->sum = acc.sum;
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
static uint16_t note_switch_in_run(ch_thread *t, const ch_walk_memo *m, uint32_t i, uint32_t k)
{
    for (uint32_t j = i; j < k; j++)
        if (CH_STEP_KIND(m->steps[j].st.step) == CH_STEP_SWITCH) {
            note_stack_switch(t, m->steps[j].st.sp, m->steps[j].st.bp);
            return CH_STACK_F_GO;
        }
    return 0;
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

/*
 * At state k, equal to the previous walk's state k (bp_differs as replay
 * knew it), where replay stopped because a word that step k read changed:
 * the step has the same rule (same pc), so the same CFA and the same read
 * addresses, and only the words differ. A CFI step whose caller's RBP is
 * the current one or a word it read (CH_RBP_SAME, CH_RBP_OFFSET), and whose
 * CFA does not depend on a differing bp, is taken from the recorded reads
 * with the new words, without a rule lookup or the CFA's arithmetic: the
 * caller's sp is the previous walk's state k+1's (the CFA), its pc the new
 * return address. The words are re-read at addresses that ch_safe_read
 * validated in an earlier walk (memprobe.h). On stacks2t, one step in three
 * by CFI was such a step: the return address of a frame that is not the
 * previous walk's. Returns REREAD_NO (take the step by its rule),
 * REREAD_DONE (*pc, *sp, *bp are state k+1 and step k is recorded) or
 * REREAD_END (outermost frame: the walk ends, as cfi_regs would end it).
 */
enum { REREAD_NO = 0, REREAD_DONE, REREAD_END };
static inline __attribute__((always_inline)) int reread(ch_walk_memo *m, uint32_t k, int bp_differs,
                                                        uint64_t *pc, uint64_t *sp, uint64_t *bp)
{
    ch_memo_step *s = &m->steps[k];
    uint32_t kind = s->st.step;
    /* A CFI step (kind 0) with RBP SAME or OFFSET: no bit of 3 | VALOFF's set. */
    _Static_assert(CH_RULE_MAKE(0, 0, CH_RBP_OFFSET) == 0x08 && CH_STEP_SETS_BP == 0x18,
                   "OFFSET is the low bit of the RBP rule's bits");
    if (kind & (3u | 0x10u) || (bp_differs && (kind & CH_STEP_USES_BP)))
        return REREAD_NO;
    uint64_t ra = *(const volatile uint64_t *)s->rd.a0, v1 = *(const volatile uint64_t *)s->rd.a1;
    if (ra < 4096)
        return REREAD_END;
    s->rd.v0 = ra;
    s->rd.v1 = v1;
    *pc = ra;
    *sp = s[1].st.sp;
    if (kind & CH_STEP_SETS_BP) /* OFFSET: the word read at CFA + rbp_off */
        *bp = v1;
    return REREAD_DONE;
}

enum { RUN_GENERAL = 0, RUN_STOP };

/*
 * A walk with a memo, as locals of ch_unwind that never go to memory: its
 * registers, what it carries from state to state, its flags. Through the
 * walk struct in memory, which the memo's stores may alias, every step
 * re-read them (120 instructions per CFI step on the C churn), and a walk
 * stored and loaded them again around its loops (30-40 instructions per
 * walk, callgrind: calls walks and calls varied). step() and the BACK
 * modes get them in a walk struct (general_steps). A general step out of
 * line, with the struct made per call, cost cgo walks (a switch and Go
 * frames by step()) 12% more instructions; inline, they cost what they did.
 */
typedef struct memo_regs {
    uint64_t pc, sp, bp;
    uint32_t n, mode;
    walk_acc acc;
    uint32_t recorded; /* steps recorded in the memo, each followed by a state */
    int same;          /* the current state is the previous walk's, with a recorded step after it */
    uint16_t flags;
} memo_regs;

/* What a walk with a memo does not change. */
typedef struct memo_ctx {
    ch_thread *t;
    ch_walk_memo *m;
    ch_rule *cache;     /* the thread's rule cache (step() fills it) */
    uint32_t mask;      /* the entries of cache in use, minus 1 */
    uint32_t old_steps; /* m->nsteps of the previous walk */
    uint32_t old_depth; /* its depth: frames[0..old_depth) are still its frames */
} memo_ctx;

/*
 * The hot loop of a walk with a memo, from state r->n - 1: replays of the
 * memo, re-read steps and CFI steps by cached rules. Returns RUN_STOP where
 * the walk ends, RUN_GENERAL where step() must take the next step: not CFI
 * mode, a rule not cached (*hit NULL) or a pc without CFI (*hit its rule:
 * Go code), the frames full.
 */
static inline __attribute__((always_inline)) int memo_run(const memo_ctx *c, memo_regs *r,
                                                          const ch_rule **hit)
{
    ch_walk_memo *m = c->m;
    const ch_rule *cache = c->cache;
    const uint32_t mask = c->mask;
    uint64_t pc = r->pc, sp = r->sp, bp = r->bp;
    uint32_t n = r->n, mode = r->mode;
    int same = r->same;
    ch_thread *t = c->t;
    const uint64_t lo = t->stk_lo, span = t->stk_hi - lo; /* loaded once: ch_safe_read_in */
    int rc = RUN_GENERAL;
    *hit = NULL;
    for (;;) {
        if (same) {
            uint32_t i = n - 1, k = replay(m, i, c->old_steps, r->acc.bp_differs, bp);
            if (k != i) {
                if (CH_UNLIKELY(m->last_flags & CH_STACK_F_GO) && mode == CH_MODE_CFI &&
                    !(r->flags & CH_STACK_F_GO))
                    r->flags |= note_switch_in_run(t, m, i, k);
                const ch_memo_state *st = &m->steps[k].st;
                pc = m->frames[k];
                sp = st->sp;
                bp = st->bp;
                mode = st->mode;
                n = k + 1;
            }
            r->recorded = n - 1;
            if (k < c->old_steps && mode == CH_MODE_CFI && n < CH_MAX_FRAMES) {
                int rr = reread(m, k, r->acc.bp_differs, &pc, &sp, &bp);
                if (rr == REREAD_END) {
                    rc = RUN_STOP;
                    break;
                }
                if (rr == REREAD_DONE) {
                    r->recorded = n;
                    same = enter_memo(c->old_depth, c->old_steps, m, n++, pc, sp, bp, CH_MODE_CFI,
                                      &r->acc);
                    continue;
                }
            }
        }
        if (CH_UNLIKELY(mode != CH_MODE_CFI) || n >= CH_MAX_FRAMES)
            break;
        const ch_rule *rule = cached_rule(cache, mask, pc);
        if (!rule)
            break;
        if (CH_RULE_KIND(rule->flags) != CH_RULE_CFI) {
            if (CH_RULE_KIND(rule->flags) == CH_RULE_NOFDE)
                *hit = rule;
            else
                rc = RUN_STOP; /* END, STOP: step() stops there too */
            break;
        }
        ch_memo_step *s = &m->steps[n - 1];
        s->st.step =
            cfi_kind(rule->flags); /* before the stores to s->rd: rule stays in registers */
        if (!cfi_regs(t, lo, span, rule, &pc, &sp, &bp, &s->rd)) {
            rc = RUN_STOP;
            break;
        }
        r->recorded = n;
        same = enter_memo(c->old_depth, c->old_steps, m, n++, pc, sp, bp, CH_MODE_CFI, &r->acc);
    }
    r->pc = pc;
    r->sp = sp;
    r->bp = bp;
    r->n = n;
    r->mode = mode;
    r->same = same;
    return rc;
}

/* A walk struct at its first state, with memo m (NULL: exact mode) and m's previous walk. */
static void walk_init(walk *w, ch_thread *t, ch_rule *cache, uint32_t mask, ch_walk_memo *m,
                      uint32_t old_steps, uint32_t old_depth)
{
    w->t = t;
    w->cache = cache;
    w->rule_mask = mask;
    w->memo = m;
    w->frames = m ? m->frames : t->frames;
    w->old_steps = old_steps;
    w->old_depth = old_depth;
    w->mode = CH_MODE_CFI;
    w->n = 0;
    w->flags = 0;
    w->jump_at = 0;
    w->switch_sp = 0;
    w->sum = 0;
    w->changed = 0;
    w->bp_differs = 0;
}

/*
 * Steps by step() from state r->n - 1 of a walk with a memo, in w (made by
 * walk_init with the memo), until memo_run can go on: a state that the
 * previous walk had (a replay), or CFI mode again; Go frames (FP mode) take
 * one loop here. r's fields go into w and back: w is in memory (step()'s
 * callees take it), r stays in registers. Returns 1 where the walk ends.
 */
static inline __attribute__((always_inline)) int general_steps(walk *w, memo_regs *r,
                                                               const ch_rule *hit)
{
    int stop = 0;
    w->pc = r->pc;
    w->sp = r->sp;
    w->bp = r->bp;
    w->mode = r->mode;
    w->n = r->n;
    w->flags = r->flags;
    w->sum = r->acc.sum;
    w->changed = r->acc.changed;
    w->bp_differs = r->acc.bp_differs;
    do {
        uint32_t i = w->n - 1, kind;
        if (step(w, hit, &w->memo->steps[i].rd, &kind) == STEP_STOP) {
            stop = 1;
            break;
        }
        w->memo->steps[i].st.step = kind;
        r->recorded = i + 1;
        r->same = enter(w);
        hit = NULL; /* memo_run would find none: not CFI mode */
    } while (!r->same && w->mode != CH_MODE_CFI);
    *r = (memo_regs){.pc = w->pc,
                     .sp = w->sp,
                     .bp = w->bp,
                     .n = w->n,
                     .mode = w->mode,
                     .acc = {w->sum, w->changed, w->bp_differs},
                     .recorded = r->recorded,
                     .same = r->same,
                     .flags = w->flags};
    return stop;
}

/*
 * A walk without a memo (exact mode, or while a dlclose is in progress,
 * cache NULL): every step by step().
 */
static void exact_walk(ch_thread *t, ch_rule *cache, uint64_t pc, uint64_t sp, uint64_t bp,
                       ch_walk_result *out)
{
    ch_memo_read scratch;
    walk w;
    walk_init(&w, t, cache, t->rule_mask, NULL, 0, 0);
    w.pc = pc;
    w.sp = sp;
    w.bp = bp;
    enter(&w);
    for (;;) {
        uint32_t kind;
        if (step(&w, NULL, &scratch, &kind) == STEP_STOP)
            break;
        enter(&w);
    }
    if (CH_UNLIKELY(w.mode >= CH_MODE_BACK) && !(w.flags & CH_STACK_F_TRUNCATED))
        w.n = w.jump_at + 1; /* the jump back reached no C frame: drop the frames it added */
    *out = (ch_walk_result){.frames = w.frames, .depth = w.n, .flags = w.flags};
    out->sum = ch_stack_sum(w.frames, w.n);
}

/* In a BACK mode with a memo: the last state on the goroutine stack, where the jump was
 * taken (an exact walk keeps it in jump_at). */
static __attribute__((cold, noinline)) uint32_t memo_jump_state(const ch_walk_memo *m, uint32_t n)
{
    uint32_t j = n - 1;
    while (j > 0 && m->steps[j].st.mode != CH_MODE_FP)
        j--;
    return j;
}

/*
 * The walk from (pc, sp, bp) when it repeats memo m's previous walk whole,
 * the most common walk (a loop allocating from one place): state 0 is the
 * previous walk's (ch_memo_is, and bp or a step that does not use it),
 * every recorded step's words still hold what they held, and the last
 * state's cached rule ends the walk (END, STOP). Then the stack is the
 * previous walk's and its id is known. The general walk confirmed this in
 * 248 instructions on a 4-frame stack, its set-up, replay's loops and the
 * end's checks; this in 134 (callgrind, `threads 1 200000`, ch_unwind with
 * what it inlines). Only walks without Go frames or truncation, whose depth
 * is their steps' plus one, and not right after a walk that changed
 * (CH_MEMO_CHANGED).
 * Reads only, until it knows: returns 0, with nothing written, where the
 * general walk must run; 1 with *out set and the memo as the general walk
 * would leave it (state 0's bp, and the bp carried through the steps that
 * neither use nor set it: replay).
 */
static inline __attribute__((always_inline)) int repeat_walk(ch_thread *t, ch_walk_memo *m,
                                                             uint64_t bp, ch_walk_result *out)
{
    uint32_t old = m->nsteps;
    if (!m->last_id || m->last_flags || m->last_depth != old + 1)
        return 0; /* last_flags: also CH_MEMO_CHANGED */
    ch_memo_step *s = m->steps, *end = m->steps + old, *carried = m->steps;
    if (s->st.bp != bp) {
        for (; s < end; s++) {
            if (!same_words(&s->rd) || (s->st.step & CH_STEP_USES_BP))
                return 0;
            if (s->st.step & CH_STEP_SETS_BP) {
                s++;
                break;
            }
        }
        carried = s; /* steps before it carry bp into the state after them */
    }
    for (; s < end; s++)
        if (!same_words(&s->rd))
            return 0;
    const ch_rule *last = cached_rule(t->rules, t->rule_mask, m->frames[old]);
    if (!last || CH_RULE_KIND(last->flags) == CH_RULE_CFI ||
        CH_RULE_KIND(last->flags) == CH_RULE_NOFDE)
        return 0;
    m->steps[0].st.bp = bp;
    for (s = m->steps; s < carried; s++)
        if (!(s->st.step & CH_STEP_SETS_BP))
            s[1].st.bp = bp;
    *out =
        (ch_walk_result){.frames = m->frames, .depth = old + 1, .known_id = m->last_id, .memo = m};
    return 1;
}

/* A walk with memo m from start, which it need not repeat whole (repeat_walk). */
static __attribute__((noinline)) void memo_walk(ch_thread *t, ch_walk_memo *m, const ch_regs *start,
                                                ch_walk_result *out)
{
    uint64_t pc = __atomic_load_n(&start->pc, __ATOMIC_RELAXED);
    uint64_t sp = __atomic_load_n(&start->sp, __ATOMIC_RELAXED);
    uint64_t bp = __atomic_load_n(&start->bp, __ATOMIC_RELAXED);
    /*
     * Before the initializer, whose expressions C evaluates in no set order:
     * after a dlclose this empties the memos and sets rule_mask, which the
     * fields below read.
     */
    ch_rule *cache = ch_thread_rules(t);
    if (CH_UNLIKELY(ch_modules_unsettled())) { /* after ch_thread_rules' generation: modules.h */
        exact_walk(t, NULL, pc, sp, bp, out);
        return;
    }
    const memo_ctx c = {.t = t,
                        .m = m,
                        .cache = cache,
                        .mask = t->rule_mask,
                        .old_steps = m->nsteps,
                        .old_depth = m->last_depth};
    /*
     * Field by field: an initializer zeroes the whole struct first, with a
     * `rep stos` (22 instructions per walk on 4-frame stacks, callgrind,
     * and a slow start on the CPU).
     */
    memo_regs r;
    r.pc = pc;
    r.sp = sp;
    r.bp = bp;
    r.n = 1;
    r.mode = CH_MODE_CFI;
    r.acc.sum = c.old_depth ? m->steps[0].sum : 0;
    r.acc.changed = 0;
    r.acc.bp_differs = 0;
    r.recorded = 0;
    r.flags = 0;
    r.same = enter_memo(c.old_depth, c.old_steps, m, 0, pc, sp, bp, CH_MODE_CFI, &r.acc);
    walk w; /* for step(): made at the first step that memo_run leaves to it */
    int w_made = 0;
    for (;;) {
        const ch_rule *hit;
        if (memo_run(&c, &r, &hit) == RUN_STOP)
            break;
        if (!w_made) {
            walk_init(&w, t, c.cache, c.mask, m, c.old_steps, c.old_depth);
            w_made = 1;
        }
        if (general_steps(&w, &r, hit))
            break;
    }
    int dropped = 0;
    if (CH_UNLIKELY(r.mode >= CH_MODE_BACK) && !(r.flags & CH_STACK_F_TRUNCATED)) {
        /* The jump back reached no C frame: drop the frames it added. */
        uint32_t j = memo_jump_state(m, r.n);
        dropped = r.n > j + 1;
        r.n = j + 1;
        if (r.recorded > j)
            r.recorded = j;
    }
    *out = (ch_walk_result){.frames = m->frames, .depth = r.n, .flags = r.flags, .memo = m};
    int identical = !r.acc.changed && r.n == m->last_depth &&
                    r.flags == (m->last_flags & (uint8_t)~CH_MEMO_CHANGED);
    m->nsteps = (uint8_t)r.recorded;
    m->last_depth = (uint8_t)r.n;
    m->last_flags = (uint8_t)(r.flags | (identical ? 0 : CH_MEMO_CHANGED));
    if (identical && m->last_id) {
        out->known_id = m->last_id; /* no hash needed: the id is known */
        return;
    }
    m->last_id = 0;
    /*
     * r.acc.sum is the previous walk's sum with each frame this walk changed
     * or added adjusted; the previous walk's frames past this one's depth
     * still lie in place (this walk wrote below r.n only, unless it dropped
     * frames) and leave the sum. The sum over all frames cost 12 instructions per frame.
     */
    uint64_t sum = r.acc.sum;
    if (CH_UNLIKELY(dropped))
        sum = ch_stack_sum(m->frames, r.n);
    else
        for (uint32_t j = r.n; j < c.old_depth; j++)
            sum -= ch_stack_term(m->frames[j], j);
    m->steps[0].sum = sum;
    out->sum = sum;
}

/* A walk before the thread's memos and rule cache are set up, or in exact mode. */
static __attribute__((noinline)) void first_walk(ch_thread *t, const ch_regs *start,
                                                 ch_walk_result *out)
{
    uint64_t pc = __atomic_load_n(&start->pc, __ATOMIC_RELAXED);
    uint64_t sp = __atomic_load_n(&start->sp, __ATOMIC_RELAXED);
    ch_walk_memo *m = ch_thread_memo(t, pc, sp);
    ch_stack_range_start(t, sp);
    if (m) {
        memo_walk(t, m, start, out);
        return;
    }
    ch_rule *cache = ch_thread_rules(t);
    if (ch_modules_unsettled()) /* after ch_thread_rules' generation: modules.h */
        cache = NULL;
    exact_walk(t, cache, pc, sp, __atomic_load_n(&start->bp, __ATOMIC_RELAXED), out);
}

void ch_unwind(ch_thread *t, const ch_regs *start, ch_walk_result *out)
{
    /*
     * One scalar load each (atomic loads are never merged): the interposer
     * stored the three just now, one by one, and the 16-byte load GCC makes
     * of two neighbouring fields would miss store forwarding and stall.
     */
    uint64_t pc = __atomic_load_n(&start->pc, __ATOMIC_RELAXED);
    uint64_t sp = __atomic_load_n(&start->sp, __ATOMIC_RELAXED);
    /*
     * What first_walk's calls would set up (ch_thread_rules,
     * ch_stack_range_start), checked without a call, and the walk's start
     * passed on, not its registers: the other walks are tail calls, and
     * fewer values are held across repeat_walk's loops. With the calls in
     * line and the registers held for them, a repeated walk cost 154
     * instructions (callgrind, `threads 1 200000`), 134 now. The memo's
     * fields are read once the cache is known current: a dlclose since
     * empties the memos with the cache.
     */
    if (CH_UNLIKELY(!t->memos || !t->rules || t->rules_gen != ch_modules_gen() ||
                    t->stk_lo == t->stk_hi)) {
        first_walk(t, start, out);
        return;
    }
    ch_walk_memo *m = ch_memo_pick(t->memos, t->memo_mask, pc, sp);
    /* A dlclose in progress: memo_walk walks without caches (after the generation: modules.h). */
    if (CH_LIKELY(ch_memo_is(m, pc, sp)) && !ch_modules_unsettled() &&
        repeat_walk(t, m, __atomic_load_n(&start->bp, __ATOMIC_RELAXED), out))
        return;
    memo_walk(t, m, start, out);
}

void ch_unwind_set_id(const ch_walk_result *res, uint32_t id)
{
    if (res->memo)
        res->memo->last_id = id; /* 0 (the table was full): not known */
}

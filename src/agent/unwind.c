/*
 * The stack walk.
 *
 * C/C++ frames are stepped with DWARF CFI rules (rule.h), cached per thread
 * by return address unless CGOHEAP_UNWIND=exact. Both modes compute the same
 * rule for a pc, so they produce identical stacks; the cache only skips the
 * parse. A pc without CFI (Go code: its linker emits no .eh_frame; also
 * runtime.asmcgocall, where cgo calls enter C) switches to the frame-pointer
 * chain for the rest of the walk: Go keeps RBP as a frame pointer, and the
 * CFI walk has recovered the RBP that the C frames preserved for it.
 *
 * Every stack read goes through ch_safe_read: a bad rule or a garbage frame
 * pointer ends the walk, never faults.
 */
#include "agent/unwind.h"
#include "agent/memprobe.h"
#include "agent/rule.h"

/* A frame larger than this, or a frame-pointer jump this far, means a broken chain. */
#define CH_MAX_FRAME_SPAN (16ull << 20)

static ch_rule rule_for(ch_thread *t, ch_rule *cache, uint64_t pc)
{
    ch_rule r;
    if (cache) {
        ch_rule *slot = &cache[(pc ^ (pc >> 12)) & (CH_RULE_CACHE - 1)];
        if (slot->pc == pc)
            return *slot;
        if (ch_cfi_rule(pc, &r))
            *slot = r;
        return r;
    }
    (void)t;
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
    ch_shm_header *h = ch_g.hdr;
    uint32_t i = __atomic_fetch_add(&h->n_marks, 1, __ATOMIC_RELAXED);
    if (i < CH_MAX_MARKS)
        __atomic_store_n((uint64_t *)(ch_g.base + h->marks_off) + i, sp, __ATOMIC_RELEASE);
}

/* Follows [rbp] = caller's rbp, [rbp+8] = return address. Returns the new depth. */
static uint32_t walk_frame_pointers(ch_thread *t, uint64_t bp, uint32_t n, int *truncated)
{
    while (n < CH_MAX_FRAMES) {
        uint64_t next, ra;
        if (!ch_safe_read(t, bp, &next) || !ch_safe_read(t, bp + 8, &ra) || ra < 4096)
            return n;
        t->frames[n++] = ra;
        /* The chain must move up the stack: this rejects loops and garbage. */
        if (next <= bp || next - bp > CH_MAX_FRAME_SPAN)
            return n;
        bp = next;
    }
    *truncated = 1;
    return n;
}

/* One CFI step: from (pc, sp, bp) of a frame to its caller's. Returns 0 to stop. */
static int cfi_step(ch_thread *t, const ch_rule *r, uint64_t *pc, uint64_t *sp, uint64_t *bp)
{
    uint64_t cfa = ((r->flags & CH_RULE_CFA_RBP) ? *bp : *sp) + (int64_t)r->cfa_off;
    uint64_t ra, caller_bp = *bp;
    /* The CFA is above the frame's stack pointer, and not absurdly far. */
    if (cfa <= *sp || cfa - *sp > CH_MAX_FRAME_SPAN)
        return 0;
    if (!ch_safe_read(t, cfa + 8 * (int64_t)r->ra_off8, &ra))
        return 0;
    switch (CH_RULE_RBP(r->flags)) {
    case CH_RBP_OFFSET:
        if (!ch_safe_read(t, cfa + (int64_t)r->rbp_off, &caller_bp))
            return 0;
        break;
    case CH_RBP_VALOFF:
        caller_bp = cfa + (int64_t)r->rbp_off;
        break;
    case CH_RBP_UNDEF:
        caller_bp = 0;
        break;
    default:
        break;
    }
    if (ra < 4096)
        return 0; /* outermost frame (some runtimes end the stack with a zero RA) */
    *pc = ra;
    *sp = cfa;
    *bp = caller_bp;
    return 1;
}

uint32_t ch_unwind(ch_thread *t, const ch_regs *start, uint16_t *flags)
{
    ch_rule *cache = ch_thread_rules(t);
    uint64_t pc = start->pc, sp = start->sp, bp = start->bp;
    uint32_t n = 0;
    int truncated = 0;
    *flags = 0;
    for (;;) {
        if (n == CH_MAX_FRAMES) {
            truncated = 1;
            break;
        }
        t->frames[n++] = pc;
        ch_rule r = rule_for(t, cache, pc);
        unsigned kind = CH_RULE_KIND(r.flags);
        if (kind == CH_RULE_NOFDE) {
            *flags |= CH_STACK_F_GO;
            note_stack_switch(t, sp, bp);
            n = walk_frame_pointers(t, bp, n, &truncated);
            break;
        }
        if (kind != CH_RULE_CFI || !cfi_step(t, &r, &pc, &sp, &bp))
            break;
    }
    if (truncated)
        *flags |= CH_STACK_F_TRUNCATED;
    return n;
}

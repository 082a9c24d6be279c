/*
 * The per-thread memo of the previous stack walk (fast mode only).
 *
 * A walk is a chain of steps: step i goes from state i (pc = frames[i], sp,
 * bp, mode) to state i+1 by reading at most two words of memory. The result
 * of a step is a pure function of its state, of the rule for its pc (fixed
 * for a module generation) and of the words it read. So if a new walk
 * reaches a state equal to state i of the previous walk, and the words that
 * steps i..k-1 read still hold the values they held, then states i+1..k and
 * frames i+1..k are the previous walk's, and the walk may jump to state k
 * without looking up a rule. The re-reads have addresses known in advance,
 * so they run in parallel instead of as a chain of dependent loads.
 *
 * The step where a replay ends had the same state, so the same rule and
 * read addresses: a CFI step whose result is its read words (caller's RBP
 * SAME or OFFSET) is taken from those addresses with the words now there
 * (unwind.c, reread), without a rule lookup.
 *
 * Frames are not copied: the memo keeps the previous walk's frames between
 * calls (only the walk writes them), and it is updated in place as the new
 * walk proceeds from leaf to root.
 *
 * A thread has CH_WALK_MEMOS memos, picked by the walk's first return
 * address (the call site of malloc) and its stack pointer: programs that
 * alternate between call sites (a cgo loop doing C.CString and then calling
 * C code that mallocs) then replay each call site's own previous walk
 * instead of a stranger's, and a call site reached through recursions of
 * varying depth replays the previous walk of the same depth, whose states
 * lie at the same stack pointers as this one's, index by index (a walk of
 * another depth matches no state by index: bench/workloads/stacks2t.c, 15
 * depths from one call site, replayed nothing). Consecutive depths have
 * stack pointers a frame apart and get consecutive memos, not a hash's
 * collisions. Call sites whose hashes meet have two ways (ch_memo_pick).
 *
 * Why a replay is sound where two stacks differ only in an outer frame
 * (main calls f from two lines at the same stack pointer, f calls g with
 * the same return address and stack pointer): equal states at frame k say
 * nothing about the callers, but every replayed step re-reads the return
 * address slot it read (and the saved RBP slot where its rule restores
 * RBP from the stack), so the step out of f reads main's other return
 * address and the replay ends there; the walk goes on by CFI from main's
 * frame (tests/cases/outer_frames.sh).
 */
#ifndef CGOHEAP_AGENT_WALKMEMO_H
#define CGOHEAP_AGENT_WALKMEMO_H

#include "cgoheap/shm.h"

#include <stdint.h>

/*
 * FP: Go frames on a goroutine stack. BACK: frame pointers again, on the
 * system stack a Go callback from C left (runtime.cgocallback's frame), at
 * crosscall2; BACK_1: past the frame record crosscall2's own prologue makes
 * in Go 1.23; BACK_C: at the C caller, where the walk returns to CFI.
 */
enum { CH_MODE_CFI = 0, CH_MODE_FP, CH_MODE_BACK, CH_MODE_BACK_1, CH_MODE_BACK_C };
enum { CH_STEP_CFI = 0, CH_STEP_SWITCH, CH_STEP_FP }; /* SWITCH: a CFI state whose pc has no FDE */
#define CH_STEP_KIND(s) ((s)&3u)
/*
 * RBP often holds a plain variable in code built without frame pointers, so
 * states that differ only in bp must still match. A step whose result does
 * not depend on bp (CFA from RSP, bp passed through or reloaded) replays
 * even if bp differs; the bp is then carried through until a step reloads it.
 */
#define CH_STEP_USES_BP 4u /* the step's result depends on the incoming bp */
/*
 * The caller's bp does not come from the incoming bp: a mask, any of its
 * bits set. A CFI step's kind is its rule's flags (rule.h) masked with
 * CH_STEP_USES_BP | CH_STEP_SETS_BP: CH_RULE_CFA_RBP, and the CH_RULE_RBP
 * bits, none for CH_RBP_SAME (unwind.c, cfi_kind).
 */
#define CH_STEP_SETS_BP 0x18u

/* State i, and the kind of step i taken from it. */
typedef struct ch_memo_state {
    uint64_t sp;   /* CFI: the frame's RSP; FP: the previous frame pointer (0: none) */
    uint64_t bp;   /* RBP, or the frame pointer to follow */
    uint32_t mode; /* CH_MODE_* */
    uint32_t step; /* CH_STEP_* kind | CH_STEP_USES_BP | CH_STEP_SETS_BP */
} ch_memo_state;

/* The two words step i read (a single read is stored twice). */
typedef struct ch_memo_read {
    uint64_t a0, v0, a1, v1;
} ch_memo_read;

/*
 * Step i: the state it left from and the words it read, side by side. 64
 * bytes, a shift to index: at 56 the replay loop's multiplies cost 40
 * instructions per malloc/free pair on the churn (callgrind).
 */
typedef struct ch_memo_step {
    ch_memo_state st;
    ch_memo_read rd;
    /*
     * steps[0] only: the position sum (stacks.h) of frames[0..last_depth), kept
     * in what was this step's padding so that the memo's size stays what
     * the agent memory of reports counts. Valid while last_depth > 0.
     */
    uint64_t sum;
} ch_memo_step;
_Static_assert(sizeof(ch_memo_step) == 64, "a memo step is indexed by a shift");

/*
 * The frames first, then the steps: a walk of depth d touches the header,
 * frames[0..d] and steps[0..d], all in the memo's first page up to about 45
 * frames. With states, reads and frames in three arrays, every walk touched
 * two or three pages of its memo.
 *
 * The header stays 16 bytes (depths and flags fit a byte each), so a memo's
 * size and the agent memory the report states are what they were before it
 * held the creator's part.
 */
typedef struct ch_walk_memo {
    uint8_t nsteps;     /* steps 0..nsteps-1 are recorded and each led to a further state */
    uint8_t last_depth; /* result of the previous walk, for the same-stack shortcut */
    uint8_t last_flags; /* its CH_STACK_F_* flags, and CH_MEMO_CHANGED */
    /*
     * created.c: the frames hold the creator's part from index tail_at - 1
     * on (0: they may not), whose position sum there is tail_sum. A thread's
     * creator never changes, and only a walk deeper than tail_at - 1 or the
     * append itself writes those frames, so a walk of the same depth from
     * this memo finds them in place.
     */
    uint8_t tail_at;
    uint32_t last_id; /* the stack id of the frames now in `frames`, 0 if not known */
    uint64_t tail_sum;
    uint64_t frames[CH_MAX_FRAMES]; /* the previous walk's frames, leaf first */
    ch_memo_step steps[CH_MAX_FRAMES];
} ch_walk_memo;
/*
 * In last_flags: the previous walk's frames were not those of the walk
 * before it. The next walk then takes the general walk at once, without
 * trying to repeat the previous one whole (unwind.c, repeat_walk): on the
 * C churn, whose every walk differs from the previous one in its first
 * step, the try cost 49 instructions per walk (callgrind, `churn 1 200000`).
 */
#define CH_MEMO_CHANGED 0x80u
_Static_assert(CH_MAX_FRAMES <= UINT8_MAX && ((CH_STACK_F_TRUNCATED | CH_STACK_F_GO) & ~0x7fu) == 0,
               "depths fit a byte, and a walk's flags a byte beside CH_MEMO_CHANGED");
_Static_assert(__builtin_offsetof(ch_walk_memo, frames) == 16, "a memo's header is 16 bytes");

/*
 * Empties memo m (thread.c, for a new thread): no step, no previous walk, no id,
 * no creator's part. A memo never used is left unwritten: its page stays
 * untouched (a write to each of 16 memo headers would make 16 pages resident
 * per recycled thread).
 */
static inline void ch_memo_forget(ch_walk_memo *m)
{
    if (m->nsteps == 0 && m->last_depth == 0 && m->last_flags == 0 && m->tail_at == 0 &&
        m->last_id == 0)
        return;
    m->nsteps = 0;
    m->last_depth = 0;
    m->last_flags = 0;
    m->tail_at = 0;
    m->last_id = 0;
}

/* Memos per thread (a power of two). Pages of a memo are touched only as deep as its walks go. */
#define CH_WALK_MEMOS 16u

/* The memo for a walk from (first_pc, sp), before masking with the memos in use. */
static inline uint32_t ch_memo_index(uint64_t first_pc, uint64_t sp)
{
    /* sp is 16-byte aligned at a call: sp >> 4 steps by 1 for each 16 bytes of frames. */
    uint32_t site =
        (uint32_t)((first_pc * 0x9e3779b97f4a7c15ull) >> (64 - __builtin_ctz(CH_WALK_MEMOS)));
    return site + (uint32_t)(sp >> 4);
}

/* True if memo m's last walk started at (first_pc, sp): its state 0 and frame 0. */
static inline int ch_memo_is(const ch_walk_memo *m, uint64_t first_pc, uint64_t sp)
{
    return m->frames[0] == first_pc && m->steps[0].st.sp == sp;
}

/*
 * The memo for a walk from (first_pc, sp) among memos[0..mask]: two ways,
 * the indexed memo (its home) and its neighbour (index ^ 1). Where
 * call sites at one stack pointer share a home (reallocs.c's realloc,
 * calloc and posix_memalign: whether two of them did depended on where
 * ASLR loaded the program), one memo each made them evict each other at
 * every call: a whole walk and a stack-table lookup each time. A walk
 * takes the way that recorded its start, else its home if that is empty,
 * else the neighbour: of two sites that share a home, the first keeps it
 * and the second the neighbour. The one-site case checks its home alone,
 * and a home never used is taken without reading the neighbour (no page of
 * it is touched). Measured and not kept: a home held by a walk whose own
 * home is the neighbour evicted first (the check hashed that walk's start):
 * stacks2t 50000, where 30 starts share 16 memos, +3.5 M instructions
 * against +0.4 M without it (bench/RESULTS.md).
 */
static inline ch_walk_memo *ch_memo_pick(ch_walk_memo *memos, uint32_t mask, uint64_t first_pc,
                                         uint64_t sp)
{
    uint32_t i = ch_memo_index(first_pc, sp) & mask;
    ch_walk_memo *home = memos + i;
    if (__builtin_expect(ch_memo_is(home, first_pc, sp), 1) || home->last_depth == 0)
        return home;
    return memos + ((i ^ 1u) & mask); /* its way, empty, or the one to replace */
}

#endif

/*
 * The reachability scan, following valgrind memcheck's leak checker:
 *
 * 1. Every aligned word of the roots (and each register) that points at a
 *    block marks it: a start pointer from a root makes it REACHABLE, an
 *    interior pointer only POSSIBLE. Marked blocks are scanned in turn; a
 *    start pointer found in a REACHABLE block makes its target REACHABLE,
 *    anything found in a POSSIBLE block (or an interior pointer anywhere)
 *    makes its target at best POSSIBLE. A block upgraded from POSSIBLE to
 *    REACHABLE is scanned again so the upgrade propagates. An interior
 *    pointer that one of valgrind's leak-check heuristics recognises
 *    (heuristics.h) counts as a start pointer.
 * 2. The blocks still unreached are lost. In address order, each one still
 *    unreached leads a "clique": every unreached block reachable from it
 *    (start or interior pointer) is INDIRECT. The leader stays unreached and
 *    ends DEFINITE. A later leader that reaches an earlier one demotes it to
 *    INDIRECT, so in a tree only the root is definite, and in a cycle with no
 *    way in, the lowest-addressed member is definite and the rest indirect.
 *    Each leader sums the bytes of its clique (a demoted leader's sum moves
 *    to the new one): valgrind's "N (D direct, I indirect) bytes" (p->owned).
 *
 * An explicit mark stack replaces recursion: a linked list of a million
 * blocks must not overflow the C stack. Each block is pushed at most twice
 * per phase (the upgrade above), so the stack needs 2n entries at most.
 *
 * The marking is pipelined (see `cand` and drain): in a heap larger than
 * the caches every step misses -- a popped block's entry and words, then per
 * word the index bucket, the block and the state byte -- and one at a time
 * these misses were most of the scan. Blocks are popped in batches whose
 * lines are prefetched before any is scanned, and the heap words found are
 * queued and looked up a batch later, their lines prefetched meanwhile.
 * The blocks' kept words (heap_words.h) come looked up already, in address
 * order as they were read: for them only the target's state is left to
 * miss (the tree's mark step: 0.19-0.21 s -> 0.05-0.06 s of CPU, see
 * bench/RESULTS.md). Words are looked up in the order found, and the result
 * does not depend on the order (marks only rise, and a block whose mark
 * rises is scanned again);
 * only which of several paths first reached a block (--show-roots) can
 * differ from a depth-first walk.
 */
#include "analyze/analyze.h"
#include "analyze/block_index.h"
#include "analyze/block_pages.h"
#include "analyze/goheap.h"
#include "analyze/heap_copy.h"
#include "analyze/heap_words.h"
#include "analyze/heuristics.h"
#include "analyze/mem_window.h"
#include "common/big_alloc.h"
#include "common/phase.h"

#include <stdlib.h>
#include <string.h>

enum { UNREACHED, INDIRECT, POSSIBLE, REACHABLE, GO_GARBAGE, GO_FINAL };

/*
 * A heap word waiting for its lookup, with where it was found and whether
 * it came from a root or a reachable block. CAND_MAX words are in flight:
 * the 2M-block tree (scan_test bench_tree) scanned in 1.24-1.48 s of CPU
 * unbatched, 0.55-0.93 s with 64, the scan itself 3.3x faster (best of 3:
 * 1.07-1.20 s -> 0.32-0.37 s, scan_test tree_pipelined); POP_BATCH blocks
 * are prefetched together.
 */
typedef struct cand {
    uint64_t w, at;
    uint32_t to; /* the kept word's block (heap_words.h), or NOT_LOOKED_UP */
    int prior_definite;
} cand;
#define NOT_LOOKED_UP UINT32_MAX
#define CAND_MAX 64
#define POP_BATCH 16

typedef struct scanner {
    ch_block_index ix;
    ch_block_pages pages;     /* drops the words into pages no block covers, before their lookup */
    ch_heap_words kept;       /* the blocks' followable words, read before marking ... */
    const ch_heap_copy *copy; /* ... or (not NULL) a snapshot taken earlier (ch_scan_extra) */
    ch_mem_window win;        /* roots, and blocks the copy leaves out */
    ch_heur_env heur;    /* reads on its own: `win`'s buffer is in use while words are marked */
    uint8_t *heur_facts; /* per sorted block, its heuristic facts once read (0: not yet) */
    uint8_t *state;      /* per sorted block */
    uint32_t *stack;     /* mark stack of block indices */
    size_t depth, stack_cap;
    long leader;         /* clique pass: the leader's index; -1 in the first pass */
    ch_go_heap *go;      /* the Go heap's objects, or NULL (see goheap.h) */
    uint8_t garbage;     /* GO_GARBAGE or GO_FINAL while walking Go's garbage, else 0 */
    uint64_t *why;       /* --show-roots: per block, the word that first reached it */
    uint64_t *owned;     /* clique pass: bytes indirectly lost through each leader; may be NULL */
    cand cand[CAND_MAX]; /* words queued for lookup (see queue_word) */
    size_t ncand;
    uint64_t lookups; /* index searches while marking (ch_scan_stats) */
} scanner;

static void push(scanner *s, size_t i)
{
    /* Cannot overflow: see the bound in the comment at the top. */
    if (s->depth < s->stack_cap)
        s->stack[s->depth++] = (uint32_t)i;
}

/* An interior pointer that valgrind would treat as a start pointer. The
 * block's own facts are read once (heuristics.h: a read per pointer was most
 * of gawk's scan); the array is made at the first interior pointer, so a
 * heap without any costs nothing, and without memory each pointer reads. */
static int via_heuristic(scanner *s, uint64_t w, size_t i)
{
    const ch_block *b = &s->ix.blocks[i];
    if (!s->heur_facts)
        s->heur_facts = calloc(s->ix.n + 1, 1);
    uint8_t facts = s->heur_facts ? s->heur_facts[i] : 0;
    if (!facts) {
        facts = ch_heur_block_facts(&s->heur, b->addr, b->size);
        if (s->heur_facts)
            s->heur_facts[i] = facts;
    }
    return ch_heur_pointer(&s->heur, facts, w, b->addr, b->size) != CH_HEUR_NONE;
}

/* First pass: valgrind's lc_push_without_clique_if_a_chunk_ptr. A heuristic
 * only matters when the pointer comes from a root or a reachable block (else
 * the target is at best POSSIBLE anyway), so it is tested only then: that
 * keeps its target reads off the common path. */
static void mark_block(scanner *s, long i, int at_start, uint64_t w, int prior_definite,
                       uint64_t at)
{
    if (i < 0 || s->state[i] == REACHABLE)
        return;
    if (prior_definite && (at_start || via_heuristic(s, w, (size_t)i))) {
        s->state[i] = REACHABLE;
        push(s, (size_t)i);
    } else if (s->state[i] == UNREACHED) {
        s->state[i] = POSSIBLE;
        push(s, (size_t)i);
    } else {
        return;
    }
    if (s->why)
        s->why[i] = at;
}

static void mark_word(scanner *s, uint64_t w, int prior_definite, uint64_t at)
{
    int at_start = 0;
    s->lookups++;
    long i = ch_block_index_find(&s->ix, w, &at_start);
    mark_block(s, i, at_start, w, prior_definite, at);
}

/* Walking Go's garbage: a block nothing live reached is held by it. */
static void garbage_block(scanner *s, long i, uint64_t at)
{
    if (i < 0 || s->state[i] != UNREACHED)
        return;
    s->state[i] = s->garbage;
    push(s, (size_t)i);
    if (s->why)
        s->why[i] = at;
}

/* Clique pass: valgrind's lc_push_with_clique_if_a_chunk_ptr (start and
 * interior pointers alike). */
static void clique_block(scanner *s, long i)
{
    if (i < 0 || s->state[i] != UNREACHED || i == s->leader)
        return;
    s->state[i] = INDIRECT;
    push(s, (size_t)i);
    if (s->owned) {
        s->owned[s->leader] += s->ix.blocks[i].size + s->owned[i];
        s->owned[i] = 0;
    }
}

/* A word into Go's heap (which never overlaps a C block, but may lie
 * between two: glibc's brk heap below it, thread arenas and mmap'd blocks
 * above). Go's heap is never reached from the clique pass, only from the
 * living or from the garbage. */
static bool go_word(scanner *s, uint64_t w, uint64_t at)
{
    if (!s->go || w - s->go->lo >= s->go->hi - s->go->lo)
        return false;
    if (s->leader < 0)
        ch_go_heap_reach(s->go, w, at);
    return true;
}

/* The index bucket a word in [lo, hi) is searched in, or NULL (between segments). */
static const uint32_t *bucket_of(const scanner *s, uint64_t w)
{
    return ch_block_index_bucket(&s->ix, w);
}

/*
 * Looks up the queued words, in the order found: first their buckets
 * (prefetched when queued) to prefetch the block and state each will read,
 * then the lookups themselves. The phase (garbage, leader) is the same for
 * every queued word: it changes only between drains, which empty the queue.
 */
static void flush_words(scanner *s)
{
    size_t n = s->ncand;
    s->ncand = 0;
    for (size_t k = 0; k < n; k++) {
        if (s->cand[k].to != NOT_LOOKED_UP)
            continue; /* its state was prefetched when queued */
        const uint32_t *d = bucket_of(s, s->cand[k].w);
        if (!d)
            continue; /* no block there: the lookup stops at the segments */
        size_t i = d[0] ? d[0] - 1 : 0;
        __builtin_prefetch(&s->ix.blocks[i]);
        __builtin_prefetch(&s->state[i]);
    }
    for (size_t k = 0; k < n; k++) {
        const cand *c = &s->cand[k];
        int at_start = (c->to & CH_TO_START) != 0;
        long i = (long)(c->to & CH_TO_INDEX) - 1;
        if (c->to == NOT_LOOKED_UP) {
            s->lookups++;
            i = ch_block_index_find(&s->ix, c->w, &at_start);
        }
        if (s->garbage)
            garbage_block(s, i, c->at);
        else if (s->leader < 0)
            mark_block(s, i, at_start, c->w, c->prior_definite, c->at);
        else
            clique_block(s, i);
    }
}

/* Queues word w found at `at`; `to` is its block when looked up already (a kept word's), else
 * NOT_LOOKED_UP. */
static void queue_word(scanner *s, uint64_t w, uint32_t to, uint64_t at, int prior_definite)
{
    if (to == NOT_LOOKED_UP)
        __builtin_prefetch(bucket_of(s, w));
    else
        __builtin_prefetch(&s->state[(to & CH_TO_INDEX) - 1]);
    s->cand[s->ncand++] = (cand){.w = w, .at = at, .to = to, .prior_definite = prior_definite};
    if (s->ncand == CAND_MAX)
        flush_words(s);
}

/* A word that passed a filter below: Go's, or queued for its lookup when in the C heap's range. */
static void found_word(scanner *s, uint64_t w, uint64_t at, int prior_definite)
{
    uint64_t span = s->ix.hi > s->ix.lo ? s->ix.hi - s->ix.lo : 0;
    if (!go_word(s, w, at) && w - s->ix.lo < span)
        queue_word(s, w, NOT_LOOKED_UP, at, prior_definite);
}

/* Words of target bytes [base, base + n), held at p. Each word is tested against the C heap's
 * range and its pages (block_pages.h) and Go's range without a branch: in a sampled run's heap,
 * a root, about every third word is a pointer into the C heap, too often for a branch on the range
 * to be predicted, and nearly none passes both tests. Without `ranged` (the page filter alone
 * drops the null and small words) the range is tested only on the few words that pass: 13
 * instructions per word against 21 (tests/analyze/run.sh scan_word_loop_instructions). */
static inline __attribute__((always_inline)) void scan_words_as(scanner *s, uint64_t base,
                                                                const uint8_t *p, size_t n,
                                                                int prior_definite, bool ranged)
{
    const uint64_t lo = s->ix.lo, span = s->ix.hi > lo ? s->ix.hi - lo : 0;
    const uint64_t go_lo = s->go ? s->go->lo : 0, go_span = s->go ? s->go->hi - s->go->lo : 0;
    const ch_block_pages pages = s->pages;
    for (size_t off = 0; off + 8 <= n; off += 8) {
        uint64_t w;
        memcpy(&w, p + off, 8); /* aligned in practice; memcpy keeps it defined */
        bool in_go = w - go_lo < go_span;
        bool in_c = ch_block_pages_may_hold(&pages, w);
        if (ranged)
            in_c &= w - lo < span;
        if (__builtin_expect(!(in_go | in_c), 1))
            continue; /* the common case: no block or Go object can be there */
        found_word(s, w, base + off, prior_definite);
    }
}

static void scan_words(scanner *s, uint64_t base, const uint8_t *p, size_t n, int prior_definite)
{
    if (ch_block_pages_drops_small(&s->pages))
        scan_words_as(s, base, p, n, prior_definite, false);
    else
        scan_words_as(s, base, p, n, prior_definite, true);
}

/* Scans target bytes [start, end), 8-aligned, in window-sized chunks. */
static void scan_range(scanner *s, uint64_t start, uint64_t end, int prior_definite)
{
    start = (start + 7) & ~7ull;
    end &= ~7ull;
    while (start < end) {
        uint64_t left = end - start;
        size_t len = left < CH_WINDOW_MAX ? (size_t)left : CH_WINDOW_MAX;
        size_t want = len;
        const uint8_t *p = ch_mem_window_get(&s->win, start, &len);
        scan_words(s, start, p, len, prior_definite);
        if (len < want)
            return; /* a hole: the rest of this range cannot be read */
        start += len;
    }
}

/* A popped block's bytes: in the snapshot (p, len) when held, its kept words (w, nw) when kept,
 * else read on demand. */
typedef struct popped {
    uint64_t start, end;
    const uint8_t *p;
    size_t len;
    const ch_kept_word *w;
    size_t nw;
    int held, kept, prior_definite;
} popped;

/* The block's end (start + 1 for a zero-size block) leaves the same aligned
 * words as the size would. Prefetches the first bytes to scan. A block whose
 * words are kept is not read unless a word's address is wanted (--show-roots,
 * Go's pointer bits): its entry was one more miss per block. */
static void locate_block(scanner *s, size_t i, popped *b)
{
    b->prior_definite = s->state[i] == REACHABLE;
    b->kept = !s->copy && ch_heap_words_held(&s->kept, i);
    b->held = 0;
    if (b->kept) {
        uint32_t k = s->kept.first[i];
        b->w = s->kept.w + k;
        b->nw = s->kept.first[i + 1] - k;
        if (b->nw)
            __builtin_prefetch(b->w);
        b->start = s->why || s->go ? (s->ix.blocks[i].addr + 7) & ~7ull : 0;
        return;
    }
    b->start = (s->ix.blocks[i].addr + 7) & ~7ull;
    b->end = ch_block_end(&s->ix.blocks[i]) & ~7ull;
    if (s->copy) {
        b->held = b->start < b->end &&
                  ch_heap_copy_get(s->copy, b->start, b->end - b->start, &b->p, &b->len);
        if (b->held && b->len)
            __builtin_prefetch(b->p);
    }
}

/* A held block's kept words (heap_words.h): each one in the C heap's range or Go's, its block
 * looked up already. */
static void scan_kept(scanner *s, const popped *b)
{
    for (size_t k = 0; k < b->nw; k++) {
        const ch_kept_word *kw = &b->w[k];
        uint64_t at = b->start + 8 * (uint64_t)kw->off;
        if (!go_word(s, kw->w, at) && kw->to)
            queue_word(s, kw->w, kw->to, at, b->prior_definite);
    }
}

static void scan_popped(scanner *s, const popped *b)
{
    if (b->kept)
        scan_kept(s, b);
    else if (b->start >= b->end)
        return;
    else if (b->held)
        scan_words(s, b->start, b->p, b->len, b->prior_definite);
    else
        scan_range(s, b->start, b->end, b->prior_definite);
}

/* Scans up to POP_BATCH blocks off the mark stack, their entries, states and
 * first bytes loaded together rather than one miss after another. */
static void scan_batch(scanner *s)
{
    size_t n = s->depth < POP_BATCH ? s->depth : POP_BATCH;
    uint32_t idx[POP_BATCH];
    popped b[POP_BATCH];
    for (size_t k = 0; k < n; k++) {
        idx[k] = s->stack[--s->depth];
        if (ch_heap_words_held(&s->kept, idx[k]))
            __builtin_prefetch(&s->kept.first[idx[k]]);
        else
            __builtin_prefetch(&s->ix.blocks[idx[k]]);
        __builtin_prefetch(&s->state[idx[k]]);
    }
    for (size_t k = 0; k < n; k++)
        locate_block(s, idx[k], &b[k]);
    for (size_t k = 0; k < n; k++)
        scan_popped(s, &b[k]);
}

/* Scans queued blocks, and queued Go objects (as roots: Go's collector
 * keeps everything an object it keeps points to), until none is left. */
static void drain(scanner *s)
{
    uint64_t start, end;
    for (;;) {
        while (s->depth || s->ncand) {
            if (s->depth)
                scan_batch(s);
            else
                flush_words(s);
        }
        if (!s->go || !ch_go_heap_pop(s->go, &start, &end))
            return;
        scan_range(s, start, end, 1);
    }
}

/* After the living: blocks that only unreached Go objects lead to. Those
 * behind an object with a finalizer first (Go's collector keeps what such
 * an object points to, and its finalizer will likely free the C memory),
 * then behind any other. */
static void walk_go_garbage(scanner *s)
{
    for (int fin = 1; fin >= 0; fin--) {
        s->garbage = fin ? GO_FINAL : GO_GARBAGE;
        ch_go_heap_queue_garbage(s->go, fin);
        drain(s);
    }
    s->garbage = 0;
    s->go->garbage = false;
}

/* A root region minus the bytes of tracked blocks: a block is scanned only
 * once something reaches it, never as a root. */
static void scan_root(scanner *s, uint64_t start, uint64_t end)
{
    size_t i = ch_block_index_first_ending_after(&s->ix, start);
    for (; i < s->ix.n && s->ix.blocks[i].addr < end && start < end; i++) {
        uint64_t block_end = ch_block_end(&s->ix.blocks[i]);
        if (s->ix.blocks[i].addr > start)
            scan_range(s, start, s->ix.blocks[i].addr, 1);
        if (block_end > start)
            start = block_end;
    }
    if (start < end)
        scan_range(s, start, end, 1);
}

/* Definite blocks that own indirect ones, in p->owned (left empty if out of memory). */
static void keep_owned(const scanner *s, ch_profile *p)
{
    free(p->owned);
    p->owned = NULL;
    p->nowned = 0;
    size_t n = 0;
    for (size_t i = 0; s->owned && i < s->ix.n; i++)
        n += s->state[i] == UNREACHED && s->owned[i];
    if (!n || !(p->owned = malloc(n * sizeof *p->owned)))
        return;
    for (size_t i = 0; i < s->ix.n; i++)
        if (s->state[i] == UNREACHED && s->owned[i])
            p->owned[p->nowned++] = (ch_owned){.block = i, .bytes = s->owned[i]};
}

static void find_cliques(scanner *s)
{
    /* Zero pages until touched: only the lost blocks' entries cost memory. */
    s->owned = calloc(s->ix.n + 1, sizeof *s->owned);
    for (size_t i = 0; i < s->ix.n; i++) {
        if (s->state[i] != UNREACHED)
            continue;
        s->leader = (long)i;
        push(s, i);
        drain(s);
    }
    s->leader = -1;
}

static const uint8_t kind_of_state[] = {
    [UNREACHED] = CH_KIND_DEFINITE,   [INDIRECT] = CH_KIND_INDIRECT,
    [POSSIBLE] = CH_KIND_POSSIBLE,    [REACHABLE] = CH_KIND_REACHABLE,
    [GO_GARBAGE] = CH_KIND_GOGARBAGE, [GO_FINAL] = CH_KIND_GOFINAL,
};

static void scanner_free(scanner *s)
{
    ch_block_index_free(&s->ix);
    ch_block_pages_free(&s->pages);
    ch_heap_words_free(&s->kept);
    ch_mem_window_free(&s->win);
    free(s->state);
    free(s->stack);
    free(s->owned);
    free(s->heur_facts);
}

static int scanner_init(scanner *s, ch_profile *p, const ch_scan_extra *x, ch_read_fn read,
                        void *ctx)
{
    const ch_heap_copy *copy = x ? x->copy : NULL;
    const ch_copy_reader r = {read, ctx, x ? x->read_many : NULL, x ? x->many_ctx : NULL};
    ch_phase("index"); /* -v: the scan's steps, each timed */
    memset(s, 0, sizeof *s);
    s->leader = -1;
    s->heur.read = read;
    s->heur.ctx = ctx;
    if (p->nblocks > UINT32_MAX / 2)
        return -1; /* the mark stack holds 32-bit indices */
    s->stack_cap = 2 * p->nblocks + 1;
    s->state = ch_big_alloc(p->nblocks + 1);
    s->stack = ch_big_alloc(s->stack_cap * sizeof *s->stack);
    if (s->state)
        memset(s->state, UNREACHED, p->nblocks + 1);
    int win_ok = ch_mem_window_init(&s->win, read, ctx) == 0;
    if (!s->state || !s->stack || !win_ok || ch_block_index_init(&s->ix, p->blocks, p->nblocks)) {
        scanner_free(s);
        return -1;
    }
    ch_block_pages_init(&s->pages, &s->ix);
    ch_phase("heap copy");
    s->copy = copy;
    const ch_go_heap *go = x ? x->go : NULL;
    const ch_word_filter filter = {s->ix.lo, s->ix.hi, go ? go->lo : 0, go ? go->hi : 0};
    /* Out of memory for the words: every block is read on demand instead. */
    if (!copy && ch_heap_words_init(&s->kept, &s->ix, &filter, &r))
        ch_heap_words_free(&s->kept);
    return 0;
}

int ch_scan_ex(ch_profile *p, const ch_region *roots, size_t nroots, const uint64_t *regs,
               size_t nregs, const ch_mapping *maps, size_t nmaps, const ch_scan_extra *x,
               ch_read_fn read, void *ctx)
{
    scanner s;
    if (scanner_init(&s, p, x, read, ctx))
        return -1;
    ch_phase("mark");
    s.heur.maps = maps;
    s.heur.nmaps = nmaps;
    s.go = x ? x->go : NULL;
    s.why = x ? x->why : NULL;
    for (size_t r = 0; r < nregs; r++) {
        mark_word(&s, regs[r], 1, CH_WHY_REG | r);
        if (s.go)
            ch_go_heap_reach(s.go, regs[r], CH_WHY_REG | r);
    }
    for (size_t r = 0; r < nroots; r++)
        scan_root(&s, roots[r].start, roots[r].end);
    drain(&s);
    if (s.go)
        walk_go_garbage(&s);
    ch_phase("lost");
    find_cliques(&s);
    ch_phase("kinds");
    keep_owned(&s, p);
    for (size_t i = 0; i < p->nblocks; i++)
        p->blocks[i].kind = kind_of_state[s.state[i]];
    p->scanned = true;
    p->scan_notice[0] = 0;
    if (x && x->stats)
        *x->stats = (ch_scan_stats){.kept_words = s.kept.nwords, .mark_lookups = s.lookups};
    scanner_free(&s);
    return 0;
}

int ch_scan_mapped(ch_profile *p, const ch_region *roots, size_t nroots, const uint64_t *regs,
                   size_t nregs, const ch_mapping *maps, size_t nmaps, ch_read_fn read, void *ctx)
{
    return ch_scan_ex(p, roots, nroots, regs, nregs, maps, nmaps, NULL, read, ctx);
}

int ch_scan(ch_profile *p, const ch_region *roots, size_t nroots, const uint64_t *regs,
            size_t nregs, ch_read_fn read, void *ctx)
{
    return ch_scan_mapped(p, roots, nroots, regs, nregs, NULL, 0, read, ctx);
}

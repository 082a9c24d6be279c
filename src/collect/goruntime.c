/*
 * Dead goroutine stacks in a stopped Go program (see goruntime.h).
 *
 * Go allocates goroutine stacks from spans in state mSpanManual and, when a
 * stack grows, copies it to a bigger one and frees the old one without
 * clearing it; a freed span goes back to the page heap, still uncleared.
 * Those bytes keep stale copies of C pointers that Go dropped long ago, so
 * treating all of Go's heap as a root would report such C blocks as still
 * reachable. The runtime itself knows better: mheap_.allspans lists every
 * span with its state, and allgs every goroutine with its stack bounds and
 * saved stack pointer. Memory the GC'd heap uses (mSpanInUse) stays a root
 * (memory held by Go is held).
 *
 * Everything here is read from a process that may be hostile or corrupt:
 * every count is bounded, every range checked, and any failed read or
 * implausible value makes the whole answer "unknown" (the caller then keeps
 * scanning Go's memory whole, as before).
 */
#include "collect/goruntime.h"
#include "cgoheap/shm.h"
#include "collect/goread.h"
#include "collect/gostack.h"
#include "common/grow.h"
#include "common/search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Constant in every Go runtime since 1.x on amd64 (runtime/malloc.go). */
#define GO_PAGE_SIZE 8192ull
/* The user address space of amd64 (47 bits). */
/* Bounds on what a real program can have: 4M spans is 32 GiB of heap even
 * at one page a span; 2M goroutines is far more than anyone runs. */
#define MAX_SPANS (1u << 22)
#define MAX_GS (1u << 21)
#define MAX_MS (1u << 16)      /* Go's default limit is 10000 threads */
#define MAX_STACK (1ull << 30) /* Go's default maximum stack is 1 GB */
#define PTR_CHUNK 4096         /* slice elements read per pread */
/* runtime/malloc.go on linux/amd64, Go 1.x: heapArenaBytes, arenaBaseOffset. */
#define ARENA_BYTES (64ull << 20)
#define ARENA_BASE_OFFSET 0xffff800000000000ull
#define MAX_ARENAS (1u << 20) /* 64 TiB */

/* runtime/mheap.go and runtime2.go (the same in Go 1.17 .. 1.23). */
enum { SPAN_DEAD = 0, SPAN_IN_USE = 1, SPAN_MANUAL = 2 };
enum { G_RUNNING = 2, G_SYSCALL = 3, G_DEAD = 6, G_SCAN = 0x1000 };

int ch_range_add(ch_range_list *l, uint64_t start, uint64_t end)
{
    if (end <= start)
        return 0;
    if (l->n == l->cap) {
        ch_range *v = ch_grow(l->v, &l->cap, sizeof *v, 256);
        if (!v)
            return -1;
        l->v = v;
    }
    l->v[l->n++] = (ch_range){start, end};
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const ch_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

void ch_range_normalize(ch_range_list *l)
{
    if (!l->n)
        return;
    qsort(l->v, l->n, sizeof *l->v, by_start);
    size_t k = 0;
    for (size_t i = 1; i < l->n; i++) {
        if (l->v[i].start <= l->v[k].end) {
            if (l->v[i].end > l->v[k].end)
                l->v[k].end = l->v[i].end;
        } else {
            l->v[++k] = l->v[i];
        }
    }
    l->n = k + 1;
}

int ch_range_subtract(const ch_range_list *a, const ch_range_list *b, ch_range_list *out)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t cur = a->v[i].start, end = a->v[i].end;
        while (j < b->n && b->v[j].end <= cur)
            j++;
        /* b is sorted and disjoint: walk the pieces of b inside this range,
         * without advancing j past one that may reach into the next range. */
        for (size_t k = j; k < b->n && b->v[k].start < end && cur < end; k++) {
            if (b->v[k].start > cur && ch_range_add(out, cur, b->v[k].start))
                return -1;
            if (b->v[k].end > cur)
                cur = b->v[k].end;
        }
        if (cur < end && ch_range_add(out, cur, end))
            return -1;
    }
    return 0;
}

static uint64_t word_at(const unsigned char *p, uint32_t off)
{
    uint64_t w;
    memcpy(&w, p + off, sizeof w);
    return w;
}

/* A Go slice header {ptr, len, cap}, checked against `max` elements. */
static int read_slice(ch_go_reader *r, uint64_t addr, uint64_t max, uint64_t *ptr, uint64_t *len,
                      const char *what)
{
    uint64_t h[3];
    if (ch_go_read_exact(r, addr, h, sizeof h, what))
        return -1;
    if (h[1] > h[2] || h[1] > max ||
        (h[1] && (h[0] == 0 || h[0] % 8 || h[0] >= CH_GO_ADDR_LIMIT))) {
        snprintf(r->err, r->errlen, "implausible %s (len %llu)", what, (unsigned long long)h[1]);
        return -1;
    }
    *ptr = h[0];
    *len = h[1];
    return 0;
}

/* Calls fn(r, element pointer, arg) for each non-nil element of a []*T. */
typedef int (*elem_fn)(ch_go_reader *r, uint64_t elem, void *arg);

static int each_pointer(ch_go_reader *r, uint64_t ptr, uint64_t len, const char *what, elem_fn fn,
                        void *arg)
{
    uint64_t buf[PTR_CHUNK];
    for (uint64_t i = 0; i < len; i += PTR_CHUNK) {
        size_t n = len - i < PTR_CHUNK ? (size_t)(len - i) : PTR_CHUNK;
        if (ch_go_read_exact(r, ptr + 8 * i, buf, n * 8, what))
            return -1;
        for (size_t k = 0; k < n; k++)
            if (buf[k] && fn(r, buf[k], arg))
                return -1;
    }
    return 0;
}

typedef struct span_lists {
    ch_range_list drop;   /* stack spans, freed spans, the heap arenas */
    ch_range_list keep;   /* spans of the GC'd heap, live stack parts */
    ch_range_list manual; /* stack spans alone (for the main thread's SP) */
} span_lists;

static int visit_span(ch_go_reader *r, uint64_t span, void *arg)
{
    span_lists *sl = arg;
    const ch_go_layout *L = r->L;
    unsigned char s[65536];
    if (ch_go_read_exact(r, span, s, L->span_read, "runtime.mspan"))
        return -1;
    uint64_t start = word_at(s, L->span_start), npages = word_at(s, L->span_npages);
    unsigned state = s[L->span_state];
    bool bad_range = start % GO_PAGE_SIZE || start >= CH_GO_ADDR_LIMIT || npages == 0 ||
                     npages > (CH_GO_ADDR_LIMIT - start) / GO_PAGE_SIZE;
    if (state == SPAN_DEAD && bad_range)
        return 0; /* a span record waiting for reuse, its fields cleared */
    if (state > SPAN_MANUAL || bad_range) {
        snprintf(r->err, r->errlen, "implausible span at 0x%llx (state %u)",
                 (unsigned long long)span, state);
        return -1;
    }
    uint64_t end = start + npages * GO_PAGE_SIZE;
    if (state == SPAN_IN_USE)
        return ch_range_add(&sl->keep, start, end);
    if (state == SPAN_MANUAL && ch_range_add(&sl->manual, start, end))
        return -1;
    /* A dead span's bounds are those it had when freed: its pages are free
     * now unless a live span (kept above) took them again. */
    return ch_range_add(&sl->drop, start, end);
}

/*
 * A heap arena: every page of it is dead unless a span kept (in use, or a
 * live stack) holds it. A freed span's record may describe another span
 * since, and nothing else its old pages: left as roots, their stale words
 * kept a dropped Go object alive (a freed []*T's element naming the page
 * where the next large object started, Go 1.19).
 */
static int visit_arena(ch_go_reader *r, uint64_t idx, void *arg)
{
    span_lists *sl = arg;
    uint64_t base = idx * ARENA_BYTES + ARENA_BASE_OFFSET;
    if (base >= CH_GO_ADDR_LIMIT || CH_GO_ADDR_LIMIT - base < ARENA_BYTES) {
        snprintf(r->err, r->errlen, "implausible heap arena index %llu", (unsigned long long)idx);
        return -1;
    }
    return ch_range_add(&sl->drop, base, base + ARENA_BYTES);
}

typedef struct g_state {
    span_lists *sl;
    const ch_go_threads *t;
    bool main_found; /* main_sp lies in some goroutine's stack */
    bool *sp_found;  /* t->sps[i] lies in some goroutine's stack (NULL if none) */
    size_t live;     /* goroutines whose stacks were kept */
    /* Running goroutines whose thread is on its system (g0) stack now: the
     * switch there (systemstack, mcall, asmcgocall, morestack) saved their
     * sched.sp, so below it their stacks are dead (sorted after visit_ms). */
    uint64_t *on_g0;
    size_t n_on_g0, cap_on_g0;
} g_state;

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool is_on_g0(const g_state *gs, uint64_t gp)
{
    return gs->n_on_g0 && bsearch(&gp, gs->on_g0, gs->n_on_g0, sizeof gp, by_u64);
}

/* The lowest thread stack pointer in [lo, hi), or 0 (its pc in *pc, 0 if
 * unknown). A goroutine's stack is run by one thread at a time; taking the
 * lowest keeps the most. */
static uint64_t thread_sp_in(g_state *gs, uint64_t lo, uint64_t hi, uint64_t *pc)
{
    uint64_t best = 0;
    *pc = 0;
    for (size_t i = 0; i < gs->t->nsps; i++) {
        uint64_t sp = gs->t->sps[i];
        if (sp < lo || sp >= hi)
            continue;
        gs->sp_found[i] = true;
        if (!best || sp < best) {
            best = sp;
            *pc = gs->t->pcs ? gs->t->pcs[i] : 0;
        }
    }
    return best;
}

/* Lists the goroutine for --show-roots, if asked (out of memory: it stays
 * unnamed, "a goroutine stack"). */
static void list_goroutine(ch_go_reader *r, g_state *gs, const unsigned char *g, uint64_t sp,
                           uint64_t pc)
{
    ch_goroutine_list *l = gs->t->goroutines;
    const ch_go_layout *L = r->L;
    if (!l)
        return;
    if (l->n == l->cap) {
        ch_goroutine *v = ch_grow(l->v, &l->cap, sizeof *v, 64);
        if (!v)
            return;
        l->v = v;
    }
    l->v[l->n++] = (ch_goroutine){.goid = L->g_goid != CH_GO_NO_MEMBER ? word_at(g, L->g_goid) : 0,
                                  .lo = word_at(g, L->g_lo),
                                  .hi = word_at(g, L->g_hi),
                                  .sp = sp,
                                  .pc = pc};
}

/*
 * Keeps the live part of a goroutine's stack, from `from` up to hi: with
 * its stack maps (gostack.c) when where it stopped is known, from
 * (pc, sp), else whole. In a system call (or a cgo call, whose C frames run
 * on g0) the walk starts where the Go GC starts it, at syscallsp.
 */
static int keep_stack(ch_go_reader *r, g_state *gs, const unsigned char *g, uint32_t status,
                      uint64_t from, uint64_t hi, uint64_t pc, bool interrupted)
{
    const ch_go_layout *L = r->L;
    ch_range_list *keep = &gs->sl->keep;
    if (gs->t->stacks && L->g_pc != CH_GO_NO_MEMBER) {
        uint64_t ssp = word_at(g, L->g_syscallsp), spc = word_at(g, L->g_syscallpc);
        if (status == G_SYSCALL && ssp >= from && ssp < hi && spc) {
            from = ssp;
            pc = spc;
            interrupted = false;
        }
        list_goroutine(r, gs, g, from, pc);
        if (pc &&
            ch_gostack_walk(gs->t->stacks, r->read, r->ctx, pc, from, hi, interrupted, keep) == 0)
            return 0;
    } else {
        list_goroutine(r, gs, g, from, 0);
    }
    return ch_range_add(keep, from & ~7ull, hi);
}

static int visit_g(ch_go_reader *r, uint64_t gp, void *arg)
{
    g_state *gs = arg;
    const ch_go_layout *L = r->L;
    unsigned char g[65536];
    if (ch_go_read_exact(r, gp, g, L->g_read, "runtime.g"))
        return -1;
    uint32_t status;
    memcpy(&status, g + L->g_status, sizeof status);
    status &= ~(uint32_t)G_SCAN;
    uint64_t lo = word_at(g, L->g_lo), hi = word_at(g, L->g_hi), sp = word_at(g, L->g_sp);
    if (status == G_DEAD || lo == 0)
        return 0; /* no stack, or one kept only for reuse: nothing live on it */
    if (hi <= lo || hi - lo > MAX_STACK || hi > CH_GO_ADDR_LIMIT) {
        snprintf(r->err, r->errlen, "implausible goroutine stack [0x%llx, 0x%llx)",
                 (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    uint64_t from = lo, pc = 0, thread_pc; /* running elsewhere: where is unknown */
    uint64_t thread_sp = thread_sp_in(gs, lo, hi, &thread_pc);
    bool saved_ok = (status != G_RUNNING || is_on_g0(gs, gp)) && sp >= lo && sp < hi;
    bool interrupted = false;
    if (gs->t->main_sp >= lo && gs->t->main_sp < hi) {
        from = gs->t->main_sp; /* the main thread's own register: exact */
        gs->main_found = true;
        pc = from == thread_sp ? thread_pc : 0;
        interrupted = true;
    } else if (thread_sp) {
        /* Another thread's register at its exit stop: exact too (if it
         * was not running this goroutine, its saved sp may be lower). */
        bool saved = saved_ok && sp < thread_sp;
        from = saved ? sp : thread_sp;
        pc = saved ? 0 : thread_pc;
        interrupted = true;
    } else if (saved_ok) {
        from = sp; /* saved when it stopped running; below is dead */
        pc = L->g_pc != CH_GO_NO_MEMBER ? word_at(g, L->g_pc) : 0;
    }
    gs->live++;
    return keep_stack(r, gs, g, status, from, hi, pc, interrupted);
}

/*
 * The system (g0) stack of each M (thread). mstart1 sets g0.sched.sp once,
 * near the base of the thread's stack, and every later use of g0 (mcall,
 * systemstack, asmcgocall for a cgo call) starts there again: below it lie
 * only frames of runtime code and of C functions that already returned,
 * with their stale copies of C pointers. The exceptions keep the whole
 * stack: an M inside a cgo call (m.incgo, or a cgo call counted in m.ncgo
 * while its goroutine is still in _Gsyscall) has live C frames below
 * g0.sched.sp; an extra M (a C thread that called into Go) that is back in
 * C (m.isExtraInC, Go 1.21 and later) or returned to the free list (its
 * goroutine is _Gdead) describes a thread stack it no longer owns. While C
 * calls back into Go, cgocallback lowers g0.sched.sp to the C frames' stack
 * pointer, so they stay above it. A thread whose stack pointer lies below
 * g0.sched.sp otherwise runs only runtime code there (the scheduler, parked
 * in a futex), whose frames hold no C pointer and which the Go GC never
 * scans: that holds for the main thread (m0) too, though its stack pointer
 * keeps the rest of [stack] a root. Kept whole, m0's idle scheduler frames
 * held a stale C.CString copy in 2 of 10 runs of 8 leaking goroutines.
 */
static uint32_t g_status_at(ch_go_reader *r, uint64_t gp, bool *ok)
{
    unsigned char g[65536];
    *ok = ch_go_read_exact(r, gp, g, r->L->g_read, "runtime.g") == 0;
    uint32_t status = 0;
    if (*ok)
        memcpy(&status, g + r->L->g_status, sizeof status);
    return status & ~(uint32_t)G_SCAN;
}

/*
 * Where the dead part of an idle M's g0 stack ends. Normally at g0.sched.sp.
 * But a thread that Go started itself (its g0.sched.sp still where mstart1
 * put it, a few bytes below g0.stack.hi, which is a local of mstart0) has
 * above g0.stack.hi only the frames that started it: mstart0, crosscall1
 * and cgo's threadentry, which keeps the pointer to the thread-start record
 * it freed (glibc soon hands that chunk out again, e.g. to a C.CString).
 * The agent's BIRTH mark is the frame just above threadentry, so when one
 * lies close above g0.stack.hi everything below it is dead too. An extra M
 * (a C thread in a Go callback) has its g0.sched.sp far below g0.stack.hi
 * (Go 1.19: hi is 1 KiB above it; later versions say m.isextra), and the C
 * frames between are alive: it never gets this.
 */
#define MSTART_SLACK 256u        /* g0.stack.hi - g0.sched.sp of a Go-started M */
#define THREAD_START_REACH 4096u /* mstart0 .. threadentry frames, generously */

static uint64_t dead_end(const ch_go_layout *L, const unsigned char *m, uint64_t hi, uint64_t sp,
                         const ch_go_threads *t)
{
    uint64_t end = sp & ~7ull;
    bool extra = L->m_isextra != CH_GO_NO_MEMBER && m[L->m_isextra];
    if (extra || hi - sp > MSTART_SLACK)
        return end;
    uint64_t birth = 0;
    for (size_t i = 0; i < t->nmarks; i++) {
        uint64_t v = t->marks[i], at = CH_MARK_SP(v);
        if (v && CH_MARK_TYPE(v) == CH_MARK_BIRTH && at >= hi && at - hi <= THREAD_START_REACH &&
            (!birth || at < birth))
            birth = at;
    }
    return birth ? birth : end;
}

/*
 * The mapping holding addr, or NULL. A g0 stack's bounds are not its
 * thread's stack mapping: for a thread it started, Go (mstart0, 1.19 to
 * 1.23) sets g0.stack.lo to a local's address less the whole pthread stack
 * size (plus 1 KiB), but glibc put that thread's TLS block and descriptor
 * (struct pthread) at the top of the same mapping, so lo lies below the
 * mapping's start, past the guard page, in the neighbouring thread's stack
 * mapping: at its TLS, its descriptor and the pthread_setspecific values
 * kept there. Measured with 8 locked threads on Go 1.19 and 1.23: 2 to 8
 * such values were "definitely lost" in each of 20 runs.
 */
static const ch_mapping *mapping_of(const ch_go_threads *t, uint64_t addr)
{
    size_t i = CH_FIRST_ABOVE(t->maps, t->nmaps, end, addr);
    return t->maps && i < t->nmaps && t->maps[i].start <= addr ? &t->maps[i] : NULL;
}

/* Some thread's stack pointer (the main thread's included) lies in [lo, hi). */
static bool thread_on(const ch_go_threads *t, uint64_t lo, uint64_t hi)
{
    if (t->main_sp >= lo && t->main_sp < hi)
        return true;
    for (size_t i = 0; i < t->nsps; i++)
        if (t->sps[i] >= lo && t->sps[i] < hi)
            return true;
    return false;
}

static int note_on_g0(g_state *gs, uint64_t curg)
{
    if (gs->n_on_g0 == gs->cap_on_g0) {
        uint64_t *v = ch_grow(gs->on_g0, &gs->cap_on_g0, sizeof *v, 16);
        if (!v)
            return -1;
        gs->on_g0 = v;
    }
    gs->on_g0[gs->n_on_g0++] = curg;
    return 0;
}

/* Notes m's goroutine if m's thread runs on its g0 stack now. */
static int note_m(ch_go_reader *r, const unsigned char *m, g_state *gs)
{
    const ch_go_layout *L = r->L;
    uint64_t g0 = word_at(m, L->m_g0), curg = word_at(m, L->m_curg);
    unsigned char g[65536];
    if (!g0 || !curg || ch_go_read_exact(r, g0, g, L->g_read, "runtime.g (g0)"))
        return 0;
    uint64_t lo = word_at(g, L->g_lo), hi = word_at(g, L->g_hi);
    const ch_mapping *own = mapping_of(gs->t, hi - 1);
    if (lo >= hi || !own)
        return 0;
    /* Only the thread's own mapping: lo may lie in its neighbour's (below). */
    return thread_on(gs->t, lo > own->start ? lo : own->start, hi) ? note_on_g0(gs, curg) : 0;
}

static int visit_m(ch_go_reader *r, const unsigned char *m, const ch_go_threads *t, span_lists *sl)
{
    const ch_go_layout *L = r->L;
    int32_t ncgo;
    memcpy(&ncgo, m + L->m_ncgo, sizeof ncgo);
    uint64_t g0 = word_at(m, L->m_g0), curg = word_at(m, L->m_curg);
    if (!g0 || m[L->m_incgo] || (L->m_extra_in_c != CH_GO_NO_MEMBER && m[L->m_extra_in_c]))
        return 0;
    if (curg) {
        bool ok;
        uint32_t status = g_status_at(r, curg, &ok);
        if (!ok || status == G_DEAD || (status == G_SYSCALL && ncgo > 0))
            return 0;
    }
    unsigned char g[65536];
    if (ch_go_read_exact(r, g0, g, L->g_read, "runtime.g (g0)"))
        return -1;
    uint64_t lo = word_at(g, L->g_lo), hi = word_at(g, L->g_hi), sp = word_at(g, L->g_sp);
    if (!lo || hi <= lo || hi - lo > MAX_STACK || hi > CH_GO_ADDR_LIMIT || sp <= lo || sp > hi)
        return 0; /* not started yet, or not understood: leave it whole */
    const ch_mapping *own = mapping_of(t, sp - 1);
    if (!own)
        return 0; /* a stack pointer in no mapping: not understood */
    uint64_t end = dead_end(L, m, hi, sp, t);
    return ch_range_add(&sl->drop, lo > own->start ? lo : own->start,
                        end < own->end ? end : own->end);
}

/* Walks runtime.allm; only a failed read of the list itself is an error. */
static int visit_ms(ch_go_reader *r, uint64_t bias, g_state *gs, span_lists *sl)
{
    const ch_go_layout *L = r->L;
    if (!L->allm_addr || L->m_read > 65536)
        return 0; /* a runtime without these members: g0 stacks stay whole */
    uint64_t mp;
    if (ch_go_read_exact(r, L->allm_addr + bias, &mp, sizeof mp, "runtime.allm"))
        return -1;
    unsigned char m[65536];
    for (unsigned n = 0; mp; n++) {
        if (n == MAX_MS) {
            snprintf(r->err, r->errlen, "runtime.allm: more than %u Ms (a cycle?)", MAX_MS);
            return -1;
        }
        if (ch_go_read_exact(r, mp, m, L->m_read, "runtime.m") || visit_m(r, m, gs->t, sl) ||
            note_m(r, m, gs))
            return -1;
        mp = word_at(m, L->m_alllink);
    }
    return 0;
}

/* A thread may run on a Go-allocated stack that is no goroutine's (a
 * signal stack): keep what lies above its stack pointer in that span. */
static int keep_sp_span(span_lists *sl, uint64_t sp)
{
    for (size_t i = 0; i < sl->manual.n; i++)
        if (sp >= sl->manual.v[i].start && sp < sl->manual.v[i].end)
            return ch_range_add(&sl->keep, sp & ~7ull, sl->manual.v[i].end);
    return 0;
}

static int keep_unfound_spans(span_lists *sl, const g_state *gs)
{
    if (!gs->main_found && keep_sp_span(sl, gs->t->main_sp))
        return -1;
    for (size_t i = 0; i < gs->t->nsps; i++)
        if (!gs->sp_found[i] && keep_sp_span(sl, gs->t->sps[i]))
            return -1;
    return 0;
}

static void free_lists(span_lists *sl)
{
    free(sl->drop.v);
    free(sl->keep.v);
    free(sl->manual.v);
}

int ch_go_dead_ranges(const ch_go_layout *L, uint64_t bias, const ch_go_threads *t, ch_read_fn read,
                      void *ctx, ch_range_list *dead, char *err, size_t errlen)
{
    ch_go_reader r = {L, read, ctx, err, errlen};
    span_lists sl = {0};
    g_state gs = {.sl = &sl, .t = t};
    uint64_t ptr, len;
    int rc = -1;
    if (t->nsps && !(gs.sp_found = calloc(t->nsps, sizeof *gs.sp_found))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (L->span_read > 65536 ||
        L->g_read > 65536) /* golayout bounds them; the buffers rely on it */
        goto out;
    if (read_slice(&r, L->mheap_addr + bias + L->allspans, MAX_SPANS, &ptr, &len,
                   "runtime.mheap_.allspans") ||
        each_pointer(&r, ptr, len, "runtime.mheap_.allspans", visit_span, &sl))
        goto out;
    if (L->allarenas != CH_GO_NO_MEMBER &&
        (read_slice(&r, L->mheap_addr + bias + L->allarenas, MAX_ARENAS, &ptr, &len,
                    "runtime.mheap_.allArenas") ||
         each_pointer(&r, ptr, len, "runtime.mheap_.allArenas", visit_arena, &sl)))
        goto out;
    if (visit_ms(&r, bias, &gs, &sl))
        goto out;
    if (gs.n_on_g0)
        qsort(gs.on_g0, gs.n_on_g0, sizeof *gs.on_g0, by_u64);
    if (read_slice(&r, L->allgs_addr + bias, MAX_GS, &ptr, &len, "runtime.allgs") ||
        each_pointer(&r, ptr, len, "runtime.allgs", visit_g, &gs))
        goto out;
    if (!gs.live) { /* a Go program always has its main goroutine */
        snprintf(err, errlen, "no live goroutine in runtime.allgs");
        goto out;
    }
    if (keep_unfound_spans(&sl, &gs))
        goto out;
    ch_range_normalize(&sl.drop);
    ch_range_normalize(&sl.keep);
    rc = ch_range_subtract(&sl.drop, &sl.keep, dead);
    if (rc)
        snprintf(err, errlen, "out of memory");
out:
    free_lists(&sl);
    free(gs.sp_found);
    free(gs.on_g0);
    return rc;
}

/*
 * Root regions for the scan, from /proc/PID/smaps.
 *
 * Roots are where a program can keep a pointer it still uses: data and bss,
 * TLS, thread stacks, the Go heap and goroutine stacks, any anonymous rw
 * memory. malloc's own arenas are NOT roots even though they are rw: freed
 * chunks there still hold stale pointers, which would keep leaks "alive";
 * a block is scanned only when something reaches it (as valgrind does).
 *
 * In a sampled run the arenas also hold the live blocks that were not
 * sampled, and nothing tells them from freed chunks. Left out, they would
 * hide every pointer they hold: a sampled block kept only by an unsampled
 * one (an array of strings, environ and its strings) would be "definitely
 * lost". So the arenas are roots there (like every root, less the tracked
 * blocks' own bytes, which the scan skips): a sampled block is lost only if
 * no word anywhere points to it. The price is the other way round: a
 * pointer left in a freed chunk keeps a leak "reachable". The scan then reads
 * every word of the heap, and looks up only those into a page that a sampled
 * block covers (analyze/block_pages.h).
 *
 * Stacks are cut at the stack pointers of the threads stopped at exit (the
 * main thread's [stack], glibc thread stacks), or above libc's exit frames
 * for the thread that called exit() (collect/exitpath.h). Limit: a thread that was not
 * stopped (not traced, or it never reached its exit stop in time) has its
 * stack scanned whole, so stale values below its stack pointer can make a
 * lost block look reachable.
 */
#include "collect/roots.h"
#include "cgoheap/shm.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"
#include "common/grow.h"
#include "common/search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MMAP_THRESHOLD (128u << 10)   /* glibc's default: smaller blocks live in arenas */
#define ARENA_HEAP_SIZE (64ull << 20) /* glibc HEAP_MAX_SIZE on 64-bit */

typedef struct mapping {
    uint64_t start, end, inode;
    char perms[5];
    char path[256];
    uint64_t rss_kb, swap_kb;
} mapping;

typedef struct region_list {
    ch_region *v;
    size_t n, cap;
} region_list;

static int add_region(region_list *l, uint64_t start, uint64_t end, const char *name)
{
    if (l->n == l->cap) {
        ch_region *v = ch_grow(l->v, &l->cap, sizeof *v, 64);
        if (!v)
            return -1;
        l->v = v;
    }
    ch_region *r = &l->v[l->n++];
    r->start = start;
    r->end = end;
    snprintf(r->name, sizeof r->name, "%.*s", (int)sizeof r->name - 1, name);
    return 0;
}

static int is_kernel_special(const char *path)
{
    return !strcmp(path, "[vvar]") || !strcmp(path, "[vsyscall]") || !strcmp(path, "[vdso]") ||
           !strncmp(path, "[vvar", 5);
}

/* A mapping holding a small tracked block is a malloc arena. */
static int holds_small_block(const ch_roots_ctx *c, const mapping *m)
{
    size_t lo = CH_FIRST_AT_LEAST(c->blocks, c->nblocks, addr, m->start);
    for (size_t i = lo; i < c->nblocks && c->blocks[i].addr < m->end; i++)
        if (c->blocks[i].size < MMAP_THRESHOLD)
            return 1;
    return 0;
}

/* A glibc non-main arena heap starts on a HEAP_MAX_SIZE boundary with a
 * heap_info: ar_ptr (just past the header in an arena's first heap, or in
 * another heap), prev (0 or another heap), size and mprotect_size (page
 * multiples up to HEAP_MAX_SIZE). Even when all its blocks are freed the
 * heap is full of stale pointers, so it is recognised by its header. */
static int is_glibc_heap(const mapping *m, ch_read_fn read, void *rctx)
{
    uint64_t h[4];
    if (m->start % ARENA_HEAP_SIZE || m->path[0] || !read ||
        read(rctx, m->start, h, sizeof h) != (long)sizeof h)
        return 0;
    int ar_ok = h[0] && h[0] % 8 == 0 && h[0] % ARENA_HEAP_SIZE < 256;
    int prev_ok = h[1] % ARENA_HEAP_SIZE == 0;
    int size_ok = h[2] && h[2] <= ARENA_HEAP_SIZE && h[2] % 4096 == 0 && h[3] % 4096 == 0 &&
                  h[3] <= ARENA_HEAP_SIZE;
    return ar_ok && prev_ok && size_ok;
}

static int is_root(const ch_roots_ctx *c, const mapping *m, ch_read_fn read, void *rctx)
{
    if (m->perms[0] != 'r' || m->perms[1] != 'w' || m->end <= m->start)
        return 0;
    if (is_kernel_special(m->path))
        return 0;
    if ((c->shm_inode && m->inode == c->shm_inode) || !strncmp(m->path, "/memfd:cgoheap", 14))
        return 0;
    if (c->agent_path && *c->agent_path && !strcmp(m->path, c->agent_path))
        return 0;
    if (!strncmp(m->path, "[anon:cgoheap", 13)) /* the agent's own anonymous memory, if named */
        return 0;
    if (m->rss_kb == 0 && m->swap_kb == 0)
        return 0; /* never touched: only zeros, and reading it would fault it in */
    if (c->sampled)
        return 1; /* the scan skips the tracked blocks' own bytes in any root */
    return strcmp(m->path, "[heap]") && !holds_small_block(c, m) && !is_glibc_heap(m, read, rctx);
}

/*
 * Where the live part of a mapping starts, replaying its stack marks
 * (shm.h) in the order they were made: below a SWITCH mark lie only the
 * frames of C functions that Go called on that system stack, dead once they
 * return; a DEATH mark kills everything below it (the thread ended; glibc
 * keeps its stack for reuse); a BIRTH mark means a new thread took the stack
 * over, so nothing known about the old one holds any more.
 */
static uint64_t live_start(const ch_roots_ctx *c, const mapping *m)
{
    uint64_t start = m->start;
    for (size_t i = 0; i < c->nmarks; i++) {
        uint64_t v = c->marks[i], sp = CH_MARK_SP(v);
        if (!v || sp <= m->start || sp >= m->end)
            continue;
        switch (CH_MARK_TYPE(v)) {
        case CH_MARK_AGENT:
            break; /* no stack pointer: see without_agent_caches */
        case CH_MARK_BIRTH:
            start = m->start;
            break;
        case CH_MARK_DEATH:
            start = sp;
            break;
        default: /* SWITCH */
            if (sp > start)
                start = sp;
            break;
        }
    }
    return start;
}

/*
 * Every stack a thread can run on starts at a multiple of 2 KiB: pthread and
 * main stacks are page aligned, and Go carves goroutine stacks (2 KiB at the
 * least) out of page-aligned spans at multiples of their size. So the bytes
 * from the stack pointer down to the previous 2 KiB boundary belong to the
 * same stack and are dead, even when the stack itself (a goroutine's, inside
 * a Go heap arena) cannot be told apart from the memory around it. Go 1.19
 * leaves a copy of a dropped C.CString pointer exactly there.
 */
#define MIN_STACK_ALIGN 2048u

/*
 * A glibc thread stack: mmap'd with its guard page (a PROT_NONE mapping)
 * right below it, and the thread's descriptor, which its TLS base (fs)
 * points to, at its very top. A mapping holding a thread's stack pointer
 * with that thread's TLS base in its top TLS_AT_TOP bytes is that thread's
 * stack, nothing else: everything below the stack pointer is dead. (A Go
 * heap arena holding a goroutine stack never has both.)
 */
#define TLS_AT_TOP (64u << 10)

static const ch_thread_sp *thread_stack_of(const ch_roots_ctx *c, const mapping *m,
                                           const mapping *below)
{
    if (!below || below->end != m->start || strcmp(below->perms, "---p"))
        return NULL;
    for (size_t i = 0; i < c->nthreads; i++) {
        const ch_thread_sp *t = &c->threads[i];
        if (t->sp >= m->start && t->sp < t->tls && t->tls < m->end && m->end - t->tls <= TLS_AT_TOP)
            return t;
    }
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The stack pointers (the main thread's and every stopped thread's) inside
 * m, sorted: a malloc'd array (NULL if none or out of memory, *n = 0). */
static uint64_t *sps_inside(const ch_roots_ctx *c, const mapping *m, size_t *n)
{
    uint64_t *v = malloc((c->nthreads + 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    if (c->main_sp >= m->start && c->main_sp < m->end)
        v[(*n)++] = c->main_sp;
    for (size_t i = 0; i < c->nthreads; i++)
        if (c->threads[i].sp >= m->start && c->threads[i].sp < m->end)
            v[(*n)++] = c->threads[i].sp;
    qsort(v, *n, sizeof *v, by_value);
    return v;
}

static int emit(region_list *l, const ch_roots_ctx *c, const mapping *m, const mapping *below)
{
    uint64_t start = live_start(c, m);
    const char *name = m->path[0] ? m->path : "[anon]";
    /* Below the stack pointer lies only dead data. The ABI's 128-byte red
     * zone is left out too: at the exit stop the thread sits in exit_group
     * (or was killed), and the red zone there holds stale frames of calls
     * that already returned, e.g. the pointer a leaking function dropped.
     * The main thread's own stack pointer is exact: on [stack] it wins over
     * marks (a C function called from Go may be the one calling exit, and
     * its frames below the mark are then alive). So does any thread's on
     * its own glibc stack. */
    if (c->main_sp >= m->start && c->main_sp < m->end && !strcmp(m->path, "[stack]"))
        return add_region(l, c->main_sp, m->end, name);
    const ch_thread_sp *t = thread_stack_of(c, m, below);
    if (t)
        return add_region(l, t->sp, m->end, name);
    /* Elsewhere (a Go heap arena, a stack of unknown extent) only the
     * bytes from each stack pointer down to its 2 KiB boundary are known
     * to be dead. */
    size_t n;
    uint64_t *sps = sps_inside(c, m, &n), cur = start;
    for (size_t i = 0; i < n; i++) {
        uint64_t dead = sps[i] & ~(uint64_t)(MIN_STACK_ALIGN - 1);
        if (dead > cur && add_region(l, cur, dead, name)) {
            free(sps);
            return -1;
        }
        if (sps[i] > cur)
            cur = sps[i];
    }
    free(sps);
    return add_region(l, cur, m->end, name);
}

/*
 * The roots less the agent's per-thread caches (AGENT marks, shm.h). They
 * are anonymous mappings like any other and may merge with the mappings
 * next to them (ld.so's TLS of the main thread), so their own bytes are
 * cut out rather than their mappings. Measured on a -O2 C program losing
 * a 7-node tree: an unwinder memo holding the root's address kept the tree
 * "still reachable" in 9 of 40 runs. Frees l's array; NULL on ENOMEM.
 */
static ch_region *without_agent_caches(const ch_roots_ctx *c, region_list *l, size_t *n)
{
    ch_range_list agent = {0};
    for (size_t i = 0; i < c->nmarks; i++)
        if (c->marks[i] && CH_MARK_TYPE(c->marks[i]) == CH_MARK_AGENT &&
            ch_range_add(&agent, CH_MARK_PAGE(c->marks[i]),
                         CH_MARK_PAGE(c->marks[i]) + 4096ull * CH_MARK_PAGES(c->marks[i]))) {
            free(agent.v);
            free(l->v);
            return NULL;
        }
    *n = l->n;
    if (!agent.n)
        return l->v;
    ch_range_normalize(&agent);
    ch_region *v = ch_regions_subtract(l->v, l->n, agent.v, agent.n, n);
    free(agent.v);
    free(l->v);
    return v;
}

static int parse_header(const char *line, mapping *m)
{
    unsigned long long start, end, off, inode;
    unsigned dev_major, dev_minor;
    int pos = 0;
    memset(m, 0, sizeof *m);
    if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, m->perms, &off, &dev_major,
               &dev_minor, &inode, &pos) < 7)
        return -1;
    m->start = start;
    m->end = end;
    m->inode = inode;
    snprintf(m->path, sizeof m->path, "%s", line + pos);
    m->path[strcspn(m->path, "\n")] = 0;
    return 0;
}

static void parse_field(const char *line, mapping *m)
{
    unsigned long long kb;
    if (sscanf(line, "Rss: %llu kB", &kb) == 1)
        m->rss_kb = kb;
    else if (sscanf(line, "Swap: %llu kB", &kb) == 1)
        m->swap_kb = kb;
}

ch_region *ch_roots_from_smaps(const char *smaps_path, const ch_roots_ctx *ctx, size_t *nroots,
                               ch_read_fn read, void *read_ctx)
{
    FILE *f = fopen(smaps_path, "r");
    if (!f)
        return NULL;
    region_list l = {0};
    mapping m, next, below; /* below: the mapping before m (a guard page?) */
    int have = 0, have_below = 0, bad = 0;
    char *line = NULL;
    size_t cap = 0;
    while (!bad && getline(&line, &cap, f) >= 0) {
        if (parse_header(line, &next) != 0) {
            if (have)
                parse_field(line, &m);
            continue;
        }
        if (have && is_root(ctx, &m, read, read_ctx))
            bad = emit(&l, ctx, &m, have_below ? &below : NULL);
        if (have) {
            below = m;
            have_below = 1;
        }
        m = next;
        have = 1;
    }
    if (!bad && have && is_root(ctx, &m, read, read_ctx))
        bad = emit(&l, ctx, &m, have_below ? &below : NULL);
    free(line);
    fclose(f);
    ch_region *v = NULL;
    if (bad || !(l.v || (l.v = malloc(sizeof *l.v)))) {
        free(l.v);
    } else if ((v = without_agent_caches(ctx, &l, nroots))) {
        return v;
    }
    errno = ENOMEM;
    return NULL;
}

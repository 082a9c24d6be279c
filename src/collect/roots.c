/*
 * Root regions for the scan, from /proc/PID/smaps.
 *
 * Roots are where a program can keep a pointer it still uses: data and bss,
 * TLS, thread stacks, the Go heap and goroutine stacks, any anonymous rw
 * memory. malloc's own arenas are NOT roots even though they are rw: freed
 * chunks there still hold stale pointers, which would keep leaks "alive";
 * a block is scanned only when something reaches it (as valgrind does).
 *
 * Limits: only the main thread's stack is cut at its stack pointer; other
 * threads' stacks (anonymous mappings) are scanned whole, so stale values
 * below their stack pointers can make a lost block look reachable.
 */
#include "common/search.h"
#include "collect/roots.h"
#include "cgoheap/shm.h"

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
        size_t cap = l->cap ? 2 * l->cap : 64;
        ch_region *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
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
    if (is_kernel_special(m->path) || !strcmp(m->path, "[heap]"))
        return 0;
    if ((c->shm_inode && m->inode == c->shm_inode) || !strncmp(m->path, "/memfd:cgoheap", 14))
        return 0;
    if (c->agent_path && *c->agent_path && !strcmp(m->path, c->agent_path))
        return 0;
    if (!strncmp(m->path, "[anon:cgoheap", 13)) /* the agent's own anonymous memory, if named */
        return 0;
    if (m->rss_kb == 0 && m->swap_kb == 0)
        return 0; /* never touched: only zeros, and reading it would fault it in */
    return !holds_small_block(c, m) && !is_glibc_heap(m, read, rctx);
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

static int emit(region_list *l, const ch_roots_ctx *c, const mapping *m)
{
    uint64_t start = live_start(c, m);
    const char *name = m->path[0] ? m->path : "[anon]";
    uint64_t sp = c->main_sp;
    if (sp < m->start || sp >= m->end)
        return add_region(l, start, m->end, name);
    /* Below the stack pointer lies only dead data. The ABI's 128-byte red
     * zone is left out too: at the exit stop the thread sits in exit_group
     * (or was killed), and the red zone there holds stale frames of calls
     * that already returned, e.g. the pointer a leaking function dropped.
     * The main thread's own stack pointer is exact: on [stack] it wins over
     * marks (a C function called from Go may be the one calling exit, and
     * its frames below the mark are then alive). */
    if (!strcmp(m->path, "[stack]"))
        return add_region(l, sp, m->end, name);
    uint64_t dead = sp & ~(uint64_t)(MIN_STACK_ALIGN - 1);
    if (dead > start && add_region(l, start, dead, name))
        return -1;
    return add_region(l, sp > start ? sp : start, m->end, name);
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
    mapping m, next;
    int have = 0, bad = 0;
    char *line = NULL;
    size_t cap = 0;
    while (!bad && getline(&line, &cap, f) >= 0) {
        if (parse_header(line, &next) != 0) {
            if (have)
                parse_field(line, &m);
            continue;
        }
        if (have && is_root(ctx, &m, read, read_ctx))
            bad = emit(&l, ctx, &m);
        m = next;
        have = 1;
    }
    if (!bad && have && is_root(ctx, &m, read, read_ctx))
        bad = emit(&l, ctx, &m);
    free(line);
    fclose(f);
    if (bad || !(l.v || (l.v = malloc(sizeof *l.v)))) {
        free(l.v);
        errno = ENOMEM;
        return NULL;
    }
    *nroots = l.n;
    return l.v;
}

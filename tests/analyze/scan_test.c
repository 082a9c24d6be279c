/*
 * Unit tests of the reachability scan and the grouping, on synthetic memory
 * served by a fake read callback. Usage: scan_test CASE (or "bench").
 * Prints one line; exits non-zero on failure.
 */
#include "analyze/analyze.h"
#include "analyze/block_index.h"
#include "analyze/block_pages.h"
#include "analyze/goheap.h"
#include "analyze/heap_copy.h"
#include "analyze/heuristics.h"
#include "common/big_alloc.h"
#include "common/block_sort.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

/* ---- a sparse fake address space: a few segments of real bytes ---- */
typedef struct segment {
    uint64_t addr;
    uint8_t *bytes;
    size_t len;
} segment;

typedef struct fake_mem {
    segment seg[16];
    int n;
} fake_mem;

static long fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    fake_mem *m = ctx;
    for (int i = 0; i < m->n; i++) {
        segment *s = &m->seg[i];
        if (addr >= s->addr && addr < s->addr + s->len) {
            size_t n = s->addr + s->len - addr < len ? s->addr + s->len - addr : len;
            memcpy(buf, s->bytes + (addr - s->addr), n);
            return (long)n;
        }
    }
    return -1;
}

static uint8_t *add_segment(fake_mem *m, uint64_t addr, size_t len)
{
    segment *s = &m->seg[m->n++];
    s->addr = addr;
    s->len = len;
    s->bytes = calloc(1, len);
    return s->bytes;
}

static void put(fake_mem *m, uint64_t addr, uint64_t value)
{
    for (int i = 0; i < m->n; i++)
        if (addr >= m->seg[i].addr && addr + 8 <= m->seg[i].addr + m->seg[i].len) {
            memcpy(m->seg[i].bytes + (addr - m->seg[i].addr), &value, 8);
            return;
        }
    fprintf(stderr, "put outside memory\n");
    exit(2);
}

#define ROOT 0x10000ull  /* a 4 KiB root region */
#define HEAP 0x100000ull /* the "heap": blocks live here */

typedef struct world {
    fake_mem mem;
    ch_profile prof;
    ch_block blocks[64];
} world;

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    add_segment(&w->mem, ROOT, 4096);
    add_segment(&w->mem, HEAP, 1 << 20);
    w->prof.blocks = w->blocks;
    w->prof.nstacks = 100;
}

/* Block i lives at HEAP + i * 0x100 with the given size; its stack id is i + 1. */
static uint64_t block(world *w, int i, uint64_t size)
{
    w->blocks[w->prof.nblocks++] = (ch_block){.addr = HEAP + (uint64_t)i * 0x100,
                                              .size = size,
                                              .stack_id = (uint32_t)i + 1,
                                              .kind = CH_KIND_UNFREED};
    return HEAP + (uint64_t)i * 0x100;
}

static void scan(world *w)
{
    ch_region root = {.start = ROOT, .end = ROOT + 4096, .name = "root"};
    if (ch_scan(&w->prof, &root, 1, NULL, 0, fake_read, &w->mem)) {
        printf("FAIL ch_scan returned an error\n");
        exit(1);
    }
}

/* Kind of the block at addr (blocks are re-sorted by the scan). */
static int kind_at(const world *w, uint64_t addr)
{
    for (size_t i = 0; i < w->prof.nblocks; i++)
        if (w->prof.blocks[i].addr == addr)
            return w->prof.blocks[i].kind;
    return -1;
}

static const char *kname(int k)
{
    static const char *n[] = {"definite", "indirect", "possible", "reachable", "unfreed"};
    return k >= 0 && k < 5 ? n[k] : "missing";
}

static int failures;

/* Bytes the scan says are indirectly lost through the block at addr. */
static uint64_t owned_at(const world *w, uint64_t addr)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < w->prof.nowned; i++)
        if (w->prof.blocks[w->prof.owned[i].block].addr == addr)
            sum += w->prof.owned[i].bytes;
    return sum;
}

static void expect_owned(const world *w, uint64_t addr, uint64_t bytes, const char *what)
{
    uint64_t got = owned_at(w, addr);
    if (got != bytes) {
        printf("FAIL %s: block 0x%llx owns %llu indirect bytes, expected %llu\n", what,
               (unsigned long long)addr, (unsigned long long)got, (unsigned long long)bytes);
        failures++;
    }
}

static void expect(const world *w, uint64_t addr, int kind, const char *what)
{
    int got = kind_at(w, addr);
    if (got != kind) {
        printf("FAIL %s: block 0x%llx is %s, expected %s\n", what, (unsigned long long)addr,
               kname(got), kname(kind));
        failures++;
    }
}

static int case_start_pointer(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 32);
    put(&w.mem, ROOT + 8, a);
    scan(&w);
    expect(&w, a, CH_KIND_REACHABLE, "start pointer from a root");
    return failures;
}

static int case_interior(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 256), b = block(&w, 1, 16);
    put(&w.mem, ROOT, a + 100);
    put(&w.mem, a + 8, b); /* a start pointer inside a possible block: b at best possible */
    scan(&w);
    expect(&w, a, CH_KIND_POSSIBLE, "interior pointer only");
    expect(&w, b, CH_KIND_POSSIBLE, "start pointer from a possible block");
    return failures;
}

static int case_upgrade(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 64), b = block(&w, 1, 64), c = block(&w, 2, 64);
    put(&w.mem, ROOT, a + 8); /* a: possible first ... */
    put(&w.mem, ROOT + 8, b); /* b: reachable */
    put(&w.mem, b + 16, a);   /* ... then reachable through b */
    put(&w.mem, a + 24, c);   /* so c must be reachable too (re-scan after upgrade) */
    scan(&w);
    expect(&w, a, CH_KIND_REACHABLE, "possible upgraded by a start pointer");
    expect(&w, c, CH_KIND_REACHABLE, "child of an upgraded block");
    return failures;
}

static int case_cycle(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 32), b = block(&w, 1, 32), c = block(&w, 2, 32);
    put(&w.mem, a, b);
    put(&w.mem, b, c);
    put(&w.mem, c, a);
    scan(&w);
    int definite = 0, indirect = 0;
    for (size_t i = 0; i < w.prof.nblocks; i++) {
        definite += w.prof.blocks[i].kind == CH_KIND_DEFINITE;
        indirect += w.prof.blocks[i].kind == CH_KIND_INDIRECT;
    }
    if (definite != 1 || indirect != 2) {
        printf("FAIL cycle without root: %d definite, %d indirect (expected 1, 2)\n", definite,
               indirect);
        failures++;
    }
    expect(&w, a, CH_KIND_DEFINITE, "lowest block of a lost cycle");
    expect_owned(&w, a, 64, "definite block of a lost cycle");
    expect_owned(&w, b, 0, "indirect block of a lost cycle");
    free(w.prof.owned);
    return failures;
}

static int case_tree(void)
{
    world w;
    world_init(&w);
    /* The root of the lost tree is at the HIGHEST address: the clique pass
     * meets the children first and must still end with only the root definite. */
    uint64_t c1 = block(&w, 0, 48), c2 = block(&w, 1, 48), g = block(&w, 2, 48);
    uint64_t r = block(&w, 3, 48);
    put(&w.mem, r, c1);
    put(&w.mem, r + 8, c2 + 4); /* interior pointers count in lost structures too */
    put(&w.mem, c1 + 16, g);
    scan(&w);
    expect(&w, r, CH_KIND_DEFINITE, "root of a lost tree");
    expect(&w, c1, CH_KIND_INDIRECT, "child of a lost root");
    expect(&w, c2, CH_KIND_INDIRECT, "child via interior pointer");
    expect(&w, g, CH_KIND_INDIRECT, "grandchild of a lost root");
    /* c1 led a clique of its own (with g) before r took it over. */
    expect_owned(&w, r, 3 * 48, "root of a lost tree");
    expect_owned(&w, c1, 0, "demoted clique leader");
    if (w.prof.nowned != 1) {
        printf("FAIL tree: %zu blocks own indirect bytes, expected 1\n", w.prof.nowned);
        failures++;
    }
    size_t n;
    ch_loss_record *rec = ch_group(&w.prof, &n);
    for (size_t i = 0; rec && i < n; i++) {
        uint64_t want = rec[i].kind == CH_KIND_DEFINITE ? 3 * 48 : 0;
        if (rec[i].indirect_bytes != want) {
            printf("FAIL tree: %s record has %llu indirect bytes, expected %llu\n",
                   kname(rec[i].kind), (unsigned long long)rec[i].indirect_bytes,
                   (unsigned long long)want);
            failures++;
        }
    }
    free(rec);
    free(w.prof.owned);
    return failures;
}

static int case_chain(void)
{
    world w;
    world_init(&w);
    uint64_t prev = 0;
    for (int i = 0; i < 20; i++) {
        uint64_t b = block(&w, i, 16);
        if (prev)
            put(&w.mem, prev + 8, b);
        else
            put(&w.mem, ROOT + 64, b);
        prev = b;
    }
    uint64_t lost = block(&w, 30, 16);
    scan(&w);
    for (int i = 0; i < 20; i++)
        expect(&w, HEAP + (uint64_t)i * 0x100, CH_KIND_REACHABLE, "chain from a reachable block");
    expect(&w, lost, CH_KIND_DEFINITE, "unreferenced block");
    return failures;
}

static int case_block_bytes_not_root(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 32), b = block(&w, 1, 32);
    put(&w.mem, a, b);
    ch_region whole_heap = {.start = HEAP, .end = HEAP + (1 << 20), .name = "heap"};
    ch_scan(&w.prof, &whole_heap, 1, NULL, 0, fake_read, &w.mem);
    expect(&w, a, CH_KIND_DEFINITE, "a block inside a root region is no root");
    expect(&w, b, CH_KIND_INDIRECT, "pointed to only from a lost block");
    return failures;
}

static int case_registers(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 32), b = block(&w, 1, 32);
    uint64_t regs[2] = {0x1234, a};
    ch_scan(&w.prof, NULL, 0, regs, 2, fake_read, &w.mem);
    expect(&w, a, CH_KIND_REACHABLE, "pointer in a register");
    expect(&w, b, CH_KIND_DEFINITE, "no pointer at all");
    return failures;
}

/*
 * A root word into the Go heap reaches a Go object (and the C block it
 * holds) unless it lies where Go's collector does not scan (ch_go_noptr):
 * off-heap runtime memory (no bits), or a word the module's pointer mask
 * leaves out. Such words still reach C blocks.
 */
static int go_noptr_kind(world *w, uint64_t obj_block, uint64_t c_block, const uint8_t *mask,
                         bool noptr)
{
    const uint64_t go = 0x400000;
    ch_go_heap h = {0};
    h.spans = malloc(sizeof *h.spans);
    if (!h.spans)
        exit(2);
    h.spans[0] = (ch_go_span){.start = go, .elemsize = 64, .nelems = 128};
    h.nspans = 1;
    if (ch_go_heap_init(&h))
        exit(2);
    ch_go_set(h.alloc, 0);
    uint8_t *bits = mask ? malloc(1) : NULL;
    if (bits)
        *bits = *mask;
    if (noptr) {
        h.noptr = malloc(sizeof *h.noptr);
        h.noptr[0] = (ch_go_noptr){ROOT, ROOT + 4096, bits};
        h.nnoptr = 1;
    }
    put(&w->mem, go, obj_block);
    put(&w->mem, ROOT, go);
    put(&w->mem, ROOT + 8, c_block);
    for (size_t i = 0; i < w->prof.nblocks; i++)
        w->blocks[i].kind = CH_KIND_UNFREED;
    ch_region root = {.start = ROOT, .end = ROOT + 4096, .name = "root"};
    ch_scan_extra x = {.go = &h};
    if (ch_scan_ex(&w->prof, &root, 1, NULL, 0, NULL, 0, &x, fake_read, &w->mem))
        exit(2);
    ch_go_heap_free(&h);
    return kind_at(w, c_block) == CH_KIND_REACHABLE ? kind_at(w, obj_block) : -1;
}

static int case_go_noptr(void)
{
    world w;
    world_init(&w);
    add_segment(&w.mem, 0x400000, 8192);
    uint64_t a = block(&w, 0, 32), b = block(&w, 1, 32);
    const uint8_t first = 1, second = 2;
    if (go_noptr_kind(&w, a, b, NULL, false) != CH_KIND_REACHABLE ||
        go_noptr_kind(&w, a, b, NULL, true) != CH_KIND_GOGARBAGE ||
        go_noptr_kind(&w, a, b, &second, true) != CH_KIND_GOGARBAGE ||
        go_noptr_kind(&w, a, b, &first, true) != CH_KIND_REACHABLE) {
        printf("FAIL a root word Go's collector skips reached a Go object, or a C block "
               "was lost\n");
        failures++;
    }
    return failures;
}

static int case_zero_size_and_holes(void)
{
    world w;
    world_init(&w);
    uint64_t z = block(&w, 0, 0), y = block(&w, 1, 0);
    put(&w.mem, ROOT, z);
    put(&w.mem, ROOT + 8, y + 1); /* one past a zero-size block points at nothing */
    /* A root region running into unmapped memory and a block that cannot be read. */
    w.blocks[w.prof.nblocks++] = (ch_block){.addr = 0x900000, .size = 64, .stack_id = 5};
    put(&w.mem, ROOT + 16, 0x900000);
    ch_region roots[2] = {{.start = ROOT, .end = ROOT + 8192},
                          {.start = 0x800000, .end = 0x801000}};
    ch_scan(&w.prof, roots, 2, NULL, 0, fake_read, &w.mem);
    expect(&w, z, CH_KIND_REACHABLE, "start pointer to a zero-size block");
    expect(&w, y, CH_KIND_DEFINITE, "pointer one past a zero-size block");
    expect(&w, 0x900000, CH_KIND_REACHABLE, "unreadable block still classified");
    return failures;
}

/*
 * The heap copy past a hole: a block running into an unreadable page keeps
 * the prefix before it, a block inside it has no bytes, a block after it is
 * read from its own start; a range over the copy's budget is left to
 * on-demand reads. The scan's kinds match the on-demand reads' answer.
 */
#define HOLEY 0x400000ull /* readable [HOLEY, +0x2000) and [+0x3000, +0x4000) */
static int check_copy(const ch_heap_copy *c, uint64_t addr, uint64_t size, int covered,
                      size_t want_len, const char *what)
{
    const uint8_t *p;
    size_t len = 0;
    int got = ch_heap_copy_get(c, addr, size, &p, &len);
    if (got != covered || (covered && len != want_len)) {
        printf("FAIL %s: covered %d len %zu, expected %d and %zu\n", what, got, len, covered,
               want_len);
        return 1;
    }
    return 0;
}

static int case_copy_holes(void)
{
    world w;
    world_init(&w);
    add_segment(&w.mem, HOLEY, 0x2000);
    add_segment(&w.mem, HOLEY + 0x3000, 0x1000);
    uint64_t p1 = HOLEY, p2 = HOLEY + 0x100, a = HOLEY + 0x1f00, h = HOLEY + 0x2800,
             b = HOLEY + 0x3100;
    uint64_t addrs[] = {p1, p2, a, h, b}, sizes[] = {64, 64, 0x200, 64, 64};
    for (int i = 0; i < 5; i++)
        w.blocks[w.prof.nblocks++] = (ch_block){.addr = addrs[i], .size = sizes[i]};
    put(&w.mem, ROOT, a);
    put(&w.mem, ROOT + 8, h);
    put(&w.mem, ROOT + 16, b);
    put(&w.mem, a + 0x80, p1); /* before the hole: seen */
    put(&w.mem, b + 8, p2);
    ch_block_index ix;
    ch_heap_copy c;
    if (ch_block_index_init(&ix, w.blocks, w.prof.nblocks) ||
        ch_heap_copy_init(&c, &ix, CH_COPY_MAX, fake_read, &w.mem))
        return 1;
    failures += check_copy(&c, a, 0x200, 1, 0x100, "block running into a hole");
    failures += check_copy(&c, h, 64, 1, 0, "block inside a hole");
    failures += check_copy(&c, b, 64, 1, 64, "block after a hole");
    failures += check_copy(&c, p1, 64, 1, 64, "block before a hole");
    failures += check_copy(&c, HOLEY + 0x10000, 8, 0, 0, "address outside every block range");
    ch_heap_copy_free(&c);
    if (ch_heap_copy_init(&c, &ix, 0x1000, fake_read, &w.mem))
        return 1;
    failures += check_copy(&c, p1, 64, 0, 0, "range over the copy's budget");
    ch_heap_copy_free(&c);
    ch_block_index_free(&ix);
    scan(&w);
    expect(&w, p1, CH_KIND_REACHABLE, "pointer before the hole");
    expect(&w, p2, CH_KIND_REACHABLE, "pointer in the block after the hole");
    expect(&w, h, CH_KIND_REACHABLE, "unreadable block still classified");
    return failures;
}

/*
 * A snapshot (ch_heap_copy_spans over the blocks and a root) answers for
 * the moment it was taken: the memory changed afterwards (the root now
 * points elsewhere, a block's pointer cleared) is not seen by a scan that
 * reads the copy. A read that starts outside the copy but runs into it is
 * a hole, one that touches no copied range a miss; ranges over the budget
 * are counted as left out.
 */
static long copy_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    return ch_heap_copy_read(ctx, addr, buf, len);
}

static int case_snapshot(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 64), b = block(&w, 1, 64), c = block(&w, 2, 64);
    put(&w.mem, ROOT + 8, a);
    put(&w.mem, a, b);
    ch_block_index ix;
    ch_heap_copy snap;
    if (ch_block_index_init(&ix, w.blocks, w.prof.nblocks))
        return 1;
    ch_block_span spans[4] = {{ROOT, ROOT + 4096}};
    const ch_copy_reader reader = {.read = fake_read, .ctx = &w.mem};
    for (size_t i = 0; i < ix.n; i++)
        spans[1 + i] = (ch_block_span){ix.blocks[i].addr, ch_block_end(&ix.blocks[i])};
    if (ch_heap_copy_spans(&snap, spans, 1 + ix.n, CH_COPY_MAX, NULL, &reader))
        return 1;
    ch_block_index_free(&ix);
    put(&w.mem, ROOT + 8, c); /* the program went on */
    put(&w.mem, a, 0);
    uint64_t word = 0;
    if (copy_read(&snap, ROOT + 8, &word, 8) != 8 || word != a)
        failures += printf("FAIL the copy holds the root as it was\n") > 0;
    if (ch_heap_copy_read(&snap, ROOT - 8, &word, 16) != -1)
        failures += printf("FAIL a read running into the copy is a hole\n") > 0;
    if (ch_heap_copy_read(&snap, 0x900000, &word, 8) != CH_COPY_MISS)
        failures += printf("FAIL a read outside the copy is a miss\n") > 0;
    ch_region root = {.start = ROOT, .end = ROOT + 4096, .name = "root"};
    ch_scan_extra x = {.copy = &snap};
    if (ch_scan_ex(&w.prof, &root, 1, NULL, 0, NULL, 0, &x, copy_read, &snap))
        return 1;
    expect(&w, a, CH_KIND_REACHABLE, "held by the root at the snapshot");
    expect(&w, b, CH_KIND_REACHABLE, "held through it at the snapshot");
    expect(&w, c, CH_KIND_DEFINITE, "held only after the snapshot");
    ch_heap_copy_free(&snap);
    if (ch_heap_copy_spans(&snap, spans, 2, 4096, NULL, &reader))
        return 1;
    if (snap.left_out != 64 || snap.bytes != 4096)
        failures += printf("FAIL left out %llu, copied %llu\n", (unsigned long long)snap.left_out,
                           (unsigned long long)snap.bytes) > 0;
    ch_heap_copy_free(&snap);
    return failures;
}

/* The bucket directory over a span as wide as the address space: every
 * block is still found, at its start and inside, and nothing between. */
/*
 * A copy read in batches: every planned range goes to read_many in one
 * call; only a range it could not read whole (one running into a hole) is
 * read again range by range, past the hole as without batches. A kept
 * buffer reserved beforehand is the one the copy fills, and growing it
 * keeps its pages (their bytes are still there).
 */
static int many_calls, single_calls;

static long counted_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    single_calls++;
    return fake_read(ctx, addr, buf, len);
}

static void fake_read_many(void *ctx, ch_read_req *q, size_t n)
{
    many_calls++;
    for (size_t i = 0; i < n; i++)
        q[i].ok = fake_read(ctx, q[i].addr, q[i].buf, q[i].len) == (long)q[i].len;
}

static int case_copy_batched(void)
{
    world w;
    world_init(&w);
    add_segment(&w.mem, HOLEY, 0x2000);
    add_segment(&w.mem, HOLEY + 0x3000, 0x1000);
    /* Three ranges further apart than CH_COPY_GAP, and one over the hole. */
    uint64_t addrs[] = {HEAP, HEAP + 0x10000, HEAP + 0x20000, HOLEY + 0x1f00, HOLEY + 0x3100};
    uint64_t sizes[] = {64, 64, 64, 0x200, 64};
    for (int i = 0; i < 5; i++) {
        w.blocks[w.prof.nblocks++] = (ch_block){.addr = addrs[i], .size = sizes[i]};
        put(&w.mem, addrs[i], 0x1111 * (uint64_t)(i + 1));
    }
    ch_block_index ix;
    ch_heap_copy c;
    ch_copy_buf keep = {0};
    const ch_copy_reader r = {counted_read, &w.mem, fake_read_many, &w.mem};
    if (ch_block_index_init(&ix, w.blocks, w.prof.nblocks) || ch_copy_buf_reserve(&keep, 1 << 20))
        return 1;
    uint8_t *reserved = keep.p;
    uint64_t cap = keep.cap;
    ch_block_span spans[5];
    for (size_t i = 0; i < ix.n; i++)
        spans[i] = (ch_block_span){ix.blocks[i].addr, ch_block_end(&ix.blocks[i])};
    if (ch_heap_copy_spans(&c, spans, ix.n, CH_COPY_MAX, &keep, &r))
        return 1;
    if (c.nplanned != 4 || c.n_many != 3 || many_calls != 1 || single_calls != 2)
        failures += printf("FAIL %zu ranges, %llu read whole in %d batches, %d single reads "
                           "(expected 4, 3 in 1, 2: the hole's range alone)\n",
                           c.nplanned, (unsigned long long)c.n_many, many_calls, single_calls) > 0;
    for (int i = 0; i < 5; i++) {
        uint64_t word = 0;
        if (i != 3 &&
            (ch_heap_copy_read(&c, addrs[i], &word, 8) != 8 || word != 0x1111 * (uint64_t)(i + 1)))
            failures +=
                printf("FAIL block %d's first word: %llx\n", i, (unsigned long long)word) > 0;
    }
    failures += check_copy(&c, addrs[3], 0x200, 1, 0x100, "block running into a hole");
    if (c.buf != reserved || keep.p != reserved || keep.cap != cap)
        failures += printf("FAIL the copy did not fill the reserved buffer\n") > 0;
    ch_heap_copy_free(&c);
    ch_block_index_free(&ix);
    reserved[4100] = 0x5a;
    ch_copy_buf_idle(&keep);
    reserved[4100] = 0x5b; /* a write keeps a page given back lazily */
    if (ch_copy_buf_reserve(&keep, 64 << 20) || keep.cap < (64 << 20) || keep.p[4100] != 0x5b)
        failures += printf("FAIL the grown buffer lost its pages\n") > 0;
    ch_copy_buf_free(&keep);
    return failures;
}

static int case_sparse_index(void)
{
    ch_block b[6];
    uint64_t at[6] = {0x1000,
                      0x1040,
                      0x7f0000000000ull,
                      0x7f0000000100ull,
                      UINT64_MAX - 0x2000,
                      UINT64_MAX - 0x1000};
    for (int i = 0; i < 6; i++)
        b[i] = (ch_block){.addr = at[5 - i], .size = 0x20}; /* reversed: init sorts them */
    ch_block_index ix;
    if (ch_block_index_init(&ix, b, 6))
        return 1;
    for (int i = 0; i < 6; i++) {
        int start = 0;
        if (ch_block_index_find(&ix, at[i], &start) != i || !start ||
            ch_block_index_find(&ix, at[i] + 8, &start) != i || start ||
            ch_block_index_find(&ix, at[i] + 0x20, &start) != -1) {
            printf("FAIL block %d at 0x%llx not found as expected\n", i, (unsigned long long)at[i]);
            failures++;
        }
    }
    ch_block_index_free(&ix);
    return failures;
}

/*
 * The C heap lies in runs far apart (brk heap, mmap'd blocks near the
 * libraries): 100,000 blocks in one run and 4 about 2^47 bytes away. Each
 * lookup must search a bucket of a few blocks, not the whole run (one
 * directory over the whole span put all 100,000 in one bucket).
 */
static int case_far_index(void)
{
    enum { NEAR = 100000, FAR = 4 };
    ch_block *b = calloc(NEAR + FAR, sizeof *b);
    for (size_t i = 0; i < NEAR; i++)
        b[i] = (ch_block){.addr = 0x10000000ull + i * 48, .size = 40};
    for (size_t i = 0; i < FAR; i++)
        b[NEAR + i] = (ch_block){.addr = 0x7f0000000000ull + i * 0x40000, .size = 0x30000};
    ch_block_index ix;
    if (ch_block_index_init(&ix, b, NEAR + FAR))
        return 1;
    size_t widest = 0;
    for (size_t i = 0; i < NEAR + FAR; i++) {
        int start = 0;
        uint64_t inner = b[i].addr + b[i].size / 2;
        const uint32_t *d = ch_block_index_bucket(&ix, inner);
        if (d && d[1] - d[0] > widest)
            widest = d[1] - d[0];
        if (ch_block_index_find(&ix, b[i].addr, &start) != (long)i || !start ||
            ch_block_index_find(&ix, inner, &start) != (long)i || start)
            failures += printf("FAIL block %zu not found\n", i) > 0;
    }
    if (ch_block_index_find(&ix, 0x10000000ull + NEAR * 48 + (1ull << 30), &(int){0}) != -1 ||
        ch_block_index_bucket(&ix, 0x400000000000ull) != NULL)
        failures += printf("FAIL an address between the runs found a bucket\n") > 0;
    if (widest > 4)
        failures += printf("FAIL a lookup searches a bucket of %zu blocks\n", widest) > 0;
    printf("far_index: widest bucket %zu blocks, %zu segments\n", widest, ix.nsegs);
    ch_block_index_free(&ix);
    free(b);
    return failures;
}

/* glibc keeps pointers to the chunk after a block (top chunk, free bins) in
 * libc's data: they must not make the block "possibly lost". */
static int case_glibc_chunk(void)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 24), b = block(&w, 1, 40);
    put(&w.mem, ROOT, a + 16);    /* next chunk header of a 24-byte block (chunk 32) */
    put(&w.mem, ROOT + 8, b + 8); /* a real interior pointer */
    scan(&w);
    expect(&w, a, CH_KIND_DEFINITE, "pointer to the next glibc chunk header");
    expect(&w, b, CH_KIND_POSSIBLE, "interior pointer");
    return failures;
}

/* ---- valgrind's leak-check heuristics: each one positive, one negative ---- */
#define VTABLES 0x200000ull /* a read-only file mapping holding vtables */
#define CODE 0x300000ull    /* an executable file mapping */

static const ch_mapping test_maps[] = {
    {.start = ROOT, .end = ROOT + 4096, .flags = CH_MAP_READ | CH_MAP_WRITE},
    {.start = HEAP, .end = HEAP + (1 << 20), .flags = CH_MAP_READ | CH_MAP_WRITE},
    {.start = VTABLES, .end = VTABLES + 4096, .flags = CH_MAP_READ | CH_MAP_FILE},
    {.start = CODE, .end = CODE + 4096, .flags = CH_MAP_READ | CH_MAP_EXEC | CH_MAP_FILE},
};

static void scan_mapped(world *w, const ch_mapping *maps, size_t nmaps)
{
    ch_region root = {.start = ROOT, .end = ROOT + 4096, .name = "root"};
    if (ch_scan_mapped(&w->prof, &root, 1, NULL, 0, maps, nmaps, fake_read, &w->mem)) {
        printf("FAIL ch_scan_mapped returned an error\n");
        exit(1);
    }
}

/* Checks which heuristic, if any, recognises ptr as a pointer into the block. */
static void expect_heur(world *w, uint64_t ptr, uint64_t addr, uint64_t size, ch_heuristic want,
                        const char *what)
{
    ch_heur_env env = {.read = fake_read, .ctx = &w->mem, .maps = test_maps, .nmaps = 4};
    ch_heuristic got = ch_heuristic_reachedness(&env, ptr, addr, size);
    if (got != want) {
        printf("FAIL %s: heuristic %d, expected %d\n", what, (int)got, (int)want);
        failures++;
    }
}

/* Interior pointers into one block: valgrind's heuristics look at the
 * block's first words, which are read once per block, not once per pointer
 * (gawk's nodes are interior pointers into big blocks: a read each made its
 * scan 1.1 s). Reads with 200 interior pointers against 1. */
static int heur_reads(int pointers)
{
    world w;
    world_init(&w);
    uint64_t a = block(&w, 0, 0x800);
    put(&w.mem, a, 0x4000); /* no vtable, no length: every heuristic says no */
    for (int k = 0; k < pointers; k++)
        put(&w.mem, ROOT + 8 * (uint64_t)k, a + 16 + 8 * (uint64_t)k);
    ch_region root = {.start = ROOT, .end = ROOT + 4096, .name = "root"};
    single_calls = 0;
    if (ch_scan_mapped(&w.prof, &root, 1, NULL, 0, test_maps, 4, counted_read, &w.mem))
        return -1;
    expect(&w, a, CH_KIND_POSSIBLE, "interior pointers only");
    return single_calls;
}

static int case_heur_reads_once(void)
{
    int one = heur_reads(1), many = heur_reads(200);
    if (one < 0 || many < 0 || many > one + 2)
        failures += printf("FAIL %d reads with 200 interior pointers, %d with 1\n", many, one) > 0;
    printf("heur_reads_once: %d reads with 1 interior pointer, %d with 200\n", one, many);
    return failures;
}

/* Each heuristic case builds two blocks: `yes` matches, `no` misses by one
 * condition. Both are reached only through an interior pointer from a root. */
static int case_heur_stdstring(void)
{
    world w;
    world_init(&w);
    /* length, capacity, refcount, then capacity + 1 chars */
    uint64_t yes = block(&w, 0, 3 * 8 + 10 + 1), no = block(&w, 1, 3 * 8 + 10 + 1);
    put(&w.mem, yes, 5);
    put(&w.mem, yes + 8, 10);
    put(&w.mem, no, 11); /* length > capacity */
    put(&w.mem, no + 8, 10);
    put(&w.mem, ROOT, yes + 24);
    put(&w.mem, ROOT + 8, no + 24);
    scan_mapped(&w, test_maps, 4);
    expect(&w, yes, CH_KIND_REACHABLE, "stdstring layout");
    expect(&w, no, CH_KIND_POSSIBLE, "stdstring with length > capacity");
    expect_heur(&w, yes + 24, yes, 35, CH_HEUR_STDSTRING, "stdstring is named");
    return failures;
}

static int case_heur_length64(void)
{
    world w;
    world_init(&w);
    /* 40 bytes = an 8-byte length of the 32 that follow. (newarray would match
     * this too -- 32 % 32 == 0 -- but length64 comes first.) */
    uint64_t yes = block(&w, 0, 40), no = block(&w, 1, 40);
    put(&w.mem, yes, 32);
    put(&w.mem, no, 31); /* neither the rest's length nor a divisor of it */
    put(&w.mem, ROOT, yes + 8);
    put(&w.mem, ROOT + 8, no + 8);
    scan_mapped(&w, test_maps, 4);
    expect(&w, yes, CH_KIND_REACHABLE, "length64 layout");
    expect(&w, no, CH_KIND_POSSIBLE, "length64 with a wrong length");
    expect_heur(&w, yes + 8, yes, 40, CH_HEUR_LENGTH64, "length64 is named");
    return failures;
}

static int case_heur_newarray(void)
{
    world w;
    world_init(&w);
    uint64_t yes = block(&w, 0, 8 + 4 * 8), no = block(&w, 1, 8 + 4 * 8);
    uint64_t zero = block(&w, 2, 8 + 4 * 8), far = block(&w, 3, 8 + 4 * 8);
    put(&w.mem, yes, 4); /* 4 elements of 8 bytes */
    put(&w.mem, no, 5);  /* 32 bytes are no whole number of 5 elements */
    put(&w.mem, far, 4);
    put(&w.mem, ROOT, yes + 8);
    put(&w.mem, ROOT + 8, no + 8);
    put(&w.mem, ROOT + 16, zero + 8); /* a count of 0 is no array */
    put(&w.mem, ROOT + 24, far + 16); /* only the word after the count counts */
    /* A heuristic match from a possibly-reached block only makes it possible. */
    uint64_t via_possible = block(&w, 4, 8 + 4 * 8), holder = block(&w, 5, 64);
    put(&w.mem, via_possible, 4);
    put(&w.mem, holder + 8, via_possible + 8);
    put(&w.mem, ROOT + 32, holder + 16);
    scan_mapped(&w, test_maps, 4);
    expect(&w, yes, CH_KIND_REACHABLE, "newarray layout");
    expect(&w, no, CH_KIND_POSSIBLE, "newarray count not dividing the rest");
    expect(&w, zero, CH_KIND_POSSIBLE, "newarray count of 0");
    expect(&w, far, CH_KIND_POSSIBLE, "newarray pointer past the first element");
    expect(&w, via_possible, CH_KIND_POSSIBLE, "newarray pointer from a possible block");
    expect_heur(&w, yes + 8, yes, 40, CH_HEUR_NEWARRAY, "newarray is named");
    return failures;
}

/* A vtable at `at` whose first two non-null entries are `f1` and `f2`. */
static void vtable(world *w, uint64_t at, uint64_t f1, uint64_t f2)
{
    put(&w->mem, at, 0); /* null entries are skipped */
    put(&w->mem, at + 8, f1);
    put(&w->mem, at + 16, f2);
}

static int case_heur_multipleinheritance(void)
{
    world w;
    world_init(&w);
    add_segment(&w.mem, VTABLES, 4096);
    vtable(&w, VTABLES + 0x100, CODE + 0x10, CODE + 0x40);  /* the first base's */
    vtable(&w, VTABLES + 0x200, CODE + 0x80, CODE + 0xc0);  /* the second base's */
    vtable(&w, VTABLES + 0x300, CODE + 0x80, HEAP + 0x800); /* a data pointer: no vtable */
    /* Objects of 32 bytes: vptr, a field, the second base's vptr, a field. */
    uint64_t yes = block(&w, 0, 32), no = block(&w, 1, 32), novptr = block(&w, 2, 32);
    put(&w.mem, yes, VTABLES + 0x100);
    put(&w.mem, yes + 16, VTABLES + 0x200);
    put(&w.mem, no, VTABLES + 0x100);
    put(&w.mem, no + 16, VTABLES + 0x300);
    put(&w.mem, ROOT, yes + 16);
    put(&w.mem, ROOT + 8, no + 16);
    put(&w.mem, novptr, HEAP + 0x900); /* the first word must be a vtable pointer too */
    put(&w.mem, novptr + 16, VTABLES + 0x200);
    put(&w.mem, ROOT + 16, novptr + 16);
    /* The same memory with the vtables in anonymous memory: not recognised. */
    ch_mapping anon[4];
    memcpy(anon, test_maps, sizeof anon);
    anon[2].flags &= ~CH_MAP_FILE;
    world w2 = w;
    scan_mapped(&w, test_maps, 4);
    expect(&w, yes, CH_KIND_REACHABLE, "multipleinheritance layout");
    expect(&w, no, CH_KIND_POSSIBLE, "multipleinheritance with a non-code vtable entry");
    expect(&w, novptr, CH_KIND_POSSIBLE, "multipleinheritance without a first vtable pointer");
    expect_heur(&w, yes + 16, yes, 32, CH_HEUR_MULTIPLEINHERITANCE, "multipleinheritance named");
    w2.prof.blocks = w2.blocks;
    scan_mapped(&w2, anon, 4);
    expect(&w2, yes, CH_KIND_POSSIBLE, "multipleinheritance with vtables in anonymous memory");
    return failures;
}

static int case_group(void)
{
    ch_block b[] = {
        {.addr = 0x1000, .size = 10, .stack_id = 2, .kind = CH_KIND_DEFINITE},
        {.addr = 0x2000, .size = 10, .stack_id = 2, .kind = CH_KIND_DEFINITE},
        {.addr = 0x3000, .size = 20, .stack_id = 2, .kind = CH_KIND_REACHABLE},
        {.addr = 0x4000, .size = 20, .stack_id = 1, .kind = CH_KIND_DEFINITE},
        {.addr = 0x5000, .size = 5, .stack_id = 999, .kind = CH_KIND_POSSIBLE},
        {.addr = 0x6000, .size = 100, .stack_id = 3, .kind = CH_KIND_INDIRECT},
    };
    ch_profile p = {.blocks = b, .nblocks = 6, .nstacks = 4};
    size_t n;
    ch_loss_record *r = ch_group(&p, &n);
    /* Expected: 100 (3,ind) ; then 20/2 blocks (2,def) before 20/1 (1,def) and
     * 20/1 (2,reach) ordered by stack id; then 5 (0,possible: bad id -> 0). */
    struct {
        uint32_t id;
        int kind;
        uint64_t bytes, blocks;
    } want[] = {
        {3, CH_KIND_INDIRECT, 100, 1}, {2, CH_KIND_DEFINITE, 20, 2}, {1, CH_KIND_DEFINITE, 20, 1},
        {2, CH_KIND_REACHABLE, 20, 1}, {0, CH_KIND_POSSIBLE, 5, 1},
    };
    if (!r || n != 5) {
        printf("FAIL group: %zu records, expected 5\n", n);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (r[i].stack_id != want[i].id || (int)r[i].kind != want[i].kind ||
            r[i].bytes != want[i].bytes || r[i].blocks != want[i].blocks) {
            printf("FAIL group: record %zu is stack %u %s %llu bytes/%llu blocks\n", i,
                   r[i].stack_id, kname(r[i].kind), (unsigned long long)r[i].bytes,
                   (unsigned long long)r[i].blocks);
            failures++;
        }
    free(r);
    ch_profile empty = {0};
    r = ch_group(&empty, &n);
    if (!r || n != 0) {
        printf("FAIL group of nothing\n");
        failures++;
    }
    free(r);
    return failures;
}

/* ---- the benchmark: 1M blocks of 1 KiB (1 GiB), generated on the fly ---- */
#define BENCH_N (1u << 20)
#define BENCH_SIZE 1024u
#define BENCH_BASE 0x10000000000ull
#define BENCH_ROOT 0x1000ull
#define CHAIN 1024u /* blocks per linked chain */

/* Block i's first word points to block i + 1 within its chain, its third word
 * holds a non-pointer; the root holds the head of every even chain. */
static long bench_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0, len);
    if (addr < BENCH_BASE) {
        for (uint64_t c = 0; c < BENCH_N / CHAIN; c += 2) {
            uint64_t at = BENCH_ROOT + c * 8;
            uint64_t head = BENCH_BASE + c * CHAIN * BENCH_SIZE;
            if (at >= addr && at + 8 <= addr + len)
                memcpy((char *)buf + (at - addr), &head, 8);
        }
        return (long)len;
    }
    uint64_t first = (addr - BENCH_BASE + BENCH_SIZE - 1) / BENCH_SIZE;
    for (uint64_t i = first; i < BENCH_N; i++) {
        uint64_t at = BENCH_BASE + i * BENCH_SIZE;
        if (at + 24 > addr + len)
            break;
        uint64_t next = (i + 1) % CHAIN ? at + BENCH_SIZE : 0, junk = 0x4141414141414141ull;
        memcpy((char *)buf + (at - addr), &next, 8);
        memcpy((char *)buf + (at - addr) + 16, &junk, 8);
    }
    return (long)len;
}

static int bench(void)
{
    ch_profile p = {.nblocks = BENCH_N, .nstacks = 1};
    p.blocks = calloc(BENCH_N, sizeof *p.blocks);
    for (uint64_t i = 0; i < BENCH_N; i++) /* reversed: the scan must sort */
        p.blocks[i] =
            (ch_block){.addr = BENCH_BASE + (BENCH_N - 1 - i) * BENCH_SIZE, .size = BENCH_SIZE};
    ch_region root = {.start = BENCH_ROOT, .end = BENCH_ROOT + 8192};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = ch_scan(&p, &root, 1, NULL, 0, bench_read, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t count[CH_KIND_COUNT] = {0};
    for (size_t i = 0; i < p.nblocks; i++)
        count[p.blocks[i].kind]++;
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bench: %u blocks, %u MiB scanned in %.2f s (reachable %zu, definite %zu, indirect "
           "%zu)\n",
           BENCH_N, (unsigned)((uint64_t)BENCH_N * BENCH_SIZE >> 20), s, count[CH_KIND_REACHABLE],
           count[CH_KIND_DEFINITE], count[CH_KIND_INDIRECT]);
    size_t chains = BENCH_N / CHAIN;
    int ok = rc == 0 && count[CH_KIND_REACHABLE] == chains / 2 * CHAIN &&
             count[CH_KIND_DEFINITE] == chains / 2 &&
             count[CH_KIND_INDIRECT] == chains / 2 * (CHAIN - 1);
    free(p.blocks);
    free(p.owned);
    return !ok;
}

/* ---- the tree benchmark: 2M small blocks linked in a shuffled order ----
 * The order in which the mark step meets blocks has nothing to do with
 * their addresses, as in a long-lived program's tree: what the exit path of
 * bench/workloads/tree.c costs, without the program. CPU time, so that a
 * busy machine disturbs the figure less. */
#define TREE_N 2000000u
#define TREE_STRIDE 48u /* glibc's chunk for a 40-byte block */
#define TREE_BASE 0x550000000000ull
#define TREE_ROOT 0x1000ull

typedef struct tree_mem {
    uint8_t *heap; /* TREE_N * TREE_STRIDE bytes at TREE_BASE */
    uint64_t root; /* the one root word, at TREE_ROOT */
} tree_mem;

static long tree_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const tree_mem *m = ctx;
    uint64_t heap_end = TREE_BASE + (uint64_t)TREE_N * TREE_STRIDE;
    if (addr == TREE_ROOT && len >= 8) {
        memset(buf, 0, len);
        memcpy(buf, &m->root, 8);
        return (long)len;
    }
    if (addr < TREE_BASE || addr >= heap_end)
        return -1;
    size_t n = addr + len > heap_end ? (size_t)(heap_end - addr) : len;
    memcpy(buf, m->heap + (addr - TREE_BASE), n);
    return (long)n;
}

/*
 * The shuffled tree of bench_tree in m (its root in m->root), built from a
 * seeded xorshift64 shuffle; p gets its blocks. Returns 0, or 1 if out of memory.
 */
static int build_tree(tree_mem *m, ch_profile *p)
{
    m->heap = calloc(TREE_N, TREE_STRIDE);
    uint32_t *order = malloc(TREE_N * sizeof *order);
    *p = (ch_profile){.nblocks = TREE_N, .nstacks = 1, .blocks = calloc(TREE_N, sizeof(ch_block))};
    if (!m->heap || !order || !p->blocks) {
        free(m->heap);
        free(order);
        free(p->blocks);
        return 1;
    }
    uint64_t x = 88172645463325252ull;
    for (uint32_t i = 0; i < TREE_N; i++)
        order[i] = i;
    for (uint32_t i = TREE_N; i > 1; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t j = (uint32_t)(x % i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (uint32_t k = 0; k < TREE_N; k++) {
        uint64_t kids[2] = {0, 0};
        for (unsigned c = 0; c < 2; c++)
            if (2 * (uint64_t)k + 1 + c < TREE_N)
                kids[c] = TREE_BASE + (uint64_t)order[2 * k + 1 + c] * TREE_STRIDE;
        memcpy(m->heap + (uint64_t)order[k] * TREE_STRIDE, kids, sizeof kids);
    }
    m->root = TREE_BASE + (uint64_t)order[0] * TREE_STRIDE;
    for (uint32_t i = 0; i < TREE_N; i++)
        p->blocks[i] = (ch_block){.addr = TREE_BASE + (uint64_t)i * TREE_STRIDE, .size = 40};
    free(order);
    return 0;
}

/* The blocks of build_tree's tree alone (its heap freed). Returns 0, or 1 if out of memory. */
static int tree_blocks(ch_profile *p)
{
    tree_mem m;
    if (build_tree(&m, p))
        return 1;
    free(m.heap);
    return 0;
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* A depth-first walk of the tree's own bytes: one dependent miss per block. */
static uint64_t walk_tree(const tree_mem *m, uint64_t *stack)
{
    size_t depth = 0;
    uint64_t sum = 0;
    stack[depth++] = m->root;
    while (depth) {
        uint64_t kids[2];
        memcpy(kids, m->heap + (stack[--depth] - TREE_BASE), sizeof kids);
        sum++;
        for (unsigned c = 0; c < 2; c++)
            if (kids[c])
                stack[depth++] = kids[c];
    }
    return sum;
}

/*
 * The mark step must not pay its misses one after another: the scan of the
 * shuffled tree (lookups, marks, and the copy and index it builds first)
 * within SCAN_PER_WALK times a plain depth-first walk of the same bytes,
 * the best of 3 of each, timed alternately so that a busy machine slows
 * both. Unpipelined it took 10-12.8x, pipelined 3.6-4.3x (gcc -O2, 3 runs
 * each on a shared 2-core host).
 */
#define SCAN_PER_WALK 7.0
static int bench_tree_pipelined(void)
{
    tree_mem m;
    ch_profile p;
    uint64_t *stack = malloc(TREE_N * sizeof *stack);
    if (!stack || build_tree(&m, &p)) {
        free(stack);
        return 1;
    }
    ch_region root = {.start = TREE_ROOT, .end = TREE_ROOT + 8};
    double best_walk = 1e9, best_scan = 1e9;
    int rc = 0;
    for (int round = 0; round < 3 && !rc; round++) {
        double t0 = cpu_seconds();
        rc |= walk_tree(&m, stack) != TREE_N;
        double t1 = cpu_seconds();
        rc |= ch_scan(&p, &root, 1, NULL, 0, tree_read, &m);
        double t2 = cpu_seconds();
        best_walk = t1 - t0 < best_walk ? t1 - t0 : best_walk;
        best_scan = t2 - t1 < best_scan ? t2 - t1 : best_scan;
    }
    printf("tree_pipelined: scan %.3f s, plain walk %.3f s: %.1fx (at most %.1fx)\n", best_scan,
           best_walk, best_scan / best_walk, SCAN_PER_WALK);
    free(m.heap);
    free(p.blocks);
    free(stack);
    return rc || best_scan > SCAN_PER_WALK * best_walk;
}

static long minor_faults(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt;
}

/*
 * The exit path sorts the blocks, then copies the heap: the copy writes
 * into the pages of the sort's buffer (common/big_alloc.h: the scratch
 * region), not into fresh ones the kernel must zero. The tree's 2M blocks
 * sorted (a 48 MB buffer), then a copy of its first 1M blocks (48 MB):
 * with fresh pages the copy took 23 faults in 2 MiB pages (11,719 in
 * 4 KiB pages), here at most COPY_FAULTS.
 */
#ifdef __SANITIZE_ADDRESS__
/* ASan's memcpy reads the destination's shadow, fresh pages of its own (744 faults for 48 MB):
 * the bound is the build's, not the copy's; the bytes are still checked. */
#define COPY_FAULTS_CHECKED 0
#else
#define COPY_FAULTS_CHECKED 1
#endif
#define COPY_FAULTS 4
/* The tree of build_tree, its blocks handed over out of order and sorted as the exit path sorts
 * them (the sort leaves its buffer as the scratch region). Returns 0, or 1 if out of memory. */
static int build_sorted_tree(tree_mem *m, ch_profile *p)
{
    if (build_tree(m, p))
        return 1;
    for (size_t i = 0, j = p->nblocks - 1; i < j; i++, j--) {
        ch_block t = p->blocks[i];
        p->blocks[i] = p->blocks[j];
        p->blocks[j] = t;
    }
    return ch_sort_blocks(p->blocks, p->nblocks) ? 1 : 0;
}

static int case_copy_after_sort(void)
{
    tree_mem m;
    ch_profile p;
    ch_block_index ix;
    ch_heap_copy c;
    if (build_sorted_tree(&m, &p) || ch_block_index_init(&ix, p.blocks, TREE_N / 2))
        return 1;
    long before = minor_faults();
    if (ch_heap_copy_init(&c, &ix, CH_COPY_MAX, tree_read, &m))
        return 1;
    long faults = minor_faults() - before;
    uint64_t want = (uint64_t)(TREE_N / 2 - 1) * TREE_STRIDE + 40;
    int bad = c.bytes != want || memcmp(c.buf, m.heap, want) != 0;
    printf("copy_after_sort: %llu bytes copied with %ld page faults (%s %d)%s\n",
           (unsigned long long)c.bytes, faults,
           COPY_FAULTS_CHECKED ? "at most" : "a sanitizer build: not bounded by", COPY_FAULTS,
           bad ? ": WRONG BYTES" : "");
    ch_heap_copy_free(&c);
    ch_block_index_free(&ix);
    free(m.heap);
    free(p.blocks);
    return bad || (COPY_FAULTS_CHECKED && faults > COPY_FAULTS);
}

/* Transparent huge pages for memory that asks for them ("always" or "madvise"). */
static int huge_pages_on(void)
{
    char line[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        fclose(f);
    }
    return strstr(line, "[always]") || strstr(line, "[madvise]");
}

/*
 * The index of the tree's 2M sorted blocks is built on the blocks
 * themselves, its bucket directory (6 MB) and the scan's states (2 MB) in
 * 2 MiB pages: a copy of every block's start and end took 32 MB of fresh
 * pages, and the directory and states 1,971 faults of 4 KiB pages. The faults of the
 * index and the states (ch_big_alloc, as the scan takes them), at most
 * INDEX_FAULTS. A sanitizer build's allocator and shadow have pages of their
 * own: the bound is checked outside one, the lookups in both.
 */
#define INDEX_FAULTS 16
static int case_index_pages(void)
{
    ch_profile p;
    if (tree_blocks(&p))
        return 1;
    long before = minor_faults();
    ch_block_index ix;
    uint8_t *state = ch_big_alloc(p.nblocks + 1);
    if (!state || ch_block_index_init(&ix, p.blocks, p.nblocks))
        return 1;
    memset(state, 0, p.nblocks + 1);
    long faults = minor_faults() - before;
    int bad = 0, at_start;
    for (size_t i = 0; i < p.nblocks; i += 999) {
        uint64_t a = p.blocks[i].addr;
        bad |= ch_block_index_find(&ix, a, &at_start) != (long)i || !at_start;
        bad |= ch_block_index_find(&ix, a + 39, &at_start) != (long)i || at_start;
        bad |= ch_block_index_find(&ix, a + 40, &at_start) != -1;
    }
    int bounded = COPY_FAULTS_CHECKED && huge_pages_on();
    printf("index_pages: %zu blocks indexed with %ld page faults (%s %d)%s\n", p.nblocks, faults,
           bounded ? "at most" : "no huge pages or a sanitizer build: not bounded by", INDEX_FAULTS,
           bad ? ": WRONG LOOKUPS" : "");
    ch_block_index_free(&ix);
    free(state);
    free(p.blocks);
    return bad || (bounded && faults > INDEX_FAULTS);
}

/*
 * The scan after the address sort, as at the exit: the blocks' followable
 * words (heap_words.h) go into the pages the sort's buffer left, where a
 * copy of the tree's 96 MB heap grew that 48 MB buffer by 24 fresh 2 MiB
 * pages. The whole scan's page faults (index and its starts, states, words,
 * marks), at most SCAN_FAULTS (19 before the starts' 3 MB, 24 with them);
 * every block reachable. Bounded outside a sanitizer build, as above.
 */
#define SCAN_FAULTS 28
static int case_scan_pages(void)
{
    tree_mem m;
    ch_profile p;
    if (build_sorted_tree(&m, &p))
        return 1;
    ch_region root = {.start = TREE_ROOT, .end = TREE_ROOT + 8};
    long before = minor_faults();
    int rc = ch_scan(&p, &root, 1, NULL, 0, tree_read, &m);
    long faults = minor_faults() - before;
    size_t reachable = 0;
    for (size_t i = 0; i < p.nblocks; i++)
        reachable += p.blocks[i].kind == CH_KIND_REACHABLE;
    int bounded = COPY_FAULTS_CHECKED && huge_pages_on();
    printf("scan_pages: %zu of %zu blocks reachable, scanned with %ld page faults (%s %d)\n",
           reachable, p.nblocks, faults,
           bounded ? "at most" : "no huge pages or a sanitizer build: not bounded by", SCAN_FAULTS);
    free(m.heap);
    free(p.blocks);
    free(p.owned);
    return rc || reachable != p.nblocks || (bounded && faults > SCAN_FAULTS);
}

/*
 * A start pointer is found by the index's starts alone (block_index.h): the
 * tree's 2M blocks indexed, then every block's start looked up with the
 * block entries and the bucket directory unreadable (a lookup that reads
 * either faults, and fails the case); interior pointers, searched in the
 * buckets, are checked once they are readable again.
 */
static sigjmp_buf lookup_fault;
static void on_lookup_fault(int sig)
{
    (void)sig;
    siglongjmp(lookup_fault, 1);
}

static int case_index_starts(void)
{
    ch_profile p;
    if (tree_blocks(&p))
        return 1;
    size_t bytes = ch_round_huge(p.nblocks * sizeof *p.blocks);
    ch_block *b = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ch_block_index ix;
    if (b == MAP_FAILED)
        return 1;
    memcpy(b, p.blocks, p.nblocks * sizeof *b);
    if (ch_block_index_init(&ix, b, p.nblocks))
        return 1;
    size_t dir_bytes = ch_round_huge((ix.nbuckets + 1) * sizeof *ix.dir);
    struct sigaction sa = {.sa_handler = on_lookup_fault}, old;
    sigaction(SIGSEGV, &sa, &old);
    volatile size_t found = 0;
    int bad = 0, at_start = 0;
    if (!sigsetjmp(lookup_fault, 1)) {
        mprotect(b, bytes, PROT_NONE);
        mprotect(ix.dir, dir_bytes, PROT_NONE);
        for (size_t i = 0; i < p.nblocks; i++, found++)
            bad |= ch_block_index_find(&ix, TREE_BASE + i * TREE_STRIDE, &at_start) != (long)i ||
                   !at_start;
    }
    mprotect(b, bytes, PROT_READ | PROT_WRITE);
    mprotect(ix.dir, dir_bytes, PROT_READ | PROT_WRITE);
    sigaction(SIGSEGV, &old, NULL);
    for (size_t i = 0; i < p.nblocks; i += 999) {
        uint64_t a = TREE_BASE + i * TREE_STRIDE;
        bad |= ch_block_index_find(&ix, a + 8, &at_start) != (long)i || at_start;
        bad |= ch_block_index_find(&ix, a + 40, &at_start) != -1;
    }
    printf("index_starts: %zu of %zu start pointers found without reading a block or a bucket%s\n",
           (size_t)found, p.nblocks, bad ? ": WRONG LOOKUPS" : "");
    ch_block_index_free(&ix);
    munmap(b, bytes);
    free(p.blocks);
    return bad || found != p.nblocks;
}

/*
 * The words of the sorted tree's blocks are looked up as they are kept, in
 * address order (heap_words.h): the mark step then searches the index only
 * for the root's word, where it searched once per pointer in the tree.
 */
static int case_mark_lookups(void)
{
    tree_mem m;
    ch_profile p;
    if (build_sorted_tree(&m, &p))
        return 1;
    ch_region root = {.start = TREE_ROOT, .end = TREE_ROOT + 8};
    ch_scan_stats st = {0};
    ch_scan_extra x = {.stats = &st};
    int rc = ch_scan_ex(&p, &root, 1, NULL, 0, NULL, 0, &x, tree_read, &m);
    size_t reachable = 0;
    for (size_t i = 0; i < p.nblocks; i++)
        reachable += p.blocks[i].kind == CH_KIND_REACHABLE;
    printf("mark_lookups: %zu of %zu blocks reachable, %llu words kept, %llu looked up while "
           "marking (want %u and 1)\n",
           reachable, p.nblocks, (unsigned long long)st.kept_words,
           (unsigned long long)st.mark_lookups, TREE_N - 1);
    free(m.heap);
    free(p.blocks);
    free(p.owned);
    return rc || reachable != p.nblocks || st.kept_words != TREE_N - 1 || st.mark_lookups != 1;
}

/*
 * A sampled run's scan (collect/roots.c: the untracked heap is a root): an
 * 8 MiB heap whose every word points into it, between a few sampled blocks
 * that only planted words reach. Only words into the blocks' pages are looked
 * up (block_pages.h), where each of the heap's words was, and the kinds are
 * those of the plants: a start pointer reaches, an interior one makes
 * possible, the rest are lost.
 */
#define SAMPLED_HEAP 0x7f0000000000ull
#define SAMPLED_BYTES (8u << 20)
#define SAMPLED_K 16
#define SAMPLED_GAP (SAMPLED_BYTES / SAMPLED_K) /* a block at the start of each 512 KiB */
/* Heap word k of sampled_lookups (mixed: of sampled_words), for a heap at base: into the heap but
 * never into a block's page, which are for the plants; mixed: about half null, a fifth into the
 * heap, the rest small numbers. */
static uint64_t sampled_word(uint64_t *x, uint64_t base, bool mixed)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    uint64_t to = (*x % SAMPLED_BYTES) & ~7ull, pick = (*x >> 40) % 100;
    if (to % SAMPLED_GAP < 4096)
        to += 4096;
    if (!mixed || (pick >= 46 && pick < 66))
        return base + to;
    return pick < 46 ? 0 : (*x >> 16) % 100000;
}

/* Scans sampled_lookups' heap (mixed: sampled_words') at base as a root: block 2i + 1 lost, block
 * 2i reached from the word 1 KiB past it, at its start for i even, inside it for i odd. Returns
 * the kinds wrong (-1: the scan failed), the lookups in st and the plants in *plants. */
static int sampled_scan(uint64_t base, bool mixed, ch_scan_stats *st, uint64_t *plants)
{
    fake_mem m = {0};
    uint8_t *heap = add_segment(&m, base, SAMPLED_BYTES);
    ch_block b[SAMPLED_K];
    for (int i = 0; i < SAMPLED_K; i++)
        b[i] = (ch_block){.addr = base + (uint64_t)i * SAMPLED_GAP + 64,
                          .size = 64,
                          .stack_id = 1,
                          .kind = CH_KIND_UNFREED};
    uint64_t x = 88172645463325252ull;
    for (uint64_t k = 0; k < SAMPLED_BYTES / 8; k++)
        memcpy(heap + k * 8, &(uint64_t){sampled_word(&x, base, mixed)}, 8);
    *plants = 0;
    for (int i = 0; i < SAMPLED_K; i += 2, ++*plants)
        memcpy(heap + (b[i].addr - base) + 1024, &(uint64_t){b[i].addr + (i % 4 ? 8 : 0)}, 8);
    ch_profile p = {.blocks = b, .nblocks = SAMPLED_K, .nstacks = 1};
    ch_region root = {.start = base, .end = base + SAMPLED_BYTES};
    ch_scan_extra ex = {.stats = st};
    int wrong = ch_scan_ex(&p, &root, 1, NULL, 0, NULL, 0, &ex, fake_read, &m) ? -1 : 0;
    for (int i = 0; i < SAMPLED_K && wrong >= 0; i++) {
        int off = (int)((b[i].addr - base) / SAMPLED_GAP);
        int want = off % 2 ? CH_KIND_DEFINITE : off % 4 ? CH_KIND_POSSIBLE : CH_KIND_REACHABLE;
        wrong += b[i].kind != want;
    }
    free(heap);
    free(p.owned);
    return wrong;
}

static int case_sampled_lookups(void)
{
    ch_scan_stats st = {0};
    uint64_t plants, nwords = SAMPLED_BYTES / 8;
    int wrong = sampled_scan(SAMPLED_HEAP, false, &st, &plants);
    /* What may pass besides the plants: a word into a page whose slot it shares (block_pages.h). */
    uint64_t bound = plants + nwords / 64;
    printf("sampled_lookups: %llu of %llu heap words looked up (at most %llu), %d kinds wrong\n",
           (unsigned long long)st.mark_lookups, (unsigned long long)nwords,
           (unsigned long long)bound, wrong);
    return wrong || st.mark_lookups > bound;
}

/*
 * A heap as a sampled run's scan meets it (the tree's and gawk's: about half the words null, a
 * fifth pointers into the heap, the rest small numbers), at an address whose pages do not share
 * the page filter's slot of page 0, so the filter alone drops the null and small words
 * (block_pages.h). The kinds are sampled_lookups', and only the plants are looked up;
 * tests/analyze/run.sh counts the word loop's instructions per word under callgrind.
 */
#define WORDS_HEAP 0x55555a3c1000ull
static int case_sampled_words(void)
{
    ch_scan_stats st = {0};
    uint64_t plants;
    int wrong = sampled_scan(WORDS_HEAP, true, &st, &plants);
    printf("sampled_words: %llu of %llu heap words looked up, %d kinds wrong\n",
           (unsigned long long)st.mark_lookups, (unsigned long long)SAMPLED_BYTES / 8, wrong);
    return wrong || st.mark_lookups != plants;
}

/* A block on a page at a multiple of 128 MiB (the page filter's 32 Ki slots from page 0) and one
 * 8 MiB above it: the filter still drops the small words, the blocks' pages still pass. */
static bool block_pages_small(void)
{
    ch_block b[2] = {{.addr = (1ull << 27) + 16, .size = 40},
                     {.addr = (1ull << 27) + (8 << 20), .size = 8}};
    ch_block_index ix;
    ch_block_pages bp;
    if (ch_block_index_init(&ix, b, 2))
        return false;
    ch_block_pages_init(&bp, &ix);
    bool ok = ch_block_pages_drops_small(&bp) && !ch_block_pages_may_hold(&bp, 0) &&
              ch_block_pages_may_hold(&bp, b[0].addr) && ch_block_pages_may_hold(&bp, b[1].addr);
    ch_block_pages_free(&bp);
    ch_block_index_free(&ix);
    return ok;
}

/* Every page of every block passes the filter, in segments far apart and across a block of
 * many pages; most other pages do not. */
static int case_block_pages(void)
{
    enum { N = 3000 };
    ch_block *b = calloc(N, sizeof *b);
    for (size_t i = 0; i < N; i++) /* three runs, 2^40 bytes apart, one block per 64 KiB */
        b[i] = (ch_block){.addr = ((i % 3 + 1) << 40) + (i / 3) * 65536 + 16, .size = 40};
    b[N - 1].size = 1 << 20; /* the last run's last block: 257 pages */
    ch_block_index ix;
    ch_block_pages bp;
    if (!b || ch_block_index_init(&ix, b, N))
        return 1;
    ch_block_pages_init(&bp, &ix);
    size_t missed = 0, passed = 0, others = 0;
    for (size_t i = 0; i < N; i++) {
        uint64_t end = ch_block_end(&b[i]);
        for (uint64_t a = b[i].addr & ~4095ull; a < end; a += 4096)
            missed += !ch_block_pages_may_hold(&bp, a) + !ch_block_pages_may_hold(&bp, a + 4095);
        for (uint64_t a = (b[i].addr | 4095) + 1; a < (b[i].addr | 65535) && a > end; a += 4096)
            passed += ch_block_pages_may_hold(&bp, a), others++;
    }
    bool small = block_pages_small();
    printf("block_pages: %zu pages of blocks missed, %zu of %zu other pages passed, small words "
           "%s\n",
           missed, passed, others, small ? "dropped" : "passed");
    ch_block_pages_free(&bp);
    ch_block_index_free(&ix);
    free(b);
    return missed || passed * 8 > others || !small;
}

static int bench_tree(void)
{
    tree_mem m;
    ch_profile p;
    if (build_tree(&m, &p))
        return 1;
    ch_region root = {.start = TREE_ROOT, .end = TREE_ROOT + 8};
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    int rc = ch_scan(&p, &root, 1, NULL, 0, tree_read, &m);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    size_t reachable = 0;
    for (size_t i = 0; i < p.nblocks; i++)
        reachable += p.blocks[i].kind == CH_KIND_REACHABLE;
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bench_tree: %u blocks in shuffled tree order scanned in %.2f s CPU (reachable %zu)\n",
           TREE_N, s, reachable);
    free(m.heap);
    free(p.blocks);
    free(p.owned);
    return rc != 0 || reachable != TREE_N;
}

/*
 * The index's passes over the blocks, counted: one page of the blocks'
 * array readable at a time, each move to another page a fault that opens it
 * and closes the last; a move back by more than a page starts another pass
 * (a step back to the page before is a block read across a page's end).
 * Sorted blocks (as collect hands them over) are checked for order, their
 * end, spacing and segments in one pass, and the bucket directory and the
 * starts' bits built in another: at most INDEX_PASSES, where each step was
 * a pass of its own (six).
 */
#define INDEX_PASSES 2
#define PASS_BLOCKS (1u << 18)
static uint8_t *pass_base, *pass_open;
static size_t pass_bytes;
static volatile size_t pass_count;
static void on_pass_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    uint8_t *a = si->si_addr;
    if (a < pass_base || a >= pass_base + pass_bytes) {
        signal(sig, SIG_DFL); /* not ours: fault again, and die of it */
        return;
    }
    uint8_t *page = pass_base + ((size_t)(a - pass_base) & ~(size_t)4095);
    if (!pass_open || page + 4096 < pass_open)
        pass_count++;
    if (pass_open)
        mprotect(pass_open, 4096, PROT_NONE);
    pass_open = page;
    mprotect(pass_open, 4096, PROT_READ | PROT_WRITE);
}

static int case_index_passes(void)
{
    ch_profile p;
    if (tree_blocks(&p))
        return 1;
    pass_bytes = (PASS_BLOCKS * sizeof(ch_block) + 4095) & ~(size_t)4095;
    ch_block *b =
        mmap(NULL, pass_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        return 1;
    memcpy(b, p.blocks, PASS_BLOCKS * sizeof *b);
    free(p.blocks);
    pass_base = (uint8_t *)b;
    struct sigaction sa = {.sa_sigaction = on_pass_fault, .sa_flags = SA_SIGINFO}, old;
    sigaction(SIGSEGV, &sa, &old);
    mprotect(b, pass_bytes, PROT_NONE);
    ch_block_index ix;
    int rc = ch_block_index_init(&ix, b, PASS_BLOCKS);
    mprotect(b, pass_bytes, PROT_READ | PROT_WRITE);
    sigaction(SIGSEGV, &old, NULL);
    int bad = rc != 0, at_start;
    for (size_t i = 0; !bad && i < PASS_BLOCKS; i += 97)
        bad |= ch_block_index_find(&ix, b[i].addr, &at_start) != (long)i || !at_start ||
               ch_block_index_find(&ix, b[i].addr + 8, &at_start) != (long)i || at_start;
    size_t passes = pass_count;
    printf("index_passes: %u blocks indexed in %zu passes over them (at most %d)%s\n", PASS_BLOCKS,
           passes, INDEX_PASSES, bad ? ": WRONG LOOKUPS" : "");
    if (!rc)
        ch_block_index_free(&ix);
    munmap(b, pass_bytes);
    return bad || passes > INDEX_PASSES;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } cases[] = {
        {"start_pointer", case_start_pointer},
        {"interior", case_interior},
        {"upgrade", case_upgrade},
        {"cycle", case_cycle},
        {"tree", case_tree},
        {"chain", case_chain},
        {"block_bytes", case_block_bytes_not_root},
        {"registers", case_registers},
        {"go_noptr", case_go_noptr},
        {"zero_size_holes", case_zero_size_and_holes},
        {"group", case_group},
        {"glibc_chunk", case_glibc_chunk},
        {"copy_holes", case_copy_holes},
        {"snapshot", case_snapshot},
        {"copy_batched", case_copy_batched},
        {"sparse_index", case_sparse_index},
        {"far_index", case_far_index},
        {"heur_stdstring", case_heur_stdstring},
        {"heur_length64", case_heur_length64},
        {"heur_newarray", case_heur_newarray},
        {"heur_multipleinheritance", case_heur_multipleinheritance},
        {"heur_reads_once", case_heur_reads_once},
        {"bench", bench},
        {"copy_after_sort", case_copy_after_sort},
        {"index_pages", case_index_pages},
        {"scan_pages", case_scan_pages},
        {"index_starts", case_index_starts},
        {"index_passes", case_index_passes},
        {"mark_lookups", case_mark_lookups},
        {"sampled_lookups", case_sampled_lookups},
        {"sampled_words", case_sampled_words},
        {"block_pages", case_block_pages},
        {"bench_tree", bench_tree},
        {"tree_pipelined", bench_tree_pipelined},
    };
    for (size_t i = 0; argc > 1 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name))
            return cases[i].fn() ? 1 : 0;
    fprintf(stderr, "usage: scan_test CASE\n");
    return 2;
}

/*
 * Unit tests of the Go-runtime roots (src/collect/go*.c) on a synthetic
 * target: a fake memory holding mheap_.allspans, spans and goroutines laid
 * out as a fake DWARF layout says, read through a fake read callback.
 *   goroots_test ranges          interval arithmetic
 *   goroots_test runtime         dead ranges from spans and goroutines
 *   goroots_test hostile         huge counts, bad spans and stacks fail cleanly
 *   goroots_test layout FILE GO  layout of FILE; GO=1 if it must be found
 */
#include "collect/golayout.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* The fake target: one buffer mapped at BASE. */
#define BASE 0x10000000ull
#define MEMSZ (1u << 20)
static unsigned char mem[MEMSZ];

static long fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    if (addr < BASE || addr - BASE >= MEMSZ)
        return -1;
    size_t n = MEMSZ - (addr - BASE) < len ? MEMSZ - (addr - BASE) : len;
    memcpy(buf, mem + (addr - BASE), n);
    return (long)n;
}

static void put64(uint64_t addr, uint64_t v)
{
    memcpy(mem + (addr - BASE), &v, 8);
}
static void put32(uint64_t addr, uint32_t v)
{
    memcpy(mem + (addr - BASE), &v, 4);
}

/* A layout with small made-up offsets (the real ones come from DWARF). */
static const ch_go_layout layout = {
    .mheap_addr = BASE + 0x100,
    .allgs_addr = BASE + 0x200,
    .allspans = 0x10,
    .span_start = 0x18,
    .span_npages = 0x20,
    .span_state = 0x28,
    .span_read = 0x30,
    .g_lo = 0x0,
    .g_hi = 0x8,
    .g_sp = 0x38,
    .g_status = 0x90,
    .g_read = 0xa0,
    .allarenas = CH_GO_NO_MEMBER,
};

#define SPANS (BASE + 0x1000) /* the []*mspan array */
#define SPAN(i) (BASE + 0x2000 + 0x40 * (i))
#define GS (BASE + 0x3000) /* the []*g array */
#define G(i) (BASE + 0x4000 + 0x100 * (i))
#define PG 8192ull
#define HEAP 0xc000000000ull

static void set_span(int i, uint64_t start, uint64_t npages, unsigned state)
{
    put64(SPANS + 8 * i, SPAN(i));
    put64(SPAN(i) + layout.span_start, start);
    put64(SPAN(i) + layout.span_npages, npages);
    mem[SPAN(i) + layout.span_state - BASE] = (unsigned char)state;
}

static void set_g(int i, uint64_t lo, uint64_t hi, uint64_t sp, uint32_t status)
{
    put64(GS + 8 * i, G(i));
    put64(G(i) + layout.g_lo, lo);
    put64(G(i) + layout.g_hi, hi);
    put64(G(i) + layout.g_sp, sp);
    put32(G(i) + layout.g_status, status);
}

static void set_slices(uint64_t nspans, uint64_t ngs)
{
    put64(layout.mheap_addr + layout.allspans, SPANS);
    put64(layout.mheap_addr + layout.allspans + 8, nspans);
    put64(layout.mheap_addr + layout.allspans + 16, nspans);
    put64(layout.allgs_addr, GS);
    put64(layout.allgs_addr + 8, ngs);
    put64(layout.allgs_addr + 16, ngs);
}

/* Spans: [0,4) in use, [4,8) stacks, [8,12) freed, [12,16) stacks (the
 * main thread's signal stack); a freed record of [2,6) overlaps live ones. */
static void build_target(void)
{
    memset(mem, 0, sizeof mem);
    set_span(0, HEAP, 4, 1);
    set_span(1, HEAP + 4 * PG, 4, 2);
    set_span(2, HEAP + 8 * PG, 4, 0);
    set_span(3, HEAP + 2 * PG, 4, 0);
    set_span(4, 0, 0, 0); /* a cleared record awaiting reuse */
    set_span(5, HEAP + 12 * PG, 4, 2);
    uint64_t s = HEAP + 4 * PG;                      /* four 8 KiB stacks in the stack span */
    set_g(0, s, s + PG, s + 0x1800, 4);              /* waiting: [sp, hi) */
    set_g(1, s + PG, s + 2 * PG, s + PG + 0x100, 2); /* running: whole */
    set_g(2, s + 2 * PG, s + 3 * PG, s + 2 * PG + 0x400, 6);      /* dead: nothing */
    set_g(3, s + 3 * PG, s + 4 * PG, s + 3 * PG + 0x200, 0x1004); /* scan|waiting */
    set_slices(6, 4);
}

static int dead_ranges_sps(uint64_t main_sp, const uint64_t *sps, size_t nsps, ch_range_list *dead,
                           char *err)
{
    memset(dead, 0, sizeof *dead);
    ch_go_threads t = {.main_sp = main_sp, .sps = sps, .nsps = nsps};
    return ch_go_dead_ranges(&layout, 0, &t, fake_read, NULL, dead, err, 160);
}

static int dead_ranges(uint64_t main_sp, ch_range_list *dead, char *err)
{
    return dead_ranges_sps(main_sp, NULL, 0, dead, err);
}

/* The heap arena (mheap_.allArenas) holding HEAP: every page of it that no
 * in-use span or live stack keeps is dead, also those of a freed span whose
 * record describes another span since. */
static void test_arenas(void)
{
    build_target();
    ch_go_layout L = layout;
    L.allarenas = 0x30;
    const uint64_t arenas = BASE + 0x800, idx = (HEAP + 0x800000000000ull) >> 26;
    put64(L.mheap_addr + L.allarenas, arenas);
    put64(L.mheap_addr + L.allarenas + 8, 1);
    put64(L.mheap_addr + L.allarenas + 16, 1);
    put64(arenas, idx);
    ch_range_list d = {0};
    char err[160] = "";
    uint64_t s = HEAP + 4 * PG;
    ch_go_threads t = {.main_sp = s + 3 * PG + 0x1000};
    CHECK(ch_go_dead_ranges(&L, 0, &t, fake_read, NULL, &d, err, sizeof err) == 0);
    const ch_range want[] = {
        {s, s + 0x1800}, {s + 2 * PG, s + 3 * PG + 0x1000}, {HEAP + 8 * PG, HEAP + (64u << 20)}};
    CHECK(d.n == 3);
    for (size_t i = 0; i < 3 && i < d.n; i++)
        CHECK(d.v[i].start == want[i].start && d.v[i].end == want[i].end);
    free(d.v);
    d = (ch_range_list){0};
    put64(arenas, 1); /* an arena in the kernel's half */
    CHECK(ch_go_dead_ranges(&L, 0, &t, fake_read, NULL, &d, err, sizeof err) == -1 && err[0]);
    free(d.v);
    printf("arenas: %s\n", fails ? "failed" : "ok");
}

/* Other threads' stack pointers: one on the running goroutine 1 cuts its
 * stack there (it was kept whole); one on the signal stack span keeps what
 * lies above it. */
static void test_thread_sps(void)
{
    build_target();
    ch_range_list d;
    char err[160] = "";
    uint64_t s = HEAP + 4 * PG, main_sp = s + 3 * PG + 0x1000;
    const uint64_t on_g1[] = {main_sp, s + PG + 0x600};
    CHECK(dead_ranges_sps(main_sp, on_g1, 2, &d, err) == 0);
    const ch_range want[] = {{s, s + 0x1800},
                             {s + PG, s + PG + 0x600},
                             {s + 2 * PG, s + 3 * PG + 0x1000},
                             {HEAP + 8 * PG, HEAP + 16 * PG}};
    CHECK(d.n == 4);
    for (size_t i = 0; i < 4 && i < d.n; i++)
        CHECK(d.v[i].start == want[i].start && d.v[i].end == want[i].end);
    free(d.v);
    const uint64_t on_signal_stack[] = {HEAP + 14 * PG + 8};
    CHECK(dead_ranges_sps(main_sp, on_signal_stack, 1, &d, err) == 0);
    CHECK(d.n == 3 && d.v[2].start == HEAP + 8 * PG && d.v[2].end == HEAP + 14 * PG + 8);
    free(d.v);
    printf("thread_sps: %s\n", fails ? "failed" : "ok");
}

static void test_runtime(void)
{
    build_target();
    ch_range_list d;
    char err[160] = "";
    uint64_t s = HEAP + 4 * PG;
    /* main thread on goroutine 3's stack: [main_sp, hi) of it is live */
    CHECK(dead_ranges(s + 3 * PG + 0x1000, &d, err) == 0);
    const ch_range want[] = {
        {s, s + 0x1800}, {s + 2 * PG, s + 3 * PG + 0x1000}, {HEAP + 8 * PG, HEAP + 16 * PG}};
    CHECK(d.n == 3);
    for (size_t i = 0; i < 3 && i < d.n; i++)
        CHECK(d.v[i].start == want[i].start && d.v[i].end == want[i].end);
    free(d.v);
    /* main thread on the signal stack span: above its SP is live there */
    CHECK(dead_ranges(HEAP + 14 * PG + 8, &d, err) == 0);
    CHECK(d.n == 3 && d.v[2].start == HEAP + 8 * PG && d.v[2].end == HEAP + 14 * PG + 8);
    free(d.v);
    printf("runtime: %s\n", fails ? "failed" : "ok");
}

static void expect_failure(const char *what)
{
    ch_range_list d;
    char err[160] = "";
    CHECK(dead_ranges(0, &d, err) == -1 && err[0]);
    free(d.v);
    printf("hostile %s -> %s\n", what, err);
    build_target();
}

static void test_hostile(void)
{
    build_target();
    set_slices(1ull << 40, 4);
    expect_failure("allspans len 2^40");
    set_slices(6, 1ull << 40);
    expect_failure("allgs len 2^40");
    put64(layout.allgs_addr + 16, 1); /* len > cap */
    expect_failure("allgs len > cap");
    put64(SPANS + 8, BASE + MEMSZ - 8); /* a span that runs off the memory */
    expect_failure("span out of memory");
    set_span(1, HEAP + 5, 4, 2);
    expect_failure("misaligned span");
    set_span(1, HEAP, 1ull << 60, 1);
    expect_failure("huge span");
    set_span(1, HEAP, 4, 9);
    expect_failure("unknown span state");
    set_g(0, HEAP + 3 * PG, HEAP, 0, 4);
    expect_failure("stack hi < lo");
    set_g(2, 0, 0, 0, 6);
    set_g(0, 0, 0, 0, 6);
    set_g(1, 0, 0, 0, 6);
    set_g(3, 0, 0, 0, 6);
    expect_failure("no live goroutine");
    put64(layout.mheap_addr + layout.allspans, BASE + MEMSZ + 4096);
    expect_failure("allspans outside memory");
}

static void test_ranges(void)
{
    ch_range_list a = {0}, b = {0}, out = {0};
    ch_range_add(&a, 30, 40);
    ch_range_add(&a, 0, 10);
    ch_range_add(&a, 5, 20);  /* overlaps [0,10) */
    ch_range_add(&a, 20, 25); /* touches [5,20) */
    ch_range_normalize(&a);
    CHECK(a.n == 2 && a.v[0].start == 0 && a.v[0].end == 25 && a.v[1].start == 30);
    ch_range_add(&b, 2, 4);
    ch_range_add(&b, 22, 35);
    ch_range_add(&b, 38, 50);
    ch_range_normalize(&b);
    CHECK(ch_range_subtract(&a, &b, &out) == 0);
    const ch_range want[] = {{0, 2}, {4, 22}, {35, 38}};
    CHECK(out.n == 3);
    for (size_t i = 0; i < 3 && i < out.n; i++)
        CHECK(out.v[i].start == want[i].start && out.v[i].end == want[i].end);
    ch_region roots[2] = {{.start = 0, .end = 25, .name = "r0"},
                          {.start = 30, .end = 60, .name = "r1"}};
    size_t n = 0;
    ch_region *r = ch_regions_subtract(roots, 2, b.v, b.n, &n);
    CHECK(r && n == 4);
    if (r && n == 4)
        CHECK(r[0].end == 2 && r[1].start == 4 && r[1].end == 22 && r[2].start == 35 &&
              r[2].end == 38 && r[3].start == 50 && r[3].end == 60 && !strcmp(r[3].name, "r1"));
    free(r);
    free(a.v);
    free(b.v);
    free(out.v);
    printf("ranges: %s\n", fails ? "failed" : "ok");
}

static void test_layout(const char *path, int must)
{
    ch_go_layout L;
    char err[160] = "";
    int fd = open(path, O_RDONLY);
    int rc = fd < 0 ? -1 : ch_go_layout_read(fd, &L, err, sizeof err);
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        printf("layout: mheap_=0x%llx allgs=0x%llx allspans+%u startAddr+%u npages+%u state+%u "
               "stack.lo+%u stack.hi+%u sched.sp+%u atomicstatus+%u\n",
               (unsigned long long)L.mheap_addr, (unsigned long long)L.allgs_addr, L.allspans,
               L.span_start, L.span_npages, L.span_state, L.g_lo, L.g_hi, L.g_sp, L.g_status);
    else
        printf("layout: none (%s)\n", err);
    CHECK(must ? rc == 0 : rc == -1);
    if (rc == 0)
        CHECK(L.g_hi == L.g_lo + 8 && L.mheap_addr && L.allgs_addr);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "ranges"))
        test_ranges();
    else if (!strcmp(what, "runtime"))
        test_runtime();
    else if (!strcmp(what, "arenas"))
        test_arenas();
    else if (!strcmp(what, "thread_sps"))
        test_thread_sps();
    else if (!strcmp(what, "hostile"))
        test_hostile();
    else if (!strcmp(what, "layout") && argc == 4)
        test_layout(argv[2], atoi(argv[3]));
    else
        return fprintf(stderr,
                       "usage: goroots_test ranges|runtime|thread_sps|hostile|layout FILE GO\n"),
               2;
    return fails ? 1 : 0;
}

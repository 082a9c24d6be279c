/*
 * Test driver for the symbolizer.
 *   symdrv [--bias=HEX] MODULE [VADDR...]   symbolize instruction vaddrs
 *       (from stdin when none given). Each becomes the return address
 *       vaddr + 1 + bias, as the agent would record it. One output line per
 *       vaddr: "VADDR<TAB>frame ; frame ..." with frame = function|file|line|flags,
 *       flags "i" inlined, "x" glue, "-" none; "?" for an unknown field.
 *   symdrv --build-id MODULE
 *   symdrv --truncate-after-open=BYTES MODULE [VADDR...]   opens MODULE (reads
 *       its build ID), truncates the file to BYTES, then symbolizes: the
 *       sections read after that are gone, as if the file shrank under us.
 *   symdrv --names [--tables] MODULE [VADDR...]   the same, function names only (no
 *       DWARF: what a suppressed record costs); --tables then prints "tables N",
 *       how many symbol tables were made.
 *   symdrv --bench=STACKS MODULE VADDR...   random depth-16 stacks from
 *       the given vaddrs; prints stacks per second, cold and warm.
 */
#include "symbolize/symbolize.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_DEPTH 16

static void print_frames(uint64_t vaddr, const ch_symstack *ss)
{
    printf("%" PRIx64 "\t", vaddr);
    for (size_t i = 0; i < ss->nframes; i++) {
        const ch_frame *f = &ss->frames[i];
        const char *flags = f->inlined ? (f->glue ? "ix" : "i") : (f->glue ? "x" : "-");
        printf("%s%s|%s|%d|%s", i ? " ; " : "", f->function ? f->function : "?",
               f->file ? f->file : "?", f->line, flags);
        if (f->function == NULL)
            printf("|%s+0x%" PRIx64, f->module ? f->module : "?", f->module_off);
    }
    printf("\n");
}

static bool names_only;

static int symbolize_one(ch_symbolizer *s, uint64_t bias, uint64_t vaddr)
{
    uint64_t pc = vaddr + 1 + bias;
    ch_stack st = {.pcs = &pc, .depth = 1};
    ch_symstack ss;
    if ((names_only ? ch_symbolize_stack_names : ch_symbolize_stack)(s, &st, 0, &ss) != 0)
        return -1;
    print_frames(vaddr, &ss);
    free(ss.frames);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run_stacks(ch_symbolizer *s, const uint64_t *pcs, size_t nstacks)
{
    double t0 = now();
    for (size_t i = 0; i < nstacks; i++) {
        ch_stack st = {.pcs = &pcs[i * BENCH_DEPTH], .depth = BENCH_DEPTH};
        ch_symstack ss;
        if (ch_symbolize_stack(s, &st, 0, &ss) != 0)
            return -1;
        free(ss.frames);
    }
    return now() - t0;
}

static int bench(ch_symbolizer *s, uint64_t bias, size_t nstacks, char **addrs, int naddrs)
{
    uint64_t *pcs = malloc(nstacks * BENCH_DEPTH * sizeof(*pcs));
    if (pcs == NULL || naddrs == 0)
        return 1;
    srand(1);
    for (size_t i = 0; i < nstacks * BENCH_DEPTH; i++)
        pcs[i] = strtoull(addrs[(size_t)rand() % (size_t)naddrs], NULL, 16) + 1 + bias;
    double cold = run_stacks(s, pcs, nstacks);
    double warm = run_stacks(s, pcs, nstacks);
    printf("distinct_pcs=%d stacks=%zu depth=%d cold=%.3fs (%.0f stacks/s) warm=%.3fs (%.0f "
           "stacks/s)\n",
           naddrs, nstacks, BENCH_DEPTH, cold, (double)nstacks / cold, warm,
           (double)nstacks / warm);
    free(pcs);
    return cold < 0 || warm < 0;
}

static int open_then_truncate(ch_symbolizer *s, const char *path, off_t size)
{
    ch_symbolizer_build_id(s, 0);
    if (truncate(path, size) == 0)
        return 0;
    perror("truncate");
    return -1;
}

int main(int argc, char **argv)
{
    uint64_t bias = 0;
    size_t bench_stacks = 0;
    long long truncate_to = -1;
    int build_id = 0, tables = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strncmp(argv[i], "--bias=", 7) == 0)
            bias = strtoull(argv[i] + 7, NULL, 16);
        else if (strncmp(argv[i], "--bench=", 8) == 0)
            bench_stacks = strtoull(argv[i] + 8, NULL, 10);
        else if (strcmp(argv[i], "--build-id") == 0)
            build_id = 1;
        else if (strcmp(argv[i], "--names") == 0)
            names_only = true;
        else if (strcmp(argv[i], "--tables") == 0)
            tables = 1;
        else if (strncmp(argv[i], "--truncate-after-open=", 22) == 0)
            truncate_to = strtoll(argv[i] + 22, NULL, 10);
    }
    if (i >= argc) {
        fprintf(stderr, "usage: symdrv [--bias=HEX|--bench=N|--build-id|--names|--tables|"
                        "--truncate-after-open=N] "
                        "MODULE [VADDR...]\n");
        return 2;
    }
    /* Modules are recorded with absolute paths; a missing file keeps its name. */
    char path[PATH_MAX];
    if (realpath(argv[i], path) == NULL)
        snprintf(path, sizeof(path), "%s", argv[i]);
    i++;
    /* The module spans everything from its bias up, like a loaded image. */
    ch_module mod = {.start = bias, .end = bias + (1ULL << 40), .bias = bias, .path = path};
    ch_symbolizer *s = ch_symbolizer_new(&mod, 1);
    if (s == NULL)
        return 1;
    if (truncate_to >= 0 && open_then_truncate(s, path, (off_t)truncate_to) != 0) {
        ch_symbolizer_free(s);
        return 1;
    }
    int rc = 0;
    if (build_id) {
        printf("%s\n", ch_symbolizer_build_id(s, 0));
    } else if (bench_stacks) {
        rc = bench(s, bias, bench_stacks, argv + i, argc - i);
    } else if (i < argc) {
        for (; i < argc && rc == 0; i++)
            rc = symbolize_one(s, bias, strtoull(argv[i], NULL, 16));
    } else {
        char line[256];
        while (rc == 0 && fgets(line, sizeof(line), stdin))
            rc = symbolize_one(s, bias, strtoull(line, NULL, 16));
    }
    if (tables)
        printf("tables %zu\n", ch_symbolizer_tables(s));
    ch_symbolizer_free(s);
    return rc != 0;
}

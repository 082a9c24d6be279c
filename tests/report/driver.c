/*
 * Test driver for the report writers: builds a hand-made profile (modules,
 * stacks, blocks, loss records, symbolized frames) and writes one report.
 *
 *   driver SCENARIO FORMAT OUT [all] [internal] [gensupp] [nosym]
 *     SCENARIO  main | freed | unscanned | sampled | noagent | hostile | many
 *     FORMAT    text | json | folded | pprof      OUT  a file, or - for stdout
 *     all       show every leak kind (default: definite and possible)
 *     internal  show glue frames;  gensupp  print suppression entries
 *     nosym     make no frames (the writers fall back to raw PCs)
 */
#include "report/report.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 8
#define MAX_STACKS 9

/* A fixture stack: its symbolized frames and its cumulative allocations. */
typedef struct fx_stack {
    ch_frame frames[MAX_FRAMES];
    size_t nframes;
    uint64_t alloc_count, alloc_bytes;
} fx_stack;

/* A fixture block: size, stack and kind; suppressed applies to its record. */
typedef struct fx_block {
    uint64_t size;
    uint32_t stack_id;
    ch_kind kind;
    const char *suppressed_by;
} fx_block;

#define EXE "/opt/app/bin/server"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LIBX "/opt/app/lib/libx.so"

static ch_module modules[] = {
    {0x400000, 0x800000, 0, (char *)EXE},
    {0x7f0000000000, 0x7f0000200000, 0x7f0000000000, (char *)LIBC},
    {0x7f1000000000, 0x7f1000100000, 0x7f1000000000, (char *)LIBX},
};
static const char *const build_ids[] = {"0123abcd", "", ""};

#define GO(pc, fn, file, line)                                                                     \
    {                                                                                              \
        pc, fn, file, line, EXE, pc, false, false                                                  \
    }
#define GOI(pc, fn, file, line)                                                                    \
    {                                                                                              \
        pc, fn, file, line, EXE, pc, false, true                                                   \
    }

static fx_stack stacks[MAX_STACKS] = {
    [0] = {{{0}}, 0, 0, 0},
    /* C.CString from main.leakName, through the cgo glue. */
    [1] = {{GOI(0x401100, "_cgo_2f1e_Cfunc__Cmalloc", "cgo-gcc-prolog", 40),
            GOI(0x460010, "runtime.asmcgocall", "/usr/lib/go/src/runtime/asm_amd64.s", 900),
            GOI(0x405020, "runtime.cgocall", "/usr/lib/go/src/runtime/cgocall.go", 167),
            GOI(0x470030, "main._cgo_cmalloc", "_cgo_gotypes.go", 50),
            GOI(0x470100, "main._Cfunc_CString", "_cgo_gotypes.go", 45),
            GO(0x471000, "main.leakName", "/src/app/main.go", 12),
            GO(0x471200, "main.main", "/src/app/main.go", 30),
            GOI(0x43a000, "runtime.main", "/usr/lib/go/src/runtime/proc.go", 271)},
           8,
           9,
           153},
    /* Pure C: unknown function in libx, an inlined frame, libc without lines. */
    [2] = {{{0x7f1000001234, NULL, NULL, 0, LIBX, 0x1234, false, false},
            {0x402000, "g", "/src/app/util.h", 3, EXE, 0x402000, true, false},
            {0x402000, "f1", "/src/app/c.c", 20, EXE, 0x402000, false, false},
            {0x7f0000029d90, "start_thread", NULL, 0, LIBC, 0x29d90, false, false}},
           4,
           3,
           201326592},
    /* C.malloc from main.useMalloc. */
    [3] = {{GOI(0x401200, "_cgo_2f1e_Cfunc__CMalloc", "cgo-gcc-prolog", 60),
            GOI(0x470200, "main._Cfunc__CMalloc", "_cgo_gotypes.go", 70),
            GO(0x471300, "main.useMalloc", "/src/app/main.go", 20),
            GO(0x471200, "main.main", "/src/app/main.go", 31)},
           4,
           1,
           100},
    /* Only glue frames. */
    [4] = {{GOI(0x43b000, "runtime.malg", "/usr/lib/go/src/runtime/proc.go", 4000),
            GOI(0x43c000, "runtime.newproc1", "/usr/lib/go/src/runtime/proc.go", 4100)},
           2,
           2,
           64},
    [5] = {{GO(0x402100, "make_node", "/src/app/c.c", 30),
            GO(0x402200, "build_tree", "/src/app/c.c", 40)},
           2,
           4,
           96},
    [6] = {{{0x7f0000012345, "__libc_alloc_buffer_allocate", NULL, 0, LIBC, 0x12345, false, false},
            GO(0x402300, "init_x", "/src/app/c.c", 50)},
           2,
           1,
           500},
    /* Everything it allocated was freed. */
    [7] = {{GO(0x402400, "temp_buf", "/src/app/c.c", 60)}, 1, 5, 5000},
    /* Hostile names: separators, control bytes, bad UTF-8, quotes. */
    [8] = {{GO(0x402500, "weird;name\n\x01\"q\"\\ \xff\xc3\xa9", "/src/app/w\"e\x02ird.c", 7),
            GO(0x402600, "caller", "/src/app/c.c", 8)},
           2,
           1,
           10},
};

static const fx_block main_blocks[] = {
    {17, 1, CH_KIND_DEFINITE, NULL},           {67108864, 2, CH_KIND_DEFINITE, NULL},
    {67108864, 2, CH_KIND_DEFINITE, NULL},     {100, 3, CH_KIND_POSSIBLE, NULL},
    {32, 4, CH_KIND_REACHABLE, NULL},          {24, 5, CH_KIND_INDIRECT, NULL},
    {24, 5, CH_KIND_INDIRECT, NULL},           {24, 5, CH_KIND_INDIRECT, NULL},
    {500, 6, CH_KIND_DEFINITE, "leak:init_x"},
};

static const fx_block hostile_blocks[] = {
    {10, 8, CH_KIND_DEFINITE, NULL},
    {40, 2, CH_KIND_DEFINITE, NULL},  /* its symstack is emptied: raw PCs */
    {8, 999, CH_KIND_DEFINITE, NULL}, /* stack id out of range */
};

/* Fixture state turned into the model. */
static ch_stack model_stacks[MAX_STACKS];
static uint64_t pcs[MAX_STACKS][MAX_FRAMES];
static ch_symstack symstacks[MAX_STACKS];
static ch_block blocks[16];
static ch_loss_record records[16];
static size_t nrecords;
static const char *block_supp[16];

static void build_stacks(void)
{
    for (size_t s = 0; s < MAX_STACKS; s++) {
        size_t d = 0;
        for (size_t i = 0; i < stacks[s].nframes; i++) {
            /* Inlined frames share the PC of the frame they were inlined into. */
            if (i == 0 || stacks[s].frames[i].pc != stacks[s].frames[i - 1].pc)
                pcs[s][d++] = stacks[s].frames[i].pc;
        }
        model_stacks[s] =
            (ch_stack){pcs[s], (uint32_t)d, 0, stacks[s].alloc_count, stacks[s].alloc_bytes};
        symstacks[s] = (ch_symstack){stacks[s].frames, stacks[s].nframes};
    }
}

static int by_bytes_desc(const void *a, const void *b)
{
    const ch_loss_record *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return (int)x->stack_id - (int)y->stack_id;
}

/* What analyze does: one record per (stack, kind), biggest first. */
static void group(const fx_block *fb, size_t n, bool scanned, ch_profile *p)
{
    for (size_t i = 0; i < n; i++) {
        blocks[i] = (ch_block){0x10000 + i * 0x1000, fb[i].size, fb[i].stack_id,
                               (uint8_t)(scanned ? fb[i].kind : CH_KIND_UNFREED)};
        block_supp[i] = fb[i].suppressed_by;
        size_t r = 0;
        while (r < nrecords && (records[r].stack_id != blocks[i].stack_id ||
                                records[r].kind != (ch_kind)blocks[i].kind))
            r++;
        if (r == nrecords)
            records[nrecords++] = (ch_loss_record){
                blocks[i].stack_id, (ch_kind)blocks[i].kind, 0, 0, block_supp[i] != NULL,
                block_supp[i]};
        records[r].bytes += blocks[i].size;
        records[r].blocks++;
    }
    p->blocks = blocks;
    p->nblocks = n;
    qsort(records, nrecords, sizeof records[0], by_bytes_desc);
}

/* Stacks first..last took part in the scenario; the others allocated nothing. */
static void totals(ch_profile *p, size_t first, size_t last)
{
    for (size_t s = 0; s < MAX_STACKS; s++) {
        if (s < first || s > last) {
            model_stacks[s].alloc_count = model_stacks[s].alloc_bytes = 0;
            continue;
        }
        p->n_allocs += stacks[s].alloc_count;
        p->bytes_alloc += stacks[s].alloc_bytes;
    }
    p->n_frees = p->n_allocs > p->nblocks ? p->n_allocs - p->nblocks : 0;
    p->n_events = p->n_allocs + p->n_frees;
}

static int setup(const char *scenario, ch_profile *p)
{
    memset(p, 0, sizeof *p);
    build_stacks();
    p->stacks = model_stacks;
    p->nstacks = MAX_STACKS;
    p->modules = modules;
    p->nmodules = 3;
    p->sample_rate = 1;
    p->agent_attached = true;
    p->agent_bytes = 1234567;
    p->scanned = true;
    if (!strcmp(scenario, "main") || !strcmp(scenario, "sampled")) {
        group(main_blocks, sizeof main_blocks / sizeof main_blocks[0], true, p);
        totals(p, 1, 7);
        if (!strcmp(scenario, "sampled"))
            p->sample_rate = 524288;
    } else if (!strcmp(scenario, "unscanned")) {
        p->scanned = false;
        snprintf(p->scan_notice, sizeof p->scan_notice,
                 "memory was not scanned: the program was killed before its exit stop");
        group(main_blocks, sizeof main_blocks / sizeof main_blocks[0], false, p);
        totals(p, 1, 7);
    } else if (!strcmp(scenario, "freed")) {
        group(NULL, 0, true, p);
        totals(p, 7, 7);
    } else if (!strcmp(scenario, "noagent")) {
        p->agent_attached = false;
        p->agent_bytes = 0;
        snprintf(p->agent_fail_reason, sizeof p->agent_fail_reason, "LD_PRELOAD was ignored");
        group(NULL, 0, true, p);
        totals(p, 1, 0);
    } else if (!strcmp(scenario, "hostile")) {
        group(hostile_blocks, sizeof hostile_blocks / sizeof hostile_blocks[0], true, p);
        totals(p, 8, 8);
        symstacks[2].nframes = 0;
        p->n_dropped = 7;
        p->exit = (ch_exit){true, 9};
    } else {
        return -1;
    }
    return 0;
}

/*
 * "many": MANY_RECORDS loss records, each on a stack of its own, whose
 * frames come from a small pool as in a real program: every stack is
 * alloc_block inlined into grab, then one of two callers per level (the
 * stack number's bits), then main. Frames are made on demand through
 * stack_frames, as the CLI makes them. The reports are megabytes: their
 * buffers are written out many times. tests/report/run.sh recomputes them.
 */
#define MANY_RECORDS 4096
#define MANY_LEVELS 21
#define MANY_DEPTH (MANY_LEVELS + 2) /* PCs: grab (alloc_block inlined), levels, main */

static ch_stack many_stacks[MANY_RECORDS + 1];
static uint64_t many_pcs[MANY_RECORDS + 1][MANY_DEPTH];
static ch_block many_blocks[MANY_RECORDS];
static ch_loss_record many_records[MANY_RECORDS];

static uint64_t level_pc(size_t level, unsigned bit)
{
    return 0x500000 + level * 0x100 + bit * 0x10;
}

static int many_frames(void *ctx, uint32_t stack_id, ch_symstack *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    if (stack_id == 0 || stack_id > MANY_RECORDS)
        return 0;
    ch_frame *v = calloc(MANY_DEPTH + 1, sizeof *v);
    if (!v)
        return -1;
    v[0] = (ch_frame){0x4ff000, "alloc_block", "/src/app/pick.c", 10, EXE, 0x4ff000, true, false};
    v[1] = (ch_frame){0x4ff000, "grab", "/src/app/pick.c", 20, EXE, 0x4ff000, false, false};
    for (size_t l = 0; l < MANY_LEVELS; l++) {
        unsigned bit = (stack_id >> l) & 1;
        uint64_t pc = level_pc(l, bit);
        v[2 + l] = (ch_frame){pc,
                              bit ? "pick_b" : "pick_a",
                              "/src/app/pick.c",
                              (int)(100 + 2 * l + bit),
                              EXE,
                              pc,
                              false,
                              false};
    }
    v[MANY_DEPTH] = (ch_frame){0x400500, "main", "/src/app/main.c", 5, EXE, 0x400500, false, false};
    out->frames = v;
    out->nframes = MANY_DEPTH + 1;
    return 0;
}

static void many_stack(uint32_t id)
{
    uint64_t *pc = many_pcs[id];
    pc[0] = 0x4ff000;
    for (size_t l = 0; l < MANY_LEVELS; l++)
        pc[1 + l] = level_pc(l, (id >> l) & 1);
    pc[MANY_DEPTH - 1] = 0x400500;
    many_stacks[id] = (ch_stack){pc, MANY_DEPTH, 0, 1, 8 * (uint64_t)id};
}

/* Stack k has one block of 8 * (MANY_RECORDS + 1 - k) bytes: record k is the k-th biggest. */
static void setup_many(ch_profile *p, ch_report_input *in)
{
    p->n_allocs = p->n_frees = p->bytes_alloc = 0;
    for (uint32_t k = 1; k <= MANY_RECORDS; k++) {
        many_stack(k);
        uint64_t size = 8 * (uint64_t)(MANY_RECORDS + 1 - k);
        many_blocks[k - 1] = (ch_block){0x10000 + 0x100 * k, size, k, CH_KIND_DEFINITE};
        many_records[k - 1] = (ch_loss_record){k, CH_KIND_DEFINITE, size, 1, false, NULL};
        p->n_allocs++;
        p->bytes_alloc += size;
    }
    p->stacks = many_stacks;
    p->nstacks = MANY_RECORDS + 1;
    p->blocks = many_blocks;
    p->nblocks = MANY_RECORDS;
    in->records = many_records;
    in->nrecords = MANY_RECORDS;
    in->stack_frames = many_frames;
}

/* The other scenarios' frames, made on demand as the CLI makes them: a copy of the fixture's. */
static int fixture_frames(void *ctx, uint32_t stack_id, ch_symstack *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    if (stack_id >= MAX_STACKS || symstacks[stack_id].nframes == 0)
        return 0;
    out->frames = malloc(symstacks[stack_id].nframes * sizeof *out->frames);
    if (!out->frames)
        return -1;
    memcpy(out->frames, symstacks[stack_id].frames,
           symstacks[stack_id].nframes * sizeof *out->frames);
    out->nframes = symstacks[stack_id].nframes;
    return 0;
}

static bool has_opt(int argc, char **argv, const char *opt)
{
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], opt))
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    ch_profile prof;
    /* "many" starts from the profile of "freed", which has no records. */
    bool many = argc >= 4 && !strcmp(argv[1], "many");
    if (argc < 4 || setup(many ? "freed" : argv[1], &prof) != 0) {
        fprintf(stderr, "usage: driver SCENARIO FORMAT OUT [all] [internal] [gensupp] [nosym]\n");
        return 2;
    }
    ch_report_input in = {.prof = &prof,
                          .records = records,
                          .nrecords = nrecords,
                          .build_ids = build_ids,
                          .program = "./server",
                          .pid = 4242,
                          .stack_frames = fixture_frames};
    if (!strcmp(argv[1], "hostile"))
        in.program = "./ser\nver";
    if (has_opt(argc, argv, "nosym"))
        in.stack_frames = NULL;
    if (many)
        setup_many(&prof, &in);
    ch_report_opts o = {(1u << CH_KIND_DEFINITE) | (1u << CH_KIND_POSSIBLE),
                        has_opt(argc, argv, "internal"), has_opt(argc, argv, "gensupp")};
    if (has_opt(argc, argv, "all"))
        o.show_kinds = (1u << CH_KIND_COUNT) - 1;
    const char *fmt = argv[2], *out = argv[3];
    if (!strcmp(fmt, "pprof"))
        return ch_report_pprof(out, &in) == 0 ? 0 : 1;
    FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
    if (!f)
        return 1;
    int rc = !strcmp(fmt, "text")     ? ch_report_text(f, &in, &o)
             : !strcmp(fmt, "json")   ? ch_report_json(f, &in)
             : !strcmp(fmt, "folded") ? ch_report_folded(f, &in)
                                      : -1;
    if (f != stdout)
        fclose(f);
    return rc == 0 ? 0 : 1;
}

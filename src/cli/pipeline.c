/*
 * The stages after collect, shared by the report at exit and the leak check
 * of a running program: group the blocks into loss records, symbolize,
 * match suppressions, and the input the report writers take.
 */
#include "cli/pipeline.h"
#include "cli/version.h"
#include "common/phase.h"

#include <stdlib.h>

static int symbolizer_open(ch_pipeline *p, const ch_suppressions *supp)
{
    if (!p->sym_borrowed)
        p->sym = ch_symbolizer_new(p->prof.modules, p->prof.nmodules);
    p->stacks = p->sym ? ch_symstacks_new(&p->prof, p->sym, supp) : NULL;
    p->build_ids = calloc(p->prof.nmodules ? p->prof.nmodules : 1, sizeof *p->build_ids);
    if (!p->sym || !p->stacks || !p->build_ids)
        return -1;
    /* Build IDs are for pprof's mappings and the JSON report only. */
    for (size_t m = 0; m < p->prof.nmodules; m++)
        p->build_ids[m] = p->every_stack ? ch_symbolizer_build_id(p->sym, m) : "";
    return 0;
}

/* The kinds that count as errors. Unscanned memory cannot be told apart:
 * unfreed blocks count whenever any kind does, so a gate never passes by
 * accident. */
unsigned ch_pipeline_error_kinds(const ch_options *o)
{
    return o->error_kinds ? o->error_kinds | 1u << CH_KIND_UNFREED : 0;
}

unsigned ch_pipeline_shown_kinds(const ch_pipeline *p)
{
    return p->opt->show_kinds | (p->prof.scanned ? 0 : 1u << CH_KIND_UNFREED);
}

/* A record that is neither printed nor can fail the run only adds to its
 * kind's total, and the built-in suppressions name functions: the names
 * are enough for it, unless the user's own patterns may name files. The
 * folded report prints every record that is not suppressed. */
static bool needs_full_symbols(const ch_pipeline *p, const ch_loss_record *r)
{
    unsigned bit = 1u << r->kind;
    unsigned errors = p->opt->error_exitcode ? ch_pipeline_error_kinds(p->opt) : 0;
    return (ch_pipeline_shown_kinds(p) & bit) || (errors & bit) || p->opt->nsupp_files > 0 ||
           p->opt->folded_file;
}

static void set_verdict(ch_loss_record *r, const char *pattern)
{
    r->suppressed = pattern != NULL;
    r->suppressed_by = pattern;
    r->suppressed_as = pattern ? ch_supp_class_of(pattern) : CH_SUPP_USER;
}

/*
 * Suppressed records are not printed, so when only the text and folded
 * reports are wanted a record is first matched on names alone (symbol
 * tables and Go's table: no DWARF), and only what is not suppressed then is
 * symbolized in full and matched again. Names are a subset of what the full
 * answer gives, so the first pass never suppresses what the second would
 * not; it spares loading the DWARF of libraries (often large, compressed
 * separate debug files) whose frames appear only in suppressed records,
 * such as glibc's thread start-up allocations in every Go program.
 * A stack keeps the level it was first matched at: the reports show it so.
 */
static void suppress_record(ch_pipeline *p, ch_loss_record *r, bool every_stack)
{
    uint32_t id = r->stack_id;
    if (!every_stack && ch_symstacks_level(p->stacks, id) == CH_SYM_NONE) {
        const char *by_name = ch_symstacks_match(p->stacks, id, CH_SYM_NAMES);
        if (by_name) {
            ch_symstacks_set_level(p->stacks, id, CH_SYM_NAMES);
            set_verdict(r, by_name);
            return;
        }
    }
    if (!every_stack && !needs_full_symbols(p, r))
        return;
    if (ch_symstacks_level(p->stacks, id) == CH_SYM_NONE)
        ch_symstacks_set_level(p->stacks, id, CH_SYM_FULL);
    set_verdict(r, ch_symstacks_match(p->stacks, id, ch_symstacks_level(p->stacks, id)));
}

static void suppress_and_symbolize(ch_pipeline *p)
{
    bool every_stack = p->every_stack;
    for (size_t i = 0; i < p->nrecords; i++) {
        ch_prefetch_loss_records(&p->prof, p->records, p->nrecords, i);
        suppress_record(p, &p->records[i], every_stack);
    }
    if (every_stack)
        for (size_t id = 1; id < p->prof.nstacks; id++)
            if (p->prof.stacks[id].alloc_count &&
                ch_symstacks_level(p->stacks, (uint32_t)id) == CH_SYM_NONE)
                ch_symstacks_set_level(p->stacks, (uint32_t)id, CH_SYM_FULL);
    /* Invalid frees are always printed, with every stack they name. */
    for (size_t i = 0; i < p->prof.ninvalid_frees; i++) {
        const ch_invalid_free *f = &p->prof.invalid_frees[i];
        ch_symstacks_set_level(p->stacks, f->stack_id, CH_SYM_FULL);
        ch_symstacks_set_level(p->stacks, f->alloc_stack_id, CH_SYM_FULL);
        ch_symstacks_set_level(p->stacks, f->free_stack_id, CH_SYM_FULL);
    }
}

void ch_pipeline_scan(void *ctx, const ch_stopped_target *t, ch_profile *p)
{
    const ch_options *o = ctx;
    const ch_scan_opts so = {.verbose = o->verbose, .show_roots = o->show_roots};
    ch_scan_stopped(t, p, &so);
}

int ch_pipeline_analyze(ch_pipeline *p, const ch_suppressions *supp, const char **why)
{
    ch_phase("group");
    p->records = ch_group(&p->prof, &p->nrecords);
    if ((!p->records && p->prof.nblocks) || ch_roots_attach(&p->prof, p->records, p->nrecords)) {
        *why = "out of memory";
        return -1;
    }
    if (symbolizer_open(p, supp)) {
        *why = "out of memory while symbolizing";
        return -1;
    }
    ch_phase("symbolize");
    suppress_and_symbolize(p);
    return 0;
}

ch_report_input ch_pipeline_input(const ch_pipeline *p)
{
    return (ch_report_input){
        .prof = &p->prof,
        .records = p->records,
        .nrecords = p->nrecords,
        .stack_frames = ch_symstacks_frames,
        .stack_frames_ctx = p->stacks,
        .build_ids = p->build_ids,
        .program = p->prof.image[0] ? p->prof.image : p->opt->argv[0],
        .pid = p->prof.pid,
        .tool_version = ch_version(),
        .command_line = p->opt->cmd_argv,
        .program_argv = p->child ? p->child->argv : p->opt->argv,
        .ppid = p->child ? p->child->ppid : 0,
        .run_seconds = p->run_seconds,
        .exit_status = p->status,
        .error_kinds = ch_pipeline_error_kinds(p->opt),
    };
}

void ch_pipeline_free(ch_pipeline *p)
{
    ch_symstacks_free(p->stacks);
    free(p->build_ids);
    free(p->records);
    if (p->sym && !p->sym_borrowed)
        ch_symbolizer_free(p->sym);
    ch_profile_free(&p->prof);
}

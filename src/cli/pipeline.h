/* The stages after collect: grouping, symbolization, suppressions (pipeline.c). */
#ifndef CGOHEAP_CLI_PIPELINE_H
#define CGOHEAP_CLI_PIPELINE_H

#include "analyze/analyze.h"
#include "cli/options.h"
#include "cli/symstacks.h"
#include "collect/collect.h"
#include "report/report.h"
#include "symbolize/symbolize.h"

typedef struct ch_pipeline {
    const ch_options *opt;
    const ch_proc_info *child; /* a followed child's report; NULL for the program's */
    bool leaked;               /* error kinds remain (--error-exitcode) */
    bool every_stack; /* a pprof or JSON report is wanted: every stack symbolized, build IDs */
    ch_profile prof;
    ch_loss_record *records;
    size_t nrecords;
    ch_symbolizer *sym;
    bool sym_borrowed;    /* sym was set by the caller, who frees it; else made here */
    ch_symstacks *stacks; /* how far each stack is symbolized, its suppression */
    const char **build_ids;
    int status; /* what cgoheap exits with, once the leaks are known */
    double run_seconds;
} ch_pipeline;

/* The kinds that count as errors (--error-kinds, with unfreed memory). */
unsigned ch_pipeline_error_kinds(const ch_options *o);

/* The kinds whose records the text report prints. */
unsigned ch_pipeline_shown_kinds(const ch_pipeline *p);

/* The roots and scan stage on a stopped target, at exit or live (a ch_stopped_fn; ctx is
 * the ch_options). */
void ch_pipeline_scan(void *ctx, const ch_stopped_target *t, ch_profile *p);

/* Groups p->prof's blocks, symbolizes and suppresses. 0, or -1 with *why. */
int ch_pipeline_analyze(ch_pipeline *p, const ch_suppressions *supp, const char **why);

/* What the report writers take (the exit status as p->status says). */
ch_report_input ch_pipeline_input(const ch_pipeline *p);

void ch_pipeline_free(ch_pipeline *p);

#endif

/* The leak check of a running program (--http's /debug/cgoheap/leaks), composed of the exit
 * path's stages. */
#ifndef CGOHEAP_CLI_LIVE_CHECK_H
#define CGOHEAP_CLI_LIVE_CHECK_H

#include "analyze/analyze.h"
#include "analyze/heap_copy.h"
#include "cli/options.h"
#include "serve/leaks.h"
#include "serve/symkeep.h"

/* What every check needs from the run; must outlive the server. */
typedef struct ch_live_checker {
    const ch_options *opt;
    const ch_suppressions *supp;
    ch_copy_buf copy;    /* the checks' snapshots, one at a time (ch_copy_buf_free it at the end) */
    ch_symkeep *symbols; /* the symbolizer kept for the profiles, borrowed by each check */
} ch_live_checker;

/* A ch_leaks_fn (ctx is a ch_live_checker). */
int ch_live_check_run(void *ctx, const ch_live_record *rec, const ch_leaks_query *q,
                      ch_leaks_answer *a);

#endif

/*
 * A leak check of the running program: collect stops it and hands over the
 * stopped target, the same roots and scan stage as at exit runs on it (on
 * the tracing thread, collect/live_stop.h), the program goes on, and the
 * rest of the exit pipeline (grouping, symbols, suppressions, the report
 * writers) runs on the server's thread while it does.
 */
#include "cli/live_check.h"
#include "cli/pipeline.h"
#include "collect/live_stop.h"
#include "common/phase.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reply_error(ch_leaks_answer *a, int status, const char *what)
{
    char line[320];
    snprintf(line, sizeof line, "%s\n", what);
    ch_reply_text(&a->reply, status, line);
    return -1;
}

/* The report in the format asked for, into a->reply. */
static int write_report(const ch_pipeline *p, const ch_report_input *in, ch_leaks_format f,
                        ch_leaks_answer *a)
{
    if (f == CH_LEAKS_PPROF) {
        unsigned char *gz;
        size_t len;
        const ch_pprof_opts as_at_exit = {0};
        if (ch_report_pprof_mem(in, &as_at_exit, &gz, &len))
            return reply_error(a, 500, strerror(errno));
        a->reply = (ch_reply){
            .status = 200, .type = "application/octet-stream", .body = (char *)gz, .len = len};
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    const ch_report_opts ro = {.show_kinds = ch_pipeline_shown_kinds(p),
                               .show_internal = p->opt->show_internal,
                               .gen_suppressions = p->opt->gen_suppressions};
    int rc = !mem                 ? -1
             : f == CH_LEAKS_JSON ? ch_report_json(mem, in)
                                  : ch_report_text(mem, in, &ro);
    if (mem && fclose(mem))
        rc = -1;
    if (rc) {
        free(buf);
        return reply_error(a, 500, "out of memory");
    }
    a->reply =
        (ch_reply){.status = 200,
                   .type = f == CH_LEAKS_JSON ? "application/json" : "text/plain; charset=utf-8",
                   .body = buf,
                   .len = len};
    return 0;
}

int ch_live_check_run(void *ctx, const ch_live_record *rec, const ch_leaks_query *q,
                      ch_leaks_answer *a)
{
    const ch_live_checker *lc = ctx;
    ch_options o = *lc->opt;
    if (q->kinds && ch_parse_kinds(q->kinds, &o.show_kinds))
        return reply_error(a, 400,
                           "bad kinds parameter: definite,indirect,possible,reachable,"
                           "gogarbage,gofinalizer, all or none");
    ch_phase_mute(true); /* the -v times are the exit path's */
    ch_pipeline p = {.opt = &o, .every_stack = q->format != CH_LEAKS_TEXT};
    ch_live_check c = {.fn = ch_pipeline_scan, .ctx = (void *)lc->opt, .prof = &p.prof};
    if (ch_live_stop_run(rec->stop, &c)) {
        ch_pipeline_free(&p);
        return reply_error(a, 503, c.err);
    }
    a->pause_seconds = c.pause;
    const ch_live_pause pause = {.seconds = c.pause, .threads = c.nthreads, .missed = c.nmissed};
    const char *why;
    int rc = -1;
    if (ch_pipeline_analyze(&p, lc->supp, &why))
        reply_error(a, 500, why);
    else {
        ch_report_input in = ch_pipeline_input(&p);
        in.live = &pause;
        ch_report_kind_total(&in, CH_KIND_DEFINITE, &a->definite_bytes, &a->definite_blocks);
        rc = write_report(&p, &in, q->format, a);
    }
    ch_pipeline_free(&p);
    return rc;
}

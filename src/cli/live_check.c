/*
 * A leak check of the running program: collect stops it and hands over the
 * stopped target; on the tracing thread (collect/live_stop.h) the exit's
 * roots stage runs on it and copies every byte the marking will read
 * (stopped.h's snapshot); the program goes on, and the marking from that
 * copy, then the rest of the exit pipeline (grouping, symbols,
 * suppressions, the report writers), run on the server's thread while it
 * does, with the symbolizer the profiles keep (serve/symkeep.h). A heap
 * over the copy limit is marked while stopped, as at exit, and the report
 * says so.
 */
#include "cli/live_check.h"
#include "cli/pipeline.h"
#include "collect/live_stop.h"
#include "collect/record.h"
#include "common/clock.h"
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
                               .show_glue = p->opt->show_glue,
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

/*
 * The most a check copies: the launcher holds as much memory as the copy
 * while it marks. 2 GiB lets a 1 GiB heap's check pause for the copy only
 * (bench/RESULTS.md); above it the check marks while stopped.
 */
#define LIVE_COPY_MAX (2ull << 30)

typedef struct live_scan {
    const ch_options *opt;
    ch_copy_buf *keep;
    ch_scan_job *job;         /* the roots and a snapshot, to mark after the resume */
    char marked_stopped[200]; /* else why the marking was done while stopped */
} live_scan;

/* On the tracer, the target stopped: the roots and the snapshot, or failing
 * the snapshot the whole scan. */
static void scan_or_snapshot(void *ctx, const ch_stopped_target *t, ch_profile *p)
{
    live_scan *ls = ctx;
    const ch_scan_opts so = {.verbose = ls->opt->verbose, .show_roots = ls->opt->show_roots};
    ch_scan_job *j = ch_scan_prepare(t, p, &so);
    if (!j)
        return;
    if (ch_scan_snapshot(j, p, LIVE_COPY_MAX, ls->keep, ls->marked_stopped,
                         sizeof ls->marked_stopped)) {
        if (ls->opt->verbose)
            fprintf(stderr, "cgoheap: leak check marked while stopped: %s\n", ls->marked_stopped);
        ch_scan_run(j, p);
        ch_scan_job_free(j);
        return;
    }
    ls->job = j;
}

/*
 * Before the first stop: the copy's buffer, faulted in for the heap in use
 * now and a quarter more (the roots, the gaps copied between blocks,
 * growth), so that the pause does not zero fresh pages: they were 52% of a
 * 64 MiB check's pause, and the first 1 GiB check took 3.9 s of tracer CPU
 * against 0.9-1.1 s for the next ones (bench/RESULTS.md). The next checks
 * find the pages kept (a heap that grew faults in only its growth), so
 * they skip it: reading the record and touching 1 GiB again cost 1.1 s of
 * launcher CPU per check at a load of 28. Best effort: a record that
 * cannot be read or memory that cannot be had leave it to the copy.
 */
static void prefault_copy(ch_copy_buf *b, const ch_live_record *rec)
{
    if (b->p)
        return;
    ch_profile p = {0}; /* the reader takes a zeroed profile */
    char err[160];
    if (ch_record_read_live(rec->hdr, rec->size, &p, err, sizeof err))
        return;
    uint64_t bytes = 0;
    for (size_t i = 0; i < p.nblocks; i++)
        bytes += p.blocks[i].size;
    ch_record_free(&p);
    bytes += bytes / 4;
    (void)ch_copy_buf_reserve(b, bytes < LIVE_COPY_MAX ? bytes : LIVE_COPY_MAX);
}

int ch_live_check_run(void *ctx, const ch_live_record *rec, const ch_leaks_query *q,
                      ch_leaks_answer *a)
{
    ch_live_checker *lc = ctx; /* checks come one at a time (serve/leaks.c) */
    ch_options o = *lc->opt;
    if (q->kinds && ch_parse_kinds(q->kinds, &o.show_kinds))
        return reply_error(a, 400,
                           "bad kinds parameter: definite,indirect,possible,reachable,"
                           "gogarbage,gofinalizer, all or none");
    ch_phase_mute(true); /* the -v times are the exit path's */
    ch_pipeline p = {.opt = &o, .every_stack = q->format != CH_LEAKS_TEXT};
    live_scan ls = {.opt = lc->opt, .keep = &lc->copy};
    ch_live_check c = {.fn = scan_or_snapshot, .ctx = &ls, .prof = &p.prof};
    if (!lc->opt->show_roots) /* which marks while stopped, from no copy */
        prefault_copy(&lc->copy, rec);
    if (ch_live_stop_run(rec->stop, &c)) {
        ch_scan_job_free(ls.job);
        ch_pipeline_free(&p);
        return reply_error(a, 503, c.err);
    }
    ch_live_pause pause = {.seconds = c.pause,
                           .threads = c.nthreads,
                           .missed = c.nmissed,
                           .stop_at = c.stop_at,
                           .resume_at = c.stop_at + c.pause,
                           .marked_stopped = ls.job ? NULL : ls.marked_stopped};
    pause.marked_at = pause.resume_at;
    if (ls.job) {
        ch_scan_run(ls.job, &p.prof);
        ch_scan_job_free(ls.job);
        pause.marked_at = ch_now();
        ch_copy_buf_idle(&lc->copy);
    }
    if (!ls.marked_stopped[0])
        pause.marked_stopped = NULL; /* nothing to mark: no block, or no scan */
    const char *why;
    int rc = -1;
    const ch_symkept *kept = ch_symkeep_get(lc->symbols, &p.prof); /* held to the report's end */
    p.sym = kept ? kept->sym : NULL;
    p.sym_borrowed = kept != NULL;
    int failed = ch_pipeline_analyze(&p, lc->supp, &why);
    pause.check_seconds = ch_now() - c.stop_at;
    a->pause_seconds = c.pause;
    a->check_seconds = pause.check_seconds;
    a->marked_stopped = pause.marked_stopped != NULL;
    if (failed)
        reply_error(a, 500, why);
    else {
        ch_report_input in = ch_pipeline_input(&p);
        in.live = &pause;
        ch_report_kind_total(&in, CH_KIND_DEFINITE, &a->definite_bytes, &a->definite_blocks);
        rc = write_report(&p, &in, q->format, a);
    }
    ch_pipeline_free(&p);
    ch_symkeep_put(lc->symbols);
    return rc;
}

/*
 * `cgoheap run`: the pipeline collect -> analyze -> symbolize -> report.
 * Everything the user asked for that can fail before the program runs (bad
 * suppression files, an unwritable log file, a missing agent) fails first:
 * running a long test suite only to lose its report would be worse.
 */
#include "cli/run.h"
#include "analyze/analyze.h"
#include "cli/live_check.h"
#include "cli/pipeline.h"
#include "cli/symstacks.h"
#include "cli/version.h"
#include "collect/collect.h"
#include "common/clock.h"
#include "common/outfile.h"
#include "common/path_expand.h"
#include "common/phase.h"
#include "report/report.h"
#include "serve/serve.h"
#include "symbolize/symbolize.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_CGOHEAP_ERROR 1
#define EXIT_UNTRACKED 125 /* a gate was asked for, but nothing could be tracked */
#define EXIT_NO_PROGRAM 127

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "cgoheap: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

/*
 * The agent: CGOHEAP_AGENT, else next to the CLI binary, as `make install`
 * puts it (PREFIX/bin/cgoheap, PREFIX/lib/cgoheap/libcgoheap.so) or as the
 * build tree has it (build/bin/cgoheap, build/lib/libcgoheap.so).
 */
static int find_agent(char *path, size_t len)
{
    const char *env = getenv("CGOHEAP_AGENT");
    if (env && *env) {
        snprintf(path, len, "%s", env);
        return access(path, R_OK);
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = 0;
    static const char *const rel[] = {"../lib/cgoheap/libcgoheap.so", "../lib/libcgoheap.so"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
        if ((size_t)snprintf(path, len, "%s/%s", self, rel[i]) < len && access(path, R_OK) == 0)
            return 0;
    return -1;
}

static ch_suppressions *load_suppressions(const ch_options *o)
{
    ch_suppressions *s = ch_supp_new();
    if (!s)
        return NULL;
    if (o->default_suppressions)
        ch_supp_add_defaults(s);
    for (size_t i = 0; i < o->nsupp_files; i++) {
        char err[512];
        if (ch_supp_load(s, o->supp_files[i], err, sizeof err)) {
            fail(err, NULL);
            ch_supp_free(s);
            return NULL;
        }
    }
    return s;
}

/* Leaks that count as errors (ch_report_is_error), or an invalid free. */
static bool has_error_leaks(const ch_pipeline *p, const ch_report_input *in)
{
    if (p->prof.ninvalid_frees)
        return true;
    for (size_t i = 0; i < p->nrecords; i++)
        if (ch_report_is_error(in, &p->records[i]))
            return true;
    return false;
}

/*
 * Nothing tracked (a static or set-user-ID program, a loader that was
 * told otherwise) must not pass a gate as a clean run: said on stderr
 * whatever --log-file is, and with --error-exitcode the run fails. A Go
 * program without cgo has no C heap: saying so is the whole answer.
 */
static bool untracked_fails(const ch_pipeline *p, bool children_reported)
{
    if (p->prof.agent_attached || !p->prof.untracked[0])
        return false;
    fail(p->prof.no_c_heap ? "nothing to check" : "nothing was tracked", p->prof.untracked);
    return p->opt->error_exitcode && !p->prof.no_c_heap && !children_reported;
}

/* Opens the report file named by tmpl (%p: pid, %q{VAR}, %%). */
static FILE *open_output(const char *tmpl, long pid)
{
    char path[PATH_MAX], err[PATH_MAX + 128];
    if (ch_path_expand(tmpl, pid, path, sizeof path, err, sizeof err)) {
        fail(err, NULL);
        return NULL;
    }
    FILE *f = ch_outfile_open(path);
    if (!f)
        fail(path, strerror(errno));
    return f;
}

/* Before the run: every report name expands (the pid is not known yet,
 * so ours stands in), and a log file named by pid will be creatable. */
static int check_output_names(const ch_options *o)
{
    const char *tmpl[] = {o->log_file, o->pprof_file, o->json_file, o->folded_file, o->xml_file};
    char path[PATH_MAX], err[PATH_MAX + 128];
    for (size_t i = 0; i < sizeof tmpl / sizeof tmpl[0]; i++) {
        if (tmpl[i] && ch_path_expand(tmpl[i], getpid(), path, sizeof path, err, sizeof err)) {
            fail(err, NULL);
            return -1;
        }
    }
    if (!o->log_file || !ch_path_has_pid(o->log_file))
        return 0;
    ch_path_expand(o->log_file, getpid(), path, sizeof path, err, sizeof err);
    char *slash = strrchr(path, '/');
    const char *dir = slash ? (slash == path ? "/" : (*slash = 0, path)) : ".";
    if (access(dir, W_OK)) {
        fail(dir, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * An output file that cannot be written must fail before the program
 * runs, not after a long run: a regular file is opened for writing (and
 * created, empty, if missing) without cutting what it holds; a FIFO or
 * device is only checked for write access, since opening it would be seen
 * by its reader. A name with %p is known only once the program runs.
 */
static int check_output(const char *tmpl)
{
    struct stat st;
    char path[PATH_MAX], err[PATH_MAX + 128];
    if (!tmpl || ch_path_has_pid(tmpl) ||
        ch_path_expand(tmpl, 0, path, sizeof path, err, sizeof err))
        return 0; /* a bad name was told by check_output_names */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode) || access(path, W_OK) != 0) {
            fail(path, strerror(S_ISDIR(st.st_mode) ? EISDIR : errno));
            return -1;
        }
        return 0;
    }
    FILE *f = open_output(tmpl, 0);
    if (!f)
        return -1;
    fclose(f);
    return 0;
}

static int check_outputs(const ch_options *o)
{
    return check_output(o->pprof_file) || check_output(o->json_file) ||
                   check_output(o->folded_file) || check_output(o->xml_file)
               ? -1
               : 0;
}

/* The program's side report, or a child's when the name holds %p (else it is the program's). */
static const char *side_name(const ch_pipeline *p, const char *tmpl)
{
    return tmpl && (!p->child || ch_path_has_pid(tmpl)) ? tmpl : NULL;
}

static int write_side_reports(const ch_pipeline *p, const ch_report_input *in,
                              const ch_report_opts *ro)
{
    int rc = 0;
    char pprof[PATH_MAX], err[PATH_MAX + 128];
    const char *pprof_file = side_name(p, p->opt->pprof_file);
    if (pprof_file &&
        ch_path_expand(pprof_file, p->prof.pid, pprof, sizeof pprof, err, sizeof err)) {
        fail(err, NULL);
        rc = -1;
    } else if (pprof_file && ch_report_pprof(pprof, in)) {
        fail(pprof, strerror(errno));
        rc = -1;
    }
    const char *paths[3] = {side_name(p, p->opt->json_file), side_name(p, p->opt->folded_file),
                            side_name(p, p->opt->xml_file)};
    for (int k = 0; k < 3; k++) {
        if (!paths[k])
            continue;
        FILE *f = open_output(paths[k], p->prof.pid);
        int bad = !f || (k == 0   ? ch_report_json(f, in)
                         : k == 1 ? ch_report_folded(f, in)
                                  : ch_report_xml(f, in, ro));
        if (f && ch_outfile_close(f))
            bad = 1;
        if (bad) {
            if (f)
                fail(paths[k], "write failed");
            rc = -1;
        }
    }
    return rc;
}

static int report(ch_pipeline *p, FILE *log, bool children_reported)
{
    ch_report_input in = ch_pipeline_input(p);
    if (untracked_fails(p, children_reported))
        in.exit_status = p->status = EXIT_UNTRACKED;
    else if (p->opt->error_exitcode && has_error_leaks(p, &in)) {
        in.exit_status = p->status = p->opt->error_exitcode;
        p->leaked = true;
    }
    ch_report_opts ro = {
        .show_kinds = ch_pipeline_shown_kinds(p),
        .show_glue = p->opt->show_glue,
        .gen_suppressions = p->opt->gen_suppressions,
    };
    int rc = ch_report_text(log, &in, &ro);
    if (fflush(log) != 0 || rc) {
        fail(p->opt->log_file ? p->opt->log_file : "writing the report", strerror(errno));
        rc = -1;
    }
    return write_side_reports(p, &in, &ro) || rc ? -1 : 0;
}

static int analyze_and_report(ch_pipeline *p, const ch_suppressions *supp, FILE *log,
                              bool children_reported)
{
    const char *why;
    if (ch_pipeline_analyze(p, supp, &why)) {
        fail(why, NULL);
        return -1;
    }
    ch_phase("report");
    return report(p, log, children_reported);
}

/*
 * Followed children's reports, made at each child's exit stop (while its
 * files, even an executable `go run` deletes afterwards, can still be
 * read). Each goes to its own file when the log's name holds %p; else it
 * is kept and follows the program's report in the log.
 */
typedef struct children_out {
    const ch_options *opt;
    const ch_suppressions *supp;
    char *buf; /* reports kept for the shared log */
    size_t len;
    FILE *mem; /* writes buf; NULL until a report is kept */
    size_t reported;
    bool leaked; /* some child's error kinds remain (--error-exitcode) */
    bool failed; /* a report could not be written */
} children_out;

static FILE *child_log(children_out *c, long pid, bool *own_file)
{
    *own_file = c->opt->log_file && ch_path_has_pid(c->opt->log_file);
    if (*own_file)
        return open_output(c->opt->log_file, pid);
    if (!c->mem)
        c->mem = open_memstream(&c->buf, &c->len);
    return c->mem;
}

static void report_child(void *ctx, ch_profile *prof, const ch_proc_info *info)
{
    children_out *c = ctx;
    ch_pipeline p = {.opt = c->opt,
                     .every_stack = c->opt->pprof_file || c->opt->json_file,
                     .child = info,
                     .prof = *prof};
    p.status = ch_exit_status(&p.prof.exit);
    bool own_file;
    FILE *log = child_log(c, p.prof.pid, &own_file);
    if (!log || analyze_and_report(&p, c->supp, log, true))
        c->failed = true;
    if (own_file && log && ch_outfile_close(log))
        c->failed = true;
    c->reported++;
    c->leaked |= p.leaked;
    ch_pipeline_free(&p);
}

/* After the program's report: the children's kept reports. */
static int children_finish(children_out *c, FILE *log)
{
    int rc = c->failed ? -1 : 0;
    if (c->mem && fclose(c->mem) != 0)
        rc = -1;
    if (c->buf && c->len && (fwrite(c->buf, 1, c->len, log) != c->len || fflush(log) != 0))
        rc = -1;
    free(c->buf);
    c->mem = NULL;
    c->buf = NULL;
    return rc;
}

/* --http, --snapshot-*: started before the program runs (a bad address fails first). */
static ch_serve *serve_open(const ch_options *o, ch_live_checker *checker, FILE *log,
                            ch_run_opts *ro)
{
    char err[512];
    ch_serve_opts so = {.http = o->http,
                        .allow_remote = o->http_allow_remote,
                        .snapshot_interval = o->snapshot_interval,
                        .snapshot_dir = o->snapshot_dir,
                        .program = o->argv[0],
                        .leaks = ch_live_check_run,
                        .leaks_ctx = checker,
                        .symbols = checker->symbols};
    ch_serve *s = ch_serve_open(&so, err, sizeof err);
    if (!s) {
        fail(err, NULL);
        return NULL;
    }
    if (ch_serve_url(s)) {
        fprintf(log,
                "cgoheap: serving %s/debug/pprof/ and /metrics, leak checks at "
                "/debug/cgoheap/leaks\n",
                ch_serve_url(s));
        fflush(log);
    }
    ro->on_live = ch_serve_live;
    ro->live_ctx = s;
    return s;
}

static void print_peak(FILE *log, int pid, const ch_peak *pk)
{
    if (!pk->known)
        return;
    char when[32];
    time_t t = (time_t)pk->when;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    fprintf(log,
            "==%d== peak C heap in use: %llu bytes in %llu blocks, %.0f s after the start (%s; "
            "seen once a second)\n",
            pid, (unsigned long long)pk->bytes, (unsigned long long)pk->blocks, pk->after, when);
}

int ch_run(const ch_options *o)
{
    if (o->print_default_suppressions) {
        ch_supp_print_defaults(stdout);
        return 0;
    }
    ch_phase("setup");
    char agent[PATH_MAX];
    if (find_agent(agent, sizeof agent)) {
        fail("cannot find the agent libcgoheap.so (set CGOHEAP_AGENT)", agent);
        return EXIT_CGOHEAP_ERROR;
    }
    ch_suppressions *supp = load_suppressions(o);
    if (!supp)
        return EXIT_CGOHEAP_ERROR;
    /* A log named by pid is opened once the program runs. */
    bool log_later = o->log_file && ch_path_has_pid(o->log_file);
    FILE *log = check_output_names(o)       ? NULL
                : o->log_file && !log_later ? open_output(o->log_file, 0)
                                            : stderr;
    if (!log || check_outputs(o)) {
        if (log && log != stderr)
            fclose(log);
        ch_supp_free(supp);
        return EXIT_CGOHEAP_ERROR;
    }
    ch_pipeline p = {.opt = o, .every_stack = o->pprof_file || o->json_file};
    children_out kids = {.opt = o, .supp = supp};
    ch_run_opts ro = {.argv = o->argv,
                      .agent_path = agent,
                      .sample_rate = o->sample_rate,
                      .scan = o->scan,
                      .trace_threads = !o->trace_threads                  ? CH_TRACE_DEFAULT
                                       : strcmp(o->trace_threads, "main") ? CH_TRACE_ALL
                                                                          : CH_TRACE_MAIN,
                      .unwind = o->unwind,
                      .verbose = o->verbose,
                      .follow = o->trace_children,
                      .skip = o->trace_children_skip,
                      .on_child = report_child,
                      .child_ctx = &kids,
                      .on_stopped = ch_pipeline_scan,
                      .stopped_ctx = (void *)o};
    char err[512] = "";
    int status;
    bool live = o->http || o->snapshot_interval > 0;
    ch_live_checker checker = {.opt = o, .supp = supp};
    if (live && !(checker.symbols = ch_symkeep_new(o->verbose)))
        fail("out of memory", NULL);
    ch_serve *served = live && checker.symbols ? serve_open(o, &checker, log, &ro) : NULL;
    if (live && !served) {
        ch_symkeep_free(checker.symbols);
        ch_supp_free(supp);
        if (log != stderr)
            ch_outfile_close(log);
        return EXIT_CGOHEAP_ERROR;
    }
    ch_phase("program");
    double start = ch_now();
    int collect_rc = ch_collect_run(&ro, &p.prof, err, sizeof err);
    p.run_seconds = ch_now() - start;
    ch_peak peak = {0};
    ch_serve_close(served, &peak);
    ch_copy_buf_free(&checker.copy);
    ch_symkeep_free(checker.symbols);
    if (collect_rc) {
        fail(err, NULL);
        status = p.prof.pid ? EXIT_CGOHEAP_ERROR : EXIT_NO_PROGRAM;
    } else {
        p.status = ch_exit_status(&p.prof.exit);
        if (log_later && !(log = open_output(o->log_file, p.prof.pid)))
            status = EXIT_CGOHEAP_ERROR;
        else if (analyze_and_report(&p, supp, log, kids.reported > 0))
            status = EXIT_CGOHEAP_ERROR;
        else
            status = kids.leaked && !p.leaked && o->error_exitcode ? o->error_exitcode : p.status;
        if (log)
            print_peak(log, p.prof.pid, &peak);
    }
    if (children_finish(&kids, log ? log : stderr) && status != EXIT_CGOHEAP_ERROR) {
        fail("writing a child's report", strerror(errno));
        status = EXIT_CGOHEAP_ERROR;
    }
    ch_phase("cleanup");
    ch_pipeline_free(&p);
    ch_supp_free(supp);
    if (o->verbose)
        ch_phase_print(stderr);
    if (log && log != stderr)
        ch_outfile_close(log);
    return status;
}

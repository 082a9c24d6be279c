/*
 * `cgoheap run`: the pipeline collect -> analyze -> symbolize -> report.
 * Everything the user asked for that can fail before the program runs (bad
 * suppression files, an unwritable log file, a missing agent) fails first:
 * running a long test suite only to lose its report would be worse.
 */
#include "cli/run.h"
#include "analyze/analyze.h"
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

typedef struct pipeline {
    const ch_options *opt;
    ch_profile prof;
    ch_record *records;
    size_t nrecords;
    ch_symbolizer *sym;
    ch_symstacks *stacks; /* how far each stack is symbolized, its suppression */
    const char **build_ids;
    int status; /* what cgoheap exits with, once the leaks are known */
    double run_seconds;
} pipeline;

static int symbolizer_open(pipeline *p, const ch_suppressions *supp)
{
    p->sym = ch_symbolizer_new(p->prof.modules, p->prof.nmodules);
    p->stacks = p->sym ? ch_symstacks_new(&p->prof, p->sym, supp) : NULL;
    p->build_ids = calloc(p->prof.nmodules ? p->prof.nmodules : 1, sizeof *p->build_ids);
    if (!p->sym || !p->stacks || !p->build_ids)
        return -1;
    /* Build IDs are for pprof's mappings and the JSON report only. */
    for (size_t m = 0; m < p->prof.nmodules; m++)
        p->build_ids[m] =
            p->opt->pprof_file || p->opt->json_file ? ch_symbolizer_build_id(p->sym, m) : "";
    return 0;
}

/* The kinds that count as errors. Unscanned memory cannot be told apart:
 * unfreed blocks count whenever any kind does, so a gate never passes by
 * accident. */
static unsigned error_kinds(const ch_options *o)
{
    return o->error_kinds ? o->error_kinds | 1u << CH_KIND_UNFREED : 0;
}

static unsigned shown_kinds(const pipeline *p)
{
    return p->opt->show_kinds | (p->prof.scanned ? 0 : 1u << CH_KIND_UNFREED);
}

/* A record that is neither printed nor can fail the run only adds to its
 * kind's total, and the built-in suppressions name functions: the names
 * are enough for it, unless the user's own patterns may name files. The
 * folded report prints every record that is not suppressed. */
static bool needs_full_symbols(const pipeline *p, const ch_record *r)
{
    unsigned bit = 1u << r->kind;
    unsigned errors = p->opt->error_exitcode ? error_kinds(p->opt) : 0;
    return (shown_kinds(p) & bit) || (errors & bit) || p->opt->nsupp_files > 0 ||
           p->opt->folded_file;
}

static void set_verdict(ch_record *r, const char *pattern)
{
    r->suppressed = pattern != NULL;
    r->suppressed_by = pattern;
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
static void suppress_record(pipeline *p, ch_record *r, bool every_stack)
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

static void suppress_and_symbolize(pipeline *p)
{
    bool every_stack = p->opt->pprof_file || p->opt->json_file;
    for (size_t i = 0; i < p->nrecords; i++) {
        ch_prefetch_records(&p->prof, p->records, p->nrecords, i);
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

/* Leaks that count as errors (ch_report_is_error), or an invalid free. */
static bool has_error_leaks(const pipeline *p, const ch_report_input *in)
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
static bool untracked_fails(const pipeline *p)
{
    if (p->prof.agent_attached || !p->prof.untracked[0])
        return false;
    fail(p->prof.no_c_heap ? "nothing to check" : "nothing was tracked", p->prof.untracked);
    return p->opt->error_exitcode && !p->prof.no_c_heap;
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

static int write_side_reports(const pipeline *p, const ch_report_input *in,
                              const ch_report_opts *ro)
{
    int rc = 0;
    char pprof[PATH_MAX], err[PATH_MAX + 128];
    if (p->opt->pprof_file &&
        ch_path_expand(p->opt->pprof_file, p->prof.pid, pprof, sizeof pprof, err, sizeof err)) {
        fail(err, NULL);
        rc = -1;
    } else if (p->opt->pprof_file && ch_report_pprof(pprof, in)) {
        fail(pprof, strerror(errno));
        rc = -1;
    }
    const char *paths[3] = {p->opt->json_file, p->opt->folded_file, p->opt->xml_file};
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

static int report(pipeline *p, FILE *log)
{
    ch_report_input in = {
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
        .program_argv = p->opt->argv,
        .run_seconds = p->run_seconds,
        .exit_status = p->status,
        .error_kinds = error_kinds(p->opt),
    };
    if (untracked_fails(p))
        in.exit_status = p->status = EXIT_UNTRACKED;
    else if (p->opt->error_exitcode && has_error_leaks(p, &in))
        in.exit_status = p->status = p->opt->error_exitcode;
    ch_report_opts ro = {
        .show_kinds = shown_kinds(p),
        .show_internal = p->opt->show_internal,
        .gen_suppressions = p->opt->gen_suppressions,
    };
    int rc = ch_report_text(log, &in, &ro);
    if (fflush(log) != 0 || rc) {
        fail(p->opt->log_file ? p->opt->log_file : "writing the report", strerror(errno));
        rc = -1;
    }
    return write_side_reports(p, &in, &ro) || rc ? -1 : 0;
}

static void pipeline_free(pipeline *p)
{
    ch_symstacks_free(p->stacks);
    free(p->build_ids);
    free(p->records);
    if (p->sym)
        ch_symbolizer_free(p->sym);
    ch_profile_free(&p->prof);
}

static int analyze_and_report(pipeline *p, const ch_suppressions *supp, FILE *log)
{
    ch_phase("group");
    p->records = ch_group(&p->prof, &p->nrecords);
    if ((!p->records && p->prof.nblocks) || ch_roots_attach(&p->prof, p->records, p->nrecords)) {
        fail("out of memory", NULL);
        return -1;
    }
    if (symbolizer_open(p, supp)) {
        fail("out of memory while symbolizing", NULL);
        return -1;
    }
    ch_phase("symbolize");
    suppress_and_symbolize(p);
    ch_phase("report");
    return report(p, log);
}

/* --http, --snapshot-*: started before the program runs (a bad address fails first). */
static ch_serve *serve_open(const ch_options *o, FILE *log, ch_run_opts *ro)
{
    char err[512];
    ch_serve_opts so = {.http = o->http,
                        .allow_remote = o->http_allow_remote,
                        .snapshot_interval = o->snapshot_interval,
                        .snapshot_dir = o->snapshot_dir,
                        .program = o->argv[0]};
    ch_serve *s = ch_serve_open(&so, err, sizeof err);
    if (!s) {
        fail(err, NULL);
        return NULL;
    }
    if (ch_serve_url(s)) {
        fprintf(log, "cgoheap: serving %s/debug/pprof/ and /metrics\n", ch_serve_url(s));
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
    pipeline p = {.opt = o};
    ch_run_opts ro = {.argv = o->argv,
                      .agent_path = agent,
                      .sample_rate = o->sample_rate,
                      .scan = o->scan,
                      .show_roots = o->show_roots,
                      .trace_threads = !o->trace_threads                  ? CH_TRACE_DEFAULT
                                       : strcmp(o->trace_threads, "main") ? CH_TRACE_ALL
                                                                          : CH_TRACE_MAIN,
                      .unwind = o->unwind,
                      .verbose = o->verbose};
    char err[512] = "";
    int status;
    bool live = o->http || o->snapshot_interval > 0;
    ch_serve *served = live ? serve_open(o, log, &ro) : NULL;
    if (live && !served) {
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
    if (collect_rc) {
        fail(err, NULL);
        status = p.prof.pid ? EXIT_CGOHEAP_ERROR : EXIT_NO_PROGRAM;
    } else {
        p.status = ch_exit_status(&p.prof.exit);
        if (log_later && !(log = open_output(o->log_file, p.prof.pid)))
            status = EXIT_CGOHEAP_ERROR;
        else if (analyze_and_report(&p, supp, log))
            status = EXIT_CGOHEAP_ERROR;
        else
            status = p.status;
        if (log)
            print_peak(log, p.prof.pid, &peak);
    }
    ch_phase("cleanup");
    pipeline_free(&p);
    ch_supp_free(supp);
    if (o->verbose)
        ch_phase_print(stderr);
    if (log && log != stderr)
        ch_outfile_close(log);
    return status;
}

/* collect: start the target under the agent, stop it at exit, read the record. */
#ifndef CGOHEAP_COLLECT_H
#define CGOHEAP_COLLECT_H

#include "cgoheap/shm.h"
#include "collect/live_stop.h"
#include "collect/stopped.h"
#include "common/profile.h"
#include <stdbool.h>
#include <stdint.h>

/* The agent's record while the program runs, for readers other than the exit path. */
typedef struct ch_live_record {
    const ch_shm_header *hdr; /* mapped read-write by the launcher; written by the target */
    size_t size;
    int fd; /* the record's memfd */
    int pid;
    const struct ch_epochs *epochs; /* the blocks' ages (collect/epochs.h); NULL if unknown */
    ch_live_stop *stop;             /* leak checks of the running program (ch_live_stop_run) */
} ch_live_record;

/* Called on the launcher's thread with the record before the program runs, and with NULL
 * once it has ended (before the exit path reads the record). */
typedef void (*ch_live_fn)(void *ctx, const ch_live_record *rec);

/* A followed child process (its report's header). */
typedef struct ch_proc_info {
    int pid, ppid;
    char **argv; /* its command line, NULL if unknown */
} ch_proc_info;

/* Called at a followed child's exit stop, while it is held (its files, even a
 * deleted executable, still readable), with its profile as ch_collect_run
 * fills the program's. The callback takes the profile (frees it with ch_profile_free). */
typedef void (*ch_child_fn)(void *ctx, ch_profile *prof, const ch_proc_info *info);

/* Which threads are traced (--trace-threads). */
typedef enum ch_trace_threads {
    CH_TRACE_DEFAULT, /* all, but only the main one in a sampled run */
    CH_TRACE_ALL,
    CH_TRACE_MAIN,
} ch_trace_threads;

typedef struct ch_run_opts {
    char *const *argv;      /* program and its arguments; argv[0] looked up in PATH */
    const char *agent_path; /* libcgoheap.so */
    uint64_t sample_rate;   /* bytes; 1 = every allocation */
    bool scan;              /* stop at exit and scan memory (reachability) */
    bool verbose;           /* notices about the launcher itself on stderr */
    ch_trace_threads trace_threads;
    const char
        *unwind; /* the agent's unwinding, "fast" or "exact" (CH_ENV_UNWIND); NULL: its own */
    ch_live_fn on_live; /* may be NULL */
    void *live_ctx;
    bool follow;          /* follow child processes (include/cgoheap/follow.h) */
    const char *skip;     /* children not followed: comma-separated globs */
    ch_child_fn on_child; /* each followed child's profile; may be NULL */
    void *child_ctx;
    ch_stopped_fn on_stopped; /* the roots and scan stage at an exit stop; NULL: no scan */
    void *stopped_ctx;
} ch_run_opts;

/*
 * Runs the program to completion and fills *out: the unfreed blocks (with
 * kinds set by the reachability scan when it could run, else CH_KIND_UNFREED
 * and a one-line scan_notice), every recorded stack, the modules and the exit
 * status. Forwards SIGINT/SIGTERM/SIGHUP to the target meanwhile.
 * Returns 0, or -1 after writing a one-line error to `err` (e.g. the program
 * does not exist: then no target ran).
 */
int ch_collect_run(const ch_run_opts *opts, ch_profile *out, char *err, size_t errlen);

/* Frees what ch_collect_run allocated. */
void ch_profile_free(ch_profile *p);

/* The exit status cgoheap should itself return for this target: the code, or 128+signal. */
int ch_exit_status(const ch_exit *e);

#endif

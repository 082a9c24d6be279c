/*
 * A stopped target: what collect hands over once every thread it could stop
 * is stopped (at the program's exit, or for a leak check while it runs), and
 * the stage that finds the roots in it and scans (scan_stopped.c). collect
 * only stops and resumes; the cli composes the stage, at exit or live.
 */
#ifndef CGOHEAP_COLLECT_STOPPED_H
#define CGOHEAP_COLLECT_STOPPED_H

#include "collect/trace.h"
#include "common/profile.h"
#include <stdbool.h>
#include <sys/types.h>

struct ch_go_prefetch;

/* The end of a scan_notice when memory was not scanned. */
#define CH_UNFREED_TAIL "; blocks reported as unfreed at exit"

typedef struct ch_stopped_target {
    pid_t pid;                      /* a stopped thread whose /proc entry shows the memory */
    int memfd;                      /* /proc/pid/mem, open for reading */
    const ch_exit_threads *threads; /* the stopped threads and their registers */
    const uint64_t *marks;          /* the record's stack marks (collect/record.h) */
    size_t nmarks;
    int shm_fd;                /* the record's memfd: its mapping is no root */
    const char *agent;         /* the agent's path: its mappings are no roots */
    struct ch_go_prefetch *go; /* the Go layouts read while the program ran, or NULL */
} ch_stopped_target;

/* What the scan stage is asked for. */
typedef struct ch_scan_opts {
    bool verbose;    /* its figures on stderr */
    bool show_roots; /* name what holds each block */
} ch_scan_opts;

/*
 * The stage run on a stopped target: the root regions (mappings, stacks cut
 * at their stack pointers, the Go runtime's view), then the reachability
 * scan of p's blocks, which sets their kinds (p->scanned), or a one-line
 * p->scan_notice when the memory cannot be read.
 */
void ch_scan_stopped(const ch_stopped_target *t, ch_profile *p, const ch_scan_opts *o);

/*
 * The same in steps, for a leak check of the running program, whose pause
 * is then only the copy: the roots (prepare), then a snapshot of every byte
 * the marking reads (the blocks, the roots, the Go heap's spans), both while
 * stopped; the marking (run) may then come after the resume, from the
 * snapshot, and answers for the stop instant. Without a snapshot, run reads
 * the target and must come before the resume.
 */
typedef struct ch_scan_job ch_scan_job;
/* NULL with p->scan_notice set when the roots cannot be read. */
ch_scan_job *ch_scan_prepare(const ch_stopped_target *t, ch_profile *p, const ch_scan_opts *o);
/* 0, or -1 with why (over `max` bytes, out of memory, --show-roots): no snapshot. It is
 * copied into keep (heap_copy.h), which must outlive the job. */
struct ch_copy_buf;
int ch_scan_snapshot(ch_scan_job *j, ch_profile *p, uint64_t max, struct ch_copy_buf *keep,
                     char *why, size_t whylen);
void ch_scan_run(ch_scan_job *j, ch_profile *p);
void ch_scan_job_free(ch_scan_job *j); /* NULL is fine */

/* Called by collect with the target stopped and its record read into p. */
typedef void (*ch_stopped_fn)(void *ctx, const ch_stopped_target *t, ch_profile *p);

#endif

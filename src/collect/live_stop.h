/*
 * Leak checks of the running program, asked for by any launcher thread and
 * done by the tracing thread: Linux takes ptrace requests for a tracee only
 * from the thread that attached it. A request waits in a one-slot queue
 * (one check at a time: concurrent askers wait their turn), the tracer is
 * woken by a SIGCHLD sent to it alone (which its wait loop takes with
 * sigtimedwait, so a request posted just before it blocks still wakes it),
 * stops every thread, runs the request's stage, resumes and answers.
 */
#ifndef CGOHEAP_COLLECT_LIVE_STOP_H
#define CGOHEAP_COLLECT_LIVE_STOP_H

#include "collect/stopped.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct ch_live_stop ch_live_stop;

/* One leak check: what to run on the stopped target, and its answer. */
typedef struct ch_live_check {
    ch_stopped_fn fn; /* run on the tracer's thread with the target stopped */
    void *ctx;
    ch_profile *prof; /* out: the record as read while stopped, kinds set by fn */
    double pause;     /* out: seconds from the first stop request to the last resume */
    double stop_at;   /* out: the first stop request, monotonic seconds (common/clock.h) */
    size_t nthreads;  /* out: the threads stopped */
    size_t nmissed;   /* out: live threads that did not stop in time (scanned whole) */
    char err[256];    /* out: why there is no answer, when ch_live_stop_run fails */
} ch_live_check;

/* Made on the tracing thread, which it wakes (NULL when out of memory). */
ch_live_stop *ch_live_stop_new(void);
void ch_live_stop_free(ch_live_stop *q);

/*
 * Any thread: runs c on the tracer and waits for it; checks are serialized.
 * 0, or -1 with c->err (checks refused, the program ended meanwhile).
 */
int ch_live_stop_run(ch_live_stop *q, ch_live_check *c);

/* The tracer: the waiting check, or NULL; then ch_live_stop_done with its answer. */
ch_live_check *ch_live_stop_take(ch_live_stop *q);
void ch_live_stop_done(ch_live_stop *q, ch_live_check *c, int rc);

/* From now on checks fail with `why` (no ptrace, threads not traced, the program ended). */
void ch_live_stop_refuse(ch_live_stop *q, const char *why);

#endif

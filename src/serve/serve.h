/*
 * `cgoheap run --http=ADDR` and `--snapshot-interval`: the program's C heap
 * while it runs, served over HTTP and written to files periodically. All of
 * it lives in the launcher (its own threads that only read the shared
 * record and /proc), never in the program, and never makes ptrace
 * requests: those must come from the tracing thread (a leak check asks it,
 * collect/live_stop.h).
 */
#ifndef CGOHEAP_SERVE_H
#define CGOHEAP_SERVE_H

#include "collect/collect.h"
#include "serve/leaks.h"
#include "serve/symkeep.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct ch_serve ch_serve;

typedef struct ch_serve_opts {
    const char *http;         /* NULL: no HTTP server */
    bool allow_remote;        /* --http may bind a non-loopback address */
    double snapshot_interval; /* seconds; 0: no snapshots */
    const char *snapshot_dir;
    const char *program; /* names the profiles */
    ch_leaks_fn leaks;   /* /debug/cgoheap/leaks; NULL: refused */
    void *leaks_ctx;
    ch_symkeep *symbols; /* the symbolizer kept for the profiles (and the leak checks) */
} ch_serve_opts;

/* Binds and starts what o asks for (nothing reads a record until one is attached). NULL with a
 * one-line error: a bad address or directory fails before the program runs. */
ch_serve *ch_serve_open(const ch_serve_opts *o, char *err, size_t errlen);

/* Where HTTP is served ("http://127.0.0.1:PORT", "unix:PATH"), or NULL. */
const char *ch_serve_url(const ch_serve *s);

/* A ch_live_fn for ch_run_opts.on_live (ctx is the ch_serve). */
void ch_serve_live(void *ctx, const ch_live_record *rec);

/* The largest C heap in use seen while the program ran (polled once a second). */
typedef struct ch_peak {
    bool known;
    uint64_t bytes, blocks;
    double after;   /* seconds after the program started */
    long long when; /* unix time */
} ch_peak;

/* Stops every thread, then gives the peak (if peak is not NULL) and frees everything. */
void ch_serve_close(ch_serve *s, ch_peak *peak);

#endif

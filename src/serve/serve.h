/*
 * `cgoheap run --http=ADDR`: the launcher serves the program's C heap over
 * HTTP while the program runs (net/http/pprof's paths, /metrics). The
 * server lives in the launcher (libmicrohttpd threads that only read the
 * shared record and /proc), never in the program, and never makes ptrace
 * requests: those must come from the tracing thread.
 */
#ifndef CGOHEAP_SERVE_H
#define CGOHEAP_SERVE_H

#include "collect/collect.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct ch_serve ch_serve;

/*
 * Binds ADDR ("HOST:PORT", "[V6]:PORT", ":PORT" for loopback, "unix:PATH")
 * and starts serving (503 until a record is attached). A host that is not
 * a loopback address is refused unless allow_remote. program names the
 * profiles. NULL with a one-line error.
 */
ch_serve *ch_serve_open(const char *addr, bool allow_remote, const char *program, char *err,
                        size_t errlen);

/* Where it listens: "http://127.0.0.1:PORT" (the port bound, also for port 0) or "unix:PATH". */
const char *ch_serve_url(const ch_serve *s);

/* A ch_live_fn for ch_run_opts.on_live (ctx is the ch_serve). */
void ch_serve_live(void *ctx, const ch_live_record *rec);

/* Stops serving, waits for the requests in flight, frees everything. */
void ch_serve_close(ch_serve *s);

#endif

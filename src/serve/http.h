/*
 * The HTTP server of --http (libmicrohttpd): net/http/pprof's paths and
 * /metrics, answered from a ch_live, and /debug/cgoheap/leaks from a ch_leaks.
 */
#ifndef CGOHEAP_SERVE_HTTP_H
#define CGOHEAP_SERVE_HTTP_H

#include "serve/leaks.h"
#include "serve/live.h"

typedef struct ch_http ch_http;

/*
 * Binds ADDR ("HOST:PORT", "[V6]:PORT", ":PORT" for loopback, "unix:PATH")
 * for live and leaks (which must outlive the server); ch_http_start serves them. A host that is
 * not a loopback address is refused unless allow_remote. NULL with a
 * one-line error.
 */
ch_http *ch_http_open(const char *addr, bool allow_remote, ch_live *live, ch_leaks *leaks,
                      char *err, size_t errlen);

/* Starts the server's threads. Separate from binding so that the launcher
 * is still single-threaded when it forks the program. 0 or -1 with an error. */
int ch_http_start(ch_http *s, char *err, size_t errlen);

/* "http://127.0.0.1:PORT" (the port bound, also for port 0) or "unix:PATH". */
const char *ch_http_url(const ch_http *s);

/* Stops serving and waits for the requests in flight (wake ?seconds= waiters first). */
void ch_http_close(ch_http *s);

#endif

/*
 * /debug/cgoheap/leaks: a leak check of the running program, reported as
 * at its exit (?format=text|json|pprof, ?kinds=), with the pause it caused.
 * The check itself (stop, roots and scan, resume, then the report stages)
 * is composed by the cli and handed in as a ch_leaks_fn; this side parses
 * the request, runs one check at a time and keeps the last one's figures
 * for /metrics.
 */
#ifndef CGOHEAP_SERVE_LEAKS_H
#define CGOHEAP_SERVE_LEAKS_H

#include "serve/live.h"

typedef enum ch_leaks_format { CH_LEAKS_TEXT, CH_LEAKS_JSON, CH_LEAKS_PPROF } ch_leaks_format;

typedef struct ch_leaks_query {
    ch_leaks_format format;
    const char *kinds; /* ?kinds=, as --show-kinds takes it; NULL: the run's --show-kinds */
} ch_leaks_query;

/* One check's answer: the report, and its figures for /metrics. */
typedef struct ch_leaks_answer {
    ch_reply reply; /* status 200 and the report, or an error */
    double pause_seconds, check_seconds;
    bool marked_stopped; /* marked while the program was stopped, not after */
    uint64_t definite_bytes, definite_blocks;
} ch_leaks_answer;

/* Runs a check on the record rec (on a server thread). 0, or -1 with an error reply. */
typedef int (*ch_leaks_fn)(void *ctx, const ch_live_record *rec, const ch_leaks_query *q,
                           ch_leaks_answer *a);

typedef struct ch_leaks ch_leaks;

/* NULL when out of memory. fn may be NULL: every request is then refused. */
ch_leaks *ch_leaks_new(ch_leaks_fn fn, void *ctx);
void ch_leaks_free(ch_leaks *l);

/* Starts (rec) or ends (NULL) the program's run. */
void ch_leaks_attach(ch_leaks *l, const ch_live_record *rec);

/* The request's ?format= and ?kinds= (NULL if absent); checks run one at a time. */
void ch_leaks_request(ch_leaks *l, const char *format, const char *kinds, ch_reply *out);

/* The last check's figures into x (x->checks stays 0 before the first). */
void ch_leaks_figures(ch_leaks *l, ch_metrics_extra *x);

#endif

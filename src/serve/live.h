/*
 * The live record as the HTTP endpoints see it: consistent-enough snapshots
 * of a record the running program keeps writing, symbolized with the
 * symbolizer kept across requests (symkeep.h), as pprof profiles (whole, delta over
 * N seconds, godeltaprof deltas), Go's legacy text and Prometheus metrics.
 * Every call may come from any server thread: they are serialized inside.
 */
#ifndef CGOHEAP_SERVE_LIVE_H
#define CGOHEAP_SERVE_LIVE_H

#include "collect/collect.h"
#include "report/report.h"
#include "serve/symkeep.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ch_live ch_live;

/* An answer: HTTP status, content type and a malloc'ed body. */
typedef struct ch_reply {
    int status;
    const char *type;
    char *body;
    size_t len;
} ch_reply;

typedef enum ch_heap_mode {
    CH_HEAP_WHOLE,   /* /debug/pprof/heap, /allocs */
    CH_HEAP_SECONDS, /* ?seconds=N: every value as a delta over N seconds */
    CH_HEAP_GODELTA, /* /delta_heap: alloc_* since the previous call, inuse_* absolute */
} ch_heap_mode;

typedef struct ch_heap_query {
    ch_heap_mode mode;
    unsigned seconds;         /* CH_HEAP_SECONDS */
    bool legacy_text;         /* ?debug=1 */
    const char *default_type; /* "alloc_space" for /allocs, else NULL */
    double min_age;           /* ?min_age=: only blocks at least this old (seconds); 0: all */
} ch_heap_query;

/* symbols: the kept symbolizer (symkeep.h), which must outlive l. */
ch_live *ch_live_new(const char *program, ch_symkeep *symbols);
void ch_live_free(ch_live *l);

/* Starts (rec) or ends (NULL) serving a record; ending wakes ?seconds= waiters. */
void ch_live_attach(ch_live *l, const ch_live_record *rec);

void ch_live_heap(ch_live *l, const ch_heap_query *q, ch_reply *out);
/* /metrics; x gives what the record does not know (the program's resident set is added). */
void ch_live_metrics(ch_live *l, const ch_metrics_extra *x, ch_reply *out);

/*
 * Makes the symbolizer and the profiles' locations of stacks that appeared
 * since the last call, so that the next profile does not: the first
 * profile of 131,072 stacks spent most of its time there. Nothing when no
 * stack appeared.
 */
void ch_live_warm(ch_live *l);

/* The heap in use now, as /metrics gives it. 0, or -1 if the record cannot be read. */
int ch_live_inuse(ch_live *l, uint64_t *bytes, uint64_t *blocks);

/* A plain text reply (for errors); the body is copied. */
void ch_reply_text(ch_reply *r, int status, const char *text);

#endif

/* report: text (valgrind-style), pprof, json, folded. */
#ifndef CGOHEAP_REPORT_H
#define CGOHEAP_REPORT_H

#include "common/profile.h"
#include <stdbool.h>
#include <stdio.h>

typedef struct ch_report_opts {
    unsigned show_kinds;   /* bit (1 << ch_kind) per kind whose records are printed */
    bool show_glue;        /* show glue frames */
    bool gen_suppressions; /* print a suppression entry after each record */
} ch_report_opts;

/* A leak check of the running program (not its exit): the pause it caused. */
typedef struct ch_live_pause {
    double seconds;       /* from the first thread asked to stop to the last one resumed */
    size_t threads;       /* threads stopped */
    size_t missed;        /* live threads that did not stop in time (their stacks scanned whole) */
    double check_seconds; /* the whole check: the pause, then marking, grouping and symbols */
    /* Monotonic clock (CLOCK_MONOTONIC, seconds) of the stop, the resume and the end of the
     * marking, which comes after the resume unless marked_stopped says why not. */
    double stop_at, resume_at, marked_at;
    const char *marked_stopped; /* NULL: marked from a copy after the resume */
} ch_live_pause;

typedef struct ch_report_input {
    const ch_profile *prof;
    const ch_loss_record *records; /* sorted biggest first */
    size_t nrecords;
    const char *const *build_ids; /* per module, "" if none */
    const char *program;          /* argv[0] as given */
    int pid;                      /* the target's pid, for the "==PID==" prefix */
    int ppid; /* a followed child's parent (its report then names its command); 0: the program */
    /*
     * Makes one stack's frames on demand into out->frames (malloc'ed, the
     * writer frees them), so that the frames of every stack need not be
     * held at once; none (nframes 0, or no callback): the writers show the
     * recorded PCs as module+offset. 0, or -1 when out of memory. Frame
     * strings must live until the report is written.
     */
    int (*stack_frames)(void *ctx, uint32_t stack_id, ch_symstack *out);
    void *stack_frames_ctx;
    /* The run, for the JSON and XML reports (NULL/0 when unknown). */
    const char *tool_version;  /* "0.1.0 (commit abc123)" */
    char *const *command_line; /* cgoheap's own argv, NULL-ended */
    char *const *program_argv; /* the program's argv, NULL-ended */
    double run_seconds;        /* how long the program ran */
    int exit_status;           /* the status cgoheap exits with */
    unsigned error_kinds;      /* bit (1 << ch_kind) per kind that counts as an error */
    const ch_live_pause *live; /* a leak check of the running program; NULL at exit */
} ch_report_input;

/* Whether a record counts as an error: not suppressed, of an error kind. */
static inline bool ch_report_is_error(const ch_report_input *in, const ch_loss_record *r)
{
    return !r->suppressed && (in->error_kinds & (1u << r->kind));
}

int ch_report_text(FILE *out, const ch_report_input *in, const ch_report_opts *o);
/* gzipped profile.proto, Go heap profile sample types. 0 or -1 with errno. */
int ch_report_pprof(const char *path, const ch_report_input *in);

/* One pprof heap sample's values: alloc_objects, alloc_space, inuse_objects, inuse_space. */
typedef struct ch_pprof_values {
    int64_t v[4];
} ch_pprof_values;

/*
 * What successive profiles of one record share: their locations and
 * functions, encoded once, and each stack's location ids, so that a stack
 * is symbolized for the first profile that has it only. It grows with the
 * distinct stacks and PCs. Valid for one record with one set of modules
 * and one hide_glue: the caller drops it when either changes.
 */
typedef struct ch_pprof_cache ch_pprof_cache;
ch_pprof_cache *ch_pprof_cache_new(void); /* NULL if out of memory */
void ch_pprof_cache_free(ch_pprof_cache *c);

/* What a live profile changes in the pprof writer; all zero gives --pprof's file. */
typedef struct ch_pprof_opts {
    const char *default_type;    /* the sample type pprof shows first ("alloc_space") */
    int64_t duration_ns;         /* a delta profile's duration */
    const ch_pprof_values *base; /* per stack id (prof->nstacks): subtracted, for a delta */
    ch_pprof_values *values;     /* per stack id: receives the values before the subtraction */
    bool hide_glue;              /* leave out cgo glue frames, as the text report does */
    ch_pprof_cache *cache;       /* NULL: the profile makes its own locations */
    bool per_stack;              /* one sample per stack, no "kind" label: a live heap was not
                                    scanned, so it has no leak kinds (the exit report's pprof
                                    splits each stack's samples per kind); with block ages and
                                    no base or values, one per age bucket (report_pprof.c) */
    uint64_t blocks_gen;         /* with a cache, not 0: names prof's blocks; a later profile with
                                    the same number has the same blocks, and the cache's sums of
                                    them per stack serve it */
    uint64_t *blocks_summed;     /* if set, receives how many blocks this profile summed (0 when
                                    the cache's sums served) */
} ch_pprof_opts;

/* Makes what a profile with o (a live whole one, o->cache set) would find in the cache: the
 * locations of every stack of in->prof, the sums of its blocks (o->blocks_gen). Ahead of a
 * first profile. 0, or -1 if out of memory. */
int ch_pprof_cache_warm(const ch_report_input *in, const ch_pprof_opts *o);

/* The same profile in memory: *gz (malloc'ed, *len bytes). 0 or -1 with errno. */
int ch_report_pprof_mem(const ch_report_input *in, const ch_pprof_opts *o, unsigned char **gz,
                        size_t *len);
/* Go's legacy text heap profile (debug=1), unscaled figures and heap/2*rate. 0 or -1. */
int ch_report_heap_legacy(FILE *out, const ch_report_input *in, bool show_glue);

/* What the Prometheus exposition adds to the record's figures. */
typedef struct ch_metrics_extra {
    uint64_t rss_bytes; /* the program's resident set; 0 if unknown */
    /* The last leak check of the running program (/debug/cgoheap/leaks), if any. */
    uint64_t checks;                          /* leak checks answered so far; 0: none, no figures */
    double check_pause_seconds;               /* the pause the last one caused */
    double check_seconds;                     /* how long it took in all */
    bool check_marked_stopped;                /* it marked while the program was stopped */
    uint64_t definite_bytes, definite_blocks; /* definitely lost then (direct, not suppressed) */
    /* What serving cost so far: reads of the record's live table, the blocks they read, and
     * the blocks summed per stack (a request when nothing changed reads and sums none). */
    bool serve_counts;
    uint64_t record_reads, blocks_read, blocks_summed;
} ch_metrics_extra;

/* Prometheus text format: heap in use, allocations, frees, agent memory. 0 or -1.
 * in->records are the live blocks grouped (ch_group), for the scaled totals. */
int ch_report_metrics(FILE *out, const ch_report_input *in, const ch_metrics_extra *x);
/* The heap in use as /metrics gives it (scaled when sampled), from the same input. */
void ch_report_inuse(const ch_report_input *in, uint64_t *bytes, uint64_t *blocks);
/* One kind's records that are not suppressed, as the text report's summary gives it. */
void ch_report_kind_total(const ch_report_input *in, ch_kind k, uint64_t *bytes, uint64_t *blocks);
int ch_report_json(FILE *out, const ch_report_input *in);
/* valgrind memcheck's XML (protocol 4), leak errors only. */
int ch_report_xml(FILE *out, const ch_report_input *in, const ch_report_opts *o);
/* Brendan Gregg's folded stacks: "root;...;leaf bytes" per record. */
int ch_report_folded(FILE *out, const ch_report_input *in);

#endif

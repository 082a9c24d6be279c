/*
 * Helpers shared by the report writers (text, pprof, json, folded). Every
 * writer must agree on which frames are shown, how a cgo allocation is
 * recognised and how sampled figures are scaled, so those rules live here once.
 */
#ifndef CGOHEAP_REPORT_INTERNAL_H
#define CGOHEAP_REPORT_INTERNAL_H

#include "report/report.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the largest uint64 with thousands separators: 26 chars + NUL. */
#define CHR_NUM_LEN 32

/* v with valgrind's thousands separators ("134,217,728"), written into buf. */
const char *chr_commas(uint64_t v, char buf[CHR_NUM_LEN]);

/* The part of path after the last '/'; "" stays "". */
const char *chr_basename(const char *path);

/* The target's pid: the input's, else the profile's (both carry it). */
int chr_pid(const ch_report_input *in);

/* "definitely lost", ..., "unfreed at exit": the text report's wording. */
const char *chr_kind_phrase(ch_kind k);

/* "definite", ..., "unfreed": the stable identifiers of the json schema. */
const char *chr_kind_id(ch_kind k);

/* A count of blocks (or allocations) and their bytes. */
typedef struct chr_amount {
    uint64_t count;
    uint64_t bytes;
} chr_amount;

/*
 * Go's runtime/pprof scaleHeapSample: with sampling every `rate` bytes on
 * average, a group of `count` allocations of average size S was seen with
 * probability 1 - exp(-S/rate), so both figures are divided by it.
 * rate <= 1 means everything was recorded: the figures are returned as is.
 */
chr_amount chr_scale(uint64_t count, uint64_t bytes, uint64_t rate);

/* A record's figures, scaled when the profile was sampled. */
chr_amount chr_loss_record_amount(const ch_report_input *in, const ch_loss_record *r);

/*
 * The frames of one stack. When symbolization produced nothing for a stack
 * that has PCs (no symstacks at all, or an empty one), frames are made from
 * the raw PCs with only module and offset, so no writer ever loses a frame.
 */
typedef struct chr_frames {
    const ch_frame *v;
    size_t n;
    ch_frame *owned; /* non-NULL when synthesised; freed by chr_frames_release */
} chr_frames;

/* Returns 0, or -1 with errno = ENOMEM. An unknown stack id yields no frames. */
int chr_stack_frames(const ch_report_input *in, uint32_t stack_id, chr_frames *out);
void chr_frames_release(chr_frames *f);

/* The raw stack for an id, or NULL if the id is out of range. */
const ch_stack *chr_raw_stack(const ch_report_input *in, uint32_t stack_id);

/*
 * Whether internal frames of this stack are displayed: when asked to, and
 * also when every frame is internal, because hiding them all would leave a
 * record with no location at all.
 */
bool chr_show_glue(const chr_frames *f, bool show_glue);

/* Index of the first shown frame at or after `from`, or f->n if none. */
size_t chr_next_shown(const chr_frames *f, size_t from, bool show_all);

/* The cgo helper that made an allocation, found by its generated Go name. */
typedef enum chr_cgo_kind {
    CHR_CGO_NONE = 0,
    CHR_CGO_CSTRING,
    CHR_CGO_CBYTES,
    CHR_CGO_MALLOC
} chr_cgo_kind;

typedef struct chr_cgo_origin {
    chr_cgo_kind kind;
    const ch_frame *caller; /* first non-internal frame with a function after it, or NULL */
} chr_cgo_origin;

chr_cgo_origin chr_find_cgo_origin(const chr_frames *f);

/* "C.CString", "C.CBytes", "C.malloc"; NULL for CHR_CGO_NONE. */
const char *chr_cgo_name(chr_cgo_kind k);

/* Totals over all records, scaled when sampled. */
typedef struct chr_summary {
    chr_amount by_kind[CH_KIND_COUNT]; /* records not suppressed */
    chr_amount suppressed;
    chr_amount suppressed_as[CH_SUPP_CLASSES]; /* the same, by what they are */
    chr_amount in_use;                         /* every record, suppressed or not */
    uint64_t allocs, frees, bytes_alloc;
    size_t n_listed; /* records not suppressed: the "of N" of loss records */
} chr_summary;

void chr_summarize(const ch_report_input *in, chr_summary *s);

/*
 * The one-line notes a reader needs to trust the figures (agent failure,
 * dropped events, no scan, sampling, death by signal), without any prefix.
 * fn is called once per note, in a fixed order.
 */
typedef void (*chr_note_fn)(void *ctx, const char *note);
void chr_notes(const ch_report_input *in, chr_note_fn fn, void *ctx);

/*
 * Whether records of kind k are listed (--show-leak-kinds). Without a scan
 * every block is UNFREED; it is shown whenever any kind of lost memory is
 * asked for, since it may be any of them.
 */
bool chr_kind_shown(const ch_report_opts *o, ch_kind k);

/*
 * Calls fn for each listed record (not suppressed) of a shown kind, with its
 * number and the number listed, "loss record N of OF" (records of kinds not
 * shown are numbered too, as valgrind does). Returns how many listed records
 * were not shown, or -1 as soon as fn returns non-zero.
 */
typedef int (*chr_loss_record_fn)(void *ctx, const ch_loss_record *r, size_t num, size_t of);
long chr_each_shown_loss_record(const ch_report_input *in, const ch_report_opts *o, size_t of,
                                chr_loss_record_fn fn, void *ctx);

/* The module holding pc (by address range, else by path), or -1. */
long chr_module_index(const ch_profile *p, const ch_frame *fr);

#endif

/*
 * Formatted text per distinct frame. A million stacks of forty frames are
 * made of a few thousand distinct frames: each is formatted once per report
 * and copied from here afterwards.
 *
 * Frames are told apart by their fields, strings by address: a report's
 * strings all live until it is written (ch_report_input), so an address
 * names one string throughout. Two copies of a string at two addresses
 * only cost a second entry.
 */
#ifndef CGOHEAP_REPORT_FMEMO_H
#define CGOHEAP_REPORT_FMEMO_H

#include "common/profile.h"
#include "common/u64map.h"
#include "report/report_out.h"

/* Writes the text of one frame; must depend on nothing but the frame. */
typedef void (*chr_frame_fmt)(chr_out *o, const ch_frame *fr);

typedef struct chr_fmemo_entry chr_fmemo_entry;

typedef struct chr_fmemo {
    chr_frame_fmt fmt;
    chr_fmemo_entry *entries; /* by index: a frame and where its text is */
    size_t n, cap;
    ch_u64map by_hash; /* a frame's hash -> its entry's index */
    chr_out text;      /* every entry's text, back to back */
} chr_fmemo;

void chr_fmemo_init(chr_fmemo *m, chr_frame_fmt fmt);
void chr_fmemo_free(chr_fmemo *m);

/* Appends fmt's text for fr to out; formatted directly when out of memory. */
void chr_fmemo_put(chr_fmemo *m, chr_out *out, const ch_frame *fr);

#endif

/*
 * The byte buffer the report writers format into. A report of a million
 * loss records is tens of millions of lines: a stdio call per field (fputc
 * per character, fprintf per number) cost more than everything else in the
 * run, so fields are appended with inline copies and the buffer goes to the
 * FILE in large writes. Without a FILE, the buffer just grows: scratch text.
 */
#ifndef CGOHEAP_REPORT_OUT_H
#define CGOHEAP_REPORT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct chr_out {
    char *buf;
    size_t len, cap;
    FILE *sink;                /* NULL: keep everything in memory */
    struct chr_writer *writer; /* writes to sink, from the first full buffer on */
    bool failed;               /* out of memory or a failed write: the output is incomplete */
} chr_out;

void chr_out_init(chr_out *o, FILE *sink);
/* Writes the rest to the sink and frees the buffer; -1 if anything failed. */
int chr_out_finish(chr_out *o);
/* Frees the buffer; what was not written yet is lost. */
void chr_out_free(chr_out *o);

/* Makes room for n more bytes (flushing, else growing); false if it cannot. */
bool chr_out_make_room(chr_out *o, size_t n);

static inline void chr_out_mem(chr_out *o, const void *p, size_t n)
{
    if (o->cap - o->len < n && !chr_out_make_room(o, n))
        return;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static inline void chr_out_str(chr_out *o, const char *s)
{
    chr_out_mem(o, s, strlen(s));
}

static inline void chr_out_char(chr_out *o, char c)
{
    if (o->len == o->cap && !chr_out_make_room(o, 1))
        return;
    o->buf[o->len++] = c;
}

void chr_out_u64(chr_out *o, uint64_t v);
void chr_out_i64(chr_out *o, int64_t v);
/* Hex digits of v without "0x", upper or lower case. */
void chr_out_hex(chr_out *o, uint64_t v, bool upper);
/* Names come from the target's files: a control byte must not break a line, so it becomes '?'. */
void chr_out_clean(chr_out *o, const char *s);
/* printf-style, for the rare lines that are not worth taking apart. */
void chr_out_printf(chr_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

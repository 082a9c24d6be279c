/* The report writers' output buffer; see report_out.h. */
#include "report/report_out.h"
#include "common/grow.h"
#include "report/report_writer.h"
#include <stdarg.h>
#include <stdlib.h>

/* Large enough that a report costs few writes, small enough to stay in cache. */
#define SINK_BUFFER (1u << 20)
#define SCRATCH_BUFFER 256

void chr_out_init(chr_out *o, FILE *sink)
{
    memset(o, 0, sizeof *o);
    o->sink = sink;
}

/* Hands the buffer to the writer thread, started when a first buffer has
 * filled (small reports need none), or writes it here. */
static void write_buffer(chr_out *o, bool more_to_come)
{
    if (!o->writer && more_to_come)
        o->writer = chr_writer_start(o->sink);
    if (!o->writer) {
        if (fwrite(o->buf, 1, o->len, o->sink) != o->len)
            o->failed = true;
        o->len = 0;
        return;
    }
    size_t cap = o->cap;
    char *next = chr_writer_swap(o->writer, o->buf, o->len, o->cap, &cap);
    /* The first time, there is no written buffer to fill again yet. */
    if (!next && more_to_come && !(next = malloc(cap = o->cap)))
        o->failed = true;
    o->buf = next;
    o->cap = next ? cap : 0;
    o->len = 0;
}

static void stop_writer(chr_out *o)
{
    if (o->writer && chr_writer_stop(o->writer) != 0)
        o->failed = true;
    o->writer = NULL;
}

void chr_out_free(chr_out *o)
{
    stop_writer(o);
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

int chr_out_finish(chr_out *o)
{
    if (o->sink && o->len > 0 && !o->failed)
        write_buffer(o, false);
    stop_writer(o);
    chr_out_free(o);
    return o->failed ? -1 : 0;
}

bool chr_out_make_room(chr_out *o, size_t n)
{
    if (o->failed)
        return false;
    if (o->cap - o->len >= n)
        return true;
    if (o->sink && o->len > 0)
        write_buffer(o, true);
    if (o->failed || o->cap - o->len >= n)
        return !o->failed;
    size_t first = o->sink ? SINK_BUFFER : SCRATCH_BUFFER;
    char *grown = n <= SIZE_MAX - o->len ? ch_grow_to(o->buf, &o->cap, 1, first, o->len + n) : NULL;
    if (grown)
        o->buf = grown;
    else
        o->failed = true;
    return !o->failed;
}

void chr_out_u64(chr_out *o, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    chr_out_mem(o, digits + sizeof digits - n, n);
}

void chr_out_i64(chr_out *o, int64_t v)
{
    if (v < 0)
        chr_out_char(o, '-');
    /* Negated as unsigned: INT64_MIN has no positive int64_t counterpart. */
    chr_out_u64(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void chr_out_hex(chr_out *o, uint64_t v, bool upper)
{
    const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[16];
    size_t n = 0;
    do {
        digits[sizeof digits - ++n] = digit[v & 15];
        v >>= 4;
    } while (v);
    chr_out_mem(o, digits + sizeof digits - n, n);
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void chr_out_clean(chr_out *o, const char *s)
{
    while (*s) {
        /* Runs of ordinary bytes in one copy: names are rarely anything else. */
        const char *run = s;
        while (*s && !is_control((unsigned char)*s))
            s++;
        chr_out_mem(o, run, (size_t)(s - run));
        if (*s) {
            chr_out_char(o, '?');
            s++;
        }
    }
}

void chr_out_printf(chr_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !chr_out_make_room(o, (size_t)n + 1)) {
        o->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    o->len += (size_t)n;
}

/* A streaming JSON writer; see report_jsonw.h. */
#include "report/report_jsonw.h"
#include <inttypes.h>
#include <stdbool.h>

/* Length of the valid UTF-8 sequence at s (2..4), or 0 (RFC 3629, table 3-7). */
static int utf8_seq_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int len;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0; /* no overlong forms */
    else if (c == 0xED)
        hi = 0x9F; /* no UTF-16 surrogates */
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F; /* nothing past U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF) /* also stops at the NUL */
            return 0;
    }
    return len;
}

static void escape_byte(FILE *out, unsigned char c)
{
    switch (c) {
    case '"':
        fputs("\\\"", out);
        return;
    case '\\':
        fputs("\\\\", out);
        return;
    case '\n':
        fputs("\\n", out);
        return;
    case '\t':
        fputs("\\t", out);
        return;
    case '\r':
        fputs("\\r", out);
        return;
    }
    if (c < 0x20 || c >= 0x80)
        fprintf(out, "\\u%04x", c);
    else
        fputc(c, out);
}

/* Bytes copied as they are: printable ASCII other than '"' and '\\'. */
static bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void chr_json_escape(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    while (*p) {
        /* Runs of plain bytes in one fwrite: names are mostly plain ASCII. */
        const unsigned char *run = p;
        while (plain(*p))
            p++;
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), out);
        if (!*p)
            break;
        int n = *p >= 0x80 ? utf8_seq_len(p) : 0;
        if (n > 0) {
            fwrite(p, 1, (size_t)n, out);
            p += n;
        } else {
            escape_byte(out, *p++);
        }
    }
    fputc('"', out);
}

/*
 * The state slot of the innermost open container. Deeper nesting than the
 * writers use would be a bug; sharing the last slot keeps the output valid.
 */
static int slot(int depth)
{
    return depth > CHR_JSON_MAX_DEPTH ? CHR_JSON_MAX_DEPTH - 1 : depth - 1;
}

/* The separator, newline and indentation before a value, then its key. */
static void begin_value(chr_json *j, const char *key)
{
    if (j->depth > 0) {
        int s = slot(j->depth);
        if (j->has_member[s])
            fputs(j->one_line[s] ? ", " : ",", j->out);
        if (!j->one_line[s])
            fprintf(j->out, "\n%*s", 2 * j->depth, "");
        j->has_member[s] = true;
    }
    if (key) {
        chr_json_escape(j->out, key);
        fputs(": ", j->out);
    }
}

void chr_json_open(chr_json *j, const char *key, char open, bool one_line)
{
    begin_value(j, key);
    fputc(open, j->out);
    bool parent_one_line = j->depth > 0 && j->one_line[slot(j->depth)];
    j->depth++;
    int s = slot(j->depth);
    j->has_member[s] = false;
    j->one_line[s] = one_line || parent_one_line;
}

void chr_json_close(chr_json *j, char close)
{
    int s = slot(j->depth);
    j->depth--;
    if (!j->one_line[s] && j->has_member[s])
        fprintf(j->out, "\n%*s", 2 * j->depth, "");
    fputc(close, j->out);
    if (j->depth == 0)
        fputc('\n', j->out);
}

void chr_json_str(chr_json *j, const char *key, const char *v)
{
    begin_value(j, key);
    if (v)
        chr_json_escape(j->out, v);
    else
        fputs("null", j->out);
}

void chr_json_u64(chr_json *j, const char *key, uint64_t v)
{
    begin_value(j, key);
    fprintf(j->out, "%" PRIu64, v);
}

void chr_json_i64(chr_json *j, const char *key, int64_t v)
{
    begin_value(j, key);
    fprintf(j->out, "%" PRId64, v);
}

void chr_json_bool(chr_json *j, const char *key, bool v)
{
    begin_value(j, key);
    fputs(v ? "true" : "false", j->out);
}

void chr_json_null(chr_json *j, const char *key)
{
    begin_value(j, key);
    fputs("null", j->out);
}

void chr_json_hex(chr_json *j, const char *key, uint64_t v)
{
    begin_value(j, key);
    fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

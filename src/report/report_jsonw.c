/* A streaming JSON writer; see report_jsonw.h. */
#include "report/report_jsonw.h"
#include <stdbool.h>
#include <string.h>

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

static void escape_byte(chr_out *out, unsigned char c)
{
    switch (c) {
    case '"':
        chr_out_str(out, "\\\"");
        return;
    case '\\':
        chr_out_str(out, "\\\\");
        return;
    case '\n':
        chr_out_str(out, "\\n");
        return;
    case '\t':
        chr_out_str(out, "\\t");
        return;
    case '\r':
        chr_out_str(out, "\\r");
        return;
    }
    if (c < 0x20 || c >= 0x80) {
        chr_out_str(out, "\\u00");
        chr_out_char(out, "0123456789abcdef"[c >> 4]);
        chr_out_char(out, "0123456789abcdef"[c & 15]);
    } else {
        chr_out_char(out, (char)c);
    }
}

/* Bytes copied as they are: printable ASCII other than '"' and '\\'. */
static bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void chr_json_escape(chr_out *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    chr_out_char(out, '"');
    while (*p) {
        /* Runs of plain bytes in one copy: names are mostly plain ASCII. */
        const unsigned char *run = p;
        while (plain(*p))
            p++;
        if (p > run)
            chr_out_mem(out, run, (size_t)(p - run));
        if (!*p)
            break;
        int n = *p >= 0x80 ? utf8_seq_len(p) : 0;
        if (n > 0) {
            chr_out_mem(out, p, (size_t)n);
            p += n;
        } else {
            escape_byte(out, *p++);
        }
    }
    chr_out_char(out, '"');
}

/*
 * The state slot of the innermost open container. Deeper nesting than the
 * writers use would be a bug; sharing the last slot keeps the output valid.
 */
static int slot(int depth)
{
    return depth > CHR_JSON_MAX_DEPTH ? CHR_JSON_MAX_DEPTH - 1 : depth - 1;
}

/* A new line, indented to the current depth. */
static void newline(chr_json *j)
{
    chr_out_char(j->out, '\n');
    for (int i = 0; i < j->depth; i++)
        chr_out_mem(j->out, "  ", 2);
}

/* The separator, newline and indentation before a value, then its key. */
static void begin_value(chr_json *j, const char *key)
{
    if (j->depth > 0) {
        int s = slot(j->depth);
        if (j->has_member[s])
            chr_out_str(j->out, j->one_line[s] ? ", " : ",");
        if (!j->one_line[s])
            newline(j);
        j->has_member[s] = true;
    }
    if (key) {
        chr_json_escape(j->out, key);
        chr_out_mem(j->out, ": ", 2);
    }
}

void chr_json_open(chr_json *j, const char *key, char open, bool one_line)
{
    begin_value(j, key);
    chr_out_char(j->out, open);
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
        newline(j);
    chr_out_char(j->out, close);
    if (j->depth == 0)
        chr_out_char(j->out, '\n');
}

void chr_json_element(chr_json *j)
{
    begin_value(j, NULL);
}

void chr_json_init_inline(chr_json *j, chr_out *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    /* As if one level into a one-line container with nothing in it yet:
     * no separator, newline or indentation before the value, and closing
     * it at depth 1 adds no final newline. */
    j->depth = 1;
    j->one_line[0] = true;
}

void chr_json_str(chr_json *j, const char *key, const char *v)
{
    begin_value(j, key);
    if (v)
        chr_json_escape(j->out, v);
    else
        chr_out_str(j->out, "null");
}

void chr_json_u64(chr_json *j, const char *key, uint64_t v)
{
    begin_value(j, key);
    chr_out_u64(j->out, v);
}

void chr_json_i64(chr_json *j, const char *key, int64_t v)
{
    begin_value(j, key);
    chr_out_i64(j->out, v);
}

void chr_json_bool(chr_json *j, const char *key, bool v)
{
    begin_value(j, key);
    chr_out_str(j->out, v ? "true" : "false");
}

void chr_json_null(chr_json *j, const char *key)
{
    begin_value(j, key);
    chr_out_str(j->out, "null");
}

void chr_json_hex(chr_json *j, const char *key, uint64_t v)
{
    begin_value(j, key);
    chr_out_str(j->out, "\"0x");
    chr_out_hex(j->out, v, false);
    chr_out_char(j->out, '"');
}

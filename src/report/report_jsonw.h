/*
 * A streaming JSON writer: objects and arrays with 2-space indentation, or
 * on one line for small ones (frames), and strings escaped so that the
 * output is always valid JSON whatever bytes the target's files contain.
 */
#ifndef CGOHEAP_REPORT_JSONW_H
#define CGOHEAP_REPORT_JSONW_H

#include "report/report_out.h"
#include <stdbool.h>
#include <stdint.h>

#define CHR_JSON_MAX_DEPTH 16

typedef struct chr_json {
    chr_out *out;
    int depth;
    bool has_member[CHR_JSON_MAX_DEPTH]; /* a member was written at this depth */
    bool one_line[CHR_JSON_MAX_DEPTH];   /* this container is written on one line */
} chr_json;

/*
 * key is the member name inside an object, NULL inside an array or at the
 * top. open is '{' or '['; one_line keeps the container on a single line.
 */
void chr_json_open(chr_json *j, const char *key, char open, bool one_line);
void chr_json_close(chr_json *j, char close);
/*
 * For a value written whole by other means (such as text memoized by
 * chr_fmemo): writes only what goes before an array element, the separator
 * and indentation.
 */
void chr_json_element(chr_json *j);
/*
 * A writer for one value on its own, with nothing around it: what a value
 * inside a one-line container looks like, to be copied into one later.
 */
void chr_json_init_inline(chr_json *j, chr_out *out);
void chr_json_str(chr_json *j, const char *key, const char *v); /* NULL -> null */
void chr_json_u64(chr_json *j, const char *key, uint64_t v);
void chr_json_i64(chr_json *j, const char *key, int64_t v);
void chr_json_bool(chr_json *j, const char *key, bool v);
void chr_json_null(chr_json *j, const char *key);
/* An address as a "0x..." string: JSON numbers lose precision past 2^53. */
void chr_json_hex(chr_json *j, const char *key, uint64_t v);

/*
 * Writes s as a JSON string literal. Valid UTF-8 is kept; control characters,
 * quotes and backslashes are escaped; a byte that is not part of valid UTF-8
 * becomes \u00XX (the Latin-1 character of that byte), so nothing is lost
 * silently and the result is always valid.
 */
void chr_json_escape(chr_out *out, const char *s);

#endif

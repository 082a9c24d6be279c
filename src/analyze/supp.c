/*
 * Suppressions in LeakSanitizer's file format:
 *     # a comment
 *     leak:PATTERN
 * A record is suppressed when PATTERN matches the function, the source file
 * or the module of any frame of its stack (glue frames included), as in
 * LSan. Any other line is an error reported as FILE:LINE: a typo must not
 * silently un-suppress (or worse, suppress) something.
 */
#include "analyze/analyze.h"
#include "analyze/supp_internal.h"
#include "analyze/wildcard.h"
#include "common/grow.h"
#include "common/intern.h"
#include "common/u64map.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Memo: string -> index of the first pattern that matches it (or NONE).
 * A report can hold a million stacks of twenty frames sharing a few
 * thousand distinct names; wildcard-matching every name against every
 * pattern each time dominated the run. Keyed by content (an interned copy
 * is kept, the map is keyed by its address), never by the caller's
 * pointer, so a caller's reused buffer cannot return a stale answer.
 * Cleared whenever a pattern is added.
 */
#define NONE ((size_t)-1)

typedef struct memo {
    ch_interner strings;
    ch_u64map first; /* interned string's address -> first matching pattern */
} memo;

struct ch_suppressions {
    char **patterns;
    size_t n, cap;
    memo *memo;    /* mutable behind the const ch_suppressions of ch_supp_match */
    bool defaults; /* ch_supp_add_defaults ran */
};

static void memo_clear(memo *m)
{
    ch_interner_free(&m->strings);
    ch_u64map_free(&m->first);
}

/* Index of the first pattern matching str, memoized; NONE if none. */
static size_t first_match(const ch_suppressions *s, const char *str)
{
    if (!str)
        return NONE;
    memo *m = s->memo;
    const char *key = m ? ch_intern(&m->strings, str, NULL) : NULL;
    const uint64_t *known = key ? ch_u64map_get(&m->first, (uintptr_t)key) : NULL;
    if (known)
        return (size_t)*known;
    size_t first = NONE;
    for (size_t i = 0; i < s->n && first == NONE; i++)
        if (ch_wildcard_match(s->patterns[i], str))
            first = i;
    uint64_t *kept = key ? ch_u64map_put(&m->first, (uintptr_t)key, NULL) : NULL;
    if (kept) /* else the answer is just not kept */
        *kept = first;
    return first;
}

ch_suppressions *ch_supp_new(void)
{
    ch_suppressions *s = calloc(1, sizeof(ch_suppressions));
    if (s && !(s->memo = calloc(1, sizeof(memo)))) {
        free(s);
        return NULL;
    }
    return s;
}

void ch_supp_free(ch_suppressions *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->patterns[i]);
    free(s->patterns);
    if (s->memo)
        memo_clear(s->memo);
    free(s->memo);
    free(s);
}

int ch_supp_add(ch_suppressions *s, const char *pattern)
{
    if (s->n == s->cap) {
        char **p = ch_grow(s->patterns, &s->cap, sizeof *p, 16);
        if (!p)
            return -1;
        s->patterns = p;
    }
    if (!(s->patterns[s->n] = strdup(pattern)))
        return -1;
    s->n++;
    if (s->memo)
        memo_clear(s->memo); /* answers may change with the new pattern */
    return 0;
}

void ch_supp_set_defaults(ch_suppressions *s)
{
    s->defaults = true;
}

bool ch_supp_has_defaults(const ch_suppressions *s)
{
    return s && s->defaults;
}

static char *trim(char *line)
{
    while (isspace((unsigned char)*line))
        line++;
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1]))
        line[--n] = 0;
    return line;
}

/* One line of a file; returns NULL if it is fine, else why not. */
static const char *parse_line(ch_suppressions *s, char *line, size_t len)
{
    if (strlen(line) != len)
        return "NUL byte in the line";
    line = trim(line);
    if (!*line || *line == '#')
        return NULL;
    char *colon = strchr(line, ':');
    if (!colon)
        return "expected leak:PATTERN";
    *colon = 0;
    if (strcmp(trim(line), "leak") != 0)
        return "unknown suppression type (only leak:PATTERN is supported)";
    const char *pattern = trim(colon + 1);
    if (!*pattern || !strcmp(pattern, "^") || !strcmp(pattern, "$"))
        return "empty pattern";
    return ch_supp_add(s, pattern) ? "out of memory" : NULL;
}

int ch_supp_load(ch_suppressions *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    const char *why = NULL;
    while (!why && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if ((why = parse_line(s, line, (size_t)len)))
            snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
    }
    if (!why && ferror(f)) {
        why = "read error";
        snprintf(err, errlen, "%s: read error", path);
    }
    free(line);
    fclose(f);
    return why ? -1 : 0;
}

/* The first pattern that matches the frame's function, file or module. */
static const char *match_frame(const ch_suppressions *s, const ch_frame *f)
{
    size_t first = first_match(s, f->function), i;
    if ((i = first_match(s, f->file)) < first)
        first = i;
    if ((i = first_match(s, f->module)) < first)
        first = i;
    return first == NONE ? NULL : s->patterns[first];
}

const char *ch_supp_match_frames(const ch_suppressions *s, const ch_frame *v, size_t n)
{
    if (!s || !v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *p = match_frame(s, &v[i]);
        if (p)
            return p;
    }
    return NULL;
}

const char *ch_supp_match(const ch_suppressions *s, const ch_symstack *st)
{
    return st ? ch_supp_match_frames(s, st->frames, st->nframes) : NULL;
}

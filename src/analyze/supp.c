/*
 * Suppressions in LeakSanitizer's file format:
 *     # a comment
 *     leak:PATTERN
 * A record is suppressed when PATTERN matches the function, the source file
 * or the module of any frame of its stack (internal frames included), as in
 * LSan. Any other line is an error reported as FILE:LINE: a typo must not
 * silently un-suppress (or worse, suppress) something.
 */
#include "analyze/analyze.h"
#include "analyze/supp_internal.h"
#include "analyze/wildcard.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ch_suppressions {
    char **patterns;
    size_t n, cap;
};

ch_suppressions *ch_supp_new(void)
{
    return calloc(1, sizeof(ch_suppressions));
}

void ch_supp_free(ch_suppressions *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->patterns[i]);
    free(s->patterns);
    free(s);
}

int ch_supp_add(ch_suppressions *s, const char *pattern)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **p = realloc(s->patterns, cap * sizeof *p);
        if (!p)
            return -1;
        s->patterns = p;
        s->cap = cap;
    }
    if (!(s->patterns[s->n] = strdup(pattern)))
        return -1;
    s->n++;
    return 0;
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

static const char *match_frame(const ch_suppressions *s, const ch_frame *f)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *p = s->patterns[i];
        if (ch_wildcard_match(p, f->function) || ch_wildcard_match(p, f->file) ||
            ch_wildcard_match(p, f->module))
            return p;
    }
    return NULL;
}

const char *ch_supp_match(const ch_suppressions *s, const ch_symstack *st)
{
    if (!s || !st || !st->frames)
        return NULL;
    for (size_t i = 0; i < st->nframes; i++) {
        const char *p = match_frame(s, &st->frames[i]);
        if (p)
            return p;
    }
    return NULL;
}

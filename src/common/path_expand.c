#include "common/path_expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends s[0..n) at out[*used]; -1 if it does not fit with its NUL. */
static int put(char *out, size_t outlen, size_t *used, const char *s, size_t n)
{
    if (*used + n >= outlen)
        return -1;
    memcpy(out + *used, s, n);
    *used += n;
    out[*used] = 0;
    return 0;
}

/* The value of %q{VAR} at p (just after "%q"); sets *end past the '}'. */
static const char *env_value(const char *tmpl, const char *p, const char **end, char *err,
                             size_t errlen)
{
    const char *close = *p == '{' ? strchr(p, '}') : NULL;
    if (!close || close == p + 1) {
        snprintf(err, errlen, "'%s': %%q needs a variable name in braces: %%q{VAR}", tmpl);
        return NULL;
    }
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
    const char *v = getenv(name);
    if (!v)
        snprintf(err, errlen, "'%s': environment variable %s is not set", tmpl, name);
    *end = close + 1;
    return v;
}

int ch_path_expand(const char *tmpl, long pid, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t used = 0;
    const char *p = tmpl;
    if (outlen)
        out[0] = 0;
    while (*p) {
        size_t lit = strcspn(p, "%");
        if (put(out, outlen, &used, p, lit))
            goto too_long;
        p += lit;
        if (!*p)
            break;
        char num[32];
        const char *v = num, *next = p + 2;
        if (p[1] == 'p')
            snprintf(num, sizeof num, "%ld", pid);
        else if (p[1] == '%')
            v = "%";
        else if (p[1] == 'q') {
            if (!(v = env_value(tmpl, p + 2, &next, err, errlen)))
                return -1;
        } else {
            snprintf(err, errlen, "'%s': '%%' must be followed by p, q{VAR} or %%", tmpl);
            return -1;
        }
        if (put(out, outlen, &used, v, strlen(v)))
            goto too_long;
        p = next;
    }
    return 0;
too_long:
    snprintf(err, errlen, "'%s': the file name is too long once expanded", tmpl);
    return -1;
}

bool ch_path_has_pid(const char *tmpl)
{
    for (const char *p = strchr(tmpl, '%'); p; p = strchr(p + 2, '%')) {
        if (p[1] == 'p')
            return true;
        if (!p[1])
            break;
    }
    return false;
}

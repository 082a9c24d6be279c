/*
 * Pattern matching as LSan documents it: substring, '*', '^', '$'.
 * LSan's own matcher takes the leftmost occurrence of each literal piece and
 * never backtracks, so it misses some matches a glob would find (a*b$ against
 * "abab"). This matcher backtracks: it matches whenever LSan does, and also
 * in those corner cases, which is what a user writing the pattern expects.
 */
#include "analyze/wildcard.h"

#include <string.h>

/* Classic iterative glob over [p, pend) and s: on a mismatch, let the last
 * '*' swallow one more character. Linear in practice, no recursion. */
static bool glob(const char *p, const char *pend, const char *s, bool to_end)
{
    const char *star = NULL, *star_s = NULL;
    for (;;) {
        if (p < pend && *p == '*') {
            star = ++p;
            star_s = s;
            continue;
        }
        if (p == pend && (!to_end || !*s))
            return true;
        if (p < pend && *s && *p == *s) {
            p++;
            s++;
            continue;
        }
        if (!star || !*star_s)
            return false;
        p = star;
        s = ++star_s;
    }
}

bool ch_wildcard_match(const char *pattern, const char *str)
{
    if (!pattern || !str || !*str)
        return false;
    bool at_start = pattern[0] == '^';
    if (at_start)
        pattern++;
    const char *pend = pattern + strlen(pattern);
    bool at_end = pend > pattern && pend[-1] == '$';
    if (at_end)
        pend--;
    if (at_start)
        return glob(pattern, pend, str, at_end);
    /* Unanchored: try every starting position (an implicit leading '*'). */
    for (const char *s = str; *s; s++)
        if (glob(pattern, pend, s, at_end))
            return true;
    return false;
}

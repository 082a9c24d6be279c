/* LeakSanitizer-style pattern matching for suppressions. */
#ifndef CGOHEAP_WILDCARD_H
#define CGOHEAP_WILDCARD_H

#include <stdbool.h>

/*
 * True if `pattern` occurs anywhere in `str` (LSan matches substrings), with
 * '*' matching any run of characters, a leading '^' anchoring the match at
 * the start of str and a trailing '$' at its end. An empty or NULL str never
 * matches (a frame with no function name cannot be suppressed by name).
 */
bool ch_wildcard_match(const char *pattern, const char *str);

#endif

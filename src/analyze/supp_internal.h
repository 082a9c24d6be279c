/* Shared between the suppression parser and the built-in list. */
#ifndef CGOHEAP_SUPP_INTERNAL_H
#define CGOHEAP_SUPP_INTERNAL_H

#include "analyze/analyze.h"

/* Appends one pattern (copied). Returns 0, or -1 when out of memory. */
int ch_supp_add(ch_suppressions *s, const char *pattern);

/* The built-in list is on: its rule on a stack's modules applies too. */
void ch_supp_set_defaults(ch_suppressions *s);

#endif

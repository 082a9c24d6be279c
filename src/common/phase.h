/*
 * Wall-clock time spent in the CLI's phases, printed by `cgoheap run -v`.
 * The CLI is single-threaded; the table is a plain static.
 */
#ifndef CGOHEAP_COMMON_PHASE_H
#define CGOHEAP_COMMON_PHASE_H

#include <stdio.h>

/* Ends the running phase (if any) and starts `name` (a string literal). */
void ch_phase(const char *name);

/* Ends the running phase and prints "cgoheap: times: a 1.2 ms, b 0.3 ms". */
void ch_phase_print(FILE *f);

#endif

/*
 * Wall-clock and CPU time (the launcher's, every thread) spent in the CLI's phases,
 * printed by `cgoheap run -v`; CPU time is what a loaded host does not distort.
 * The table is a plain static, for the launcher's main thread: a leak check
 * of the running program mutes the stages it shares with the exit path.
 */
#ifndef CGOHEAP_COMMON_PHASE_H
#define CGOHEAP_COMMON_PHASE_H

#include <stdbool.h>
#include <stdio.h>

/* Ends the running phase (if any) and starts `name` (a string literal). */
void ch_phase(const char *name);

/* While on, ch_phase calls from the calling thread are ignored. */
void ch_phase_mute(bool on);

/* Ends the running phase and prints "cgoheap: times: a 1.2 ms (cpu 1.1), b 0.3 ms (cpu 0.3)". */
void ch_phase_print(FILE *f);

#endif

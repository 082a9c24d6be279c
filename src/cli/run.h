#ifndef CGOHEAP_RUN_H
#define CGOHEAP_RUN_H
#include "cli/options.h"
/* Runs the whole pipeline for `cgoheap run`; returns cgoheap's exit status. */
int ch_run(const ch_options *o);
#endif

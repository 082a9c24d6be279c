/* Precise roots for Go programs: dead goroutine stacks are not roots. */
#ifndef CGOHEAP_GOROOTS_H
#define CGOHEAP_GOROOTS_H

#include "analyze/analyze.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * If pid (stopped at its exit) runs a Go program whose runtime can be read
 * (symbols and DWARF present), removes from `roots` the Go memory that holds
 * nothing live: stack spans outside the live part of each goroutine's stack,
 * freed spans, and the dead part of each idle thread's system stack. Returns the new array (the old
 * one is freed) and updates *nroots; on any failure returns `roots` unchanged (the whole Go heap
 * stays a root, as for a stripped binary), saying why on stderr if verbose.
 * pf (may be NULL) holds layouts read while the program ran.
 */
struct ch_go_threads;
struct ch_go_prefetch;
ch_region *ch_go_refine_roots(pid_t pid, struct ch_go_prefetch *pf, const struct ch_go_threads *t,
                              ch_region *roots, size_t *nroots, ch_read_fn read, void *read_ctx,
                              bool verbose);

/* The Go layouts of the program pid runs now (taken from pf if it read
 * the same file) and its load bias. Returns 0, or -1 with err set. */
struct ch_go_layout;
int ch_go_read_layout(pid_t pid, struct ch_go_prefetch *pf, struct ch_go_layout *L, uint64_t *bias,
                      char *err, size_t errlen);

/* roots minus the normalized ranges dead[0..ndead): a new array, or NULL. */
struct ch_range;
ch_region *ch_regions_subtract(const ch_region *roots, size_t nroots, const struct ch_range *dead,
                               size_t ndead, size_t *nout);

#endif

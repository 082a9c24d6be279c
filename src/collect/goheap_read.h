/* The Go heap's objects of a stopped Go program, for the scan (analyze/goheap.h). */
#ifndef CGOHEAP_GOHEAP_READ_H
#define CGOHEAP_GOHEAP_READ_H

#include "analyze/analyze.h"
#include "analyze/goheap.h"

#include <stdbool.h>
#include <sys/types.h>

struct ch_go_prefetch;

/*
 * Reads every in-use span of the Go heap of pid (stopped at its exit): its
 * objects, which are allocated (runtime.mspan.freeindex and allocBits, as
 * mspan.isFree tells), which carry a finalizer (span specials of kind 1).
 * On success fills *h (ch_go_heap_init done, and what Go's collector does
 * not scan: gonoptr.h) and removes from `roots` the spans' memory, so that
 * the scan reaches objects only from Go's roots; returns the new root array
 * (the old one is freed). On any failure returns `roots` unchanged and
 * leaves *h empty (the Go heap stays a root, as before), saying why on
 * stderr if verbose.
 */
ch_region *ch_go_heap_collect(pid_t pid, struct ch_go_prefetch *pf, ch_go_heap *h, ch_region *roots,
                              size_t *nroots, ch_read_fn read, void *read_ctx, bool verbose);

#endif

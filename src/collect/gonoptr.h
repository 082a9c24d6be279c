/*
 * The root memory of a stopped Go program whose words Go's collector does
 * not take for pointers (analyze/goheap.h, ch_go_noptr): the runtime's
 * persistent off-heap chunks, and the module's data and bss outside their
 * pointer masks.
 */
#ifndef CGOHEAP_GONOPTR_H
#define CGOHEAP_GONOPTR_H

#include "analyze/goheap.h"
#include "collect/goread.h"
#include "collect/goruntime.h"

/*
 * Fills h->noptr (sorted, disjoint) from the target, the runtime's layout
 * in r: every chunk of runtime.persistentChunks (where fixalloc keeps the
 * mspans, mcaches and specials) less the finalizer blocks (runtime.allfin)
 * and the ranges in `scanned` (the finalizer special records' fn words),
 * which the collector scans; the module's noptrdata and noptrbss whole; its
 * data and bss with their pointer masks. Returns 0, or -1 with r's error.
 */
int ch_go_noptr_read(ch_go_reader *r, uint64_t bias, const ch_range_list *scanned, ch_go_heap *h);

#endif

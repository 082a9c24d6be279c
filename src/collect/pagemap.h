/* Narrowing root regions to the pages that hold data. */
#ifndef CGOHEAP_PAGEMAP_H
#define CGOHEAP_PAGEMAP_H

#include "analyze/analyze.h"
#include <stddef.h>
#include <sys/types.h>

/*
 * Returns the parts of `roots` that lie on pages present in memory or in
 * swap, from /proc/PID/pagemap: a page never touched holds only zeros (or
 * its file's contents), so no pointer to a heap block. Go reserves tens of
 * megabytes of arenas and touches little of it; reading the rest through
 * /proc/PID/mem would fault in zero pages by the thousand. Frees `roots`
 * on success; on any failure returns `roots` unchanged.
 */
ch_region *ch_roots_resident(pid_t pid, ch_region *roots, size_t *nroots);

#endif

/*
 * Large arrays the CLI reads in random order (the scan's copy of the heap,
 * its block index and states): backed by 2 MiB pages where the kernel
 * allows it (transparent huge pages in "madvise" mode, Debian's default),
 * since a scan of 2M blocks otherwise misses the TLB on nearly every
 * lookup. The memory is freed with free().
 */
#ifndef CGOHEAP_BIG_ALLOC_H
#define CGOHEAP_BIG_ALLOC_H

#include <stdlib.h>
#include <sys/mman.h>

#define CH_HUGE_PAGE (2u << 20)

static inline void *ch_big_alloc(size_t bytes)
{
    if (bytes < 4 * (size_t)CH_HUGE_PAGE)
        return malloc(bytes ? bytes : 1);
    size_t rounded = (bytes + CH_HUGE_PAGE - 1) & ~(size_t)(CH_HUGE_PAGE - 1);
    void *p = aligned_alloc(CH_HUGE_PAGE, rounded);
    if (p)
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* a hint: failure costs only speed */
    return p;
}

#endif

/*
 * Large arrays the CLI reads in random order (the scan's copy of the heap,
 * its block index and states): backed by 2 MiB pages where the kernel
 * allows it (transparent huge pages in "madvise" mode, Debian's default),
 * since a scan of 2M blocks otherwise misses the TLB on nearly every
 * lookup. Arrays of every block (the record's, the sort's buffer) as well:
 * on a virtual machine each fresh 4 KiB page costs a fault of several
 * microseconds (64 MiB: 0.25-0.5 s of CPU, in 2 MiB pages 0.01-0.2 s).
 * The memory is freed with free() (and may be grown with realloc()).
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

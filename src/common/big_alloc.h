/*
 * Large arrays the CLI reads in random order (the scan's block index and
 * states, a live check's snapshot): backed by 2 MiB pages where the kernel
 * allows it (transparent huge pages in "madvise" mode, Debian's default),
 * since a scan of 2M blocks otherwise misses the TLB on nearly every
 * lookup. Arrays of every block (the record's) as well:
 * on a virtual machine each fresh 4 KiB page costs a fault of several
 * microseconds (64 MiB: 0.25-0.5 s of CPU, in 2 MiB pages 0.01-0.2 s).
 * The memory is freed with free() (and may be grown with realloc()).
 *
 * The exit path's short-lived buffers (the record's entries as read, the
 * blocks' kept words) share one scratch region instead (ch_scratch_take,
 * ch_scratch_give): a fresh page costs the kernel its zeroing even in 2 MiB
 * pages (perf of the launcher at the tree's exit: clear_page 42-47% of its
 * CPU), and the words are kept after the entries are sorted into blocks, so
 * they go into pages the entries faulted in (the tree's 40 MB into their 32 MB).
 */
#ifndef CGOHEAP_BIG_ALLOC_H
#define CGOHEAP_BIG_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define CH_HUGE_PAGE (2u << 20)
/* Below this, plain malloc. From half a 2 MiB page up (at most half of one left unused): at 2M
 * blocks the scan's states (2 MB) and bucket directory (6 MB) took 1,971 faults of 4 KiB pages
 * below a threshold of 8 MiB. */
#define CH_BIG_MIN ((size_t)CH_HUGE_PAGE / 2)

/* bytes rounded up to whole 2 MiB pages; 0 when that would wrap. */
static inline size_t ch_round_huge(size_t bytes)
{
    return bytes > SIZE_MAX - (CH_HUGE_PAGE - 1)
               ? 0
               : (bytes + CH_HUGE_PAGE - 1) & ~(size_t)(CH_HUGE_PAGE - 1);
}

static inline void *ch_big_alloc(size_t bytes)
{
    if (bytes < CH_BIG_MIN)
        return malloc(bytes ? bytes : 1);
    size_t rounded = ch_round_huge(bytes);
    void *p = rounded ? aligned_alloc(CH_HUGE_PAGE, rounded) : NULL;
    if (p)
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* a hint: failure costs only speed */
    return p;
}

/* A buffer taken from the scratch region; cap 0 when it came from malloc (small). */
typedef struct ch_scratch {
    void *p;
    size_t cap;
} ch_scratch;

/*
 * At least `bytes` of memory, the process's one scratch region when it is
 * not in use (grown, keeping the pages it has), else a fresh mapping. Its
 * contents are undefined. NULL when out of memory.
 */
void *ch_scratch_take(ch_scratch *s, size_t bytes);

/* Gives the buffer back: kept as the scratch region (its pages freed lazily,
 * MADV_FREE, so memory pressure can reclaim them) if larger than the kept one,
 * else unmapped. */
void ch_scratch_give(ch_scratch *s);

#endif

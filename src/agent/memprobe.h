/*
 * Reads of stack memory that cannot fault.
 *
 * A page is probed once per thread with process_vm_readv on our own pid: the
 * kernel reports EFAULT for an unmapped or PROT_NONE page instead of raising
 * SIGSEGV. Known-readable pages are cached per thread. That cache is sound
 * for what the unwinder reads: the thread's own stack (mapped while the
 * thread lives; the cache dies with the thread's TLS) and Go goroutine stacks
 * (Go never unmaps heap arenas, it only madvises them, which stays readable).
 * A garbage frame pointer that lands in a heap page later munmapped is the
 * one unsound case; it needs a corrupt chain twice on the same page.
 */
#ifndef CGOHEAP_AGENT_MEMPROBE_H
#define CGOHEAP_AGENT_MEMPROBE_H

#include "agent/thread.h"

#include <stdint.h>

/* Slow path: probes the page of addr and caches it. Returns 1 if readable. */
int ch_probe_page(ch_thread *t, uint64_t addr);

static inline int ch_page_known(ch_thread *t, uint64_t addr)
{
    uint64_t pg = addr >> 12;
    return t->pages[pg & (CH_PAGE_CACHE - 1)] == ((pg << 1) | 1);
}

/* Reads the 8-byte word at addr if its page(s) are readable. */
static inline int ch_safe_read(ch_thread *t, uint64_t addr, uint64_t *out)
{
    if (CH_UNLIKELY(addr & 7))
        return 0; /* saved registers and frame links are always 8-aligned */
    if (!ch_page_known(t, addr) && !ch_probe_page(t, addr))
        return 0;
    *out = *(const volatile uint64_t *)addr;
    return 1;
}

#endif

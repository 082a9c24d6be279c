/*
 * Reads of stack memory that cannot fault.
 *
 * A page is probed once per thread with process_vm_readv on our own pid: the
 * kernel reports EFAULT for an unmapped or PROT_NONE page instead of raising
 * SIGSEGV. Known-readable pages are remembered per thread in two ways: a
 * contiguous range [stk_lo, stk_hi) around the first stack pointer the
 * thread walked from (its own stack; checked with two compares), grown only
 * page by page with every new page probed, and a small direct-mapped cache
 * for pages elsewhere (Go goroutine stacks, a signal stack). Both are sound
 * for what the unwinder reads: the thread's own stack (mapped while the
 * thread lives; the record dies with the thread's TLS, which glibc
 * re-initialises when it reuses a stack) and Go goroutine stacks (Go never
 * unmaps heap arenas, it only madvises them, which stays readable). A
 * garbage frame pointer that lands in a heap page later munmapped is the one
 * unsound case; it needs a corrupt chain twice on the same page. So is a
 * thread whose first walk ran on a stack it later unmaps (a coroutine
 * library's stack): the range would outlive it.
 */
#ifndef CGOHEAP_AGENT_MEMPROBE_H
#define CGOHEAP_AGENT_MEMPROBE_H

#include "agent/thread.h"

#include <stdint.h>

/* Slow path: probes the page of addr and caches it. Returns 1 if readable. */
int ch_probe_page(ch_thread *t, uint64_t addr);

/* Before a walk from sp: starts the thread's stack range at sp's page if it is empty. */
void ch_stack_range_init(ch_thread *t, uint64_t sp);

static inline void ch_stack_range_start(ch_thread *t, uint64_t sp)
{
    if (CH_UNLIKELY(t->stk_lo == t->stk_hi))
        ch_stack_range_init(t, sp);
}

static inline int ch_page_known(ch_thread *t, uint64_t addr)
{
    uint64_t pg = addr >> 12;
    return t->pages[pg & (CH_PAGE_CACHE - 1)] == ((pg << 1) | 1);
}

/*
 * Reads the 8-byte word at addr if its page(s) are readable; lo and span
 * are t->stk_lo and t->stk_hi - t->stk_lo as the caller last read them (a
 * loop keeps them in registers: the range only grows while a walk runs, so
 * an older range is a part of the current one).
 */
static inline int ch_safe_read_in(ch_thread *t, uint64_t lo, uint64_t span, uint64_t addr,
                                  uint64_t *out)
{
    if (CH_UNLIKELY(addr & 7))
        return 0; /* saved registers and frame links are always 8-aligned */
    /* An aligned word below the page-aligned stk_hi lies entirely in the range. */
    if (CH_LIKELY(addr - lo < span) || ch_page_known(t, addr) || ch_probe_page(t, addr)) {
        *out = *(const volatile uint64_t *)addr;
        return 1;
    }
    return 0;
}

/* Reads the 8-byte word at addr if its page(s) are readable. */
static inline int ch_safe_read(ch_thread *t, uint64_t addr, uint64_t *out)
{
    return ch_safe_read_in(t, t->stk_lo, t->stk_hi - t->stk_lo, addr, out);
}

#endif

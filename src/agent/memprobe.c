#include "agent/memprobe.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096ull
/* The stack range grows over at most this many unprobed pages at once (a big frame). */
#define RANGE_MAX_GAP (64 * PAGE)

/*
 * 1 until process_vm_readv is found unusable (seccomp, old kernel): from then
 * on no page validates, so Go frames are not walked (fail closed, not crash).
 * The caller saves and restores errno around the agent.
 */
static int probe_works = 1;

/* True if the page at `page` is readable now. Raw syscall: no libc state, never faults. */
static int readable(uint64_t page)
{
    uint64_t word;
    if (page < PAGE || !__atomic_load_n(&probe_works, __ATOMIC_RELAXED))
        return 0;
    struct iovec local = {&word, sizeof word};
    struct iovec remote = {(void *)page, sizeof word};
    long n = syscall(SYS_process_vm_readv, ch_g.pid, &local, 1ul, &remote, 1ul, 0ul);
    if (n != (long)sizeof word) {
        if (n < 0 && (errno == ENOSYS || errno == EPERM))
            __atomic_store_n(&probe_works, 0, __ATOMIC_RELAXED);
        return 0;
    }
    return 1;
}

void ch_stack_range_init(ch_thread *t, uint64_t sp)
{
    uint64_t page = sp & ~(PAGE - 1);
    if (readable(page)) {
        t->stk_lo = page;
        t->stk_hi = page + PAGE;
    }
}

/*
 * Grows the stack range to cover `page` (just probed readable) if it lies
 * close above or below, probing every page in between: the range must only
 * ever hold probed pages.
 */
static void grow_range(ch_thread *t, uint64_t page)
{
    if (t->stk_lo == t->stk_hi)
        return;
    if (page >= t->stk_hi && page - t->stk_hi <= RANGE_MAX_GAP) {
        while (t->stk_hi < page && readable(t->stk_hi))
            t->stk_hi += PAGE;
        if (t->stk_hi == page)
            t->stk_hi = page + PAGE;
    } else if (page < t->stk_lo && t->stk_lo - page <= RANGE_MAX_GAP) {
        while (t->stk_lo > page + PAGE && readable(t->stk_lo - PAGE))
            t->stk_lo -= PAGE;
        if (t->stk_lo == page + PAGE)
            t->stk_lo = page;
    }
}

int ch_probe_page(ch_thread *t, uint64_t addr)
{
    uint64_t page = addr & ~(PAGE - 1);
    if (!readable(page))
        return 0;
    uint64_t pg = addr >> 12;
    t->pages[pg & (CH_PAGE_CACHE - 1)] = (pg << 1) | 1;
    grow_range(t, page);
    return 1;
}

#include "agent/memprobe.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * 1 until process_vm_readv is found unusable (seccomp, old kernel): from then
 * on no page validates, so Go frames are not walked (fail closed, not crash).
 * The caller saves and restores errno around the agent.
 */
static int probe_works = 1;

int ch_probe_page(ch_thread *t, uint64_t addr)
{
    uint64_t word;
    if (addr < 4096 || !__atomic_load_n(&probe_works, __ATOMIC_RELAXED))
        return 0;
    uint64_t page = addr & ~4095ull;
    struct iovec local = {&word, sizeof word};
    struct iovec remote = {(void *)page, sizeof word};
    /* Raw syscall: no libc state, never faults on a bad remote address. */
    long n = syscall(SYS_process_vm_readv, ch_g.pid, &local, 1ul, &remote, 1ul, 0ul);
    if (n != (long)sizeof word) {
        if (n < 0 && (errno == ENOSYS || errno == EPERM))
            __atomic_store_n(&probe_works, 0, __ATOMIC_RELAXED);
        return 0;
    }
    uint64_t pg = addr >> 12;
    t->pages[pg & (CH_PAGE_CACHE - 1)] = (pg << 1) | 1;
    return 1;
}

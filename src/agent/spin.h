/*
 * Spinlocks on words that live in shared memory.
 *
 * A pthread mutex cannot be used: the lock words are in the shm record (the
 * launcher must be able to read the tables after the target died) and a
 * futex-based lock would also be one more libc path that can re-enter malloc.
 * Critical sections are a few dozen instructions, so spinning is cheap; after
 * a while we yield so a preempted holder can run on a busy machine.
 */
#ifndef CGOHEAP_AGENT_SPIN_H
#define CGOHEAP_AGENT_SPIN_H

#include <sched.h>
#include <stdint.h>

#define CH_SPIN_BEFORE_YIELD 128

static inline void ch_spin_lock(uint32_t *lock)
{
    for (unsigned n = 0;; n++) {
        /* Test before test-and-set: waiters spin on a shared cache line read-only. */
        if (__atomic_load_n(lock, __ATOMIC_RELAXED) == 0 &&
            __atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE) == 0)
            return;
        if (n < CH_SPIN_BEFORE_YIELD)
            __builtin_ia32_pause();
        else
            sched_yield(); /* a raw syscall in glibc: takes no libc lock */
    }
}

static inline int ch_spin_trylock(uint32_t *lock)
{
    return __atomic_load_n(lock, __ATOMIC_RELAXED) == 0 &&
           __atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void ch_spin_unlock(uint32_t *lock)
{
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

#endif

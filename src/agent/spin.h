/*
 * Locks on words that live in shared memory: a short spin, then a futex.
 *
 * A pthread mutex cannot be used: the lock words are in the shm record (the
 * launcher must be able to read the tables after the target died) and libc's
 * locks are one more path that can re-enter malloc. Critical sections are a
 * few dozen instructions, so a waiter spins first; one that still finds the
 * lock taken sleeps on it (futex) until the holder wakes it. sched_yield
 * there left a waiter runnable and the holder, preempted on a busy host,
 * waiting for its turn: with 128 threads the ratios to native doubled when
 * the machine was busy.
 *
 * The word is 0 (free), 1 (held) or 2 (held, maybe with sleepers): the
 * unlock makes a system call only when someone may sleep (Drepper, "Futexes
 * Are Tricky", mutex 2). The futex is private: only threads of the process
 * whose record it is take these locks (a forked child gets a copy, its
 * locks released: follow.c). The system call is made without libc's
 * syscall(), which would set errno, and takes no libc lock.
 */
#ifndef CGOHEAP_AGENT_SPIN_H
#define CGOHEAP_AGENT_SPIN_H

#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>

#define CH_SPIN_BEFORE_SLEEP 128

/* futex(2) on a lock word, with no timeout; the result is not needed. */
static inline void ch_futex(uint32_t *word, int op, uint32_t val)
{
    long rc;
    __asm__ volatile("xor %%r10d, %%r10d\n\tsyscall"
                     : "=a"(rc)
                     : "0"((long)SYS_futex), "D"(word), "S"((long)(op | FUTEX_PRIVATE_FLAG)),
                       "d"((long)val)
                     : "rcx", "r11", "r10", "memory");
    (void)rc;
}

/* Slow path of ch_spin_lock: spins, then sleeps with the word at 2. */
static __attribute__((noinline, unused)) void ch_spin_lock_wait(uint32_t *lock)
{
    for (unsigned n = 0; n < CH_SPIN_BEFORE_SLEEP; n++) {
        __builtin_ia32_pause();
        /* Test before test-and-set: waiters spin on a shared cache line read-only. */
        uint32_t unlocked = 0;
        if (__atomic_load_n(lock, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(lock, &unlocked, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
    }
    /* From here the word says 2 while we hold it: our unlock may have sleepers to wake. */
    while (__atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE) != 0)
        ch_futex(lock, FUTEX_WAIT, 2);
}

static inline void ch_spin_lock(uint32_t *lock)
{
    uint32_t unlocked = 0;
    if (__builtin_expect(
            __atomic_compare_exchange_n(lock, &unlocked, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED),
            1))
        return;
    ch_spin_lock_wait(lock);
}

static inline int ch_spin_trylock(uint32_t *lock)
{
    uint32_t unlocked = 0;
    return __atomic_load_n(lock, __ATOMIC_RELAXED) == 0 &&
           __atomic_compare_exchange_n(lock, &unlocked, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void ch_spin_unlock(uint32_t *lock)
{
    if (__builtin_expect(__atomic_exchange_n(lock, 0, __ATOMIC_RELEASE) == 2, 0))
        ch_futex(lock, FUTEX_WAKE, 1);
}

#endif

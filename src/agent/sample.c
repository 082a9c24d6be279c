/*
 * Sampling and the address filter.
 *
 * The filter is an array of 8-bit counters indexed by hash(addr): +1 when a
 * block is recorded, -1 when it is removed, so it stays exact as blocks come
 * and go. A counter that reaches 255 sticks there (it can no longer count
 * down correctly) and only costs a useless table lookup. Updates are atomic
 * because two live addresses may share a counter. A free of address A cannot
 * race with the recording of A (A is not allocated twice at once), and the
 * program's own hand-over of A orders our increment before its free.
 */
#include "agent/sample.h"
#include "agent/live.h"

#include <sys/mman.h>
#include <time.h>

#define FILTER_SIZE (1u << CH_FILTER_BITS)

_Static_assert(CH_FILTER_WINDOW_SHIFT == CH_LIVE_WINDOW_SHIFT,
               "the filter groups addresses by the same arena windows as the live table");

/* Written once at attach, before ch_state becomes ACTIVE (release), then read-only. */
uint8_t *ch_filter;

int ch_sample_setup(void)
{
    if (ch_g.sample_rate <= 1)
        return 1;
    void *p = mmap(NULL, FILTER_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    ch_filter = p;
    ch_header_add(&ch_g.hdr->agent_bytes, FILTER_SIZE);
    return 1;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Natural log for x in (0, 1] without libm: exponent split + atanh series. */
static double ln_unit(double x)
{
    int e = 0;
    while (x < 0.5) {
        x *= 2;
        e--;
    }
    /* x in [0.5, 1]: t = (x-1)/(x+1) in [-1/3, 0]; ln x = 2 atanh t */
    double t = (x - 1) / (x + 1), t2 = t * t;
    double series = t * (1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 / 9))));
    return 2 * series + e * 0.6931471805599453;
}

/* Bytes until the next sample: exponential with mean sample_rate, at least 1. */
static int64_t next_countdown(ch_thread *t)
{
    double u = (double)(xorshift(&t->rng) >> 11) * (1.0 / 9007199254740992.0); /* [0,1) */
    double d = -ln_unit(1.0 - u) * (double)ch_g.sample_rate;
    if (d < 1)
        return 1;
    if (d > 9.0e18)
        return INT64_MAX;
    return (int64_t)d;
}

int ch_sample_hit(ch_thread *t, uint64_t size)
{
    if (!t->seeded) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no lock, no malloc */
        t->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)t ^ (uint64_t)ts.tv_sec;
        t->rng = ch_addr_hash(t->rng) | 1; /* xorshift state must be non-zero */
        t->seeded = 1;
        ch_sample_left = next_countdown(t) - (int64_t)size;
        if (ch_sample_left > 0)
            return 0;
    }
    ch_sample_left = next_countdown(t);
    return 1;
}

void ch_filter_add(uint64_t addr)
{
    if (!ch_filter)
        return;
    uint8_t *c = ch_filter_counter(addr), v = __atomic_load_n(c, __ATOMIC_RELAXED);
    while (v != 255 &&
           !__atomic_compare_exchange_n(c, &v, v + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

void ch_filter_del(uint64_t addr)
{
    if (!ch_filter)
        return;
    uint8_t *c = ch_filter_counter(addr), v = __atomic_load_n(c, __ATOMIC_RELAXED);
    while (v != 255 && v != 0 &&
           !__atomic_compare_exchange_n(c, &v, v - 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

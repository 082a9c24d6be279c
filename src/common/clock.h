/* The CLI's one clock: monotonic seconds, for timeouts and the times -v prints; and its CPU time.
 */
#ifndef CGOHEAP_COMMON_CLOCK_H
#define CGOHEAP_COMMON_CLOCK_H

#include <time.h>

static inline double ch_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* CPU seconds (user and system) of the calling thread, for the costs -v prints. */
static inline double ch_cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The time `left` seconds from now on clock clk, as pthread_cond_timedwait takes it. */
static inline struct timespec ch_deadline(clockid_t clk, double left)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + left;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    return ts;
}

#endif

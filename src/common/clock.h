/* The CLI's one clock: monotonic seconds, for timeouts and the times -v prints. */
#ifndef CGOHEAP_COMMON_CLOCK_H
#define CGOHEAP_COMMON_CLOCK_H

#include <time.h>

static inline double ch_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

#endif

/* Reading a stopped target's memory through /proc/PID/mem. */
#ifndef CGOHEAP_PROCMEM_H
#define CGOHEAP_PROCMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A ch_read_fn: ctx points to the open /proc/PID/mem descriptor (an int). */
long ch_procmem_read(void *ctx, uint64_t addr, void *buf, size_t len);

/* Number of threads of pid still listed in /proc/PID/task, or -1. */
int ch_thread_count(pid_t pid);

#endif

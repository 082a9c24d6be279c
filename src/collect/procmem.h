/* Reading a stopped target's memory through /proc/PID/mem. */
#ifndef CGOHEAP_PROCMEM_H
#define CGOHEAP_PROCMEM_H

#include "analyze/analyze.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A ch_read_fn: ctx points to the open /proc/PID/mem descriptor (an int). */
long ch_procmem_read(void *ctx, uint64_t addr, void *buf, size_t len);

/* A stopped target's memory: its pid, for process_vm_readv, and its open /proc/PID/mem. */
typedef struct ch_procmem {
    pid_t pid;
    int fd;
    bool no_vm; /* process_vm_readv was refused: pread alone */
} ch_procmem;

/*
 * A ch_read_fn over a ch_procmem (ctx): process_vm_readv, which copies the
 * target's bytes once where a pread of /proc/PID/mem copies each page twice
 * (100 MB in 1 MiB reads: 11-14 ms of CPU against 20-23), then
 * ch_procmem_read from the first byte it did not read (a hole) or for all
 * of them if it is refused. Same answer as ch_procmem_read.
 */
long ch_procmem_read_vm(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * Reads every request of the stopped target pid: many in one system call
 * (process_vm_readv), each one it could not read, or all if it is refused,
 * again alone with read(ctx, ...), whose answer then counts (a read_fn
 * over anything else than pid's memory must pass pid 0: no batching).
 */
void ch_procmem_read_many(pid_t pid, long (*read)(void *, uint64_t, void *, size_t), void *ctx,
                          ch_read_req *reqs, size_t n);

/* The thread ids listed in /proc/PID/task, at most max of them; count or -1. */
int ch_thread_list(pid_t pid, pid_t *tids, int max);

/* A decimal field of /proc/PID/status ("Tgid", "PPid"), or 0 if not read. */
long ch_status_field(pid_t pid, const char *name);

/* A thread's state letter (R, S, D, t, Z, X...), or 0 if it is gone. */
char ch_thread_state(pid_t pid, pid_t tid);

/* The system call a blocked or stopped thread is in (from
 * /proc/PID/task/TID/syscall), or -1 if none or unknown. */
long ch_thread_syscall(pid_t pid, pid_t tid);

#endif

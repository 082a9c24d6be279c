/* The processes the launcher traces, and which of them each traced thread belongs to. */
#ifndef CGOHEAP_TPROCS_H
#define CGOHEAP_TPROCS_H

#include "collect/trace.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One traced process (thread group): its state at the end (trace.c). */
typedef struct ch_tproc {
    pid_t pid;
    bool ending;    /* the process is ending: hold threads at their exit stops */
    bool scanned;   /* on_exit was called */
    bool main_gone; /* the main thread left by the plain exit (pthread_exit in main) */
    double deadline;
    ch_thread_regs *held;
    size_t nheld, cap;
    uint64_t main_sp;
    ch_exit exit; /* as the exit stop that ended it told */
} ch_tproc;

typedef struct ch_tid_of {
    pid_t tid;
    ch_tproc *proc;
} ch_tid_of;

typedef struct ch_tprocs {
    ch_tproc **v; /* v[0] is the program the launcher started */
    size_t n, cap;
    ch_tid_of *tids; /* threads other than the processes' main ones */
    size_t ntids, tids_cap;
    bool follow; /* children are traced; else every thread is the program's */
} ch_tprocs;

/* Adds a process (its pid is its main thread's id); NULL without memory. */
ch_tproc *ch_tprocs_add(ch_tprocs *t, pid_t pid);

/* The process `pid`, or NULL. */
ch_tproc *ch_tprocs_find(const ch_tprocs *t, pid_t pid);

/*
 * The process of thread `tid`: known, or looked up once in /proc (a new
 * thread may stop before its creator's clone event arrives) and remembered.
 * A thread of an unknown process is a new process (a child's first stop).
 * NULL if it cannot be told (the thread is gone) or without memory.
 */
ch_tproc *ch_tprocs_of(ch_tprocs *t, pid_t tid);

/* Thread `tid` (from p's clone event) is p's, unless its process is known already. */
void ch_tprocs_thread(ch_tprocs *t, pid_t tid, ch_tproc *p);

/* Thread `tid` is gone (reaped): forgets it, and its process if it was the main one. */
void ch_tprocs_gone(ch_tprocs *t, pid_t tid);

void ch_tprocs_free(ch_tprocs *t);

#endif

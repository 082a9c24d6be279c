/*
 * Stopping every thread of the running program for a leak check, and
 * letting them go again, with nothing the program could notice but the
 * pause: each traced thread gets PTRACE_INTERRUPT (a system call it is
 * blocked in is restarted on resume, as after a stop signal), and any other
 * stop that comes first (a signal about to be delivered, an exit, a clone)
 * is kept as it came, for the wait loop to handle after the resume exactly
 * as if the check had not been there: no signal is lost or added.
 */
#ifndef CGOHEAP_COLLECT_STOPALL_H
#define CGOHEAP_COLLECT_STOPALL_H

#include "collect/trace.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A wait status taken while stopping, for the wait loop to handle afterwards. */
typedef struct ch_wait_status {
    pid_t tid;
    int status;
} ch_wait_status;

typedef struct ch_stopall {
    ch_thread_regs *v; /* the stopped threads and their registers */
    size_t n, cap;
    unsigned char *resume; /* per stopped thread: how to let it go (stopall.c) */
    ch_wait_status *later; /* stops and exits for the wait loop */
    size_t nlater, later_cap;
    size_t nmissed; /* live threads that did not stop before the timeout */
    bool exec;      /* a thread stopped at an exec: the image changed under the check */
    double start;   /* when the first thread was asked to stop */
} ch_stopall;

/*
 * Stops every thread of pid (all must be tracees, with PTRACE_O_TRACECLONE so
 * that threads created meanwhile are too) and reads their registers. Waits
 * at most `timeout` seconds for the last one. Returns 0, or -1 when out of
 * memory (every thread stopped so far is resumed by ch_stopall_resume).
 */
int ch_stopall_stop(pid_t pid, ch_stopall *s, double timeout);

/* Lets every stopped thread go on as it would have; s->later stays for the caller. */
void ch_stopall_resume(ch_stopall *s);

void ch_stopall_free(ch_stopall *s);

#endif

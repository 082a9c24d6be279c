/* Waiting for the target: ptrace stops, signal forwarding, the exit stop. */
#ifndef CGOHEAP_TRACE_H
#define CGOHEAP_TRACE_H

#include "common/profile.h"
#include <stdbool.h>
#include <sys/types.h>
#include <sys/user.h>

/* Called once, at the exit stop that ends the process, while every mapping
 * of the target is still readable. */
typedef void (*ch_exit_stop_fn)(void *ctx, pid_t pid, const struct user_regs_struct *regs);

/*
 * Waits until the child is gone and stores how it ended. If `traced` (the
 * child was PTRACE_SEIZEd with PTRACE_O_TRACEEXIT), passes signals on,
 * keeps group-stops stopped (PTRACE_LISTEN) and calls on_exit at the exit
 * stop of the process's end. Returns 0, or -1 if waiting failed.
 */
int ch_trace_wait(pid_t pid, bool traced, ch_exit_stop_fn on_exit, void *ctx, ch_exit *out);

/* Forward SIGINT/SIGTERM/SIGHUP sent to the launcher to pid until restored. */
void ch_forward_signals(pid_t pid);
void ch_restore_signals(void);

#endif

/* Where the live stack of a thread that is ending the process in libc's exit() begins. */
#ifndef CGOHEAP_EXITPATH_H
#define CGOHEAP_EXITPATH_H

#include "analyze/analyze.h"
#include "common/profile.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

/*
 * For a thread held at its exit stop inside the exit_group system call made
 * by libc's exit machinery (exit, __run_exit_handlers, _exit, _Exit,
 * quick_exit): the stack pointer of the frame that called it, found by
 * unwinding libc's frames with their CFI (exitpath.c). Below it lie only
 * those frames, dead once exit_group is reached, and whatever older frames
 * left in their slots. Returns regs->rsp when the thread is elsewhere (no
 * exit_group: *why is "") or the unwind cannot be done (*why says why: the
 * whole stack from the stack pointer then stays a root). read and rctx read
 * the target's memory; p gives its modules (their dev/ino from the exit
 * stop's maps).
 */
uint64_t ch_exit_live_sp(const ch_profile *p, const struct user_regs_struct *regs, ch_read_fn read,
                         void *rctx, char *why, size_t whylen);

#endif

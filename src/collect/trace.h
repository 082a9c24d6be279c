/* Waiting for the target: ptrace stops, signal forwarding, the exit stop. */
#ifndef CGOHEAP_TRACE_H
#define CGOHEAP_TRACE_H

#include "common/profile.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* One thread stopped at its exit stop, and its registers there. */
typedef struct ch_thread_regs {
    pid_t tid;
    struct user_regs_struct regs;
} ch_thread_regs;

/* What the launcher knows of the target's threads when it stopped them: when the
 * process ends, or for a leak check while it runs. */
typedef struct ch_exit_threads {
    const ch_thread_regs *v; /* the threads held at their exit stops (n may be 0) */
    size_t n;
    uint64_t main_sp; /* the main thread's stack pointer at its exit stop (this one or
                       * an earlier plain exit of it, pthread_exit in main); 0 if unknown */
    ch_exit exit;     /* how the process is ending, as its exit stop told */
} ch_exit_threads;

/* Called once, when the process ends, while every thread that could be
 * stopped is stopped at its exit stop and every mapping is still readable. */
typedef void (*ch_exit_stop_fn)(void *ctx, pid_t pid, const ch_exit_threads *threads);

/* Called at the exec stop (PTRACE_O_TRACEEXEC) when the process has become a
 * new program image: its old threads are gone and the new one has not run.
 * Returns false to let a followed child run on untraced; for the program
 * itself, which is always kept, false means: follow none of its children. */
typedef bool (*ch_exec_stop_fn)(void *ctx, pid_t pid);

struct ch_live_stop;
struct ch_live_check;

/* Called for a leak check of the running program (collect/live_stop.h) while
 * every thread that could be stopped is stopped; fills c or sets c->err. */
typedef void (*ch_check_stop_fn)(void *ctx, pid_t pid, const ch_exit_threads *threads,
                                 struct ch_live_check *c);

typedef struct ch_trace_hooks {
    ch_exit_stop_fn on_exit;                  /* for each traced process (pid) that ends */
    ch_exec_stop_fn on_exec;                  /* may be NULL */
    void (*on_release)(void *ctx, pid_t pid); /* a child let go at the end, while stopped */
    bool follow;               /* children are traced too (PTRACE_O_TRACEFORK, TRACEVFORK) */
    long options;              /* the program's ptrace options */
    struct ch_live_stop *live; /* leak checks of the program to serve while it runs, or NULL */
    ch_check_stop_fn on_check;
} ch_trace_hooks;

/*
 * Waits until the child is gone and stores how it ended. If `traced` (the
 * child was PTRACE_SEIZEd with PTRACE_O_TRACEEXIT, and perhaps
 * PTRACE_O_TRACECLONE: then every thread is a tracee), passes signals on
 * (the program's own, and the launcher's through collect/sigforward.h),
 * keeps group-stops stopped (PTRACE_LISTEN) and calls on_exit once the
 * process is ending and all its traced threads reached their exit stops
 * (or after a bounded wait). With `follow`, each traced child process
 * ends the same way; the ones still running when the program is reaped
 * are detached. Meanwhile it serves the leak checks of the program posted
 * to hooks->live: stops every thread of the program, calls on_check,
 * resumes them. Returns 0, or -1 if waiting failed.
 */
int ch_trace_wait(pid_t pid, bool traced, const ch_trace_hooks *hooks, void *ctx, ch_exit *out);

#endif

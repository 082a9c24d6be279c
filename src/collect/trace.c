/*
 * The wait loop of the launcher.
 *
 * The launcher traces the main thread, or with PTRACE_O_TRACECLONE every
 * thread (new ones are attached by the kernel at clone, before they run).
 * A thread's PTRACE_EVENT_EXIT stop comes for exit_group, for a fatal
 * signal and even for SIGKILL, before the address space is torn down. When
 * the process is ending, each thread is held at its exit stop, its
 * registers kept, and once all are stopped (or gone, or 200 ms passed) the
 * scan runs; then they are let go and the exit status reaped.
 *
 * With children followed (PTRACE_O_TRACEFORK and TRACEVFORK), each traced
 * process (collect/tprocs.h) ends the same way, with an exit stop of its
 * own; the run ends when the program itself is reaped, and the processes
 * still running then are detached, to run on untraced.
 */
#include "collect/trace.h"
#include "collect/live_stop.h"
#include "collect/procmem.h"
#include "collect/sigforward.h"
#include "collect/stopall.h"
#include "collect/tprocs.h"
#include "common/clock.h"
#include "common/grow.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* How long the scan waits for the threads of an ending process to reach
 * their exit stops: the kernel kills them at once, so this is only a bound
 * against a thread that never stops (untraced, or stuck in the kernel). */
#define ALL_STOPPED_WAIT 0.2
/* How long a live leak check waits for every thread to stop: a thread in
 * uninterruptible sleep (disk I/O, a vfork parent) stops only when it wakes. */
#define CHECK_STOP_WAIT 0.5
#define MAX_TASKS 65536

typedef struct tracer {
    pid_t pid; /* the program */
    const ch_trace_hooks *hooks;
    void *ctx;
    ch_tprocs procs;
    pid_t *leaving; /* threads let go from a plain exit, not reaped yet */
    size_t nleaving, leaving_cap;
    ch_live_stop *live;
    ch_check_stop_fn on_check;
    ch_wait_status *later; /* stops taken during a leak check, handled after it */
    size_t nlater, later_at;
} tracer;

static int is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static bool is_held(const ch_tproc *t, pid_t tid)
{
    for (size_t i = 0; i < t->nheld; i++)
        if (t->held[i].tid == tid)
            return true;
    return false;
}

/* Whether a thread of pid other than `self` (and, if skip_held, not held at
 * its exit stop) is alive: neither a zombie nor dead. Stops at the first. */
static bool other_alive(const ch_tproc *t, pid_t self, bool skip_held)
{
    static pid_t tids[MAX_TASKS]; /* the launcher is single-threaded */
    int n = ch_thread_list(t->pid, tids, MAX_TASKS);
    for (int i = 0; i < n; i++) {
        if (tids[i] == self || (skip_held && is_held(t, tids[i])))
            continue;
        char st = ch_thread_state(t->pid, tids[i]);
        if (st && st != 'Z' && st != 'X')
            return true;
    }
    return false;
}

/* Whether a thread of pid is inside execve: it kills the others, and the
 * program goes on as a new image. */
static bool exec_in_progress(const ch_tproc *t)
{
    static pid_t tids[MAX_TASKS];
    int n = ch_thread_list(t->pid, tids, MAX_TASKS);
    for (int i = 0; i < n; i++) {
        long nr = ch_thread_syscall(t->pid, tids[i]);
        if (nr == SYS_execve || nr == SYS_execveat)
            return true;
    }
    return false;
}

/*
 * Whether this thread's exit is the process's end. A thread leaves alone
 * only through the plain exit syscall (return from its start routine,
 * pthread_exit, also in main) while others still run; anything else (its
 * own exit_group, the SIGKILL that exit_group or a fatal signal sends to
 * every thread, the last thread leaving) ends the process. The exception:
 * a thread in execve kills the others, and the program goes on.
 */
static bool is_process_end(ch_tproc *t, pid_t tid, const struct user_regs_struct *regs)
{
    unsigned long status = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, 0, &status);
    t->exit = WIFSIGNALED((int)status) ? (ch_exit){.signaled = true, .code = WTERMSIG((int)status)}
                                       : (ch_exit){.code = WEXITSTATUS((int)status)};
    /* While the main thread lives, another thread's plain exit is not the
     * end: known without reading /proc, which matters to programs that
     * start and end many threads. */
    if (WIFEXITED((int)status) && regs->orig_rax == SYS_exit)
        return (tid == t->pid || t->main_gone) && !other_alive(t, tid, false);
    return !exec_in_progress(t);
}

static int hold(ch_tproc *t, pid_t tid, const struct user_regs_struct *regs)
{
    if (t->nheld == t->cap) {
        ch_thread_regs *v = ch_grow(t->held, &t->cap, sizeof *v, 16);
        if (!v)
            return -1;
        t->held = v;
    }
    t->held[t->nheld++] = (ch_thread_regs){.tid = tid, .regs = *regs};
    return 0;
}

/*
 * A traced thread that exits stays a zombie until the launcher reaps it,
 * and waitpid(-1) reports the newest tracees first: in a program that
 * starts and ends threads all the time, zombies would pile up (and count
 * against the user's process limit). Threads let go from their exit stop
 * are therefore reaped by their own id as soon as they are gone.
 */
static void note_leaving(tracer *t, pid_t tid)
{
    if (t->nleaving == t->leaving_cap) {
        pid_t *v = ch_grow(t->leaving, &t->leaving_cap, sizeof *v, 16);
        if (!v)
            return; /* waitpid(-1) will reap it later */
        t->leaving = v;
    }
    t->leaving[t->nleaving++] = tid;
}

static void reap_leaving(tracer *t)
{
    for (size_t i = 0; i < t->nleaving;) {
        int status;
        pid_t w = waitpid(t->leaving[i], &status, __WALL | WNOHANG);
        if (w > 0 && WIFSTOPPED(status))
            ptrace(PTRACE_CONT, w, 0, 0); /* none is expected after the exit stop */
        if (w == 0 || (w > 0 && !WIFEXITED(status) && !WIFSIGNALED(status)))
            i++; /* still exiting */
        else
            t->leaving[i] = t->leaving[--t->nleaving]; /* reaped, or not ours any more */
    }
}

static void at_exit_stop(tracer *tr, ch_tproc *t, pid_t tid)
{
    struct user_regs_struct regs;
    memset(&regs, 0, sizeof regs);
    bool have = ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0;
    if (have && tid == t->pid)
        t->main_sp = regs.rsp;
    if (have && !t->scanned && (t->ending || is_process_end(t, tid, &regs))) {
        if (!t->ending)
            t->deadline = ch_now() + ALL_STOPPED_WAIT;
        t->ending = true;
        if (hold(t, tid, &regs) == 0)
            return; /* stays stopped until the scan */
    }
    if (tid == t->pid)
        t->main_gone = true;
    if (tid != t->pid)
        note_leaving(tr, tid);
    ptrace(PTRACE_CONT, tid, 0, 0);
}

/* An exec stop: the collector may let a child run on untraced (a skipped
 * program), or have the program's own children not followed. */
static void at_exec_stop(tracer *t, ch_tproc *p, pid_t tid)
{
    bool keep = !t->hooks->on_exec || t->hooks->on_exec(t->ctx, p->pid);
    if (!keep && p->pid != t->pid) {
        ptrace(PTRACE_DETACH, tid, 0, 0);
        ch_tprocs_gone(&t->procs, p->pid);
        return;
    }
    if (!keep) /* the new image is single-threaded: its threads to come inherit this */
        ptrace(PTRACE_SETOPTIONS, tid, 0,
               t->hooks->options & ~(long)(PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK));
    ptrace(PTRACE_CONT, tid, 0, 0);
}

static void at_stop(tracer *t, pid_t tid, int status)
{
    int sig = WSTOPSIG(status);
    int event = (unsigned)status >> 16;
    ch_tproc *p = ch_tprocs_of(&t->procs, tid);
    if (!p) { /* gone already, or no memory to follow it: let it run */
        ptrace(event == PTRACE_EVENT_STOP ? PTRACE_DETACH : PTRACE_CONT, tid, 0, event ? 0 : sig);
        return;
    }
    if (event == PTRACE_EVENT_EXIT) {
        at_exit_stop(t, p, tid);
    } else if (event == PTRACE_EVENT_EXEC) {
        at_exec_stop(t, p, tid);
    } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK) {
        unsigned long child = 0;
        if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0 && child &&
            !ch_tprocs_find(&t->procs, (pid_t)child))
            ch_tprocs_add(&t->procs, (pid_t)child); /* its own first stop may come first */
        ptrace(PTRACE_CONT, tid, 0, 0);
    } else if (event == PTRACE_EVENT_CLONE) {
        unsigned long thread = 0;
        if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &thread) == 0 && thread)
            ch_tprocs_thread(&t->procs, (pid_t)thread, p); /* no /proc read at its first stop */
        ptrace(PTRACE_CONT, tid, 0, 0);
    } else if (event == PTRACE_EVENT_STOP && is_stop_signal(sig))
        ptrace(PTRACE_LISTEN, tid, 0, 0); /* stay stopped, but report SIGCONT */
    else if (event)                       /* a new thread's first stop, a SIGCONT'd listener */
        ptrace(PTRACE_CONT, tid, 0, 0);
    else { /* signal-delivery stop: deliver it */
        if (p->pid == t->pid)
            ch_sigfwd_note_target(tid, sig);
        ptrace(PTRACE_CONT, tid, 0, sig);
    }
}

/* Scans once every thread is held, gone or a zombie, or the wait is over;
 * then lets the held threads finish exiting. */
static bool try_finish(tracer *tr, ch_tproc *t, bool now)
{
    if (!now && other_alive(t, 0, true) && ch_now() < t->deadline)
        return false;
    ch_exit_threads threads = {.v = t->held, .n = t->nheld, .main_sp = t->main_sp, .exit = t->exit};
    tr->hooks->on_exit(tr->ctx, t->pid, &threads);
    t->scanned = true;
    for (size_t i = 0; i < t->nheld; i++)
        ptrace(PTRACE_CONT, t->held[i].tid, 0, 0);
    return true;
}

/* Whether some process is still ending after the ones ready were finished. */
static bool finish_ready(tracer *t)
{
    bool waiting = false;
    for (size_t i = 0; i < t->procs.n; i++) {
        ch_tproc *p = t->procs.v[i];
        if (p->ending && !p->scanned && !try_finish(t, p, false))
            waiting = true;
    }
    return waiting;
}

/* The program's own state, while it is traced; NULL once it is gone. */
static ch_tproc *program(const tracer *t)
{
    return ch_tprocs_find(&t->procs, t->pid);
}

static uint64_t main_sp_of(const tracer *t, const ch_stopall *st)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->v[i].tid == t->pid)
            return st->v[i].regs.rsp;
    const ch_tproc *p = program(t);
    return p ? p->main_sp : 0;
}

/* Stops every thread, calls on_check, resumes; the stops that came in the
 * way (a signal to deliver, an exit, a clone) are handled afterwards. */
static void live_check(tracer *t, ch_live_check *c)
{
    ch_stopall st = {0};
    int rc = -1;
    if (ch_stopall_stop(t->pid, &st, CHECK_STOP_WAIT))
        snprintf(c->err, sizeof c->err, "out of memory while stopping the program");
    else if (st.exec)
        snprintf(c->err, sizeof c->err, "the program was starting another image; ask again");
    else {
        ch_exit_threads threads = {.v = st.v, .n = st.n, .main_sp = main_sp_of(t, &st)};
        c->nthreads = st.n;
        c->nmissed = st.nmissed;
        t->on_check(t->ctx, t->pid, &threads, c);
        rc = c->err[0] ? -1 : 0;
    }
    ch_stopall_resume(&st);
    c->pause = ch_now() - st.start;
    c->stop_at = st.start;
    ch_live_stop_done(t->live, c, rc);
    free(t->later);
    t->later = st.later; /* the previous ones were all handled: later_at == nlater */
    t->nlater = st.nlater;
    t->later_at = 0;
    st.later = NULL;
    ch_stopall_free(&st);
}

/* A wait status kept by a leak check, oldest first; false if none is left. */
static bool next_later(tracer *t, pid_t *w, int *status)
{
    if (t->later_at == t->nlater)
        return false;
    *w = t->later[t->later_at].tid;
    *status = t->later[t->later_at++].status;
    return true;
}

/*
 * While the threads of an ending process reach their exit stops, waitpid
 * cannot block: an untraced thread dies without telling the launcher. The
 * polls start 10 us apart, since the kernel kills the threads at once and
 * the last stop usually follows within microseconds (a fixed 1 ms sleep was
 * a visible part of a short run), and back off to 1 ms for a thread that
 * takes longer.
 */
#define POLL_FIRST_NS 10000L
#define POLL_MAX_NS 1000000L
#define SIGNAL_WAIT 0.1

static int wait_any(tracer *t, bool traced, int *status)
{
    long pause_ns = POLL_FIRST_NS;
    for (;;) {
        pid_t kept;
        if (next_later(t, &kept, status))
            return kept;
        if (traced && finish_ready(t)) {
            pid_t w = waitpid(-1, status, __WALL | WNOHANG);
            if (w != 0)
                return w;
            nanosleep(&(struct timespec){.tv_nsec = pause_ns}, NULL);
            pause_ns = pause_ns * 2 < POLL_MAX_NS ? pause_ns * 2 : POLL_MAX_NS;
            continue;
        }
        /* Traced threads are the launcher's to reap too: wait for any.
         * Blocking happens in sigtimedwait, woken by SIGCHLD or a signal to
         * pass on; the timeout only bounds a wake-up that never comes. */
        reap_leaving(t);
        pid_t w = waitpid(traced ? -1 : t->pid, status, __WALL | WNOHANG);
        if (w != 0)
            return w;
        const ch_tproc *prog = traced ? program(t) : NULL;
        ch_live_check *c = prog && !prog->ending ? ch_live_stop_take(t->live) : NULL;
        if (c) {
            live_check(t, c);
            continue;
        }
        if (!ch_sigfwd_settle())
            ch_sigfwd_wait(SIGNAL_WAIT);
    }
}

/* Stops thread tid if it runs and detaches it: it goes on untraced. */
static void detach_thread(tracer *t, pid_t tid, bool held)
{
    int status = 0, sig = 0;
    if (!held) {
        ptrace(PTRACE_INTERRUPT, tid, 0, 0);
        double until = ch_now() + SIGNAL_WAIT;
        pid_t w;
        while ((w = waitpid(tid, &status, __WALL | WNOHANG)) == 0 && ch_now() < until)
            nanosleep(&(struct timespec){.tv_nsec = POLL_MAX_NS}, NULL);
        if (w != tid || !WIFSTOPPED(status))
            return; /* gone, or never stopped: nothing to detach */
        if (((unsigned)status >> 16) == 0)
            sig = WSTOPSIG(status); /* a signal it was about to get: it still gets it */
    }
    ptrace(PTRACE_DETACH, tid, 0, sig);
    (void)t;
}

/*
 * The program is gone, and the launcher is about to exit (which would kill
 * every tracee: PTRACE_O_EXITKILL). The followed processes still running
 * (a daemon, a background job) are let go; one already ending is finished
 * first, so that its report is not lost.
 */
static void release_children(tracer *t)
{
    static pid_t tids[MAX_TASKS];
    while (t->procs.n > 1) {
        ch_tproc *p = t->procs.v[t->procs.n - 1];
        if (p->ending && !p->scanned)
            try_finish(t, p, true);
        int n = ch_thread_list(p->pid, tids, MAX_TASKS);
        if (t->hooks->on_release && !p->ending)
            t->hooks->on_release(t->ctx, p->pid);
        for (int i = 0; i < n; i++)
            detach_thread(t, tids[i], is_held(p, tids[i]) && !p->scanned);
        ch_tprocs_gone(&t->procs, p->pid);
    }
}

int ch_trace_wait(pid_t pid, bool traced, const ch_trace_hooks *hooks, void *ctx, ch_exit *out)
{
    tracer t = {.pid = pid,
                .hooks = hooks,
                .ctx = ctx,
                .procs = {.follow = hooks->follow},
                .live = hooks->live,
                .on_check = hooks->on_check};
    int rc = -1;
    if (!ch_tprocs_add(&t.procs, pid))
        return -1;
    for (;;) {
        int status;
        pid_t w = wait_any(&t, traced, &status);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        if (w == pid && WIFEXITED(status)) {
            *out = (ch_exit){.signaled = false, .code = WEXITSTATUS(status)};
            rc = 0;
            break;
        }
        if (w == pid && WIFSIGNALED(status)) {
            *out = (ch_exit){.signaled = true, .code = WTERMSIG(status)};
            rc = 0;
            break;
        }
        if (traced && WIFSTOPPED(status))
            at_stop(&t, w, status);
        else if (WIFEXITED(status) || WIFSIGNALED(status))
            ch_tprocs_gone(&t.procs, w);
    }
    if (traced)
        release_children(&t);
    ch_tprocs_free(&t.procs);
    free(t.leaving);
    free(t.later);
    return rc;
}

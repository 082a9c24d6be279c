/* Stopping and resuming every thread of the running program (stopall.h). */
#include "collect/stopall.h"
#include "collect/procmem.h"
#include "common/clock.h"
#include "common/grow.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#define MAX_TASKS 65536
/* Waits for a stop is short: the kernel stops a running thread at once. */
#define POLL_NS 1000000L

enum resume_how {
    RESUME_CONT,   /* stopped by our interrupt (or a new thread's first stop) */
    RESUME_LISTEN, /* in a group-stop: stays stopped, as the wait loop keeps it */
    RESUME_LATER,  /* another stop came first: the wait loop handles it */
};

/* The threads asked to stop, and whether each one did (or is gone). */
typedef struct asked {
    pid_t *tid;
    bool *settled;
    size_t n, cap;
} asked;

static long find_tid(const asked *a, pid_t tid)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->tid[i] == tid)
            return (long)i;
    return -1;
}

static int ask(asked *a, pid_t tid, bool settled)
{
    if (a->n == a->cap) {
        size_t cap = a->cap;
        pid_t *t = ch_grow(a->tid, &cap, sizeof *t, 64);
        if (!t)
            return -1;
        a->tid = t;
        bool *s = realloc(a->settled, cap * sizeof *s);
        if (!s)
            return -1;
        a->settled = s;
        a->cap = cap;
    }
    a->tid[a->n] = tid;
    a->settled[a->n++] = settled;
    return 0;
}

static int keep_later(ch_stopall *s, pid_t tid, int status)
{
    if (s->nlater == s->later_cap) {
        ch_wait_status *v = ch_grow(s->later, &s->later_cap, sizeof *v, 16);
        if (!v)
            return -1;
        s->later = v;
    }
    s->later[s->nlater++] = (ch_wait_status){tid, status};
    return 0;
}

static int keep_stopped(ch_stopall *s, pid_t tid, enum resume_how how)
{
    if (s->n == s->cap) {
        size_t cap = s->cap;
        ch_thread_regs *v = ch_grow(s->v, &cap, sizeof *v, 64);
        if (!v)
            return -1;
        s->v = v;
        unsigned char *r = realloc(s->resume, cap);
        if (!r)
            return -1;
        s->resume = r;
        s->cap = cap;
    }
    s->resume[s->n] = (unsigned char)how;
    s->v[s->n++] = (ch_thread_regs){.tid = tid};
    return 0;
}

static bool is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* One wait status while stopping: a thread stopped (how?) or is gone. */
static int took(ch_stopall *s, asked *a, pid_t pid, pid_t w, int status)
{
    long i = find_tid(a, w);
    /* Not a thread of pid: a process the program cloned without CLONE_THREAD (traced by
     * PTRACE_O_TRACECLONE too). It is no part of the check: the wait loop handles it. */
    if (i < 0 && WIFSTOPPED(status) && !ch_thread_state(pid, w))
        return keep_later(s, w, status);
    if (i < 0 && ask(a, w, false)) /* a thread born meanwhile, at its first stop */
        return -1;
    if (i < 0)
        i = (long)a->n - 1;
    a->settled[i] = true;
    if (!WIFSTOPPED(status))
        return w == pid ? keep_later(s, w, status) : 0; /* the main thread's end is news */
    int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
    if (event == PTRACE_EVENT_STOP)
        return keep_stopped(s, w, is_stop_signal(sig) ? RESUME_LISTEN : RESUME_CONT);
    if (event == PTRACE_EVENT_EXEC)
        s->exec = true;
    if (keep_stopped(s, w, RESUME_LATER))
        return -1;
    return keep_later(s, w, status);
}

/* Asks every live thread not asked yet; *any is false if there was none. */
static int ask_new(ch_stopall *s, pid_t pid, asked *a, bool *any)
{
    static pid_t tids[MAX_TASKS]; /* only the tracing thread stops the program */
    int n = ch_thread_list(pid, tids, MAX_TASKS);
    *any = false;
    for (int i = 0; i < n; i++) {
        if (find_tid(a, tids[i]) >= 0)
            continue;
        char st = ch_thread_state(pid, tids[i]);
        if (!st || st == 'Z' || st == 'X')
            continue;
        /* ESRCH: gone since the listing (its exit will be reaped), or no tracee. */
        bool sent = ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) == 0;
        if (!sent && (st = ch_thread_state(pid, tids[i])) && st != 'Z' && st != 'X')
            s->nmissed++; /* alive and not ours: it runs through the check */
        if (ask(a, tids[i], !sent))
            return -1;
        *any = true;
    }
    return 0;
}

static bool all_settled(const asked *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (!a->settled[i])
            return false;
    return true;
}

static int collect_stops(ch_stopall *s, asked *a, pid_t pid)
{
    int status;
    pid_t w;
    while ((w = waitpid(-1, &status, __WALL | WNOHANG)) > 0)
        if (took(s, a, pid, w, status))
            return -1;
    return 0;
}

static void read_regs(ch_stopall *s)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->n; i++) {
        ch_thread_regs r = s->v[i];
        if (ptrace(PTRACE_GETREGS, r.tid, 0, &r.regs) != 0)
            continue; /* killed meanwhile: nothing to resume either */
        s->resume[keep] = s->resume[i];
        s->v[keep++] = r;
    }
    s->n = keep;
}

/*
 * Waits for the next wait event: SIGCHLD, which the launcher keeps blocked
 * and takes only with sigtimedwait (collect/sigforward.h); taking it here
 * loses nothing, since the wait loop always calls waitpid before it blocks.
 * The timeout bounds a wait for a thread that stops without a SIGCHLD.
 */
static void wait_sigchld(double deadline)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    double left = deadline - ch_now();
    long ns = left <= 0 ? 0 : left * 1e9 < POLL_NS ? (long)(left * 1e9) : POLL_NS;
    sigtimedwait(&chld, NULL, &(struct timespec){.tv_nsec = ns});
}

int ch_stopall_stop(pid_t pid, ch_stopall *s, double timeout)
{
    asked a = {0};
    s->start = ch_now();
    double deadline = s->start + timeout;
    int rc = 0;
    for (;;) {
        bool any;
        if (ask_new(s, pid, &a, &any) || collect_stops(s, &a, pid)) {
            rc = -1;
            break;
        }
        /* Done once everything asked stopped and the listing shows no one new. */
        if (all_settled(&a) && !any)
            break;
        if (ch_now() > deadline)
            break;
        if (all_settled(&a))
            continue;
        wait_sigchld(deadline);
    }
    for (size_t i = 0; i < a.n; i++)
        s->nmissed += !a.settled[i];
    free(a.tid);
    free(a.settled);
    read_regs(s);
    return rc;
}

void ch_stopall_resume(ch_stopall *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->resume[i] == RESUME_CONT)
            ptrace(PTRACE_CONT, s->v[i].tid, 0, 0);
        else if (s->resume[i] == RESUME_LISTEN)
            ptrace(PTRACE_LISTEN, s->v[i].tid, 0, 0);
    }
}

void ch_stopall_free(ch_stopall *s)
{
    free(s->v);
    free(s->resume);
    free(s->later);
    memset(s, 0, sizeof *s);
}

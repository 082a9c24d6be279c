/*
 * Passing the launcher's signals on to the program, each exactly once.
 *
 * The program shares the launcher's process group (so that a terminal's
 * job control treats the two as one job), and a signal sent to the group
 * (a terminal's ^C, `kill -TERM -PGID` from a CI runner or a process
 * manager) reaches both: passing the launcher's copy on would deliver it
 * twice. A signal sent to the launcher alone (kill PID, timeout(1)) must
 * be passed on. The two cannot be told apart from the siginfo, so the
 * launcher looks at the program itself:
 *  - the kernel queues a group signal to the group's newest member first
 *    (attach_pid adds at the head of the group's list, and kill_pgrp walks
 *    it from there), so by the time the launcher takes its copy, the
 *    program's copy is either still pending (ShdPnd/SigPnd in
 *    /proc/PID/status) or was taken by a traced thread, which stopped for
 *    the launcher with the signal and its sender (PTRACE_GETSIGINFO);
 *  - the pending bits are read first, then the stops that came meanwhile
 *    are collected, then the decision is made: the signal moves from
 *    pending to a stop under the program's signal lock, so it is seen in
 *    one of the two;
 *  - a stop counts as the program's copy of a group signal only while the
 *    launcher has the same signal from the same sender (pending, or taken
 *    and not decided yet): a signal sent to the program alone, then one
 *    sent to the launcher alone, are two signals.
 * A terminal's signals (SI_KERNEL) always reach the whole foreground group
 * and are never passed on; nor are signals the program sent the launcher,
 * or the launcher's own (SIGPIPE, SIGXFSZ of its writes: they leave EPIPE
 * and EFBIG to the write, which reports them).
 * Limit: a thread that is not traced (--trace-threads=main, --no-scan)
 * takes a signal without a stop; a group signal that such a thread took
 * before the launcher looked is passed on a second time.
 */
#include "collect/sigforward.h"
#include "common/clock.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <time.h>
#include <unistd.h>

/* How long a copy seen in the program waits for the launcher's: the two
 * are queued microseconds apart, but the launcher may be busy with stops. */
#define MATCH_WINDOW 1.0
#define MAX_SEEN 64
#define MAX_QUEUED 64

typedef struct seen_sig {
    int sig, code;
    pid_t sender;
    double at;
} seen_sig;

typedef struct queued_sig {
    siginfo_t info;
    bool looked;    /* the program's pending signals were read after it came */
    bool pending;   /* ...and it was among them */
    bool in_target; /* the program stopped with the same signal from the same sender */
} queued_sig;

static sigset_t old_mask, wait_set;
static pid_t target;
static seen_sig seen[MAX_SEEN];
static size_t nseen;
static queued_sig queued[MAX_QUEUED];
static size_t nqueued;
/* A signal found pending in the program: its coming stop is no new copy. */
static double owed[65];

/* Every signal a user can send that would stop the launcher's work:
 * all but SIGKILL and SIGSTOP (which cannot be caught), SIGCONT and the
 * terminal stops (job control keeps its meaning for the whole job), and
 * glibc's two internal real-time signals. */
static bool passed_on(int sig)
{
    switch (sig) {
    case SIGKILL:
    case SIGSTOP:
    case SIGCONT:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
    case SIGCHLD:
        return false;
    default:
        return sig < 32 || (sig >= SIGRTMIN && sig <= SIGRTMAX);
    }
}

void ch_sigfwd_block(void)
{
    sigemptyset(&wait_set);
    for (int sig = 1; sig <= SIGRTMAX; sig++)
        if (passed_on(sig))
            sigaddset(&wait_set, sig);
    sigaddset(&wait_set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &wait_set, &old_mask);
}

sigset_t ch_sigfwd_program_mask(void)
{
    return old_mask;
}

void ch_sigfwd_start(pid_t pid)
{
    target = pid;
    nseen = nqueued = 0;
}

static void forward(const siginfo_t *si)
{
    if (si->si_code == SI_QUEUE)
        sigqueue(target, si->si_signo, si->si_value);
    else
        kill(target, si->si_signo);
}

static void enqueue(const siginfo_t *si)
{
    if (si->si_code == SI_KERNEL || si->si_pid == getpid() || si->si_pid == target)
        return;
    if (nqueued == MAX_QUEUED) {
        forward(si); /* a flood: pass it on rather than lose it */
        return;
    }
    queued[nqueued++] = (queued_sig){.info = *si};
}

void ch_sigfwd_wait(double seconds)
{
    struct timespec ts = {.tv_sec = (time_t)seconds,
                          .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    siginfo_t si;
    int sig = sigtimedwait(&wait_set, &si, &ts);
    if (sig > 0 && sig != SIGCHLD && target > 0)
        enqueue(&si);
}

void ch_sigfwd_note_target(pid_t tid, int sig)
{
    siginfo_t si;
    if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) != 0 || si.si_signo != sig)
        return;
    if ((si.si_code != SI_USER && si.si_code != SI_QUEUE) || si.si_pid == getpid())
        return; /* not sent by another process, or sent by us */
    double now = ch_now();
    if (sig < 65 && now - owed[sig] < MATCH_WINDOW) {
        owed[sig] = 0;
        return;
    }
    /* The launcher's copy of a group signal is queued right after the
     * program's: it is either taken already (queued here, undecided) or
     * still pending for the launcher. Without one, the program's signal
     * was sent to it alone, and must not cancel a later one sent to the
     * launcher alone. */
    for (size_t i = 0; i < nqueued; i++)
        if (!queued[i].in_target && queued[i].info.si_signo == sig &&
            queued[i].info.si_pid == si.si_pid && queued[i].info.si_code == si.si_code) {
            queued[i].in_target = true;
            return;
        }
    sigset_t mine;
    if (sigpending(&mine) != 0 || !sigismember(&mine, sig))
        return;
    size_t keep = 0;
    for (size_t i = 0; i < nseen; i++) /* forget the stale ones */
        if (now - seen[i].at < MATCH_WINDOW)
            seen[keep++] = seen[i];
    nseen = keep;
    if (nseen < MAX_SEEN)
        seen[nseen++] = (seen_sig){.sig = sig, .code = si.si_code, .sender = si.si_pid, .at = now};
}

/* The program's pending signals, process-wide and its main thread's. */
static uint64_t target_pending(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)target);
    FILE *f = fopen(path, "re");
    uint64_t bits = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "SigPnd: %llx", &v) == 1 || sscanf(line, "ShdPnd: %llx", &v) == 1)
            bits |= v;
    }
    if (f)
        fclose(f);
    return bits;
}

/* Whether the program got this very signal itself (and forget that copy). */
static bool seen_in_target(const siginfo_t *si)
{
    double now = ch_now();
    for (size_t i = 0; i < nseen; i++)
        if (seen[i].sig == si->si_signo && seen[i].sender == si->si_pid &&
            seen[i].code == si->si_code && now - seen[i].at < MATCH_WINDOW) {
            seen[i] = seen[--nseen];
            return true;
        }
    return false;
}

bool ch_sigfwd_settle(void)
{
    bool looked = false;
    uint64_t pending = 0;
    for (size_t i = 0; i < nqueued; i++)
        if (!queued[i].looked) {
            if (!looked)
                pending = target_pending();
            looked = true;
            queued[i].looked = true;
            queued[i].pending = pending >> (queued[i].info.si_signo - 1) & 1;
        }
    if (looked)
        return true;
    for (size_t i = 0; i < nqueued; i++) {
        const siginfo_t *si = &queued[i].info;
        if (queued[i].in_target)
            continue;
        if (queued[i].pending)
            owed[si->si_signo] = ch_now();
        else if (!seen_in_target(si))
            forward(si);
    }
    nqueued = 0;
    return false;
}

void ch_sigfwd_stop(void)
{
    siginfo_t si;
    struct timespec zero = {0, 0};
    while (sigtimedwait(&wait_set, &si, &zero) > 0)
        ;
    target = 0;
    nqueued = nseen = 0;
    memset(owed, 0, sizeof owed);
}

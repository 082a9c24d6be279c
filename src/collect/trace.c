/*
 * The wait loop of the launcher.
 *
 * Only the main thread is traced (no PTRACE_O_TRACECLONE): Go sends signals
 * to its threads all the time (SIGURG preemption), and stopping every thread
 * for each would slow the target. The main thread's PTRACE_EVENT_EXIT stop
 * comes for exit_group, for a fatal signal and even for SIGKILL, before the
 * address space is torn down: that is when the scan runs.
 */
#include "collect/trace.h"
#include "collect/procmem.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

/* Read by the signal handler: a plain pid store is atomic on every target
 * we build for, and sig_atomic_t makes that explicit. */
static volatile sig_atomic_t forward_pid;
static struct sigaction saved[NFORWARDED];

/*
 * A terminal's ^C (or hangup) reaches the whole foreground process group,
 * the target included: the kernel sends it with si_code SI_KERNEL, and
 * passing it on would deliver it twice. Signals that another process sent
 * to the launcher alone (kill, timeout) are passed on. Only kill() and
 * errno handling here: both are async-signal-safe.
 */
static void forward(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int saved_errno = errno;
    pid_t pid = (pid_t)forward_pid;
    if (pid > 0 && info->si_code != SI_KERNEL && info->si_pid != pid)
        kill(pid, sig);
    errno = saved_errno;
}

void ch_forward_signals(pid_t pid)
{
    forward_pid = pid;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFORWARDED; i++)
        sigaction(forwarded[i], &sa, &saved[i]);
}

void ch_restore_signals(void)
{
    for (size_t i = 0; i < NFORWARDED; i++)
        sigaction(forwarded[i], &saved[i], NULL);
    forward_pid = 0;
}

static int is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * The main thread calling the plain exit syscall while other threads run
 * (pthread_exit in main) is not the end of the process: let it go. Anything
 * else (exit_group, a fatal signal, SIGKILL, the last thread leaving) is.
 */
static int is_process_end(pid_t pid, const struct user_regs_struct *regs)
{
    unsigned long status = 0;
    ptrace(PTRACE_GETEVENTMSG, pid, 0, &status);
    if (WIFEXITED((int)status) && regs->orig_rax == SYS_exit)
        return ch_thread_count(pid) <= 1;
    return 1;
}

static void at_exit_stop(pid_t pid, ch_exit_stop_fn on_exit, void *ctx, int *scanned)
{
    struct user_regs_struct regs;
    memset(&regs, 0, sizeof regs);
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0 && is_process_end(pid, &regs) && !*scanned) {
        *scanned = 1;
        on_exit(ctx, pid, &regs);
    }
    ptrace(PTRACE_CONT, pid, 0, 0);
}

static void at_stop(pid_t pid, int status, ch_exit_stop_fn on_exit, void *ctx, int *scanned)
{
    int sig = WSTOPSIG(status);
    int event = (unsigned)status >> 16;
    if (event == PTRACE_EVENT_EXIT)
        at_exit_stop(pid, on_exit, ctx, scanned);
    else if (event == PTRACE_EVENT_STOP && is_stop_signal(sig))
        ptrace(PTRACE_LISTEN, pid, 0, 0); /* stay stopped, but report SIGCONT */
    else if (event == PTRACE_EVENT_STOP)
        ptrace(PTRACE_CONT, pid, 0, 0);
    else
        ptrace(PTRACE_CONT, pid, 0, sig); /* signal-delivery stop: deliver it */
}

int ch_trace_wait(pid_t pid, bool traced, ch_exit_stop_fn on_exit, void *ctx, ch_exit *out)
{
    int scanned = 0;
    for (;;) {
        int status;
        pid_t w = waitpid(pid, &status, __WALL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (WIFEXITED(status)) {
            *out = (ch_exit){.signaled = false, .code = WEXITSTATUS(status)};
            return 0;
        }
        if (WIFSIGNALED(status)) {
            *out = (ch_exit){.signaled = true, .code = WTERMSIG(status)};
            return 0;
        }
        if (traced && WIFSTOPPED(status))
            at_stop(pid, status, on_exit, ctx, &scanned);
    }
}

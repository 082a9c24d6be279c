/*
 * `cgoheap run`'s launcher: start the program under the agent, stop it at
 * its exit, scan its memory and read the agent's record.
 */
#include "collect/collect.h"
#include "cgoheap/follow.h"
#include "collect/children.h"
#include "collect/epochs.h"
#include "collect/goprefetch.h"
#include "collect/launch.h"
#include "collect/live_stop.h"
#include "collect/modmaps.h"
#include "collect/record.h"
#include "collect/sigforward.h"
#include "collect/stopped.h"
#include "collect/trace.h"
#include "collect/untracked.h"
#include "common/phase.h"
#include "common/shm_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <unistd.h>

#define STACK_CAP (1u << 22)

/* CGOHEAP_STACK_CAP (a power of two, 1024 to STACK_CAP) makes the stack
 * table small, so that the suite can fill it in a moment. */
static uint32_t stack_cap(void)
{
    const char *env = getenv("CGOHEAP_STACK_CAP");
    unsigned long v = env ? strtoul(env, NULL, 10) : 0;
    if (v >= 1024 && v <= STACK_CAP && (v & (v - 1)) == 0)
        return (uint32_t)v;
    return STACK_CAP;
}
typedef struct collect_owner {
    ch_shm shm;
    ch_live_stop *live; /* leak checks while the program runs; outlives the run for late askers */
} collect_owner;

typedef struct run_state {
    const ch_run_opts *opts;
    ch_profile *prof;
    collect_owner *own;
    ch_child child;
    const char *agent;
    ch_go_prefetch *go; /* the Go layouts, read while the program runs */
    ch_epochs *epochs;  /* the clock of the blocks' ages; NULL if it could not start */
    int exec_errno;
    int n_execs;                 /* exec stops seen: the first is our own exec of the program */
    char image[PATH_MAX];        /* the program's current image */
    char preload[PATH_MAX];      /* the agent's path for LD_PRELOAD */
    char link_dir[PATH_MAX / 2]; /* a private directory holding a symlink to the agent, or "" */
    long ptrace_options;         /* the program is seized with */
    int record_read;             /* ch_record_read succeeded */
    char record_err[256];
    char no_record[160]; /* why there is no record and the program runs untracked, or "" */
} run_state;

int ch_exit_status(const ch_exit *e)
{
    return e->signaled ? 128 + e->code : e->code;
}

static void read_record(run_state *s)
{
    if (s->record_read || s->record_err[0] || s->no_record[0])
        return;
    ch_shm *shm = &s->own->shm;
    if (ch_record_read(shm->hdr, shm->size, shm->fd, s->prof, s->record_err,
                       sizeof s->record_err) == 0) {
        s->record_read = 1;
        ch_epochs_ages(s->epochs, s->prof); /* out of memory: ages stay unknown */
    }
}

/* A main thread that ended first (pthread_exit in main) is a zombie whose
 * /proc entries show no memory: read through a stopped thread's (/proc/TID
 * works for any thread id). */
static pid_t read_at(pid_t pid, const ch_exit_threads *threads)
{
    pid_t at = threads->n ? threads->v[0].tid : pid;
    for (size_t i = 0; i < threads->n; i++)
        if (threads->v[i].tid == pid)
            at = pid;
    return at;
}

static ch_stopped_target stopped_view(const run_state *s, pid_t pid, const ch_exit_threads *threads)
{
    const ch_shm *shm = &s->own->shm;
    ch_stopped_target t = {.pid = read_at(pid, threads),
                           .threads = threads,
                           .shm_fd = shm->fd,
                           .agent = s->agent,
                           .go = s->go};
    t.marks = ch_record_marks(shm->hdr, shm->size, &t.nmarks);
    return t;
}

/* At a process's exit stop: its record, its modules and (unless --no-scan) the scan. */
static void collect_stopped(run_state *s, pid_t pid, const ch_exit_threads *threads)
{
    ch_phase("record");
    read_record(s);
    if (!s->record_read)
        return;
    ch_modules_from_maps(threads->n ? threads->v[0].tid : pid, s->prof);
    if (!s->opts->scan)
        return;
    if (s->prof->nblocks == 0) {
        /* No block left to classify (a clean run, or none sampled): the scan would find nothing. */
        s->prof->scanned = true;
        s->prof->scan_notice[0] = 0;
        if (s->opts->verbose)
            fprintf(stderr, "cgoheap: no recorded block left at exit: nothing to scan\n");
        return;
    }
    const ch_stopped_target view = stopped_view(s, pid, threads);
    if (s->opts->on_stopped)
        s->opts->on_stopped(s->opts->stopped_ctx, &view, s->prof);
    ch_phase("exit");
}

static void mark_unfreed(ch_profile *p);

/*
 * A followed child's exit stop: the same collection into a profile of its
 * own, from the record its agent made, handed to on_child while the child
 * is held. A child without a record (a static program, one that closed
 * the descriptor) has no report; -v says why.
 */
static void child_exit_stop(run_state *s, pid_t pid, const ch_exit_threads *threads)
{
    char why[256];
    collect_owner *own = calloc(1, sizeof *own);
    if (!own || ch_child_record_open(pid, s->child.record_fd, &own->shm, why, sizeof why)) {
        if (own && s->opts->verbose)
            fprintf(stderr, "cgoheap: child %d not reported: %s\n", (int)pid, why);
        free(own);
        return;
    }
    ch_profile prof = {.owner = own, .pid = pid, .exit = threads->exit};
    run_state cs = *s;
    cs.prof = &prof;
    cs.own = own;
    cs.go = NULL;     /* the layouts are read now, from the child's own executable */
    cs.epochs = NULL; /* the launcher's clock ticks in the program's record only: ages unknown */
    cs.record_read = 0;
    cs.record_err[0] = 0;
    if (!s->opts->scan)
        snprintf(prof.scan_notice, sizeof prof.scan_notice,
                 "memory not scanned (--no-scan)" CH_UNFREED_TAIL);
    collect_stopped(&cs, pid, threads);
    if (cs.record_read) {
        char exe[64];
        snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
        ssize_t n = readlink(exe, prof.image, sizeof prof.image - 1);
        prof.image[n > 0 ? n : 0] = 0;
        mark_unfreed(&prof);
        ch_proc_info info;
        ch_child_info_read(pid, &info);
        s->opts->on_child(s->opts->child_ctx, &prof, &info); /* it takes the profile */
        free(info.argv);
        return;
    }
    if (s->opts->verbose)
        fprintf(stderr, "cgoheap: child %d not reported: %s\n", (int)pid, cs.record_err);
    ch_profile_free(&prof);
}

/* The exit stop: the record is complete and the memory still readable. */
static void on_exit_stop(void *ctx, pid_t pid, const ch_exit_threads *threads)
{
    run_state *s = ctx;
    if (pid != s->child.pid) {
        if (s->opts->on_child)
            child_exit_stop(s, pid, threads);
        return;
    }
    if ((s->exec_errno = ch_child_exec_errno(&s->child)))
        return; /* the program never ran */
    collect_stopped(s, pid, threads);
}

/* A leak check while the program runs: the record as it is now, then the stage asked for. */
static void on_check_stop(void *ctx, pid_t pid, const ch_exit_threads *threads, ch_live_check *c)
{
    run_state *s = ctx;
    ch_shm *shm = &s->own->shm;
    memset(c->prof, 0, sizeof *c->prof);
    if (ch_record_read(shm->hdr, shm->size, shm->fd, c->prof, c->err, sizeof c->err))
        return;
    ch_epochs_ages(s->epochs, c->prof);
    c->prof->pid = s->child.pid;
    snprintf(c->prof->image, sizeof c->prof->image, "%s", s->prof->image);
    ch_modules_from_maps(read_at(pid, threads), c->prof);
    const ch_stopped_target view = stopped_view(s, pid, threads);
    if (c->prof->nblocks == 0) {
        c->prof->scanned = true; /* nothing to classify */
        return;
    }
    ch_phase_mute(true); /* the -v times are the exit path's */
    c->fn(c->ctx, &view, c->prof);
    ch_phase_mute(false);
}

/*
 * The target became another program (execve in the same process: a wrapper
 * script, env(1)). What the old image recorded means nothing in the new one
 * (its blocks vanished with its address space), so the record starts over;
 * the new image's agent attaches to it. The exec stop of our own first exec
 * comes before the agent ran, when the record is still empty.
 */
static bool on_exec_stop(void *ctx, pid_t pid)
{
    run_state *s = ctx;
    if (pid != s->child.pid) /* a followed child: its agent starts its record over */
        return !ch_child_skipped(pid, s->opts->skip);
    char exe[64];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(exe, s->image, sizeof s->image - 1);
    s->image[n > 0 ? n : 0] = 0;
    if (++s->n_execs > 1) /* the report is about the program that ran last */
        snprintf(s->prof->image, sizeof s->prof->image, "%s", s->image);
    if (s->own->shm.hdr && ch_shm_reset(&s->own->shm) != 0 && s->opts->verbose)
        fprintf(stderr, "cgoheap: cannot empty the record at exec: %s\n", strerror(errno));
    /* A program of the skip list (a compiler, a nested cgoheap) is reported, its children not. */
    if (!s->opts->follow || !ch_child_skipped(pid, s->opts->skip))
        return true;
    if (s->own->shm.hdr)
        s->own->shm.hdr->options |= CH_OPT_NO_CHILDREN;
    return false;
}

static void on_release(void *ctx, pid_t pid)
{
    run_state *s = ctx;
    ch_child_release(pid, s->child.record_fd);
}

/*
 * PTRACE_SEIZE before the child may run; on refusal, run without the scan.
 * With --no-scan the main thread is still traced, without exit stops: its
 * signal stops tell a signal sent to the whole process group from one sent
 * to the launcher alone (collect/sigforward.c), and its exec stop empties
 * the record of the old image. Returns whether exit stops will come.
 */
static bool seize(run_state *s, bool *seized, bool *all_threads)
{
    ch_profile *p = s->prof;
    long o = PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    /* Followed children are traced from their fork on, and read at their exit stops. */
    if (s->opts->follow)
        o |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXIT;
    if (!s->opts->scan) {
        snprintf(p->scan_notice, sizeof p->scan_notice,
                 "memory not scanned (--no-scan)" CH_UNFREED_TAIL);
        s->ptrace_options = o;
        *seized = ptrace(PTRACE_SEIZE, s->child.pid, 0, o) == 0;
        return *seized && s->opts->follow;
    }
    /* Every thread is traced (new ones from their clone on) so that each
     * one's registers are known at exit: its stack is cut at its stack
     * pointer and its registers are roots. --trace-threads=main traces
     * the main thread alone (other stacks are then scanned whole), and so
     * does a sampled run unless told otherwise: a traced thread stops for
     * the launcher at every signal it gets (Go preempts with SIGURG), which
     * cost a 90 ms cgo run 1.5 to 2.5 ms; a run left on in production
     * should not pay that for a closer scan of its few sampled blocks. */
    ch_trace_threads t = s->opts->trace_threads;
    o |= PTRACE_O_TRACEEXIT;
    *all_threads = t != CH_TRACE_DEFAULT ? t == CH_TRACE_ALL : s->opts->sample_rate <= 1;
    if (*all_threads)
        o |= PTRACE_O_TRACECLONE;
    s->ptrace_options = o;
    if (ptrace(PTRACE_SEIZE, s->child.pid, 0, o) == 0)
        return *seized = true;
    *seized = false;
    snprintf(p->scan_notice, sizeof p->scan_notice,
             "memory not scanned: ptrace refused (%s)" CH_UNFREED_TAIL, strerror(errno));
    if (s->opts->verbose)
        fprintf(stderr, "cgoheap: %s\n", p->scan_notice);
    return false;
}

static int run_child(run_state *s, const char *path, char *err, size_t errlen)
{
    collect_owner *own = s->own;
    ch_sigfwd_block(); /* before the spawn: no signal can kill the launcher from now on */
    if (ch_child_spawn(&s->child, path, s->opts->argv, s->preload, own->shm.fd, s->opts->unwind,
                       err, errlen))
        return -1;
    s->prof->pid = s->child.pid;
    if (own->shm.hdr) {
        own->shm.hdr->target_pid = s->child.pid; /* before the go-ahead: the agent checks it */
        s->epochs = ch_epochs_start(own->shm.hdr);
    }
    bool seized, all_threads = false;
    bool traced = seize(s, &seized, &all_threads);
    /* Under --no-scan the program is traced only to follow its children: no scan, no check. */
    bool scanned = traced && s->opts->scan;
    if (!scanned)
        ch_live_stop_refuse(own->live, "no leak check while the program runs: --no-scan, or ptrace "
                                       "refused");
    else if (!all_threads)
        ch_live_stop_refuse(own->live, "only the main thread is traced (--trace-threads=main, "
                                       "the default of a sampled run): the leak check needs "
                                       "--trace-threads=all");
    /*
     * Full tracking reads the Go layouts while the program runs, on an idle
     * CPU, so that the scan at exit need not wait for them. A sampled run is
     * the one left on in production: there the program gets every CPU cycle,
     * and the layouts are read at exit only if a sampled block is left.
     */
    if (scanned && s->opts->sample_rate <= 1)
        s->go = ch_go_prefetch_start(path);
    ch_sigfwd_start(s->child.pid);
    const ch_live_record live = {own->shm.hdr, own->shm.size, own->shm.fd,
                                 s->child.pid, s->epochs,     own->live};
    if (s->opts->on_live && own->shm.hdr)
        s->opts->on_live(s->opts->live_ctx, &live);
    ch_child_go(&s->child);
    const ch_trace_hooks hooks = {.on_exit = on_exit_stop,
                                  .on_exec = on_exec_stop,
                                  .on_release = on_release,
                                  .options = s->ptrace_options,
                                  .follow = s->opts->follow && seized,
                                  .live = own->live,
                                  .on_check = on_check_stop};
    int rc = ch_trace_wait(s->child.pid, seized, &hooks, s, &s->prof->exit);
    ch_live_stop_refuse(own->live, "the program has ended");
    if (s->opts->on_live)
        s->opts->on_live(s->opts->live_ctx, NULL);
    ch_sigfwd_stop();
    if (!s->exec_errno)
        s->exec_errno = ch_child_exec_errno(&s->child);
    ch_child_close(&s->child);
    if (rc)
        snprintf(err, errlen, "waiting for %s: %s", s->opts->argv[0], strerror(errno));
    else if (s->exec_errno)
        snprintf(err, errlen, "%s: %s", s->opts->argv[0], strerror(s->exec_errno));
    return rc || s->exec_errno ? -1 : 0;
}

/* Without an exit stop the record is still complete, but nothing was scanned. */
static void mark_unfreed(ch_profile *p)
{
    if (p->scanned)
        return;
    for (size_t i = 0; i < p->nblocks; i++)
        p->blocks[i].kind = CH_KIND_UNFREED;
    if (!p->scan_notice[0])
        snprintf(p->scan_notice, sizeof p->scan_notice,
                 "memory not scanned: the process ended without an exit stop of its main "
                 "thread (it exited first)" CH_UNFREED_TAIL);
}

/*
 * LD_PRELOAD splits on spaces and colons and has no escape: an agent
 * installed under such a path would silently not load. It is preloaded
 * through a symlink in a private directory instead (the kernel shows the
 * real path in the target's maps, which the scan looks for).
 */
static int preload_path(run_state *s, char *err, size_t errlen)
{
    snprintf(s->preload, sizeof s->preload, "%s", s->agent);
    if (!strpbrk(s->agent, " :\t\n"))
        return 0;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strpbrk(tmp, " :\t\n"))
        tmp = "/tmp";
    snprintf(s->link_dir, sizeof s->link_dir, "%s/cgoheap-XXXXXX", tmp);
    if (!mkdtemp(s->link_dir)) {
        snprintf(err, errlen,
                 "the agent's path %s has a space or colon, which LD_PRELOAD cannot "
                 "hold, and no symlink to it could be made in %s: %s",
                 s->agent, tmp, strerror(errno));
        s->link_dir[0] = 0;
        return -1;
    }
    snprintf(s->preload, sizeof s->preload, "%s/libcgoheap.so", s->link_dir);
    if (symlink(s->agent, s->preload) == 0)
        return 0;
    snprintf(err, errlen, "cannot link the agent into %s: %s", s->link_dir, strerror(errno));
    rmdir(s->link_dir);
    s->link_dir[0] = 0;
    return -1;
}

static void preload_cleanup(run_state *s)
{
    if (!s->link_dir[0])
        return;
    unlink(s->preload);
    rmdir(s->link_dir);
}

static int prepare(run_state *s, char *path, char *agent, char *err, size_t errlen)
{
    if (!s->opts->argv || !s->opts->argv[0]) {
        snprintf(err, errlen, "no program to run");
        return -1;
    }
    if (ch_resolve_program(s->opts->argv[0], path, PATH_MAX, err, errlen))
        return -1;
    if (!s->opts->agent_path || !realpath(s->opts->agent_path, agent)) {
        snprintf(err, errlen, "%s: %s", s->opts->agent_path ? s->opts->agent_path : "agent",
                 strerror(s->opts->agent_path ? errno : EINVAL));
        return -1;
    }
    s->agent = agent;
    snprintf(s->image, sizeof s->image, "%s", path);
    if (preload_path(s, err, errlen))
        return -1;
    if (!(s->own = calloc(1, sizeof *s->own))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->own->shm.fd = -1;
    s->own->live = ch_live_stop_new();
    uint64_t rate = s->opts->sample_rate ? s->opts->sample_rate : 1;
    if (ch_children_env(s->opts, rate, stack_cap())) {
        snprintf(err, errlen, "cannot set the environment for children: %s", strerror(errno));
        free(s->own);
        s->own = NULL;
        preload_cleanup(s);
        return -1;
    }
    if (ch_shm_create(&s->own->shm, rate, stack_cap())) {
        /* The program must still run as it would: untracked, and a gate fails (125). */
        if (errno == ENOMEM) {
            snprintf(s->no_record, sizeof s->no_record,
                     "the address-space limit (ulimit -v) is too low for the shared record, so "
                     "the program ran without the agent");
            return 0;
        }
        snprintf(err, errlen, "cannot create the shared record: %s", strerror(errno));
        ch_live_stop_free(s->own->live);
        free(s->own);
        s->own = NULL;
        preload_cleanup(s);
        return -1;
    }
    s->own->shm.hdr->options |= CH_OPT_TOP;
    return 0;
}

int ch_collect_run(const ch_run_opts *opts, ch_profile *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char path[PATH_MAX], agent[PATH_MAX];
    run_state s = {.opts = opts, .prof = out, .child = {.go_fd = -1, .exec_fd = -1}};
    if (prepare(&s, path, agent, err, errlen))
        return -1;
    out->owner = s.own;
    int rc = run_child(&s, path, err, errlen);
    preload_cleanup(&s);
    ch_go_prefetch_free(s.go);
    if (rc == 0 && s.no_record[0]) {
        if (ch_record_none(out)) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        snprintf(out->untracked, sizeof out->untracked, "%s", s.no_record);
        out->scanned = true; /* nothing to scan, as for a program the agent could not enter */
        return rc;
    }
    if (rc == 0) {
        read_record(&s);
        if (!s.record_read) {
            snprintf(err, errlen, "%s", s.record_err);
            rc = -1;
        }
    }
    ch_epochs_stop(s.epochs);
    if (rc == 0) {
        mark_unfreed(out);
        ch_modules_verify(out);
    }
    if (rc == 0 && !out->agent_attached && out->agent_fail_reason[0]) /* it ran, and said why */
        snprintf(out->untracked, sizeof out->untracked, "the agent refused its record: %s",
                 out->agent_fail_reason);
    else if (rc == 0 && !out->agent_attached)
        ch_untracked_reason(s.image, out->untracked, sizeof out->untracked, &out->no_c_heap);
    return rc;
}

void ch_profile_free(ch_profile *p)
{
    for (size_t i = 0; i < p->nroot_names; i++)
        free(p->root_names[i]);
    free(p->root_names);
    free(p->block_root);
    p->root_names = NULL;
    p->block_root = NULL;
    p->nroot_names = 0;
    ch_record_free(p);
    free(p->owned);
    p->owned = NULL;
    p->nowned = 0;
    collect_owner *own = p->owner;
    if (own) {
        ch_shm_destroy(&own->shm);
        ch_live_stop_free(own->live);
        free(own);
    }
    p->owner = NULL;
}

/*
 * `cgoheap run`'s launcher: start the program under the agent, stop it at
 * its exit, scan its memory and read the agent's record.
 */
#include "collect/collect.h"
#include "analyze/analyze.h"
#include "analyze/goheap.h"
#include "collect/goheap_read.h"
#include "collect/goprefetch.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"
#include "collect/launch.h"
#include "collect/modmaps.h"
#include "collect/pagemap.h"
#include "collect/procmem.h"
#include "collect/record.h"
#include "collect/roots.h"
#include "collect/roots_why.h"
#include "collect/sigforward.h"
#include "collect/trace.h"
#include "collect/untracked.h"
#include "common/clock.h"
#include "common/grow.h"
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
#define UNFREED_TAIL "; blocks reported as unfreed at exit"

typedef struct collect_owner {
    ch_shm shm;
} collect_owner;

typedef struct run_state {
    const ch_run_opts *opts;
    ch_profile *prof;
    collect_owner *own;
    ch_child child;
    const char *agent;
    ch_go_prefetch *go; /* the Go layouts, read while the program runs */
    int exec_errno;
    int n_execs;                 /* exec stops seen: the first is our own exec of the program */
    char image[PATH_MAX];        /* the program's current image */
    char preload[PATH_MAX];      /* the agent's path for LD_PRELOAD */
    char link_dir[PATH_MAX / 2]; /* a private directory holding a symlink to the agent, or "" */
    int record_read;             /* ch_record_read succeeded */
    char record_err[256];
} run_state;

int ch_exit_status(const ch_exit *e)
{
    return e->signaled ? 128 + e->code : e->code;
}

static void read_record(run_state *s)
{
    if (s->record_read || s->record_err[0])
        return;
    ch_shm *shm = &s->own->shm;
    if (ch_record_read(shm->hdr, shm->size, shm->fd, s->prof, s->record_err,
                       sizeof s->record_err) == 0)
        s->record_read = 1;
}

static void scan_failed(ch_profile *p, const char *why)
{
    snprintf(p->scan_notice, sizeof p->scan_notice,
             "memory not scanned: cannot read the target's memory (%s)" UNFREED_TAIL, why);
}

/* One /proc/PID/maps line as a ch_mapping; 0 if it is not one. */
static int parse_mapping(const char *line, ch_mapping *m)
{
    unsigned long long start, end;
    char perms[5];
    int path_at = 0;
    if (sscanf(line, "%llx-%llx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3)
        return 0;
    m->start = start;
    m->end = end;
    m->flags = (perms[0] == 'r' ? CH_MAP_READ : 0) | (perms[1] == 'w' ? CH_MAP_WRITE : 0) |
               (perms[2] == 'x' ? CH_MAP_EXEC : 0) |
               (path_at && line[path_at] == '/' ? CH_MAP_FILE : 0);
    return 1;
}

/* The target's mappings, in the kernel's (address) order, for the scan's
 * vtable test. NULL on failure: the scan then runs without them. */
static ch_mapping *read_mappings(pid_t pid, size_t *n)
{
    char path[64], line[PATH_MAX + 128];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    ch_mapping *maps = NULL;
    size_t cap = 0;
    *n = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (*n == cap) {
            ch_mapping *grown = ch_grow(maps, &cap, sizeof *maps, 256);
            if (!grown)
                break;
            maps = grown;
        }
        *n += (size_t)parse_mapping(line, &maps[*n]);
    }
    if (f)
        fclose(f);
    return maps;
}

/* Every general register of every stopped thread is a root word (as in
 * valgrind: a pointer held only in a register is held). */
#define REGS_PER_THREAD 17

static void register_words(const ch_exit_threads *t, uint64_t *w)
{
    for (size_t i = 0; i < t->n; i++, w += REGS_PER_THREAD) {
        const struct user_regs_struct *r = &t->v[i].regs;
        const uint64_t one[REGS_PER_THREAD] = {r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi,
                                               r->rbp, r->rsp, r->r8,  r->r9,  r->r10, r->r11,
                                               r->r12, r->r13, r->r14, r->r15, r->rip};
        memcpy(w, one, sizeof one);
    }
}

/* The stack pointer and TLS base of each stopped thread, and the same
 * stack pointers and pcs alone for the Go runtime reader. */
typedef struct thread_sps {
    ch_thread_sp *v;
    uint64_t *sp, *pc;
    uint64_t *words;
} thread_sps;

static int thread_sps_make(thread_sps *ts, const ch_exit_threads *t)
{
    size_t n = t->n ? t->n : 1;
    ts->v = malloc(n * sizeof *ts->v);
    ts->sp = malloc(n * sizeof *ts->sp);
    ts->pc = malloc(n * sizeof *ts->pc);
    ts->words = malloc(n * REGS_PER_THREAD * sizeof *ts->words);
    if (!ts->v || !ts->sp || !ts->pc || !ts->words)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        ts->v[i] = (ch_thread_sp){.sp = t->v[i].regs.rsp, .tls = t->v[i].regs.fs_base};
        ts->sp[i] = t->v[i].regs.rsp;
        ts->pc[i] = t->v[i].regs.rip;
    }
    register_words(t, ts->words);
    return 0;
}

static void thread_sps_free(thread_sps *ts)
{
    free(ts->v);
    free(ts->sp);
    free(ts->pc);
    free(ts->words);
}

static void scan_roots(run_state *s, pid_t pid, int memfd, const ch_exit_threads *t,
                       const thread_sps *ts)
{
    ch_profile *p = s->prof;
    struct stat st;
    char smaps[64];
    ch_roots_ctx rc = {.agent_path = s->agent, .main_sp = t->main_sp};
    rc.threads = ts->v;
    rc.nthreads = t->n;
    if (fstat(s->own->shm.fd, &st) == 0)
        rc.shm_inode = st.st_ino;
    snprintf(smaps, sizeof smaps, "/proc/%d/smaps", (int)pid);
    rc.blocks = p->blocks;
    rc.nblocks = p->nblocks;
    rc.sampled = p->sample_rate > 1;
    const ch_shm_header *h = s->own->shm.hdr;
    rc.marks = (const uint64_t *)((const char *)h + h->marks_off);
    rc.nmarks = h->n_marks < CH_MAX_MARKS ? h->n_marks : CH_MAX_MARKS;
    size_t nroots = 0;
    ch_phase("roots");
    ch_region *roots = ch_roots_from_smaps(smaps, &rc, &nroots, ch_procmem_read, &memfd);
    if (!roots)
        return scan_failed(p, strerror(errno));
    size_t nmaps;
    ch_mapping *maps = read_mappings(pid, &nmaps);
    ch_go_threads threads = {.main_sp = t->main_sp,
                             .sps = ts->sp,
                             .nsps = t->n,
                             .marks = rc.marks,
                             .nmarks = rc.nmarks,
                             .maps = maps,
                             .nmaps = nmaps,
                             .pcs = ts->pc};
    ch_phase("go runtime");
    roots = ch_go_refine_roots(pid, s->go, &threads, roots, &nroots, ch_procmem_read, &memfd,
                               s->opts->verbose);
    ch_go_heap gh;
    roots = ch_go_heap_collect(pid, s->go, &gh, roots, &nroots, ch_procmem_read, &memfd,
                               s->opts->verbose);
    ch_scan_extra x = {.go = gh.nspans ? &gh : NULL};
    if (s->opts->show_roots) { /* failing that, the report just names no roots */
        x.why = calloc(p->nblocks + 1, sizeof *x.why);
        if (x.go)
            gh.why = calloc(gh.nobjects + 1, sizeof *gh.why);
    }
    ch_phase("resident pages");
    roots = ch_roots_resident(pid, roots, &nroots);
    double t0 = ch_now();
    ch_phase("scan");
    if (ch_scan_ex(p, roots, nroots, ts->words, t->n * REGS_PER_THREAD, maps, nmaps, &x,
                   ch_procmem_read, &memfd))
        scan_failed(p, strerror(ENOMEM));
    else if (s->opts->verbose)
        fprintf(stderr,
                "cgoheap: scanned %zu root regions, %zu threads' registers and %zu blocks in "
                "%.3f s\n",
                nroots, t->n, p->nblocks, ch_now() - t0);
    if (x.why && p->scanned) {
        ch_why_input wi = {.why = x.why,
                           .go = x.go,
                           .roots = roots,
                           .nroots = nroots,
                           .threads = t,
                           .regs_per_thread = REGS_PER_THREAD};
        ch_phase("roots named");
        ch_why_name(p, &wi);
    }
    free(x.why);
    ch_go_heap_free(&gh);
    free(roots);
    free(maps);
}

static void scan_target(run_state *s, pid_t pid, int memfd, const ch_exit_threads *t)
{
    thread_sps ts = {0};
    if (thread_sps_make(&ts, t))
        scan_failed(s->prof, strerror(ENOMEM));
    else
        scan_roots(s, pid, memfd, t, &ts);
    thread_sps_free(&ts);
}

/* The exit stop: the record is complete and the memory still readable. */
static void on_exit_stop(void *ctx, pid_t pid, const ch_exit_threads *threads)
{
    run_state *s = ctx;
    if ((s->exec_errno = ch_child_exec_errno(&s->child)))
        return; /* the program never ran */
    ch_phase("record");
    read_record(s);
    if (!s->record_read)
        return;
    ch_modules_from_maps(threads->n ? threads->v[0].tid : pid, s->prof);
    if (s->prof->nblocks == 0) {
        /* No block left to classify (a clean run, or none sampled): the scan would find nothing. */
        s->prof->scanned = true;
        s->prof->scan_notice[0] = 0;
        if (s->opts->verbose)
            fprintf(stderr, "cgoheap: no recorded block left at exit: nothing to scan\n");
        return;
    }
    /* A main thread that ended first (pthread_exit in main) is a zombie
     * whose /proc entries show no memory: read through a stopped thread's
     * (/proc/TID works for any thread id). */
    pid_t at = threads->n ? threads->v[0].tid : pid;
    for (size_t i = 0; i < threads->n; i++)
        if (threads->v[i].tid == pid)
            at = pid;
    pid = at;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int memfd = open(path, O_RDONLY | O_CLOEXEC);
    if (memfd < 0)
        return scan_failed(s->prof, strerror(errno));
    scan_target(s, pid, memfd, threads);
    close(memfd);
    ch_phase("exit");
}

/*
 * The target became another program (execve in the same process: a wrapper
 * script, env(1)). What the old image recorded means nothing in the new one
 * (its blocks vanished with its address space), so the record starts over;
 * the new image's agent attaches to it. The exec stop of our own first exec
 * comes before the agent ran, when the record is still empty.
 */
static void on_exec_stop(void *ctx, pid_t pid)
{
    run_state *s = ctx;
    char exe[64];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(exe, s->image, sizeof s->image - 1);
    s->image[n > 0 ? n : 0] = 0;
    if (++s->n_execs > 1) /* the report is about the program that ran last */
        snprintf(s->prof->image, sizeof s->prof->image, "%s", s->image);
    if (ch_shm_reset(&s->own->shm) != 0 && s->opts->verbose)
        fprintf(stderr, "cgoheap: cannot empty the record at exec: %s\n", strerror(errno));
}

/*
 * PTRACE_SEIZE before the child may run; on refusal, run without the scan.
 * With --no-scan the main thread is still traced, without exit stops: its
 * signal stops tell a signal sent to the whole process group from one sent
 * to the launcher alone (collect/sigforward.c), and its exec stop empties
 * the record of the old image. Returns whether exit stops will come.
 */
static bool seize(run_state *s, bool *seized)
{
    ch_profile *p = s->prof;
    long o = PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (!s->opts->scan) {
        snprintf(p->scan_notice, sizeof p->scan_notice,
                 "memory not scanned (--no-scan)" UNFREED_TAIL);
        *seized = ptrace(PTRACE_SEIZE, s->child.pid, 0, o) == 0;
        return false;
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
    if (t != CH_TRACE_DEFAULT ? t == CH_TRACE_ALL : s->opts->sample_rate <= 1)
        o |= PTRACE_O_TRACECLONE;
    if (ptrace(PTRACE_SEIZE, s->child.pid, 0, o) == 0)
        return *seized = true;
    *seized = false;
    snprintf(p->scan_notice, sizeof p->scan_notice,
             "memory not scanned: ptrace refused (%s)" UNFREED_TAIL, strerror(errno));
    if (s->opts->verbose)
        fprintf(stderr, "cgoheap: %s\n", p->scan_notice);
    return false;
}

static int run_child(run_state *s, const char *path, char *err, size_t errlen)
{
    collect_owner *own = s->own;
    ch_sigfwd_block(); /* before the fork: no signal can kill the launcher from now on */
    if (ch_child_spawn(&s->child, path, s->opts->argv, s->preload, own->shm.fd, s->opts->unwind,
                       err, errlen))
        return -1;
    s->prof->pid = s->child.pid;
    own->shm.hdr->target_pid = s->child.pid; /* before the go-ahead: the agent checks it */
    bool seized;
    bool traced = seize(s, &seized);
    /*
     * Full tracking reads the Go layouts while the program runs, on an idle
     * CPU, so that the scan at exit need not wait for them. A sampled run is
     * the one left on in production: there the program gets every CPU cycle,
     * and the layouts are read at exit only if a sampled block is left.
     */
    if (traced && s->opts->sample_rate <= 1)
        s->go = ch_go_prefetch_start(path);
    ch_sigfwd_start(s->child.pid);
    const ch_live_record live = {own->shm.hdr, own->shm.size, own->shm.fd, s->child.pid};
    if (s->opts->on_live)
        s->opts->on_live(s->opts->live_ctx, &live);
    ch_child_go(&s->child);
    const ch_trace_hooks hooks = {.on_exit = on_exit_stop, .on_exec = on_exec_stop};
    int rc = ch_trace_wait(s->child.pid, seized, &hooks, s, &s->prof->exit);
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
                 "thread (it exited first)" UNFREED_TAIL);
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
    uint64_t rate = s->opts->sample_rate ? s->opts->sample_rate : 1;
    if (ch_shm_create(&s->own->shm, rate, stack_cap())) {
        snprintf(err, errlen, "cannot create the shared record: %s",
                 errno == ENOMEM ? "the address-space limit (ulimit -v) is too low for it"
                                 : strerror(errno));
        free(s->own);
        s->own = NULL;
        preload_cleanup(s);
        return -1;
    }
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
    if (rc == 0) {
        read_record(&s);
        if (!s.record_read) {
            snprintf(err, errlen, "%s", s.record_err);
            rc = -1;
        }
    }
    if (rc == 0)
        mark_unfreed(out);
    if (rc == 0 && !out->agent_attached)
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
        free(own);
    }
    p->owner = NULL;
}

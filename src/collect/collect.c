/*
 * `cgoheap run`'s launcher: start the program under the agent, stop it at
 * its exit, scan its memory and read the agent's record.
 */
#include "collect/collect.h"
#include "analyze/analyze.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"
#include "collect/launch.h"
#include "collect/procmem.h"
#include "collect/record.h"
#include "collect/roots.h"
#include "collect/trace.h"
#include "common/shm_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STACK_CAP (1u << 22)
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
    int exec_errno;
    int record_read; /* ch_record_read succeeded */
    char record_err[256];
} run_state;

int ch_exit_status(const ch_exit *e)
{
    return e->signaled ? 128 + e->code : e->code;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
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

/* At exit_group, the kernel kills the other threads before the main thread
 * stops; wait briefly until they are gone, so none is still writing. */
static void wait_for_other_threads(pid_t pid)
{
    for (int i = 0; i < 200 && ch_thread_count(pid) > 1; i++)
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
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
            cap = cap ? 2 * cap : 256;
            ch_mapping *grown = realloc(maps, cap * sizeof *maps);
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

static void scan_target(run_state *s, pid_t pid, int memfd, const struct user_regs_struct *regs)
{
    ch_profile *p = s->prof;
    struct stat st;
    char smaps[64];
    ch_roots_ctx rc = {.agent_path = s->agent, .main_sp = regs->rsp};
    if (fstat(s->own->shm.fd, &st) == 0)
        rc.shm_inode = st.st_ino;
    snprintf(smaps, sizeof smaps, "/proc/%d/smaps", (int)pid);
    rc.blocks = p->blocks;
    rc.nblocks = p->nblocks;
    const ch_shm_header *h = s->own->shm.hdr;
    rc.marks = (const uint64_t *)((const char *)h + h->marks_off);
    rc.nmarks = h->n_marks < CH_MAX_MARKS ? h->n_marks : CH_MAX_MARKS;
    size_t nroots = 0;
    ch_region *roots = ch_roots_from_smaps(smaps, &rc, &nroots, ch_procmem_read, &memfd);
    if (!roots)
        return scan_failed(p, strerror(errno));
    ch_go_threads threads = {.main_sp = regs->rsp, .marks = rc.marks, .nmarks = rc.nmarks};
    roots = ch_go_refine_roots(pid, &threads, roots, &nroots, ch_procmem_read, &memfd,
                               s->opts->verbose);
    const uint64_t words[] = {regs->rax, regs->rbx, regs->rcx, regs->rdx, regs->rsi, regs->rdi,
                              regs->rbp, regs->rsp, regs->r8,  regs->r9,  regs->r10, regs->r11,
                              regs->r12, regs->r13, regs->r14, regs->r15, regs->rip};
    size_t nmaps;
    ch_mapping *maps = read_mappings(pid, &nmaps);
    double t0 = now();
    if (ch_scan_mapped(p, roots, nroots, words, sizeof words / sizeof words[0], maps, nmaps,
                       ch_procmem_read, &memfd))
        scan_failed(p, strerror(ENOMEM));
    else if (s->opts->verbose)
        fprintf(stderr, "cgoheap: scanned %zu root regions and %zu blocks in %.3f s\n", nroots,
                p->nblocks, now() - t0);
    free(roots);
    free(maps);
}

/* The exit stop: the record is complete and the memory still readable. */
static void on_exit_stop(void *ctx, pid_t pid, const struct user_regs_struct *regs)
{
    run_state *s = ctx;
    if ((s->exec_errno = ch_child_exec_errno(&s->child)))
        return; /* the program never ran */
    wait_for_other_threads(pid);
    read_record(s);
    if (!s->record_read)
        return;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int memfd = open(path, O_RDONLY | O_CLOEXEC);
    if (memfd < 0)
        return scan_failed(s->prof, strerror(errno));
    scan_target(s, pid, memfd, regs);
    close(memfd);
}

/* PTRACE_SEIZE before the child may run; on refusal, run without the scan. */
static bool seize(run_state *s)
{
    ch_profile *p = s->prof;
    if (!s->opts->scan) {
        snprintf(p->scan_notice, sizeof p->scan_notice,
                 "memory not scanned (--no-scan)" UNFREED_TAIL);
        return false;
    }
    long o = PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, s->child.pid, 0, o) == 0)
        return true;
    snprintf(p->scan_notice, sizeof p->scan_notice,
             "memory not scanned: ptrace refused (%s)" UNFREED_TAIL, strerror(errno));
    if (s->opts->verbose)
        fprintf(stderr, "cgoheap: %s\n", p->scan_notice);
    return false;
}

static int run_child(run_state *s, const char *path, char *err, size_t errlen)
{
    collect_owner *own = s->own;
    if (ch_child_spawn(&s->child, path, s->opts->argv, s->agent, own->shm.fd, err, errlen))
        return -1;
    s->prof->pid = s->child.pid;
    own->shm.hdr->target_pid = s->child.pid; /* before the go-ahead: the agent checks it */
    bool traced = seize(s);
    ch_forward_signals(s->child.pid);
    ch_child_go(&s->child);
    int rc = ch_trace_wait(s->child.pid, traced, on_exit_stop, s, &s->prof->exit);
    ch_restore_signals();
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
    if (!(s->own = calloc(1, sizeof *s->own))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->own->shm.fd = -1;
    uint64_t rate = s->opts->sample_rate ? s->opts->sample_rate : 1;
    if (ch_shm_create(&s->own->shm, rate, STACK_CAP)) {
        snprintf(err, errlen, "cannot create the shared record: %s", strerror(errno));
        free(s->own);
        s->own = NULL;
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
    if (rc == 0) {
        read_record(&s);
        if (!s.record_read) {
            snprintf(err, errlen, "%s", s.record_err);
            rc = -1;
        }
    }
    if (rc == 0)
        mark_unfreed(out);
    return rc;
}

void ch_profile_free(ch_profile *p)
{
    ch_record_free(p);
    collect_owner *own = p->owner;
    if (own) {
        ch_shm_destroy(&own->shm);
        free(own);
    }
    p->owner = NULL;
}

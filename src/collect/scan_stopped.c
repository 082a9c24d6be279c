/*
 * The roots and scan stage (stopped.h): on a stopped target, the root
 * regions from its mappings, stacks, registers and Go runtime, then the
 * reachability scan that sets each block's kind. The same stage runs at the
 * program's exit and for a leak check of the running program.
 */
#include "analyze/analyze.h"
#include "analyze/goheap.h"
#include "collect/exitpath.h"
#include "collect/goheap_read.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"
#include "collect/pagemap.h"
#include "collect/procmem.h"
#include "collect/roots.h"
#include "collect/roots_why.h"
#include "collect/stopped.h"
#include "common/clock.h"
#include "common/grow.h"
#include "common/phase.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void scan_failed(ch_profile *p, const char *why)
{
    snprintf(p->scan_notice, sizeof p->scan_notice,
             "memory not scanned: cannot read the target's memory (%s)" CH_UNFREED_TAIL, why);
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

/* Where the live stack of each stopped thread starts (its stack pointer,
 * or above the exit path's frames) and its TLS base, the main thread's
 * alone, and the stack pointers and pcs themselves for the Go runtime
 * reader, which walks goroutines from them. */
typedef struct thread_sps {
    ch_thread_sp *v;
    uint64_t main_sp;
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
    ts->main_sp = t->main_sp;
    register_words(t, ts->words);
    return 0;
}

/* The thread that made exit_group from libc's exit() has dead frames
 * below its caller (collect/exitpath.h): its live stack starts there. */
static void cut_exit_frames(const ch_profile *p, bool verbose, int memfd, const ch_exit_threads *t,
                            thread_sps *ts)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct user_regs_struct *r = &t->v[i].regs;
        char why[160];
        uint64_t live = ch_exit_live_sp(p, r, ch_procmem_read, &memfd, why, sizeof why);
        ts->v[i].sp = live;
        if (t->v[i].tid == p->pid && r->rsp == t->main_sp)
            ts->main_sp = live;
        if (!verbose)
            continue;
        if (live != r->rsp)
            fprintf(stderr,
                    "cgoheap: thread %d ended in exit(): %llu bytes of libc's exit frames "
                    "are no roots\n",
                    (int)t->v[i].tid, (unsigned long long)(live - r->rsp));
        else if (why[0])
            fprintf(stderr,
                    "cgoheap: thread %d made exit_group, but its exit frames were not found (%s): "
                    "its stack is a root from its stack pointer\n",
                    (int)t->v[i].tid, why);
    }
}

static void thread_sps_free(thread_sps *ts)
{
    free(ts->v);
    free(ts->sp);
    free(ts->pc);
    free(ts->words);
}

static void scan_roots(const ch_stopped_target *tg, ch_profile *p, const ch_scan_opts *o, int memfd,
                       const thread_sps *ts)
{
    const ch_exit_threads *t = tg->threads;
    pid_t pid = tg->pid;
    struct stat st;
    char smaps[64];
    ch_roots_ctx rc = {.agent_path = tg->agent, .main_sp = ts->main_sp};
    rc.threads = ts->v;
    rc.nthreads = t->n;
    if (fstat(tg->shm_fd, &st) == 0)
        rc.shm_inode = st.st_ino;
    snprintf(smaps, sizeof smaps, "/proc/%d/smaps", (int)pid);
    rc.blocks = p->blocks;
    rc.nblocks = p->nblocks;
    rc.sampled = p->sample_rate > 1;
    const ch_shm_header *h = tg->hdr;
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
    ch_goroutine_list goroutines = {0};
    if (o->show_roots)
        threads.goroutines = &goroutines;
    ch_phase("go runtime");
    roots = ch_go_refine_roots(pid, tg->go, &threads, roots, &nroots, ch_procmem_read, &memfd,
                               o->verbose);
    ch_go_heap gh;
    roots =
        ch_go_heap_collect(pid, tg->go, &gh, roots, &nroots, ch_procmem_read, &memfd, o->verbose);
    ch_scan_extra x = {.go = gh.nspans ? &gh : NULL};
    if (o->show_roots) { /* failing that, the report just names no roots */
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
    else if (o->verbose)
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
                           .regs_per_thread = REGS_PER_THREAD,
                           .goroutines = &goroutines,
                           .pid = pid,
                           .read = ch_procmem_read,
                           .read_ctx = &memfd};
        ch_phase("roots named");
        ch_why_name(p, &wi);
    }
    free(x.why);
    free(goroutines.v);
    ch_go_heap_free(&gh);
    free(roots);
    free(maps);
}

void ch_scan_stopped(const ch_stopped_target *t, ch_profile *p, const ch_scan_opts *o)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)t->pid);
    int memfd = open(path, O_RDONLY | O_CLOEXEC);
    if (memfd < 0)
        return scan_failed(p, strerror(errno));
    thread_sps ts = {0};
    if (thread_sps_make(&ts, t->threads)) {
        scan_failed(p, strerror(ENOMEM));
    } else {
        ch_phase("exit frames");
        cut_exit_frames(p, o->verbose, memfd, t->threads, &ts);
        scan_roots(t, p, o, memfd, &ts);
    }
    thread_sps_free(&ts);
    close(memfd);
}

/*
 * The roots and scan stage (stopped.h): on a stopped target, the root
 * regions from its mappings, stacks, registers and Go runtime, then the
 * reachability scan that sets each block's kind. The same stage runs at the
 * program's exit and for a leak check of the running program.
 */
#include "analyze/analyze.h"
#include "analyze/block_index.h"
#include "analyze/goheap.h"
#include "analyze/heap_copy.h"
#include "collect/exitpath.h"
#include "collect/goheap_read.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"
#include "collect/pagemap.h"
#include "collect/procmem.h"
#include "collect/roots.h"
#include "collect/roots_why.h"
#include "collect/stopped.h"
#include "common/big_alloc.h"
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

/* What the scan needs, found while the target is stopped (stopped.h). */
struct ch_scan_job {
    ch_procmem mem;                 /* the target: its pid, and mem.fd its /proc/PID/mem */
    const ch_exit_threads *threads; /* valid while the target is stopped */
    ch_scan_opts o;
    thread_sps ts;
    size_t nregs;
    ch_region *roots;
    size_t nroots;
    ch_mapping *maps;
    size_t nmaps;
    ch_go_heap gh;
    ch_goroutine_list goroutines;
    ch_scan_extra x;
    ch_heap_copy snap;                  /* every byte the scan reads, when taken (x.copy) */
    uint64_t late_reads, refused_reads; /* reads the snapshot did not hold */
};

/* A ch_read_many_fn over the stopped target (ctx is the job). */
static void read_many(void *ctx, ch_read_req *reqs, size_t n)
{
    ch_scan_job *j = ctx;
    ch_procmem_read_many(j->mem.pid, ch_procmem_read, &j->mem.fd, reqs, n);
}

/* The root regions, the mappings and the Go runtime's view; false (with
 * p->scan_notice) when the roots cannot be read. */
static bool find_roots(ch_scan_job *j, const ch_stopped_target *tg, ch_profile *p)
{
    const ch_exit_threads *t = tg->threads;
    struct stat st;
    char smaps[64];
    ch_roots_ctx rc = {.agent_path = tg->agent, .main_sp = j->ts.main_sp};
    rc.threads = j->ts.v;
    rc.nthreads = t->n;
    if (fstat(tg->shm_fd, &st) == 0)
        rc.shm_inode = st.st_ino;
    snprintf(smaps, sizeof smaps, "/proc/%d/smaps", (int)j->mem.pid);
    rc.blocks = p->blocks;
    rc.nblocks = p->nblocks;
    rc.sampled = p->sample_rate > 1;
    rc.marks = tg->marks;
    rc.nmarks = tg->nmarks;
    ch_phase("roots");
    j->roots = ch_roots_from_smaps(smaps, &rc, &j->nroots, ch_procmem_read, &j->mem.fd);
    if (!j->roots) {
        scan_failed(p, strerror(errno));
        return false;
    }
    j->maps = read_mappings(j->mem.pid, &j->nmaps);
    ch_go_threads threads = {.main_sp = t->main_sp,
                             .sps = j->ts.sp,
                             .nsps = t->n,
                             .marks = rc.marks,
                             .nmarks = rc.nmarks,
                             .maps = j->maps,
                             .nmaps = j->nmaps,
                             .pcs = j->ts.pc};
    if (j->o.show_roots)
        threads.goroutines = &j->goroutines;
    ch_phase("go runtime");
    j->roots = ch_go_refine_roots(j->mem.pid, tg->go, &threads, j->roots, &j->nroots,
                                  ch_procmem_read, &j->mem.fd, j->o.verbose);
    j->roots = ch_go_heap_collect(j->mem.pid, tg->go, &j->gh, j->roots, &j->nroots, ch_procmem_read,
                                  &j->mem.fd, j->o.verbose);
    j->x.go = j->gh.nspans ? &j->gh : NULL;
    if (j->o.show_roots) { /* failing that, the report just names no roots */
        j->x.why = calloc(p->nblocks + 1, sizeof *j->x.why);
        if (j->x.go)
            j->gh.why = calloc(j->gh.nobjects + 1, sizeof *j->gh.why);
    }
    ch_phase("resident pages");
    j->roots = ch_roots_resident(j->mem.pid, j->roots, &j->nroots);
    return true;
}

ch_scan_job *ch_scan_prepare(const ch_stopped_target *t, ch_profile *p, const ch_scan_opts *o)
{
    ch_scan_job *j = calloc(1, sizeof *j);
    if (!j) {
        scan_failed(p, strerror(ENOMEM));
        return NULL;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)t->pid);
    *j = (ch_scan_job){.mem.pid = t->pid, .threads = t->threads, .o = *o, .nregs = t->threads->n};
    j->x.read_many = read_many; /* the scan's own copy of the heap, at the exit stop */
    j->x.many_ctx = j;
    j->mem.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (j->mem.fd < 0)
        scan_failed(p, strerror(errno));
    else if (thread_sps_make(&j->ts, t->threads))
        scan_failed(p, strerror(ENOMEM));
    else {
        ch_phase("exit frames");
        cut_exit_frames(p, o->verbose, j->mem.fd, t->threads, &j->ts);
        if (find_roots(j, t, p))
            return j;
    }
    ch_scan_job_free(j);
    return NULL;
}

/* The spans of a snapshot: the blocks, the roots and the Go heap's spans. */
static int by_start(const void *a, const void *b)
{
    const ch_block_span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static ch_block_span *snapshot_spans(const ch_scan_job *j, const ch_block_index *ix, size_t *n)
{
    size_t nother = j->nroots + j->gh.nspans, k = 0;
    ch_block_span *other = malloc((nother + 1) * sizeof *other);
    ch_block_span *all = ch_big_alloc((ix->n + nother + 1) * sizeof *all);
    if (!other || !all) {
        free(other);
        free(all);
        return NULL;
    }
    for (size_t r = 0; r < j->nroots; r++)
        other[k++] = (ch_block_span){j->roots[r].start, j->roots[r].end};
    for (size_t g = 0; g < j->gh.nspans; g++) {
        const ch_go_span *sp = &j->gh.spans[g];
        other[k++] = (ch_block_span){sp->start, sp->start + sp->elemsize * sp->nelems};
    }
    qsort(other, k, sizeof *other, by_start);
    size_t a = 0, b = 0; /* merge two sorted lists */
    *n = 0;
    while (a < ix->n || b < k) {
        if (b == k || (a < ix->n && ix->blocks[a].addr <= other[b].start)) {
            all[(*n)++] = (ch_block_span){ix->blocks[a].addr, ch_block_end(&ix->blocks[a])};
            a++;
        } else {
            all[(*n)++] = other[b++];
        }
    }
    free(other);
    return all;
}

int ch_scan_snapshot(ch_scan_job *j, ch_profile *p, uint64_t max, ch_copy_buf *keep, char *why,
                     size_t whylen)
{
    if (j->o.show_roots) {
        snprintf(why, whylen, "--show-roots names the stopped threads' roots");
        return -1;
    }
    ch_block_index ix;
    size_t n = 0;
    ch_block_span *spans = NULL;
    if (ch_block_index_init(&ix, p->blocks, p->nblocks) == 0) {
        spans = snapshot_spans(j, &ix, &n);
        ch_block_index_free(&ix);
    }
    const ch_copy_reader r = {ch_procmem_read, &j->mem.fd, read_many, j};
    int rc = spans ? ch_heap_copy_spans(&j->snap, spans, n, max, keep, &r) : -1;
    free(spans);
    if (rc) {
        snprintf(why, whylen, "out of memory for a copy of the heap");
        return -1;
    }
    if (j->snap.left_out) {
        snprintf(why, whylen, "the heap and roots (%llu MiB) exceed the copy limit (%llu MiB)",
                 (unsigned long long)((j->snap.bytes + j->snap.left_out) >> 20),
                 (unsigned long long)(max >> 20));
        ch_heap_copy_free(&j->snap);
        return -1;
    }
    j->x.copy = &j->snap;
    j->threads = NULL; /* the scan no longer needs the stopped target */
    return 0;
}

/* Whether [addr, addr + len) lies in one mapping the program could not write
 * (code, read-only data such as vtables): its bytes are those of the stop. */
static bool read_only(const ch_scan_job *j, uint64_t addr, size_t len)
{
    for (size_t i = 0; i < j->nmaps; i++)
        if (addr >= j->maps[i].start && addr < j->maps[i].end)
            return !(j->maps[i].flags & CH_MAP_WRITE) && len <= j->maps[i].end - addr;
    return false;
}

/* A ch_read_fn over the snapshot: what it does not hold is read from the
 * target only if the program cannot have changed it since the stop. */
static long snapshot_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    ch_scan_job *j = ctx;
    long got = ch_heap_copy_read(&j->snap, addr, buf, len);
    if (got != CH_COPY_MISS)
        return got;
    if (!read_only(j, addr, len)) {
        j->refused_reads++;
        return -1;
    }
    j->late_reads++;
    return ch_procmem_read(&j->mem.fd, addr, buf, len);
}

void ch_scan_run(ch_scan_job *j, ch_profile *p)
{
    double t0 = ch_now();
    ch_phase("scan");
    bool snap = j->x.copy != NULL;
    if (ch_scan_ex(p, j->roots, j->nroots, j->ts.words, j->nregs * REGS_PER_THREAD, j->maps,
                   j->nmaps, &j->x, snap ? snapshot_read : ch_procmem_read_vm,
                   snap ? (void *)j : &j->mem)) {
        scan_failed(p, strerror(ENOMEM));
        return;
    }
    if (j->o.verbose)
        fprintf(stderr,
                "cgoheap: scanned %zu root regions, %zu threads' registers and %zu blocks in "
                "%.3f s\n",
                j->nroots, j->nregs, p->nblocks, ch_now() - t0);
    if (snap && j->o.verbose)
        fprintf(stderr,
                "cgoheap: marked from a %llu-byte copy of %zu ranges taken while stopped (%llu "
                "read in batches); %llu reads of read-only memory after the resume, %llu "
                "refused\n",
                (unsigned long long)j->snap.bytes, j->snap.nplanned,
                (unsigned long long)j->snap.n_many, (unsigned long long)j->late_reads,
                (unsigned long long)j->refused_reads);
    if (j->x.why && p->scanned && j->threads) {
        ch_why_input wi = {.why = j->x.why,
                           .go = j->x.go,
                           .roots = j->roots,
                           .nroots = j->nroots,
                           .threads = j->threads,
                           .regs_per_thread = REGS_PER_THREAD,
                           .goroutines = &j->goroutines,
                           .pid = j->mem.pid,
                           .read = ch_procmem_read,
                           .read_ctx = &j->mem.fd};
        ch_phase("roots named");
        ch_why_name(p, &wi);
    }
}

void ch_scan_job_free(ch_scan_job *j)
{
    if (!j)
        return;
    free(j->x.why);
    free(j->goroutines.v);
    ch_go_heap_free(&j->gh);
    ch_heap_copy_free(&j->snap);
    free(j->roots);
    free(j->maps);
    thread_sps_free(&j->ts);
    if (j->mem.fd >= 0)
        close(j->mem.fd);
    free(j);
}

void ch_scan_stopped(const ch_stopped_target *t, ch_profile *p, const ch_scan_opts *o)
{
    ch_scan_job *j = ch_scan_prepare(t, p, o);
    if (j)
        ch_scan_run(j, p);
    ch_scan_job_free(j);
}

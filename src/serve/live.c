/*
 * Snapshots of the live record, and the profiles made from them.
 *
 * The program writes the record while it is read: ch_record_read already
 * bounds-checks every offset, index and frame range, so a torn live entry
 * gives at worst one block with a stale size or the unknown stack, never a
 * read outside the record. What it refuses (a stack table that changed
 * between its two passes) is simply read again.
 *
 * The last read is kept while the record's stamp (collect/record.h) stays
 * the same: a request when nothing changed reads no live entry, and its
 * profile reuses the sums per stack of that read (ch_pprof_opts.blocks_gen).
 * /metrics counts the reads, the blocks read and the blocks summed.
 *
 * Deltas key each stack by where its frames lie in the record (stable: a
 * stack never moves once published), since the profile's dense stack ids
 * change from one read to the next. An exec in the program empties the
 * record; a drop in the allocation count says so and the baselines go.
 */
#include "serve/live.h"
#include "cli/symstacks.h"
#include "collect/epochs.h"
#include "collect/modmaps.h"
#include "collect/record.h"
#include "common/search.h"
#include "report/report.h"
#include "symbolize/symbolize.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_TRIES 8

/* One stack's values in an earlier profile, by its key. */
typedef struct keyed_values {
    uint64_t key;
    ch_pprof_values v;
} keyed_values;

typedef struct baseline {
    keyed_values *v; /* sorted by key */
    size_t n;
    uint64_t n_allocs; /* the record's count when taken: a drop means an exec emptied it */
} baseline;

struct ch_live {
    pthread_mutex_t mu;
    pthread_cond_t ended;
    bool attached;
    ch_live_record rec;
    const char *program;
    ch_symkeep *symbols; /* shared with the leak checks */
    baseline godelta;    /* what the previous /delta_heap answered */
    /* The profiles' locations and each stack's location ids (report.h), for one
     * symbolizer (its `made`) and one program image (n_allocs never drops). */
    ch_pprof_cache *pcache;
    unsigned pcache_made;
    uint64_t pcache_allocs;
    /* The last read of the record, while its stamp holds; kept_gen numbers the reads. */
    ch_profile kept;
    bool have_kept;
    ch_record_stamp kept_stamp;
    uint64_t kept_gen;
    ch_loss_record *recs; /* the kept read's blocks, one record per stack (/metrics) */
    size_t nrecs;
    uint64_t recs_gen;
    uint64_t reads, blocks_read, blocks_summed; /* so far, for /metrics */
    /* What ch_live_warm last made the locations of: the stamp's stacks, in that cache. */
    uint64_t warm_stacks;
    const ch_pprof_cache *warm_cache;
};

/* One read of the record, symbolized. */
typedef struct snapshot {
    ch_profile *p;  /* &l->kept, or &own */
    ch_profile own; /* ?min_age=: the kept read's blocks and stacks, copied, then some dropped */
    uint64_t gen;   /* l->kept_gen when p is the kept read, else 0 */
    ch_live *l;
    ch_symstacks *stacks;
    ch_report_input in;
    int64_t time_ns;
    ch_pprof_cache *cache; /* l->pcache */
    ch_symkeep *held;      /* l->symbols while the snapshot uses its symbolizer */
} snapshot;

void ch_reply_text(ch_reply *r, int status, const char *text)
{
    *r = (ch_reply){.status = status, .type = "text/plain; charset=utf-8"};
    r->body = strdup(text);
    r->len = r->body ? strlen(r->body) : 0;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

ch_live *ch_live_new(const char *program, ch_symkeep *symbols)
{
    ch_live *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->ended, NULL);
    l->program = program;
    l->symbols = symbols;
    return l;
}

void ch_live_free(ch_live *l)
{
    if (!l)
        return;
    ch_pprof_cache_free(l->pcache);
    if (l->have_kept)
        ch_record_free(&l->kept);
    free(l->recs);
    free(l->godelta.v);
    pthread_cond_destroy(&l->ended);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void ch_live_attach(ch_live *l, const ch_live_record *rec)
{
    pthread_mutex_lock(&l->mu);
    l->attached = rec != NULL;
    if (rec)
        l->rec = *rec;
    if (l->have_kept) /* its stacks point into the record */
        ch_record_free(&l->kept);
    l->have_kept = false;
    pthread_cond_broadcast(&l->ended);
    pthread_mutex_unlock(&l->mu);
}

static void snapshot_free(snapshot *s)
{
    ch_symstacks_free(s->stacks);
    if (s->held)
        ch_symkeep_put(s->held);
    free(s->own.blocks); /* the rest of own is the kept read's */
    free(s->own.stacks);
    free(s->own.epoch_age);
    free((void *)s->in.records);
    memset(s, 0, sizeof *s);
}

/*
 * ?min_age=: drops the blocks younger than min_age seconds. Each stack's
 * allocations become those of its blocks kept (alloc_* = inuse_*): the
 * profile is then about old blocks only. -1 if ages are not known.
 */
static int keep_older(ch_profile *p, double min_age)
{
    if (!p->epoch_age)
        return -1;
    for (size_t id = 0; id < p->nstacks; id++)
        p->stacks[id].alloc_count = p->stacks[id].alloc_bytes = 0;
    size_t n = 0;
    for (size_t i = 0; i < p->nblocks; i++) {
        const ch_block *b = &p->blocks[i];
        if (ch_block_age(p, b) < min_age)
            continue;
        ch_stack *st = &p->stacks[b->stack_id < p->nstacks ? b->stack_id : 0];
        st->alloc_count++;
        st->alloc_bytes += b->size;
        p->blocks[n++] = *b;
    }
    p->nblocks = n;
    return 0;
}

/*
 * Under l->mu, attached: l->kept is the record as it is now, read again
 * only if its stamp moved since the last read (a read that fails leaves
 * none kept).
 */
static int read_record(ch_live *l, char *err, size_t errlen)
{
    ch_record_stamp now;
    if (ch_record_stamp_of(l->rec.hdr, l->rec.size, &now, err, errlen))
        return -1;
    if (l->have_kept && !memcmp(&now, &l->kept_stamp, sizeof now))
        return 0;
    if (l->have_kept)
        ch_record_free(&l->kept);
    l->have_kept = false;
    int rc = -1;
    for (int i = 0; rc && i < READ_TRIES; i++)
        rc = ch_record_read_live(l->rec.hdr, l->rec.size, &l->kept, err, errlen);
    if (rc)
        return -1;
    l->have_kept = true;
    l->kept_stamp = now; /* taken before the read: a change during it makes the next read again */
    l->kept_gen++;
    l->reads++;
    l->blocks_read += l->kept.nblocks;
    l->kept.pid = l->rec.pid;
    return 0;
}

/* ?min_age=: s->own, the kept read with only the blocks at least min_age seconds old. */
static int take_older(ch_live *l, snapshot *s, double min_age)
{
    const ch_profile *k = &l->kept;
    s->own = *k;
    s->own.blocks = malloc((k->nblocks ? k->nblocks : 1) * sizeof *k->blocks);
    s->own.stacks = malloc(k->nstacks * sizeof *k->stacks);
    s->own.epoch_age = NULL;
    if (!s->own.blocks || !s->own.stacks)
        return -1;
    memcpy(s->own.blocks, k->blocks, k->nblocks * sizeof *k->blocks);
    memcpy(s->own.stacks, k->stacks, k->nstacks * sizeof *k->stacks);
    s->p = &s->own;
    if (k->epoch_age && !(s->own.epoch_age = malloc(k->nepochs * sizeof *k->epoch_age)))
        return -1;
    if (k->epoch_age)
        memcpy(s->own.epoch_age, k->epoch_age, k->nepochs * sizeof *k->epoch_age);
    return keep_older(&s->own, min_age);
}

/* Reads the record (under l->mu, attached), keeps the blocks at least min_age seconds old (0:
 * all) and symbolizes every stack. */
static int snapshot_take(ch_live *l, snapshot *s, double min_age, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (read_record(l, err, errlen))
        return -1;
    s->p = &l->kept;
    s->gen = l->kept_gen;
    s->l = l;
    if (ch_epochs_ages(l->rec.epochs, &l->kept) || (min_age > 0 && take_older(l, s, min_age))) {
        snprintf(err, errlen, "the blocks' ages are not known\n");
        snapshot_free(s);
        return -1;
    }
    if (min_age > 0)
        s->gen = 0;
    s->time_ns = now_ns();
    ch_modules_from_maps(l->rec.pid, &l->kept); /* which files the modules are */
    const ch_symkept *kept = ch_symkeep_get(l->symbols, &l->kept);
    s->held = l->symbols;
    if (!kept || !(s->stacks = ch_symstacks_new(s->p, kept->sym, NULL))) {
        snprintf(err, errlen, "out of memory while symbolizing");
        snapshot_free(s);
        return -1;
    }
    for (size_t id = 1; id < s->p->nstacks; id++)
        ch_symstacks_set_level(s->stacks, (uint32_t)id, CH_SYM_FULL);
    if (l->pcache && (l->pcache_made != kept->made || s->p->n_allocs < l->pcache_allocs)) {
        ch_pprof_cache_free(l->pcache); /* new modules, or an exec emptied the record */
        l->pcache = NULL;
    }
    if (!l->pcache && (l->pcache = ch_pprof_cache_new()))
        l->pcache_made = kept->made;
    l->pcache_allocs = s->p->n_allocs;
    s->cache = l->pcache; /* NULL (out of memory): each profile makes its own */
    s->in = (ch_report_input){.prof = s->p,
                              .stack_frames = ch_symstacks_frames,
                              .stack_frames_ctx = s->stacks,
                              .build_ids = kept->build_ids,
                              .program = l->program,
                              .pid = l->rec.pid};
    return 0;
}

/* The key of a stack across reads: where its frames lie (0 for the unknown stack). */
static uint64_t stack_key(const ch_profile *p, size_t id)
{
    return id == 0 ? 0 : (uint64_t)(uintptr_t)p->stacks[id].pcs;
}

static int by_key(const void *a, const void *b)
{
    const keyed_values *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The values the writer filled in, keyed, as the baseline of a later delta. */
static int baseline_make(const snapshot *s, const ch_pprof_values *vals, baseline *out)
{
    const ch_profile *p = s->p;
    keyed_values *v = malloc((p->nstacks ? p->nstacks : 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t id = 0; id < p->nstacks; id++)
        v[id] = (keyed_values){stack_key(p, id), vals[id]};
    qsort(v, p->nstacks, sizeof *v, by_key);
    free(out->v);
    *out = (baseline){v, p->nstacks, p->n_allocs};
    return 0;
}

/* The baseline's values per stack id of this snapshot; inuse too unless alloc_only. */
static ch_pprof_values *baseline_for(const baseline *b, const snapshot *s, bool alloc_only)
{
    const ch_profile *p = s->p;
    ch_pprof_values *out = calloc(p->nstacks ? p->nstacks : 1, sizeof *out);
    if (!out || p->n_allocs < b->n_allocs) /* emptied by an exec: start over */
        return out;
    for (size_t id = 0; id < p->nstacks; id++) {
        uint64_t key = stack_key(p, id);
        size_t k = CH_FIRST_AT_LEAST(b->v, b->n, key, key);
        if (k == b->n || b->v[k].key != key)
            continue;
        out[id] = b->v[k].v;
        if (alloc_only)
            out[id].v[2] = out[id].v[3] = 0;
    }
    return out;
}

/* The profile o asks for, with the snapshot's cache and its sums; counts the blocks summed. */
static int profile_mem(const snapshot *s, const ch_pprof_opts *o, unsigned char **gz, size_t *len)
{
    uint64_t summed = 0;
    ch_pprof_opts with_cache = *o;
    with_cache.cache = s->cache;
    with_cache.blocks_gen = s->gen;
    with_cache.blocks_summed = &summed;
    int rc = ch_report_pprof_mem(&s->in, &with_cache, gz, len);
    s->l->blocks_summed += summed;
    return rc;
}

static void reply_profile(ch_reply *r, const snapshot *s, const ch_pprof_opts *o)
{
    unsigned char *gz;
    size_t len;
    if (profile_mem(s, o, &gz, &len))
        return ch_reply_text(r, 500, "out of memory\n");
    *r = (ch_reply){
        .status = 200, .type = "application/octet-stream", .body = (char *)gz, .len = len};
}

static void reply_legacy(ch_reply *r, const snapshot *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = f ? ch_report_heap_legacy(f, &s->in, false) : -1;
    if (f && fclose(f))
        rc = -1;
    if (rc) {
        free(buf);
        return ch_reply_text(r, 500, "out of memory\n");
    }
    *r = (ch_reply){.status = 200, .type = "text/plain; charset=utf-8", .body = buf, .len = len};
}

/* Under l->mu: waits until `until` (realtime ns) or the program's end; false if it ended. */
static bool wait_until(ch_live *l, int64_t until)
{
    struct timespec ts = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
    while (l->attached && now_ns() < until)
        if (pthread_cond_timedwait(&l->ended, &l->mu, &ts) == ETIMEDOUT)
            break;
    return l->attached;
}

/* ?seconds=N as net/http/pprof: profile now, again N seconds later, the difference. */
static void heap_seconds(ch_live *l, const ch_heap_query *q, snapshot *s, ch_reply *out)
{
    char err[256];
    ch_pprof_values *v0 = calloc(s->p->nstacks ? s->p->nstacks : 1, sizeof *v0);
    ch_pprof_opts o = {.default_type = q->default_type,
                       .values = v0,
                       .hide_glue = true,
                       .per_stack = true,
                       .cache = s->cache};
    unsigned char *gz = NULL;
    size_t len;
    baseline b = {0};
    int rc = v0 ? profile_mem(s, &o, &gz, &len) : -1;
    free(gz);
    if (rc || baseline_make(s, v0, &b)) {
        free(v0);
        return ch_reply_text(out, 500, "out of memory\n");
    }
    free(v0);
    int64_t t0 = s->time_ns;
    snapshot_free(s);
    if (!wait_until(l, t0 + (int64_t)q->seconds * 1000000000))
        ch_reply_text(out, 503, "the program ended\n");
    else if (snapshot_take(l, s, q->min_age, err, sizeof err))
        ch_reply_text(out, 503, err);
    else {
        ch_pprof_values *base = baseline_for(&b, s, false);
        o = (ch_pprof_opts){.default_type = q->default_type,
                            .duration_ns = s->time_ns - t0,
                            .base = base,
                            .hide_glue = true,
                            .per_stack = true};
        if (base)
            reply_profile(out, s, &o);
        else
            ch_reply_text(out, 500, "out of memory\n");
        free(base);
    }
    free(b.v);
}

/* /delta_heap as godeltaprof: alloc_* since the previous call, inuse_* as they are. */
static void heap_godelta(ch_live *l, snapshot *s, ch_reply *out)
{
    ch_pprof_values *base = baseline_for(&l->godelta, s, true);
    ch_pprof_values *now = calloc(s->p->nstacks ? s->p->nstacks : 1, sizeof *now);
    ch_pprof_opts o = {.base = base, .values = now, .hide_glue = true, .per_stack = true};
    if (!base || !now)
        ch_reply_text(out, 500, "out of memory\n");
    else {
        reply_profile(out, s, &o);
        if (out->status == 200 && baseline_make(s, now, &l->godelta)) {
            free(out->body);
            ch_reply_text(out, 500, "out of memory\n");
        }
    }
    free(base);
    free(now);
}

void ch_live_heap(ch_live *l, const ch_heap_query *q, ch_reply *out)
{
    char err[256];
    snapshot s;
    pthread_mutex_lock(&l->mu);
    if (!l->attached)
        ch_reply_text(out, 503, "the program is not running\n");
    else if (snapshot_take(l, &s, q->min_age, err, sizeof err))
        ch_reply_text(out, 503, err);
    else {
        ch_pprof_opts o = {.default_type = q->default_type, .hide_glue = true, .per_stack = true};
        if (q->legacy_text)
            reply_legacy(out, &s);
        else if (q->mode == CH_HEAP_SECONDS)
            heap_seconds(l, q, &s, out);
        else if (q->mode == CH_HEAP_GODELTA)
            heap_godelta(l, &s, out);
        else
            reply_profile(out, &s, &o);
        snapshot_free(&s);
    }
    pthread_mutex_unlock(&l->mu);
}

void ch_live_warm(ch_live *l)
{
    char err[256];
    snapshot s;
    pthread_mutex_lock(&l->mu);
    const ch_record_stamp *k = &l->kept_stamp;
    /* New stacks only: a module loaded is symbolized once a stack has a frame in it. */
    if (l->attached && !read_record(l, err, sizeof err) && k->stacks > 0 &&
        (k->stacks != l->warm_stacks || !l->pcache || l->pcache != l->warm_cache) &&
        !snapshot_take(l, &s, 0, err, sizeof err)) {
        uint64_t summed = 0;
        const ch_pprof_opts o = {.hide_glue = true,
                                 .per_stack = true,
                                 .cache = s.cache,
                                 .blocks_gen = s.gen,
                                 .blocks_summed = &summed};
        int rc = s.cache ? ch_pprof_cache_warm(&s.in, &o) : -1;
        l->blocks_summed += summed;
        if (rc == 0) {
            l->warm_stacks = k->stacks;
            l->warm_cache = s.cache;
        }
        snapshot_free(&s);
    }
    pthread_mutex_unlock(&l->mu);
}

/* The program's resident set from /proc/PID/statm (pages), 0 if unknown. */
static uint64_t rss_bytes(int pid)
{
    char path[64];
    unsigned long long size = 0, rss = 0;
    snprintf(path, sizeof path, "/proc/%d/statm", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = fscanf(f, "%llu %llu", &size, &rss);
    fclose(f);
    return n == 2 ? rss * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* The record's blocks grouped as the exit path groups them, for the scaled totals. */
typedef struct grouped {
    ch_report_input in;
} grouped;

/*
 * The blocks as one record per stack, all unfreed (nothing is scanned while
 * the program runs): what ch_group gives them, for the totals, in one pass
 * and unsorted (its sort by size served no total). NULL if out of memory.
 */
static ch_loss_record *records_per_stack(const ch_profile *p, size_t *n)
{
    size_t ns = p->nstacks ? p->nstacks : 1, out = 0;
    ch_loss_record *r = calloc(ns, sizeof *r);
    if (!r)
        return NULL;
    for (size_t i = 0; i < p->nblocks; i++) {
        ch_loss_record *rec = &r[p->blocks[i].stack_id < ns ? p->blocks[i].stack_id : 0];
        rec->blocks++;
        rec->bytes += p->blocks[i].size;
    }
    for (size_t s = 0; s < ns; s++)
        if (r[s].blocks)
            r[out++] = (ch_loss_record){.stack_id = (uint32_t)s,
                                        .kind = CH_KIND_UNFREED,
                                        .bytes = r[s].bytes,
                                        .blocks = r[s].blocks};
    *n = out;
    return r;
}

/* Under l->mu: reads and groups the record (l->recs, kept with the read); 503 in *out if it
 * cannot. */
static int group_take(ch_live *l, grouped *g, ch_reply *out)
{
    char err[256];
    memset(g, 0, sizeof *g);
    if (!l->attached) {
        ch_reply_text(out, 503, "the program is not running\n");
        return -1;
    }
    if (read_record(l, err, sizeof err)) {
        ch_reply_text(out, 503, err);
        return -1;
    }
    if (!l->recs || l->recs_gen != l->kept_gen) {
        free(l->recs);
        l->recs = records_per_stack(&l->kept, &l->nrecs);
        l->recs_gen = l->kept_gen;
        l->blocks_summed += l->kept.nblocks;
    }
    if (!l->recs) {
        ch_reply_text(out, 500, "out of memory\n");
        return -1;
    }
    g->in = (ch_report_input){
        .prof = &l->kept, .records = l->recs, .nrecords = l->nrecs, .pid = l->rec.pid};
    return 0;
}

void ch_live_metrics(ch_live *l, const ch_metrics_extra *extra, ch_reply *out)
{
    grouped g;
    pthread_mutex_lock(&l->mu);
    if (group_take(l, &g, out) == 0) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        ch_metrics_extra x = *extra;
        x.rss_bytes = rss_bytes(l->rec.pid);
        x.serve_counts = true;
        x.record_reads = l->reads;
        x.blocks_read = l->blocks_read;
        x.blocks_summed = l->blocks_summed;
        int rc = f ? ch_report_metrics(f, &g.in, &x) : -1;
        if (f && fclose(f))
            rc = -1;
        if (rc) {
            free(buf);
            ch_reply_text(out, 500, "out of memory\n");
        } else
            *out = (ch_reply){.status = 200,
                              .type = "text/plain; version=0.0.4; charset=utf-8",
                              .body = buf,
                              .len = len};
    }
    pthread_mutex_unlock(&l->mu);
}

int ch_live_inuse(ch_live *l, uint64_t *bytes, uint64_t *blocks)
{
    grouped g;
    ch_reply r = {0};
    pthread_mutex_lock(&l->mu);
    int rc = group_take(l, &g, &r);
    if (rc == 0) {
        ch_report_inuse(&g.in, bytes, blocks);
    }
    pthread_mutex_unlock(&l->mu);
    free(r.body);
    return rc;
}

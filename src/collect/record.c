/*
 * Reading the shared record.
 *
 * The record comes from another process that may have died at any moment,
 * or been hostile: nothing in it is trusted. The header is validated by
 * ch_shm_validate; every shard table, stack table entry, frame range and module
 * path is checked here against its region before it is followed.
 *
 * The target is stopped or dead at exit, but `--http` reads the record
 * while the program writes it: every shared field that is checked and then
 * used (a shard's table and capacity, a stack table entry, a pending count) is
 * first copied, so the check holds for what is used. A block whose stack
 * table entry is not (or no longer) published gets stack id 0, the "unknown"
 * stack, instead of failing the whole record.
 */
#include "collect/record.h"
#include "common/big_alloc.h"
#include "common/block_sort.h"
#include "common/grow.h"
#include "common/phase.h"
#include "common/shm_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Addresses below this are never returned by malloc; such an entry is
 * garbage (or a deletion marker) and is skipped rather than reported. */
#define MIN_BLOCK_ADDR 4096u

/* Stacks' pcs are the record's frames, not copies: the model's marker is the record's. */
_Static_assert(CH_FRAME_THREAD_CREATED == CH_PC_THREAD_CREATED, "thread-created frame");

typedef struct reader {
    bool live; /* ch_record_read_live: blocks unsorted */
    const ch_shm_header *h;
    const uint8_t *base;
    int fd; /* the record's file, or -1: shard tables are read through the mapping */
    char *err;
    size_t errlen;
} reader;

static int fail(reader *r, const char *why)
{
    snprintf(r->err, r->errlen, "corrupt cgoheap record: %s", why);
    return -1;
}

/* The shard's table, NULL if it has none, or -1 if it leaves the heap area. */
/* One read of a field the program may be writing: the copy is what gets checked and used. */
#define ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static const ch_live_entry *shard_table(const reader *r, const ch_live_shard *shared, uint64_t *cap)
{
    const ch_shm_header *h = r->h;
    /* The agent grows a table in place by publishing cap alone: take the pair as it was. */
    const ch_live_shard copy = {.cap = ONCE(shared->cap), .table_end = ONCE(shared->table_end)};
    const ch_live_shard *s = &copy;
    if (s->table_end == 0)
        return NULL; /* never used */
    if (s->cap > (1ull << 40) || s->table_end % 8 != 0)
        return (const ch_live_entry *)-1;
    uint64_t bytes = s->cap * sizeof(ch_live_entry);
    if (s->table_end < h->heap_off || s->table_end - h->heap_off > h->heap_size ||
        bytes > s->table_end - h->heap_off)
        return (const ch_live_entry *)-1;
    *cap = s->cap;
    return (const ch_live_entry *)(r->base + s->table_end) - s->cap;
}

/*
 * Where a read puts what it takes: the blocks themselves (a live read), or
 * the entries as they are (16 bytes, where a block is 24), sorted into
 * blocks once all are read (ch_sort_entries). The entries go into the
 * scratch region, which the scan's kept words reuse (big_alloc.h): the
 * exit's read, sort and copy of the tree's 2M blocks touched 98 MB of
 * fresh memory before the kept words (a 48 MB array read into, the sort's
 * 48 MB buffer, 2 MB of counts), 80 MB now (32 MB of entries, the 48 MB of
 * blocks sorted into), and the kernel's zeroing of fresh pages was 42% of
 * the launcher's CPU at exit (perf; bench/RESULTS.md).
 */
typedef struct sink {
    bool entries;
    ch_live_entry *e; /* entries: in `scratch` */
    ch_scratch scratch;
    ch_block *b; /* blocks: p->blocks */
    size_t n, cap;
} sink;

/* Room for one more; -1 if out of memory. Entries move to a scratch buffer twice as large. */
static int sink_room(sink *k)
{
    if (k->n < k->cap)
        return 0;
    if (!k->entries) {
        ch_block *more = ch_grow(k->b, &k->cap, sizeof *k->b, 4096);
        return more ? (k->b = more, 0) : -1;
    }
    size_t cap = k->cap ? 2 * k->cap : 4096;
    ch_scratch to;
    ch_live_entry *e =
        cap > k->cap && cap < SIZE_MAX / sizeof *e ? ch_scratch_take(&to, cap * sizeof *e) : NULL;
    if (!e)
        return -1;
    memcpy(e, k->e, k->n * sizeof *e);
    ch_scratch_give(&k->scratch);
    *k = (sink){.entries = true, .e = e, .scratch = to, .n = k->n, .cap = cap};
    return 0;
}

/* Appends the table's entries to k. -1 if out of memory. */
static int take_entries(sink *k, const ch_live_entry *t, uint64_t slots)
{
    for (uint64_t i = 0; i < slots; i++) {
        /* One copy: a running program (--http) may rewrite the entry. */
        const ch_live_entry e = {ONCE(t[i].addr), ONCE(t[i].size_stack)};
        if (ch_entry_addr(&e) < MIN_BLOCK_ADDR)
            continue;
        if (sink_room(k))
            return -1;
        if (k->entries)
            k->e[k->n++] = e;
        else
            k->b[k->n++] = ch_block_of_entry(&e);
    }
    return 0;
}

/*
 * An interrupted move between tables (a young block going to a shard, a
 * backward shift in a shard) can leave one block in two entries: keep one.
 * Nothing is written before the first repeat.
 */
static size_t drop_repeats(ch_block *b, size_t n)
{
    size_t i = 1;
    while (i < n && b[i - 1].addr != b[i].addr)
        i++;
    size_t out = i;
    for (; i < n; i++)
        if (b[out - 1].addr != b[i].addr)
            b[out++] = b[i];
    return n ? out : 0;
}

/*
 * A shard table's entries. From the record's file when there is one: pread
 * copies the pages into one small buffer, where touching them through the
 * mapping faulted each page into the launcher (a fault per 256 slots, empty
 * ones included: the 2M-block tree's tables are 4M slots, 16K pages). Falls
 * back to the mapping for what the file does not give.
 */
#define TABLE_CHUNK 4096u /* entries per read: 64 KiB */
static int take_table(reader *r, sink *k, const ch_live_entry *t, uint64_t slots,
                      ch_live_entry *buf)
{
    uint64_t i = 0;
    off_t off = (const uint8_t *)t - r->base;
    while (buf && i < slots) {
        size_t want = slots - i < TABLE_CHUNK ? (size_t)(slots - i) : TABLE_CHUNK;
        ssize_t got = pread(r->fd, buf, want * sizeof *buf, off + (off_t)(i * sizeof *buf));
        if (got != (ssize_t)(want * sizeof *buf))
            break;
        if (take_entries(k, buf, want))
            return -1;
        i += want;
    }
    return take_entries(k, t + i, slots - i);
}

/* The sink of a read: room for `cap` entries (or blocks, for a live read). -1 if out of memory. */
static int sink_init(sink *k, bool entries, size_t cap)
{
    *k = (sink){.entries = entries, .cap = cap};
    if (entries)
        k->e = ch_scratch_take(&k->scratch, cap * sizeof *k->e);
    else
        k->b = ch_big_alloc(cap * sizeof *k->b);
    return k->e || k->b ? 0 : -1;
}

/* The sorted blocks of the entries read into k (repeats dropped), as p->blocks; k freed. */
static int sink_sort(sink *k, ch_profile *p)
{
    p->blocks = ch_big_alloc((k->n ? k->n : 1) * sizeof *p->blocks);
    int rc = p->blocks ? ch_sort_entries(k->e, k->n, p->blocks) : -1;
    ch_scratch_give(&k->scratch);
    p->nblocks = rc ? 0 : drop_repeats(p->blocks, k->n);
    return rc;
}

/*
 * Blocks come out sorted by address: root selection searches them. Both
 * reads take one pass over the tables into an array sized by the shards'
 * counts (bounded by their area), grown if they hold more. A live read leaves them in table
 * order: sorting a million blocks took a quarter of a live profile's time,
 * and the sort only served to drop repeats, which a read of a running
 * program cannot make exact anyway (a block moving from a young slot to a
 * shard may be seen in both places, or in neither).
 */
#define HINT_MAX (1u << 22) /* blocks: 96 MiB of ch_block, enough for a 2M-block heap at once */
static int read_blocks(reader *r, ch_profile *p)
{
    const ch_live_shard *shards = (const ch_live_shard *)(r->base + r->h->shards_off);
    const ch_thread_slot *ts = (const ch_thread_slot *)(r->base + r->h->thread_slots_off);
    uint32_t nts =
        r->h->n_thread_slots < CH_MAX_THREAD_SLOTS ? r->h->n_thread_slots : CH_MAX_THREAD_SLOTS;
    /* The shards' counts and every young entry: one short of the blocks, the array was doubled
     * into fresh memory by a 64 MiB copy (2M blocks: 0.1-0.2 s of CPU at the exit). */
    size_t cap = 1 + (size_t)nts * CH_SLOT_BUCKETS * 2;
    for (unsigned i = 0; i < CH_LIVE_SHARDS; i++)
        cap += ONCE(shards[i].count);
    if (cap > r->h->heap_size / sizeof(ch_live_entry))
        cap = r->h->heap_size / sizeof(ch_live_entry) + 1;
    if (cap > HINT_MAX) /* the counts are the target's word: past this, grow on evidence */
        cap = HINT_MAX;
    sink k;
    if (sink_init(&k, !r->live, cap))
        return fail(r, "out of memory");
    /* Without a buffer the tables are read through the mapping. */
    ch_live_entry *buf = r->fd >= 0 ? malloc(TABLE_CHUNK * sizeof *buf) : NULL;
    int rc = 0;
    for (unsigned i = 0; i < CH_LIVE_SHARDS && !rc; i++) {
        uint64_t slots = 0;
        const ch_live_entry *t = shard_table(r, &shards[i], &slots);
        if (t == (const ch_live_entry *)-1)
            rc = fail(r, "a shard table lies outside its area");
        else if (t && take_table(r, &k, t, slots, buf))
            rc = fail(r, "out of memory");
    }
    free(buf);
    for (uint32_t i = 0; i < nts && !rc; i++)
        for (uint32_t b = 0; b < CH_SLOT_BUCKETS && !rc; b++)
            if (take_entries(&k, ts[i].bucket[b].young, 2))
                rc = fail(r, "out of memory");
    if (!k.entries) {
        p->blocks = k.b;
        p->nblocks = k.n;
        return rc;
    }
    if (rc) {
        ch_scratch_give(&k.scratch);
        return rc;
    }
    ch_phase("sort");
    return sink_sort(&k, p) ? fail(r, "out of memory") : 0;
}

static int check_stack(reader *r, const ch_stack_entry *s)
{
    uint64_t off = (uint64_t)s->frames_off8 * 8;
    uint64_t bytes = (uint64_t)s->depth * 8;
    if (s->depth > CH_MAX_FRAMES)
        return fail(r, "a stack is deeper than the maximum");
    if (off > r->h->frames_size || bytes > r->h->frames_size - off)
        return fail(r, "a stack's frames lie outside the frames area");
    return 0;
}

/*
 * Adds the per-stack counts that threads had not yet moved to the shared
 * stats (shm.h: ch_stack_pend). An id past the stacks read counts as the
 * unknown stack.
 */
static void add_pending(const reader *r, ch_profile *p)
{
    const ch_thread_slot *ts = (const ch_thread_slot *)(r->base + r->h->thread_slots_off);
    uint32_t nts =
        r->h->n_thread_slots < CH_MAX_THREAD_SLOTS ? r->h->n_thread_slots : CH_MAX_THREAD_SLOTS;
    for (uint32_t i = 0; i < nts; i++) {
        for (uint32_t k = 0; k < CH_PEND_SLOTS; k++) {
            /* One copy: a running program (--http) may rewrite the entry. */
            const ch_stack_pend e = {.id = ONCE(ts[i].pend[k].id),
                                     .count = ONCE(ts[i].pend[k].count),
                                     .bytes = ONCE(ts[i].pend[k].bytes)};
            if (e.count == 0)
                continue;
            ch_stack *st = &p->stacks[e.id < p->nstacks ? e.id : 0];
            st->alloc_count += e.count;
            st->alloc_bytes += e.bytes;
        }
    }
}

/* A stack id from the record, or 0 (unknown) past the stacks read. */
static uint32_t known_stack(const ch_profile *p, uint32_t id)
{
    return id < p->nstacks ? id : 0;
}

/* The model's kind of a record's invalid free; 0 for a kind this build does not know. */
static uint8_t invalid_kind(uint32_t bad)
{
    switch (bad & 0xff) {
    case CH_BAD_DOUBLE:
        return CH_INVALID_DOUBLE;
    case CH_BAD_MISALIGNED:
        return CH_INVALID_MISALIGNED;
    default:
        return 0;
    }
}

/* The agent's invalid-free records (shm.h). */
static int read_invalid_frees(reader *r, ch_profile *p)
{
    uint32_t n = r->h->n_bad_frees < CH_MAX_BAD_FREES ? r->h->n_bad_frees : CH_MAX_BAD_FREES;
    if (!n)
        return 0;
    if (!(p->invalid_frees = calloc(n, sizeof *p->invalid_frees)))
        return fail(r, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        const ch_bad_free *b = &r->h->bad_frees[i];
        uint8_t kind = invalid_kind(b->kind);
        if (kind == 0)
            continue; /* claimed by a thread that died before writing it, or garbage */
        p->invalid_frees[p->ninvalid_frees++] = (ch_invalid_free){
            .addr = b->addr,
            .size = b->size,
            .kind = kind,
            .realloc = (b->kind & CH_BAD_REALLOC) != 0,
            .stack_id = known_stack(p, b->stack),
            .alloc_stack_id = known_stack(p, b->alloc_stack),
            .free_stack_id = known_stack(p, b->free_stack),
        };
    }
    return 0;
}

/*
 * Stack ids are dense in the record (entries 1..n_stacks of the stack table)
 * and stay the profile's ids: one pass over the used entries, no remapping. An
 * entry not yet published, and a block naming an id past the table, read as stack 0, the
 * "unknown" stack.
 */
static int read_stacks(reader *r, ch_profile *p)
{
    const ch_shm_header *h = r->h;
    const ch_stack_entry *table = (const ch_stack_entry *)(r->base + h->stacks_off);
    const ch_stack_stats *stats = (const ch_stack_stats *)(r->base + h->stats_off);
    uint64_t n = h->n_stacks < h->stack_cap ? h->n_stacks + 1 : h->stack_cap;
    if (!(p->stacks = calloc(n, sizeof *p->stacks)))
        return fail(r, "out of memory");
    p->nstacks = n;
    for (uint64_t id = 1; id < n; id++) {
        /* One copy: a running program (--http) may be publishing the entry. */
        const ch_stack_entry copy = {.hash = ONCE(table[id].hash),
                                     .frames_off8 = ONCE(table[id].frames_off8),
                                     .depth = ONCE(table[id].depth),
                                     .flags = ONCE(table[id].flags)};
        const ch_stack_entry *s = &copy;
        if (s->hash == 0)
            continue;
        if (check_stack(r, s))
            return -1;
        p->stacks[id] = (ch_stack){
            .pcs = (const uint64_t *)(r->base + h->frames_off + (uint64_t)s->frames_off8 * 8),
            .depth = s->depth,
            .truncated_at = s->flags & CH_STACK_F_TRUNCATED ? CH_MAX_FRAMES : 0,
            .alloc_count = stats[id].alloc_count,
            .alloc_bytes = stats[id].alloc_bytes,
        };
    }
    for (size_t i = 0; i < p->nblocks; i++)
        if (p->blocks[i].stack_id >= n)
            p->blocks[i].stack_id = 0;
    /* Allocations made without a stack (table full) are counted in entry 0. */
    p->stacks[0].alloc_count = stats[0].alloc_count;
    p->stacks[0].alloc_bytes = stats[0].alloc_bytes;
    add_pending(r, p);
    return read_invalid_frees(r, p);
}

/* The agent's build ID of the module, as hex; none if its length is out of range. */
static void take_build_id(ch_module *out, const ch_module_entry *m)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t id[CH_BUILD_ID_MAX], n = ONCE(m->build_id_len);
    if (n > CH_BUILD_ID_MAX)
        return;
    memcpy(id, m->build_id, n);
    for (uint8_t i = 0; i < n; i++) {
        out->build_id[2 * i] = hex[id[i] >> 4];
        out->build_id[2 * i + 1] = hex[id[i] & 15];
    }
    out->build_id[2 * n] = 0;
}

static int read_modules(reader *r, ch_profile *p)
{
    const ch_module_entry *m = (const ch_module_entry *)(r->base + r->h->modules_off);
    uint32_t n = r->h->n_modules; /* <= CH_MAX_MODULES: checked by ch_shm_validate */
    if (!(p->modules = calloc(n ? n : 1, sizeof *p->modules)))
        return fail(r, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (!memchr(m[i].path, 0, sizeof m[i].path))
            return fail(r, "a module path is not terminated");
        p->modules[i] = (ch_module){.start = m[i].start,
                                    .end = m[i].end,
                                    .bias = m[i].bias,
                                    .loaded_after = m[i].loaded_after};
        /* Acquire: the agent publishes the flag after unloaded_after. */
        if (__atomic_load_n(&m[i].flags, __ATOMIC_ACQUIRE) & CH_MODULE_F_UNLOADED) {
            p->modules[i].unloaded = true;
            p->modules[i].unloaded_after = ONCE(m[i].unloaded_after);
        }
        take_build_id(&p->modules[i], &m[i]);
        if (!(p->modules[i].path = strndup(m[i].path, sizeof m[i].path)))
            return fail(r, "out of memory");
        p->nmodules = i + 1;
    }
    return 0;
}

static void read_counters(const reader *r, ch_profile *p)
{
    const ch_shm_header *h = r->h;
    p->sample_rate = h->sample_rate ? h->sample_rate : 1;
    p->n_allocs = h->n_allocs;
    p->n_frees = h->n_frees;
    p->n_events = h->n_events;
    p->bytes_alloc = h->bytes_alloc;
    p->n_dropped = h->n_dropped;
    if (h->agent_flags & CH_AGENT_FOREIGN_MALLOC) {
        memcpy(p->allocator, h->allocator, sizeof p->allocator - 1);
        p->allocator[sizeof p->allocator - 1] = 0;
        for (char *c = p->allocator; *c; c++)
            if (*c < ' ' || *c > '~')
                *c = '?'; /* written by the target: printable only */
        if (!p->allocator[0])
            snprintf(p->allocator, sizeof p->allocator, "?");
        p->new_untracked = (h->agent_flags & CH_AGENT_NEW_UNTRACKED) != 0;
    }
    const ch_thread_slot *c = (const ch_thread_slot *)(r->base + h->thread_slots_off);
    uint32_t n = h->n_thread_slots < CH_MAX_THREAD_SLOTS ? h->n_thread_slots : CH_MAX_THREAD_SLOTS;
    for (uint32_t i = 0; i < n; i++) {
        p->n_allocs += c[i].n_allocs;
        p->n_frees += c[i].n_frees;
        p->n_events += c[i].n_events;
        p->bytes_alloc += c[i].bytes_alloc;
        p->n_dropped += c[i].n_dropped;
    }
    p->agent_bytes = h->agent_bytes;
    p->agent_attached = (h->agent_flags & CH_AGENT_ATTACHED) != 0;
    if (h->agent_flags & CH_AGENT_FAILED) {
        memcpy(p->agent_fail_reason, h->fail_reason, sizeof p->agent_fail_reason - 1);
        p->agent_fail_reason[sizeof p->agent_fail_reason - 1] = 0;
        if (!p->agent_fail_reason[0])
            snprintf(p->agent_fail_reason, sizeof p->agent_fail_reason, "unknown reason");
    }
}

/*
 * Copies the header and validates the copy: the layout is then followed from what was checked,
 * which a running program cannot change in between. NULL, or the one-line reason.
 */
static const char *header_copy(const ch_shm_header *hdr, size_t size, ch_shm_header *h)
{
    if (size < sizeof *h)
        return ch_shm_validate(hdr, size); /* rejects on the size alone, reading nothing */
    memcpy(h, hdr, sizeof *h);
    __asm__ volatile("" ::: "memory");
    return ch_shm_validate(h, size);
}

static int record_read(const ch_shm_header *hdr, size_t size, int fd, bool live, ch_profile *out,
                       char *err, size_t errlen)
{
    ch_shm_header h;
    const char *why = header_copy(hdr, size, &h);
    reader r = {.live = live,
                .h = &h,
                .base = (const uint8_t *)hdr,
                .fd = fd,
                .err = err,
                .errlen = errlen};
    if (why) { /* the agent's check is the same: it recorded nothing into this record */
        snprintf(err, errlen, "nothing was tracked: %s", why);
        return -1;
    }
    read_counters(&r, out);
    if (read_blocks(&r, out) || read_stacks(&r, out) || read_modules(&r, out)) {
        ch_record_free(out);
        return -1;
    }
    return 0;
}

int ch_record_stamp_of(const ch_shm_header *hdr, size_t size, ch_record_stamp *out, char *err,
                       size_t errlen)
{
    ch_shm_header h;
    const char *why = header_copy(hdr, size, &h);
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    const uint8_t *base = (const uint8_t *)hdr;
    *out = (ch_record_stamp){.allocs = h.n_allocs,
                             .frees = h.n_frees,
                             .bytes = h.bytes_alloc,
                             .dropped = h.n_dropped,
                             .agent_bytes = h.agent_bytes,
                             .stacks = h.n_stacks,
                             .modules = h.n_modules,
                             .slots = h.n_thread_slots,
                             .bad_frees = h.n_bad_frees,
                             .flags = h.agent_flags};
    const ch_thread_slot *ts = (const ch_thread_slot *)(base + h.thread_slots_off);
    uint32_t nts = h.n_thread_slots < CH_MAX_THREAD_SLOTS ? h.n_thread_slots : CH_MAX_THREAD_SLOTS;
    for (uint32_t i = 0; i < nts; i++) {
        out->allocs += ONCE(ts[i].n_allocs);
        out->frees += ONCE(ts[i].n_frees);
        out->bytes += ONCE(ts[i].bytes_alloc);
        out->dropped += ONCE(ts[i].n_dropped);
    }
    const ch_live_shard *shards = (const ch_live_shard *)(base + h.shards_off);
    for (unsigned i = 0; i < CH_LIVE_SHARDS; i++)
        out->shard_counts += ONCE(shards[i].count);
    const ch_module_entry *m = (const ch_module_entry *)(base + h.modules_off);
    for (uint32_t i = 0; i < h.n_modules; i++) /* <= CH_MAX_MODULES: validated */
        out->unloaded += (ONCE(m[i].flags) & CH_MODULE_F_UNLOADED) != 0;
    /* What the stamp read comes before whatever the caller reads next. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return 0;
}

const uint64_t *ch_record_marks(const ch_shm_header *hdr, size_t size, size_t *n)
{
    ch_shm_header h;
    *n = 0;
    if (header_copy(hdr, size, &h))
        return NULL;
    *n = h.n_marks < CH_MAX_MARKS ? h.n_marks : CH_MAX_MARKS;
    return (const uint64_t *)((const uint8_t *)hdr + h.marks_off);
}

int ch_record_none(ch_profile *p)
{
    p->blocks = calloc(1, sizeof *p->blocks);
    p->stacks = calloc(1, sizeof *p->stacks);
    p->modules = calloc(1, sizeof *p->modules);
    p->nstacks = 1;
    p->sample_rate = 1;
    return p->blocks && p->stacks && p->modules ? 0 : -1;
}

int ch_record_read(const ch_shm_header *hdr, size_t size, int fd, ch_profile *out, char *err,
                   size_t errlen)
{
    return record_read(hdr, size, fd, false, out, err, errlen);
}

int ch_record_read_live(const ch_shm_header *hdr, size_t size, ch_profile *out, char *err,
                        size_t errlen)
{
    return record_read(hdr, size, -1, true, out, err, errlen);
}

void ch_record_free(ch_profile *p)
{
    for (size_t i = 0; i < p->nmodules; i++)
        free(p->modules[i].path);
    free(p->modules);
    free(p->blocks);
    free(p->stacks);
    free(p->invalid_frees);
    free(p->epoch_age);
    p->epoch_age = NULL;
    p->nepochs = 0;
    p->invalid_frees = NULL;
    p->ninvalid_frees = 0;
    p->modules = NULL;
    p->blocks = NULL;
    p->stacks = NULL;
    p->nmodules = p->nblocks = p->nstacks = 0;
}

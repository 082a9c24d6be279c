/*
 * The pprof writer: a gzipped profile.proto with the sample types of Go's
 * heap profile (runtime/pprof writeHeapProto), so `go tool pprof` reads it
 * and can merge it with a Go heap profile of the same program.
 *
 * profile.proto lets repeated fields come in any order, so samples,
 * locations and functions are appended as they are first met, and the
 * mappings and string table (complete only at the end) come last.
 *
 * Block ages: when the profile knows them and is not a delta, a stack's
 * unfreed blocks are split by age into buckets of [0,1), [1,2), [2,4),
 * [4,8)... seconds, one sample each with the numeric label `age` (unit
 * seconds): the mean age of its blocks. Its alloc_* are its blocks' own,
 * and the stack's freed allocations make one more sample without an age,
 * so the samples still sum to the stack's figures; `pprof -tagfocus
 * age=3600:` keeps what is at least about an hour old. Deltas (base or
 * values set) stay one sample per stack, without ages: a bucket's content
 * changes as blocks age, so its difference between two reads means nothing.
 */
#include "common/grow.h"
#include "common/intern.h"
#include "common/u64map.h"
#include "report/report_gzip.h"
#include "report/report_internal.h"
#include "report/report_pb.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Field numbers of profile.proto (github.com/google/pprof/proto/profile.proto). */
enum {
    PROFILE_SAMPLE_TYPE = 1,
    PROFILE_SAMPLE = 2,
    PROFILE_MAPPING = 3,
    PROFILE_LOCATION = 4,
    PROFILE_FUNCTION = 5,
    PROFILE_STRING_TABLE = 6,
    PROFILE_TIME_NANOS = 9,
    PROFILE_DURATION_NANOS = 10,
    PROFILE_PERIOD_TYPE = 11,
    PROFILE_PERIOD = 12,
    PROFILE_COMMENT = 13,
    PROFILE_DEFAULT_SAMPLE_TYPE = 14,
    VALUE_TYPE_TYPE = 1,
    VALUE_TYPE_UNIT = 2,
    SAMPLE_LOCATION_ID = 1,
    SAMPLE_VALUE = 2,
    SAMPLE_LABEL = 3,
    LABEL_KEY = 1,
    LABEL_STR = 2,
    LABEL_NUM = 3,
    LABEL_NUM_UNIT = 4,
    MAPPING_ID = 1,
    MAPPING_START = 2,
    MAPPING_LIMIT = 3,
    MAPPING_OFFSET = 4,
    MAPPING_FILENAME = 5,
    MAPPING_BUILD_ID = 6,
    MAPPING_HAS_FUNCTIONS = 7,
    MAPPING_HAS_FILENAMES = 8,
    MAPPING_HAS_LINE_NUMBERS = 9,
    MAPPING_HAS_INLINE_FRAMES = 10,
    LOCATION_ID = 1,
    LOCATION_MAPPING_ID = 2,
    LOCATION_ADDRESS = 3,
    LOCATION_LINE = 4,
    LINE_FUNCTION_ID = 1,
    LINE_LINE = 2,
    FUNCTION_ID = 1,
    FUNCTION_NAME = 2,
    FUNCTION_SYSTEM_NAME = 3,
    FUNCTION_FILENAME = 4,
};

/* What the locations of one mapping carry; pprof re-symbolizes otherwise. */
typedef struct mapping_info {
    bool all_functions, all_files, all_lines, inlines;
} mapping_info;

/* Age buckets: [0,1) s, then [2^(k-1), 2^k) s for bucket k; the last one takes all older. */
#define AGE_BUCKETS 40

/* The unfreed blocks of one bucket and the sum of their ages. */
typedef struct age_sum {
    chr_amount a;
    double ages;
} age_sum;

/*
 * The locations and functions written (encoded in `pb`, which goes into the
 * profile after its samples), the strings, what the locations say of each
 * module: one profile's own, or kept across profiles (ch_pprof_cache), with
 * then each stack's location ids.
 */
typedef struct defs {
    chr_pb pb;
    /* profile.proto's string_table: a string's id is its index, "" first. Copies: a
     * cache outlives the snapshot whose module paths, for one, it was given. */
    ch_interner strs;
    bool strs_failed; /* out of memory: every id is 0, the profile fails */
    ch_u64map locs;   /* location key (pc) -> location id */
    ch_u64map funcs;  /* name index << 32 | file index -> function id */
    uint32_t nlocs, nfuncs;
    mapping_info *maps; /* per module */
    size_t nmaps;
    bool fake_mapping; /* a location lies in no module */
    bool unloaded;     /* a module was unloaded: location keys name the module too */
    /* Cache only: stack s's location ids, encoded as a packed field's body, are
     * ids.data[first[s]] .. + ids_len[s] (0: not made yet), made for the stack whose frames
     * were at pcs[s]. Re-encoding them was a sixth of a warm profile's time. */
    chr_pb ids;
    size_t *first;
    uint32_t *ids_len;
    const uint64_t **pcs;
    size_t nstacks;
} defs;

/*
 * The unfreed blocks summed per stack, and with ages grouped by stack id
 * (pack_block): stack s's at by_stack[stack_first[s] .. stack_first[s + 1]).
 * A cache keeps them for the next profile of the same blocks (blocks_gen),
 * and keeps their memory for the next blocks: made fresh per profile, the
 * arrays' new pages were a tenth of a warm profile's time.
 */
typedef struct sums {
    chr_amount *inuse;
    size_t ninuse, inuse_cap;
    uint64_t *by_stack;
    size_t by_cap;
    size_t *stack_first;
    size_t first_cap;
    uint64_t gen; /* ch_pprof_opts.blocks_gen of the blocks summed; 0: none */
    bool grouped; /* by_stack and stack_first hold them */
} sums;

struct ch_pprof_cache {
    defs d;
    sums sums;
    /* The last profile's encoding, its memory reused: a 20 MB profile grown by doubling
     * into fresh pages took a third of a warm profile's time in realloc and page faults. */
    chr_pb prof;
};

typedef struct builder {
    const ch_report_input *in;
    const ch_pprof_opts *o;
    chr_pb *prof; /* the Profile message being built: own_prof or the cache's */
    chr_pb own_prof;
    chr_pb loc, line, fn, smp; /* scratch for nested messages */
    defs own;                  /* without a cache */
    defs *d;                   /* &own or the cache's */
    uint64_t *loc_ids;         /* one sample's location ids */
    chr_pb locs;               /* ...encoded, when made for this profile */
    const uint8_t *locs_data;  /* the sample's encoded location ids (locs or the cache's) */
    size_t locs_len;
    struct {
        uint64_t bytes, age, seconds, kind;
    } key; /* the labels' string ids */
    size_t loc_cap;
    ch_frame *shown; /* one location's frames without the hidden ones */
    sums own_sums;
    sums *sums;        /* &own_sums or the cache's */
    chr_amount *inuse; /* unfreed blocks per stack id (sums->inuse) */
    size_t ninuse;
    size_t *rec_head, *rec_next; /* the records of each stack id, a list */
    uint64_t *by_stack;          /* with ages: sums->by_stack, else NULL */
    size_t *stack_first;         /* with ages: sums->stack_first */
    bool oom;
} builder;

/* s's index in the string table (NULL counts as ""), added if new; 0 once out of memory. */
static uint64_t str_id(defs *d, const char *s)
{
    uint32_t id = 0;
    if (!d->strs_failed && !ch_intern(&d->strs, s ? s : "", &id))
        d->strs_failed = true;
    return d->strs_failed ? 0 : id;
}

/* The id stored for key in m, 0 if none. */
static uint32_t id_of(const ch_u64map *m, uint64_t key)
{
    const uint64_t *v = ch_u64map_get(m, key);
    return v ? (uint32_t)*v : 0;
}

/* Stores id for key in m; false when out of memory. */
static bool set_id(ch_u64map *m, uint64_t key, uint32_t id)
{
    uint64_t *v = ch_u64map_put(m, key, NULL);
    if (v)
        *v = id;
    return v != NULL;
}

static void value_type(builder *b, uint32_t field, const char *type, const char *unit)
{
    chr_pb_reset(&b->smp);
    chr_pb_varint_opt(&b->smp, VALUE_TYPE_TYPE, str_id(b->d, type));
    chr_pb_varint_opt(&b->smp, VALUE_TYPE_UNIT, str_id(b->d, unit));
    chr_pb_message_field(b->prof, field, &b->smp);
}

/* The header fields, as Go's writeHeapProto writes them. */
static void write_header(builder *b)
{
    uint64_t rate = b->in->prof->sample_rate;
    value_type(b, PROFILE_PERIOD_TYPE, "space", "bytes");
    chr_pb_varint_opt(b->prof, PROFILE_PERIOD, rate > 1 ? rate : 1);
    value_type(b, PROFILE_SAMPLE_TYPE, "alloc_objects", "count");
    value_type(b, PROFILE_SAMPLE_TYPE, "alloc_space", "bytes");
    value_type(b, PROFILE_SAMPLE_TYPE, "inuse_objects", "count");
    value_type(b, PROFILE_SAMPLE_TYPE, "inuse_space", "bytes");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    chr_pb_varint_opt(b->prof, PROFILE_TIME_NANOS,
                      (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    chr_pb_varint_opt(b->prof, PROFILE_DURATION_NANOS, (uint64_t)b->o->duration_ns);
    chr_pb_varint_field(b->prof, PROFILE_COMMENT, str_id(b->d, "cgoheap: C heap profile"));
    if (b->o->default_type)
        chr_pb_varint_field(b->prof, PROFILE_DEFAULT_SAMPLE_TYPE, str_id(b->d, b->o->default_type));
}

static uint32_t function_id(builder *b, const ch_frame *fr)
{
    uint64_t name = str_id(b->d, fr->function);
    uint64_t file = str_id(b->d, fr->file);
    uint64_t key = name << 32 | file;
    uint32_t id = id_of(&b->d->funcs, key);
    if (id)
        return id;
    id = ++b->d->nfuncs;
    if (!set_id(&b->d->funcs, key, id))
        b->oom = true;
    chr_pb_reset(&b->fn);
    chr_pb_varint_field(&b->fn, FUNCTION_ID, id);
    chr_pb_varint_opt(&b->fn, FUNCTION_NAME, name);
    chr_pb_varint_opt(&b->fn, FUNCTION_SYSTEM_NAME, name);
    chr_pb_varint_opt(&b->fn, FUNCTION_FILENAME, file);
    chr_pb_message_field(&b->d->pb, PROFILE_FUNCTION, &b->fn);
    return id;
}

static void note_mapping(builder *b, long m, const ch_frame *v, size_t n)
{
    if (m < 0)
        return;
    mapping_info *mi = &b->d->maps[m];
    for (size_t k = 0; k < n; k++) {
        mi->all_functions &= v[k].function != NULL;
        mi->all_files &= v[k].file != NULL;
        mi->all_lines &= v[k].line > 0;
    }
    mi->inlines |= n > 1;
}

/*
 * One location per PC: v[0..n-1] are the frames of that PC, innermost first
 * (all but the last inlined into the next), which is pprof's order of lines.
 */
static uint64_t location_id(builder *b, const ch_frame *v, size_t n)
{
    const ch_frame *outer = &v[n - 1];
    /* With a module unloaded, the same pc may lie in two: the key names the module too. */
    long m = b->d->unloaded ? chr_module_index(b->in->prof, outer) : 0;
    uint64_t key = b->d->unloaded ? outer->pc ^ (uint64_t)(m + 1) << 52 : outer->pc;
    uint32_t id = id_of(&b->d->locs, key);
    if (id)
        return id;
    id = ++b->d->nlocs;
    if (!set_id(&b->d->locs, key, id))
        b->oom = true;
    if (!b->d->unloaded)
        m = chr_module_index(b->in->prof, outer);
    note_mapping(b, m, v, n);
    /* Continuous profilers reject a location without a mapping: one that is
     * in no module gets a fake mapping after the modules', as Go's does. */
    b->d->fake_mapping |= m < 0;
    uint64_t mapping_id = m >= 0 ? (uint64_t)m + 1 : b->in->prof->nmodules + 1;
    /* Functions go straight into the profile, so build this location aside. */
    chr_pb_reset(&b->loc);
    chr_pb_varint_field(&b->loc, LOCATION_ID, id);
    chr_pb_varint_field(&b->loc, LOCATION_MAPPING_ID, mapping_id);
    chr_pb_varint_opt(&b->loc, LOCATION_ADDRESS, outer->pc);
    for (size_t k = 0; k < n; k++) {
        if (!v[k].function)
            continue;
        uint32_t fid = function_id(b, &v[k]);
        chr_pb_reset(&b->line);
        chr_pb_varint_field(&b->line, LINE_FUNCTION_ID, fid);
        chr_pb_varint_opt(&b->line, LINE_LINE, v[k].line > 0 ? (uint64_t)v[k].line : 0);
        chr_pb_message_field(&b->loc, LOCATION_LINE, &b->line);
    }
    chr_pb_message_field(&b->d->pb, PROFILE_LOCATION, &b->loc);
    return id;
}

/* One location's frames v[0..n-1] less the hidden ones, into b->shown; how many are left. */
static size_t shown_frames(builder *b, const ch_frame *v, size_t n, bool show_all)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (show_all || !v[i].glue)
            b->shown[k++] = v[i];
    if (k)
        b->shown[k - 1].inlined = false;
    return k;
}

/* Fills b->loc_ids for a stack, leaf first; returns how many. */
static size_t stack_locations(builder *b, const chr_frames *f)
{
    static const ch_frame unknown = {.function = "[unknown stack]"};
    if (f->n == 0) {
        b->loc_ids[0] = location_id(b, &unknown, 1);
        return 1;
    }
    bool show_all = !b->o->hide_glue || chr_show_glue(f, false);
    size_t n = 0;
    for (size_t i = 0; i < f->n;) {
        size_t j = i;
        while (j + 1 < f->n && f->v[j].inlined)
            j++;
        size_t k = show_all ? j - i + 1 : shown_frames(b, &f->v[i], j - i + 1, false);
        if (k)
            b->loc_ids[n++] = location_id(b, show_all ? &f->v[i] : b->shown, k);
        i = j + 1;
    }
    return n;
}

static bool reserve_loc_ids(builder *b, size_t n)
{
    if (n <= b->loc_cap)
        return true;
    uint64_t *p = realloc(b->loc_ids, n * sizeof *p);
    if (p)
        b->loc_ids = p;
    ch_frame *f = p ? realloc(b->shown, n * sizeof *f) : NULL;
    if (!f)
        return false;
    b->shown = f;
    b->loc_cap = n;
    return true;
}

static int64_t as_int64(uint64_t v)
{
    return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/*
 * A string label (str), or a numeric one (num) with its unit if unit is
 * not 0 (pprof's NumUnit). Key and unit are string ids (b->key): looking
 * them up for every sample was a twentieth of a warm profile's time.
 */
static void write_label(builder *b, uint64_t key, const char *str, uint64_t num, uint64_t unit)
{
    chr_pb_reset(&b->line);
    chr_pb_varint_field(&b->line, LABEL_KEY, key);
    if (str)
        chr_pb_varint_field(&b->line, LABEL_STR, str_id(b->d, str));
    else
        chr_pb_varint_field(&b->line, LABEL_NUM, (uint64_t)as_int64(num));
    if (unit)
        chr_pb_varint_field(&b->line, LABEL_NUM_UNIT, unit);
    chr_pb_message_field(&b->smp, SAMPLE_LABEL, &b->line);
}

static void amount_values(chr_amount alloc, chr_amount inuse, ch_pprof_values *v)
{
    *v = (ch_pprof_values){{as_int64(alloc.count), as_int64(alloc.bytes), as_int64(inuse.count),
                            as_int64(inuse.bytes)}};
}

/* The sample's values, less the base's for a delta; false if they are all 0 then. */
static bool sample_values(builder *b, uint32_t stack_id, chr_amount alloc, chr_amount inuse,
                          uint64_t values[4])
{
    ch_pprof_values v;
    amount_values(alloc, inuse, &v);
    if (b->o->values)
        b->o->values[stack_id] = v;
    bool any = false;
    for (int k = 0; k < 4; k++) {
        values[k] = (uint64_t)(v.v[k] - (b->o->base ? b->o->base[stack_id].v[k] : 0));
        any |= values[k] != 0;
    }
    return any || !b->o->base;
}

/*
 * One sample: the stack's locations (in b->loc_ids), its values, Go's
 * "bytes" label (the average block size) and, when kind is not NULL, the
 * leak kind as the string label "kind", so that `pprof -tagfocus
 * kind=definite` keeps the leaks.
 */
static void write_one_sample(builder *b, const char *kind, const uint64_t values[4],
                             uint64_t blocksize, int64_t age)
{
    chr_pb_reset(&b->smp);
    if (b->locs_len) /* a packed field */
        chr_pb_bytes_field(&b->smp, SAMPLE_LOCATION_ID, b->locs_data, b->locs_len);
    chr_pb_packed_field(&b->smp, SAMPLE_VALUE, values, 4);
    if (blocksize)
        write_label(b, b->key.bytes, NULL, blocksize, 0); /* as Go's, without a unit */
    if (age >= 0)
        write_label(b, b->key.age, NULL, (uint64_t)age, b->key.seconds);
    if (kind)
        write_label(b, b->key.kind, kind, 0, 0);
    chr_pb_message_field(b->prof, PROFILE_SAMPLE, &b->smp);
}

/* A sample of one leak kind: its blocks' amounts as its values. */
static void write_kind_sample(builder *b, const char *kind, chr_amount alloc, chr_amount inuse,
                              uint64_t blocksize, int64_t age)
{
    ch_pprof_values v;
    amount_values(alloc, inuse, &v);
    uint64_t values[4] = {(uint64_t)v.v[0], (uint64_t)v.v[1], (uint64_t)v.v[2], (uint64_t)v.v[3]};
    write_one_sample(b, kind, values, blocksize, age);
}

/*
 * A block's size, kind and epoch in 8 bytes (a recorded size has 40 bits):
 * the samples then read each stack's blocks in a row instead of a million
 * scattered 24-byte blocks, which took an eighth of a live profile's time.
 */
#define PACKED_SIZE_MAX ((1ull << 40) - 1)

static uint64_t pack_block(const ch_block *b)
{
    uint64_t size = b->size < PACKED_SIZE_MAX ? b->size : PACKED_SIZE_MAX;
    return size << 24 | (uint64_t)b->kind << 16 | b->epoch;
}

static ch_block unpack_block(uint64_t v)
{
    return (ch_block){.size = v >> 24, .kind = (uint8_t)(v >> 16), .epoch = (uint16_t)v};
}

static unsigned age_bucket(double age)
{
    if (age < 1)
        return 0;
    unsigned k = 64 - (unsigned)__builtin_clzll((uint64_t)age);
    return k < AGE_BUCKETS ? k : AGE_BUCKETS - 1;
}

/*
 * One sample per age bucket of the unfreed blocks of stack_id (those of
 * kind `kind` only, unless kind < 0), labelled with `label` as the kind;
 * each is its blocks' allocations and their use.
 */
static void write_age_samples(builder *b, uint32_t stack_id, const char *label, int kind)
{
    const ch_profile *p = b->in->prof;
    age_sum sum[AGE_BUCKETS] = {0};
    for (size_t i = b->stack_first[stack_id]; i < b->stack_first[stack_id + 1]; i++) {
        const ch_block blk = unpack_block(b->by_stack[i]);
        if (kind >= 0 && blk.kind != kind)
            continue;
        double age = ch_block_age(p, &blk);
        age_sum *a = &sum[age_bucket(age)];
        a->a.count++;
        a->a.bytes += blk.size;
        a->ages += age;
    }
    for (unsigned k = 0; k < AGE_BUCKETS; k++) {
        if (!sum[k].a.count)
            continue;
        chr_amount a = chr_scale(sum[k].a.count, sum[k].a.bytes, p->sample_rate);
        write_kind_sample(b, label, a, a, sum[k].a.bytes / sum[k].a.count,
                          (int64_t)(sum[k].ages / (double)sum[k].a.count + 0.5));
    }
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/*
 * A stack's samples, one per leak kind of its unfreed blocks (their
 * allocations counted with them), and "freed" for the allocations that
 * were freed: summed they are the stack's figures as one sample had them.
 */
static void write_kind_samples(builder *b, uint32_t stack_id, uint64_t count, uint64_t bytes)
{
    uint64_t rate = b->in->prof->sample_rate;
    chr_amount seen = {0, 0};
    for (size_t r = b->rec_head[stack_id]; r != SIZE_MAX; r = b->rec_next[r]) {
        const ch_loss_record *rec = &b->in->records[r];
        chr_amount a = chr_scale(rec->blocks, rec->bytes, rate);
        const char *kind = rec->suppressed ? "suppressed" : chr_kind_id(rec->kind);
        if (b->by_stack)
            write_age_samples(b, stack_id, kind, (int)rec->kind);
        else
            write_kind_sample(b, kind, a, a, rec->blocks ? rec->bytes / rec->blocks : 0, -1);
        seen.count += rec->blocks;
        seen.bytes += rec->bytes;
    }
    /* Unfreed blocks no record holds (none, when grouping saw them all). */
    chr_amount rest = {sub0(b->inuse[stack_id].count, seen.count),
                       sub0(b->inuse[stack_id].bytes, seen.bytes)};
    if (rest.count) {
        chr_amount a = chr_scale(rest.count, rest.bytes, rate);
        write_kind_sample(b, chr_kind_id(CH_KIND_UNFREED), a, a, rest.bytes / rest.count, -1);
    }
    uint64_t freed = sub0(count, b->inuse[stack_id].count);
    if (freed) {
        uint64_t freed_bytes = sub0(bytes, b->inuse[stack_id].bytes);
        write_kind_sample(b, "freed", chr_scale(freed, freed_bytes, rate), (chr_amount){0, 0},
                          freed_bytes / freed, -1);
    }
}

/* A live stack's samples with ages: one per age bucket, one for its freed allocations. */
static void write_aged_samples(builder *b, uint32_t stack_id, uint64_t count, uint64_t bytes)
{
    write_age_samples(b, stack_id, NULL, -1);
    uint64_t freed = sub0(count, b->inuse[stack_id].count);
    if (freed) {
        uint64_t freed_bytes = sub0(bytes, b->inuse[stack_id].bytes);
        write_kind_sample(b, NULL, chr_scale(freed, freed_bytes, b->in->prof->sample_rate),
                          (chr_amount){0, 0}, freed_bytes / freed, -1);
    }
}

/* Whether the cache has the stack's location ids: then b->locs_data points to them. */
static bool cached_locations(builder *b, uint32_t stack_id, const ch_stack *st)
{
    const defs *d = b->d;
    if (!b->o->cache || !st || stack_id >= d->nstacks || !d->ids_len[stack_id] ||
        d->pcs[stack_id] != st->pcs)
        return false;
    b->locs_data = d->ids.data + d->first[stack_id];
    b->locs_len = d->ids_len[stack_id];
    return true;
}

/* Keeps the stack's encoded location ids (b->locs) in the cache, if there is one. */
static void cache_locations(builder *b, uint32_t stack_id, const ch_stack *st)
{
    defs *d = b->d;
    if (!b->o->cache || !st || b->locs.len == 0 || b->locs.len > UINT32_MAX || b->locs.failed)
        return;
    if (stack_id >= d->nstacks) {
        size_t ns = b->in->prof->nstacks > stack_id ? b->in->prof->nstacks : stack_id + 1;
        size_t *first = realloc(d->first, ns * sizeof *first);
        d->first = first ? first : d->first;
        uint32_t *ids_len = first ? realloc(d->ids_len, ns * sizeof *ids_len) : NULL;
        d->ids_len = ids_len ? ids_len : d->ids_len;
        const uint64_t **pcs = ids_len ? realloc(d->pcs, ns * sizeof *pcs) : NULL;
        if (!pcs) {
            b->oom = true;
            return;
        }
        d->pcs = pcs;
        memset(d->ids_len + d->nstacks, 0, (ns - d->nstacks) * sizeof *d->ids_len);
        d->nstacks = ns;
    }
    d->first[stack_id] = d->ids.len;
    chr_pb_raw(&d->ids, &b->locs);
    if (d->ids.failed) {
        b->oom = true;
        return;
    }
    d->ids_len[stack_id] = (uint32_t)b->locs.len;
    d->pcs[stack_id] = st->pcs;
}

/* The stack's encoded location ids into b->locs_data, from the cache or made (and cached). */
static int take_locations(builder *b, uint32_t stack_id, const ch_stack *st)
{
    if (cached_locations(b, stack_id, st))
        return 0;
    chr_frames f;
    if (chr_stack_frames(b->in, stack_id, &f) != 0 || !reserve_loc_ids(b, f.n + 1)) {
        chr_frames_release(&f);
        return -1;
    }
    size_t nlocs = stack_locations(b, &f);
    chr_frames_release(&f);
    chr_pb_reset(&b->locs);
    chr_pb_varints(&b->locs, b->loc_ids, nlocs);
    b->locs_data = b->locs.data;
    b->locs_len = b->locs.len;
    cache_locations(b, stack_id, st);
    return 0;
}

static int write_sample(builder *b, uint32_t stack_id)
{
    const ch_stack *st = chr_raw_stack(b->in, stack_id);
    uint64_t rate = b->in->prof->sample_rate;
    uint64_t count = st ? st->alloc_count : 0, bytes = st ? st->alloc_bytes : 0;
    chr_amount inuse = b->inuse[stack_id];
    uint64_t values[4];
    if ((count == 0 && inuse.count == 0) ||
        !sample_values(b, stack_id, chr_scale(count, bytes, rate),
                       chr_scale(inuse.count, inuse.bytes, rate), values))
        return 0;
    if (take_locations(b, stack_id, st))
        return -1;
    if (b->o->per_stack && b->by_stack)
        write_aged_samples(b, stack_id, count, bytes);
    else if (b->o->per_stack)
        write_one_sample(b, NULL, values, count ? bytes / count : 0, -1);
    else
        write_kind_samples(b, stack_id, count, bytes);
    return 0;
}

/* Lists the records of each stack id (out-of-range ids are left out). */
static int index_records(builder *b)
{
    const ch_report_input *in = b->in;
    b->rec_head = malloc(b->ninuse * sizeof *b->rec_head);
    b->rec_next = malloc((in->nrecords ? in->nrecords : 1) * sizeof *b->rec_next);
    if (!b->rec_head || !b->rec_next)
        return -1;
    for (size_t s = 0; s < b->ninuse; s++)
        b->rec_head[s] = SIZE_MAX;
    for (size_t r = in->nrecords; r-- > 0;) {
        uint32_t s = in->records[r].stack_id;
        if (s < b->ninuse) {
            b->rec_next[r] = b->rec_head[s];
            b->rec_head[s] = r;
        }
    }
    return 0;
}

/* Sums the unfreed blocks per stack into sm; an out-of-range id counts as unknown (0). */
static int sum_inuse(const ch_profile *p, sums *sm)
{
    size_t n = p->nstacks ? p->nstacks : 1;
    chr_amount *inuse = ch_grow_to(sm->inuse, &sm->inuse_cap, sizeof *inuse, n, n);
    if (!inuse)
        return -1;
    sm->inuse = inuse;
    sm->ninuse = n;
    memset(inuse, 0, n * sizeof *inuse);
    for (size_t i = 0; i < p->nblocks; i++) {
        uint32_t s = p->blocks[i].stack_id < n ? p->blocks[i].stack_id : 0;
        inuse[s].count++;
        inuse[s].bytes += p->blocks[i].size;
    }
    return 0;
}

/* The blocks grouped by stack id into sm (summed there), a counting sort. */
static int group_by_stack(const ch_profile *p, sums *sm)
{
    size_t *first =
        ch_grow_to(sm->stack_first, &sm->first_cap, sizeof *first, sm->ninuse + 1, sm->ninuse + 1);
    if (first)
        sm->stack_first = first;
    size_t nb = p->nblocks ? p->nblocks : 1;
    uint64_t *by = first ? ch_grow_to(sm->by_stack, &sm->by_cap, sizeof *by, nb, nb) : NULL;
    if (!by)
        return -1;
    sm->by_stack = by;
    /* first[s + 1] is first where s's blocks start, then, as they are
     * placed, where they end: where s + 1's start. */
    first[0] = 0;
    for (size_t s = 1, at = 0; s <= sm->ninuse; s++) {
        first[s] = at;
        at += sm->inuse[s - 1].count;
    }
    for (size_t i = 0; i < p->nblocks; i++) {
        uint32_t s = p->blocks[i].stack_id < sm->ninuse ? p->blocks[i].stack_id : 0;
        by[first[s + 1]++] = pack_block(&p->blocks[i]);
    }
    sm->grouped = true;
    return 0;
}

/*
 * The profile's sums: the cache's when they are of the same blocks
 * (blocks_gen), else made; grouped by stack with ages, and not for a delta.
 */
static int take_sums(builder *b)
{
    const ch_profile *p = b->in->prof;
    sums *sm = b->sums;
    bool aged = p->epoch_age && !b->o->base && !b->o->values;
    bool same = b->o->blocks_gen && sm->gen == b->o->blocks_gen;
    uint64_t summed = 0;
    if (!same || sm->ninuse != (p->nstacks ? p->nstacks : 1)) {
        sm->gen = 0;
        sm->grouped = false;
        if (sum_inuse(p, sm))
            return -1;
        summed = p->nblocks;
    }
    if (aged && !sm->grouped) {
        if (group_by_stack(p, sm))
            return -1;
        summed = p->nblocks;
    }
    sm->gen = b->o->blocks_gen;
    if (b->o->blocks_summed)
        *b->o->blocks_summed = summed;
    b->inuse = sm->inuse;
    b->ninuse = sm->ninuse;
    b->by_stack = aged ? sm->by_stack : NULL;
    b->stack_first = aged ? sm->stack_first : NULL;
    return 0;
}

static void write_mappings(builder *b)
{
    const ch_profile *p = b->in->prof;
    for (size_t i = 0; i < p->nmodules; i++) {
        const ch_module *m = &p->modules[i];
        const mapping_info *mi = &b->d->maps[i];
        const char *build_id = b->in->build_ids && b->in->build_ids[i] ? b->in->build_ids[i] : "";
        chr_pb_reset(&b->loc);
        chr_pb_varint_field(&b->loc, MAPPING_ID, i + 1);
        chr_pb_varint_opt(&b->loc, MAPPING_START, m->start);
        chr_pb_varint_opt(&b->loc, MAPPING_LIMIT, m->end);
        /* The file offset of `start` is unknown here; 0 matches the usual
         * first PT_LOAD segment, which maps the file from its beginning. */
        chr_pb_varint_opt(&b->loc, MAPPING_OFFSET, 0);
        chr_pb_varint_opt(&b->loc, MAPPING_FILENAME, str_id(b->d, m->path));
        chr_pb_varint_opt(&b->loc, MAPPING_BUILD_ID, str_id(b->d, build_id));
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_FUNCTIONS, mi->all_functions);
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_FILENAMES, mi->all_files);
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_LINE_NUMBERS, mi->all_lines);
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_INLINE_FRAMES, mi->inlines);
        chr_pb_message_field(b->prof, PROFILE_MAPPING, &b->loc);
    }
    if (b->d->fake_mapping) {
        chr_pb_reset(&b->loc);
        chr_pb_varint_field(&b->loc, MAPPING_ID, p->nmodules + 1);
        chr_pb_message_field(b->prof, PROFILE_MAPPING, &b->loc);
    }
}

static void write_string_table(builder *b)
{
    for (size_t i = 0; i < ch_interner_count(&b->d->strs); i++) {
        const char *s = ch_interner_str(&b->d->strs, (uint32_t)i);
        chr_pb_bytes_field(b->prof, PROFILE_STRING_TABLE, s, strlen(s));
    }
}

static void defs_free(defs *d)
{
    chr_pb_free(&d->pb);
    ch_interner_free(&d->strs);
    ch_u64map_free(&d->locs);
    ch_u64map_free(&d->funcs);
    free(d->maps);
    chr_pb_free(&d->ids);
    free(d->first);
    free(d->ids_len);
    free(d->pcs);
    memset(d, 0, sizeof *d);
}

static void sums_free(sums *sm)
{
    free(sm->inuse);
    free(sm->by_stack);
    free(sm->stack_first);
    memset(sm, 0, sizeof *sm);
}

/* Starts d for p's modules, unless it already serves them. -1 if out of memory. */
static int defs_start(defs *d, const ch_profile *p)
{
    bool unloaded = false;
    for (size_t i = 0; i < p->nmodules; i++)
        unloaded |= p->modules[i].unloaded;
    if (d->maps && d->nmaps == p->nmodules && d->unloaded == unloaded)
        return 0;
    defs_free(d);
    d->unloaded = unloaded;
    str_id(d, ""); /* index 0, as profile.proto requires */
    d->nmaps = p->nmodules;
    if (!(d->maps = calloc(p->nmodules ? p->nmodules : 1, sizeof *d->maps)))
        return -1;
    for (size_t i = 0; i < p->nmodules; i++)
        d->maps[i] = (mapping_info){true, true, true, false};
    return 0;
}

ch_pprof_cache *ch_pprof_cache_new(void)
{
    return calloc(1, sizeof(ch_pprof_cache));
}

void ch_pprof_cache_free(ch_pprof_cache *c)
{
    if (!c)
        return;
    defs_free(&c->d);
    sums_free(&c->sums);
    chr_pb_free(&c->prof);
    free(c);
}

static int build(builder *b)
{
    const ch_profile *p = b->in->prof;
    ch_pprof_cache *c = b->o->cache;
    b->d = c ? &c->d : &b->own;
    b->sums = c ? &c->sums : &b->own_sums;
    b->prof = c ? &c->prof : &b->own_prof;
    chr_pb_reset(b->prof);
    b->prof->failed = false;
    /* Room for what the samples usually take (60-70 bytes each, a few per stack): reserved, not
     * touched, so a first profile's buffer is not copied at each doubling on its way to 20 MB. */
    chr_pb_reserve(b->prof, (p->nstacks + p->nblocks / 4) * 128);
    if (defs_start(b->d, p) || take_sums(b) != 0 || index_records(b) != 0)
        return -1;
    b->key.bytes = str_id(b->d, "bytes");
    b->key.age = str_id(b->d, "age");
    b->key.seconds = str_id(b->d, "seconds");
    b->key.kind = str_id(b->d, "kind");
    write_header(b);
    for (size_t s = 0; s < b->ninuse; s++) {
        /* Stack ids come in order here, but their PCs lie all over the agent's memory. */
        if (s + CH_PREFETCH_AHEAD < p->nstacks)
            ch_prefetch_stack(&p->stacks[s + CH_PREFETCH_AHEAD]);
        if (write_sample(b, (uint32_t)s) != 0)
            return -1;
    }
    /* The locations and functions, of this profile or of every profile so far: pprof keeps
     * those no sample uses, and they only grow with the program's distinct PCs. */
    chr_pb_raw(b->prof, &b->d->pb);
    write_mappings(b);
    write_string_table(b);
    bool failed = b->oom || b->d->strs_failed || b->d->pb.failed || b->prof->failed ||
                  b->loc.failed || b->line.failed || b->fn.failed || b->smp.failed ||
                  b->locs.failed;
    if (failed && c) {
        defs_free(b->d); /* ids may name locations that were never written: start over */
        sums_free(b->sums);
        chr_pb_free(b->prof);
    }
    return failed ? -1 : 0;
}

static void builder_free(builder *b)
{
    chr_pb_free(&b->own_prof);
    chr_pb_free(&b->loc);
    chr_pb_free(&b->line);
    chr_pb_free(&b->fn);
    chr_pb_free(&b->smp);
    defs_free(&b->own);
    chr_pb_free(&b->locs);
    free(b->loc_ids);
    free(b->shown);
    sums_free(&b->own_sums);
    free(b->rec_head);
    free(b->rec_next);
}

/* Builds the profile, then either writes it to path or gzips it into *gz. */
static int make_profile(const ch_report_input *in, const ch_pprof_opts *o, const char *path,
                        unsigned char **gz, size_t *len)
{
    static const ch_pprof_opts file_opts;
    builder b;
    memset(&b, 0, sizeof b);
    b.in = in;
    b.o = o ? o : &file_opts;
    int rc = build(&b);
    if (rc != 0)
        errno = ENOMEM;
    else if (path)
        rc = chr_write_gzip(path, b.prof->data, b.prof->len);
    else
        rc = chr_gzip(b.prof->data, b.prof->len, gz, len);
    int e = errno;
    builder_free(&b);
    errno = e;
    return rc;
}

int ch_report_pprof(const char *path, const ch_report_input *in)
{
    return make_profile(in, NULL, path, NULL, NULL);
}

int ch_pprof_cache_warm(const ch_report_input *in, const ch_pprof_opts *o)
{
    const ch_profile *p = in->prof;
    ch_pprof_cache *c = o->cache;
    builder b;
    memset(&b, 0, sizeof b);
    b.in = in;
    b.o = o;
    b.d = &c->d;
    b.sums = &c->sums;
    int rc = defs_start(b.d, p) || take_sums(&b);
    for (size_t s = 1; s < p->nstacks && rc == 0; s++) {
        const ch_stack *st = chr_raw_stack(in, (uint32_t)s);
        if (st && st->pcs)
            rc = take_locations(&b, (uint32_t)s, st);
    }
    bool failed = rc || b.oom || b.d->strs_failed || b.d->pb.failed || b.loc.failed ||
                  b.line.failed || b.fn.failed || b.locs.failed;
    if (failed)
        defs_free(b.d); /* ids may name locations that were never written: start over */
    builder_free(&b);
    return failed ? -1 : 0;
}

int ch_report_pprof_mem(const ch_report_input *in, const ch_pprof_opts *o, unsigned char **gz,
                        size_t *len)
{
    return make_profile(in, o, NULL, gz, len);
}

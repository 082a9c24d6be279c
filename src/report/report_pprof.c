/*
 * The pprof writer: a gzipped profile.proto with the sample types of Go's
 * heap profile (runtime/pprof writeHeapProto), so `go tool pprof` reads it
 * and can merge it with a Go heap profile of the same program.
 *
 * profile.proto lets repeated fields come in any order, so samples,
 * locations and functions are appended as they are first met, and the
 * mappings and string table (complete only at the end) come last.
 */
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

typedef struct builder {
    const ch_report_input *in;
    const ch_pprof_opts *o;
    chr_pb prof;               /* the Profile message being built */
    chr_pb loc, line, fn, smp; /* scratch for nested messages */
    ch_interner strs;          /* the string table: "" first, as profile.proto requires */
    ch_u64map locs;            /* location key (pc) -> location id */
    ch_u64map funcs;           /* name index << 32 | file index -> function id */
    uint32_t nlocs, nfuncs;
    mapping_info *maps; /* per module */
    uint64_t *loc_ids;  /* one sample's location ids */
    size_t loc_cap;
    ch_frame *shown;   /* one location's frames without the hidden ones */
    chr_amount *inuse; /* unfreed blocks per stack id */
    size_t ninuse;
    size_t *rec_head, *rec_next; /* the records of each stack id, a list */
    bool fake_mapping;           /* a location lies in no module */
    bool oom;
} builder;

/* s's index in the string table (NULL counts as ""), added if new; 0 when out of memory. */
static uint64_t string_id(builder *b, const char *s)
{
    uint32_t id;
    if (!ch_intern(&b->strs, s ? s : "", &id)) {
        b->oom = true;
        return 0;
    }
    return id;
}

/* Hands out the next id (from *n, ids start at 1) to a key new to map. */
static uint32_t new_id(builder *b, ch_u64map *map, uint64_t key, uint32_t *n)
{
    uint64_t *id = ch_u64map_put(map, key, NULL);
    ++*n;
    if (id)
        *id = *n;
    else
        b->oom = true; /* the id is handed out all the same, and the profile fails */
    return *n;
}

static void value_type(builder *b, uint32_t field, const char *type, const char *unit)
{
    chr_pb_reset(&b->smp);
    chr_pb_varint_opt(&b->smp, VALUE_TYPE_TYPE, string_id(b, type));
    chr_pb_varint_opt(&b->smp, VALUE_TYPE_UNIT, string_id(b, unit));
    chr_pb_message_field(&b->prof, field, &b->smp);
}

/* The header fields, as Go's writeHeapProto writes them. */
static void write_header(builder *b)
{
    uint64_t rate = b->in->prof->sample_rate;
    value_type(b, PROFILE_PERIOD_TYPE, "space", "bytes");
    chr_pb_varint_opt(&b->prof, PROFILE_PERIOD, rate > 1 ? rate : 1);
    value_type(b, PROFILE_SAMPLE_TYPE, "alloc_objects", "count");
    value_type(b, PROFILE_SAMPLE_TYPE, "alloc_space", "bytes");
    value_type(b, PROFILE_SAMPLE_TYPE, "inuse_objects", "count");
    value_type(b, PROFILE_SAMPLE_TYPE, "inuse_space", "bytes");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    chr_pb_varint_opt(&b->prof, PROFILE_TIME_NANOS,
                      (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    chr_pb_varint_opt(&b->prof, PROFILE_DURATION_NANOS, (uint64_t)b->o->duration_ns);
    chr_pb_varint_field(&b->prof, PROFILE_COMMENT, string_id(b, "cgoheap: C heap profile"));
    if (b->o->default_type)
        chr_pb_varint_field(&b->prof, PROFILE_DEFAULT_SAMPLE_TYPE,
                            string_id(b, b->o->default_type));
}

static uint32_t function_id(builder *b, const ch_frame *fr)
{
    uint64_t name = string_id(b, fr->function);
    uint64_t file = string_id(b, fr->file);
    uint64_t key = name << 32 | file;
    const uint64_t *known = ch_u64map_get(&b->funcs, key);
    if (known)
        return (uint32_t)*known;
    uint32_t id = new_id(b, &b->funcs, key, &b->nfuncs);
    chr_pb_reset(&b->fn);
    chr_pb_varint_field(&b->fn, FUNCTION_ID, id);
    chr_pb_varint_opt(&b->fn, FUNCTION_NAME, name);
    chr_pb_varint_opt(&b->fn, FUNCTION_SYSTEM_NAME, name);
    chr_pb_varint_opt(&b->fn, FUNCTION_FILENAME, file);
    chr_pb_message_field(&b->prof, PROFILE_FUNCTION, &b->fn);
    return id;
}

static void note_mapping(builder *b, long m, const ch_frame *v, size_t n)
{
    if (m < 0)
        return;
    mapping_info *mi = &b->maps[m];
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
    const uint64_t *known = ch_u64map_get(&b->locs, outer->pc);
    if (known)
        return *known;
    uint32_t id = new_id(b, &b->locs, outer->pc, &b->nlocs);
    long m = chr_module_index(b->in->prof, outer);
    note_mapping(b, m, v, n);
    /* Continuous profilers reject a location without a mapping: one that is
     * in no module gets a fake mapping after the modules', as Go's does. */
    b->fake_mapping |= m < 0;
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
    chr_pb_message_field(&b->prof, PROFILE_LOCATION, &b->loc);
    return id;
}

/* One location's frames v[0..n-1] less the hidden ones, into b->shown; how many are left. */
static size_t shown_frames(builder *b, const ch_frame *v, size_t n, bool show_all)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (show_all || !v[i].internal)
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
    bool show_all = !b->o->hide_internal || chr_show_internal(f, false);
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

static void write_label(builder *b, const char *key, const char *str, uint64_t num)
{
    chr_pb_reset(&b->line);
    chr_pb_varint_field(&b->line, LABEL_KEY, string_id(b, key));
    if (str)
        chr_pb_varint_field(&b->line, LABEL_STR, string_id(b, str));
    else
        chr_pb_varint_field(&b->line, LABEL_NUM, (uint64_t)as_int64(num));
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
static void write_one_sample(builder *b, size_t nlocs, const char *kind, const uint64_t values[4],
                             uint64_t blocksize)
{
    chr_pb_reset(&b->smp);
    chr_pb_packed_field(&b->smp, SAMPLE_LOCATION_ID, b->loc_ids, nlocs);
    chr_pb_packed_field(&b->smp, SAMPLE_VALUE, values, 4);
    if (blocksize)
        write_label(b, "bytes", NULL, blocksize);
    if (kind)
        write_label(b, "kind", kind, 0);
    chr_pb_message_field(&b->prof, PROFILE_SAMPLE, &b->smp);
}

/* A sample of one leak kind: its blocks' amounts as its values. */
static void write_kind_sample(builder *b, size_t nlocs, const char *kind, chr_amount alloc,
                              chr_amount inuse, uint64_t blocksize)
{
    ch_pprof_values v;
    amount_values(alloc, inuse, &v);
    uint64_t values[4] = {(uint64_t)v.v[0], (uint64_t)v.v[1], (uint64_t)v.v[2], (uint64_t)v.v[3]};
    write_one_sample(b, nlocs, kind, values, blocksize);
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
static void write_kind_samples(builder *b, uint32_t stack_id, size_t nlocs, uint64_t count,
                               uint64_t bytes)
{
    uint64_t rate = b->in->prof->sample_rate;
    chr_amount seen = {0, 0};
    for (size_t r = b->rec_head[stack_id]; r != SIZE_MAX; r = b->rec_next[r]) {
        const ch_record *rec = &b->in->records[r];
        chr_amount a = chr_scale(rec->blocks, rec->bytes, rate);
        const char *kind = rec->suppressed ? "suppressed" : chr_kind_id(rec->kind);
        write_kind_sample(b, nlocs, kind, a, a, rec->blocks ? rec->bytes / rec->blocks : 0);
        seen.count += rec->blocks;
        seen.bytes += rec->bytes;
    }
    /* Unfreed blocks no record holds (none, when grouping saw them all). */
    chr_amount rest = {sub0(b->inuse[stack_id].count, seen.count),
                       sub0(b->inuse[stack_id].bytes, seen.bytes)};
    if (rest.count) {
        chr_amount a = chr_scale(rest.count, rest.bytes, rate);
        write_kind_sample(b, nlocs, chr_kind_id(CH_KIND_UNFREED), a, a, rest.bytes / rest.count);
    }
    uint64_t freed = sub0(count, b->inuse[stack_id].count);
    if (freed) {
        uint64_t freed_bytes = sub0(bytes, b->inuse[stack_id].bytes);
        write_kind_sample(b, nlocs, "freed", chr_scale(freed, freed_bytes, rate),
                          (chr_amount){0, 0}, freed_bytes / freed);
    }
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
    chr_frames f;
    if (chr_stack_frames(b->in, stack_id, &f) != 0 || !reserve_loc_ids(b, f.n + 1)) {
        chr_frames_release(&f);
        return -1;
    }
    size_t nlocs = stack_locations(b, &f);
    chr_frames_release(&f);
    /* Locations were appended to the profile above; the samples go after them. */
    if (b->o->per_stack)
        write_one_sample(b, nlocs, NULL, values, count ? bytes / count : 0);
    else
        write_kind_samples(b, stack_id, nlocs, count, bytes);
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

/* Sums the unfreed blocks per stack; an out-of-range id counts as unknown (0). */
static int sum_inuse(builder *b)
{
    const ch_profile *p = b->in->prof;
    b->ninuse = p->nstacks ? p->nstacks : 1;
    b->inuse = calloc(b->ninuse, sizeof *b->inuse);
    if (!b->inuse)
        return -1;
    for (size_t i = 0; i < p->nblocks; i++) {
        uint32_t s = p->blocks[i].stack_id < b->ninuse ? p->blocks[i].stack_id : 0;
        b->inuse[s].count++;
        b->inuse[s].bytes += p->blocks[i].size;
    }
    return 0;
}

static void write_mappings(builder *b)
{
    const ch_profile *p = b->in->prof;
    for (size_t i = 0; i < p->nmodules; i++) {
        const ch_module *m = &p->modules[i];
        const mapping_info *mi = &b->maps[i];
        const char *build_id = b->in->build_ids && b->in->build_ids[i] ? b->in->build_ids[i] : "";
        chr_pb_reset(&b->loc);
        chr_pb_varint_field(&b->loc, MAPPING_ID, i + 1);
        chr_pb_varint_opt(&b->loc, MAPPING_START, m->start);
        chr_pb_varint_opt(&b->loc, MAPPING_LIMIT, m->end);
        /* The file offset of `start` is unknown here; 0 matches the usual
         * first PT_LOAD segment, which maps the file from its beginning. */
        chr_pb_varint_opt(&b->loc, MAPPING_OFFSET, 0);
        chr_pb_varint_opt(&b->loc, MAPPING_FILENAME, string_id(b, m->path));
        chr_pb_varint_opt(&b->loc, MAPPING_BUILD_ID, string_id(b, build_id));
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_FUNCTIONS, mi->all_functions);
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_FILENAMES, mi->all_files);
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_LINE_NUMBERS, mi->all_lines);
        chr_pb_bool_opt(&b->loc, MAPPING_HAS_INLINE_FRAMES, mi->inlines);
        chr_pb_message_field(&b->prof, PROFILE_MAPPING, &b->loc);
    }
    if (b->fake_mapping) {
        chr_pb_reset(&b->loc);
        chr_pb_varint_field(&b->loc, MAPPING_ID, p->nmodules + 1);
        chr_pb_message_field(&b->prof, PROFILE_MAPPING, &b->loc);
    }
}

static void write_string_table(builder *b)
{
    for (uint32_t i = 0; i < ch_interner_count(&b->strs); i++) {
        const char *s = ch_interner_str(&b->strs, i);
        chr_pb_bytes_field(&b->prof, PROFILE_STRING_TABLE, s, strlen(s));
    }
}

static int build(builder *b)
{
    const ch_profile *p = b->in->prof;
    string_id(b, "");
    b->maps = calloc(p->nmodules ? p->nmodules : 1, sizeof *b->maps);
    if (!b->maps || sum_inuse(b) != 0 || index_records(b) != 0)
        return -1;
    for (size_t i = 0; i < p->nmodules; i++)
        b->maps[i] = (mapping_info){true, true, true, false};
    write_header(b);
    for (size_t s = 0; s < b->ninuse; s++) {
        /* Stack ids come in order here, but their PCs lie all over the agent's memory. */
        if (s + CH_PREFETCH_AHEAD < p->nstacks)
            ch_prefetch_stack(&p->stacks[s + CH_PREFETCH_AHEAD]);
        if (write_sample(b, (uint32_t)s) != 0)
            return -1;
    }
    write_mappings(b);
    write_string_table(b);
    bool failed = b->oom || b->prof.failed || b->loc.failed || b->line.failed || b->fn.failed ||
                  b->smp.failed;
    return failed ? -1 : 0;
}

static void builder_free(builder *b)
{
    chr_pb_free(&b->prof);
    chr_pb_free(&b->loc);
    chr_pb_free(&b->line);
    chr_pb_free(&b->fn);
    chr_pb_free(&b->smp);
    ch_interner_free(&b->strs);
    ch_u64map_free(&b->locs);
    ch_u64map_free(&b->funcs);
    free(b->maps);
    free(b->loc_ids);
    free(b->shown);
    free(b->inuse);
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
        rc = chr_write_gzip(path, b.prof.data, b.prof.len);
    else
        rc = chr_gzip(b.prof.data, b.prof.len, gz, len);
    int e = errno;
    builder_free(&b);
    errno = e;
    return rc;
}

int ch_report_pprof(const char *path, const ch_report_input *in)
{
    return make_profile(in, NULL, path, NULL, NULL);
}

int ch_report_pprof_mem(const ch_report_input *in, const ch_pprof_opts *o, unsigned char **gz,
                        size_t *len)
{
    return make_profile(in, o, NULL, gz, len);
}

/* Loss records: blocks grouped by (stack, kind), biggest first. */
#include "analyze/analyze.h"

#include <stdlib.h>

typedef struct keyed {
    uint32_t stack_id;
    uint8_t kind;
    uint64_t size;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->stack_id != y->stack_id)
        return x->stack_id < y->stack_id ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Biggest first, direct and indirect bytes together as valgrind orders
 * (which prints smallest first); ties by blocks, then stack id and kind, so
 * the order never depends on qsort. */
static int by_size_desc(const void *a, const void *b)
{
    const ch_record *x = a, *y = b;
    uint64_t tx = x->bytes + x->indirect_bytes, ty = y->bytes + y->indirect_bytes;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    if (x->blocks != y->blocks)
        return x->blocks > y->blocks ? -1 : 1;
    if (x->stack_id != y->stack_id)
        return x->stack_id < y->stack_id ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

static size_t merge_runs(const keyed *k, size_t n, ch_record *out)
{
    size_t nrec = 0;
    for (size_t i = 0; i < n; i++) {
        if (!nrec || out[nrec - 1].stack_id != k[i].stack_id ||
            out[nrec - 1].kind != (ch_kind)k[i].kind)
            out[nrec++] = (ch_record){.stack_id = k[i].stack_id, .kind = (ch_kind)k[i].kind};
        out[nrec - 1].bytes += k[i].size;
        out[nrec - 1].blocks++;
    }
    return nrec;
}

static int record_by_key(const void *key, const void *rec)
{
    const keyed *k = key;
    const ch_record *r = rec;
    if (k->stack_id != r->stack_id)
        return k->stack_id < r->stack_id ? -1 : 1;
    return (k->kind > (uint8_t)r->kind) - (k->kind < (uint8_t)r->kind);
}

/* Adds the scan's indirect bytes of each definite block to its record
 * (records still in key order). */
static void add_owned(const ch_profile *p, ch_record *out, size_t nrec)
{
    for (size_t i = 0; i < p->nowned; i++) {
        if (p->owned[i].block >= p->nblocks)
            continue;
        const ch_block *b = &p->blocks[p->owned[i].block];
        keyed k = {.stack_id = b->stack_id < p->nstacks ? b->stack_id : 0,
                   .kind = CH_KIND_DEFINITE};
        ch_record *r = bsearch(&k, out, nrec, sizeof *out, record_by_key);
        if (r)
            r->indirect_bytes += p->owned[i].bytes;
    }
}

/* Returns a malloc'd array (free() it), never NULL except when out of
 * memory, even for zero records. */
ch_record *ch_group(const ch_profile *p, size_t *nrecords)
{
    *nrecords = 0;
    size_t n = p->nblocks;
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    ch_record *out = calloc(n ? n : 1, sizeof *out);
    if (!k || !out) {
        free(k);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const ch_block *b = &p->blocks[i];
        uint32_t id = b->stack_id < p->nstacks ? b->stack_id : 0; /* never index past stacks */
        uint8_t kind = b->kind < CH_KIND_COUNT ? b->kind : CH_KIND_UNFREED;
        k[i] = (keyed){.stack_id = id, .kind = kind, .size = b->size};
    }
    qsort(k, n, sizeof *k, by_key);
    size_t nrec = merge_runs(k, n, out);
    free(k);
    add_owned(p, out, nrec);
    qsort(out, nrec, sizeof *out, by_size_desc);
    *nrecords = nrec;
    return out;
}

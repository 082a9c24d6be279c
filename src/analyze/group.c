/*
 * Loss records: blocks grouped by (stack, kind), biggest first.
 *
 * Linear in the blocks: one pass finds which kinds each stack has, a prefix
 * sum gives each (stack, kind) its record, a second pass adds the blocks up.
 * Sorting the blocks by key instead cost 0.7 s at 2M blocks.
 */
#include "analyze/analyze.h"

#include <stdlib.h>

/* Biggest first, direct and indirect bytes together as valgrind orders
 * (which prints smallest first); ties by blocks, then stack id and kind, so
 * the order never depends on qsort. */
static int by_size_desc(const void *a, const void *b)
{
    const ch_loss_record *x = a, *y = b;
    uint64_t tx = x->bytes + x->indirect_bytes, ty = y->bytes + y->indirect_bytes;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    if (x->blocks != y->blocks)
        return x->blocks > y->blocks ? -1 : 1;
    if (x->stack_id != y->stack_id)
        return x->stack_id < y->stack_id ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

static uint32_t stack_of(const ch_profile *p, const ch_block *b)
{
    return b->stack_id < p->nstacks ? b->stack_id : 0; /* never index past stacks */
}

static unsigned kind_of(const ch_block *b)
{
    return b->kind < CH_KIND_COUNT ? b->kind : CH_KIND_UNFREED;
}

/* The record of blocks of stack s and kind k (kinds: bit k set if the stack has blocks of
 * kind k): its rank among the stack's is how many of its kinds come before k. */
static ch_loss_record *record_of(ch_loss_record *out, const uint8_t *kinds, const size_t *first,
                                 uint32_t s, unsigned k)
{
    return &out[first[s] + (size_t)__builtin_popcount(kinds[s] & ((1u << k) - 1))];
}

/* Adds the scan's indirect bytes of each definite block to its record. */
static void add_owned(const ch_profile *p, ch_loss_record *out, const uint8_t *kinds,
                      const size_t *first)
{
    for (size_t i = 0; i < p->nowned; i++) {
        if (p->owned[i].block >= p->nblocks)
            continue;
        const ch_block *b = &p->blocks[p->owned[i].block];
        uint32_t s = stack_of(p, b);
        if (kind_of(b) == CH_KIND_DEFINITE)
            record_of(out, kinds, first, s, CH_KIND_DEFINITE)->indirect_bytes += p->owned[i].bytes;
    }
}

/* The number of records; first[s] = index of stack s's first record. */
static size_t number_records(const uint8_t *kinds, size_t nstacks, size_t *first)
{
    size_t nrec = 0;
    for (size_t s = 0; s < nstacks; s++) {
        first[s] = nrec;
        nrec += (size_t)__builtin_popcount(kinds[s]);
    }
    return nrec;
}

/* Returns a malloc'd array (free() it), never NULL except when out of
 * memory, even for zero records. */
ch_loss_record *ch_group(const ch_profile *p, size_t *nrecords)
{
    *nrecords = 0;
    size_t ns = p->nstacks ? p->nstacks : 1;
    _Static_assert(CH_KIND_COUNT <= 8, "a stack's kinds are a byte of bits");
    uint8_t *kinds = calloc(ns, 1); /* bit k: the stack has blocks of kind k */
    size_t *first = malloc(ns * sizeof *first);
    ch_loss_record *out = NULL;
    if (!kinds || !first)
        goto done;
    for (size_t i = 0; i < p->nblocks; i++)
        kinds[stack_of(p, &p->blocks[i])] |= (uint8_t)(1u << kind_of(&p->blocks[i]));
    size_t nrec = number_records(kinds, ns, first);
    if (!(out = calloc(nrec ? nrec : 1, sizeof *out)))
        goto done;
    for (size_t s = 0; s < ns; s++)
        for (unsigned k = 0, r = 0; k < CH_KIND_COUNT; k++)
            if (kinds[s] & (1u << k))
                out[first[s] + r++] = (ch_loss_record){.stack_id = (uint32_t)s, .kind = (ch_kind)k};
    for (size_t i = 0; i < p->nblocks; i++) {
        const ch_block *b = &p->blocks[i];
        uint32_t s = stack_of(p, b);
        unsigned k = kind_of(b);
        ch_loss_record *r = record_of(out, kinds, first, s, k);
        r->bytes += b->size;
        r->blocks++;
    }
    add_owned(p, out, kinds, first);
    qsort(out, nrec, sizeof *out, by_size_desc);
    *nrecords = nrec;
done:
    free(kinds);
    free(first);
    return out;
}

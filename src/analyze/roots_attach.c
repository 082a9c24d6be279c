/*
 * --show-roots: each loss record gets the root of one of its blocks (the
 * lowest-addressed one that has a root name, see ch_profile.block_root).
 */
#include "analyze/analyze.h"

#include <stdlib.h>

typedef struct rec_key {
    uint32_t stack_id;
    uint8_t kind;
    size_t at;
} rec_key;

static int by_key(const void *a, const void *b)
{
    const rec_key *x = a, *y = b;
    if (x->stack_id != y->stack_id)
        return x->stack_id < y->stack_id ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

int ch_roots_attach(const ch_profile *p, ch_loss_record *records, size_t n)
{
    if (!p->block_root || !n)
        return 0;
    rec_key *k = malloc(n * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < n; i++)
        k[i] = (rec_key){records[i].stack_id, (uint8_t)records[i].kind, i};
    qsort(k, n, sizeof *k, by_key);
    for (size_t i = 0; i < p->nblocks; i++) {
        uint32_t name = p->block_root[i];
        if (!name || name >= p->nroot_names)
            continue;
        const ch_block *b = &p->blocks[i];
        rec_key want = {b->stack_id < p->nstacks ? b->stack_id : 0,
                        b->kind < CH_KIND_COUNT ? b->kind : CH_KIND_UNFREED, 0};
        const rec_key *hit = bsearch(&want, k, n, sizeof *k, by_key);
        if (hit && !records[hit->at].root)
            records[hit->at].root = p->root_names[name];
    }
    free(k);
    return 0;
}

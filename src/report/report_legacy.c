/*
 * Go's legacy text heap profile (runtime/pprof writeHeapInternal with
 * debug=1, what /debug/pprof/heap?debug=1 serves): a header with the
 * totals, then one record per stack, biggest in use first:
 *   heap profile: INUSE_N: INUSE_B [ALLOC_N: ALLOC_B] @ heap/2*RATE
 *   INUSE_N: INUSE_B [ALLOC_N: ALLOC_B] @ PC PC ...
 *   #	PC	FUNCTION	FILE:LINE
 * Figures are the recorded (unscaled) ones: pprof's legacy parser scales
 * them by the rate in the header, as it does for Go's.
 */
#include "report/report_internal.h"
#include <stdlib.h>

typedef struct legacy_rec {
    uint32_t stack_id;
    chr_amount alloc, inuse;
} legacy_rec;

static int by_inuse_bytes(const void *a, const void *b)
{
    const legacy_rec *x = a, *y = b;
    if (x->inuse.bytes != y->inuse.bytes)
        return x->inuse.bytes > y->inuse.bytes ? -1 : 1;
    return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* One record per stack with an allocation or a live block; totals into *all. */
static legacy_rec *collect(const ch_profile *p, size_t *n, legacy_rec *all)
{
    legacy_rec *v = calloc(p->nstacks ? p->nstacks : 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < p->nstacks; i++)
        v[i] = (legacy_rec){(uint32_t)i, {p->stacks[i].alloc_count, p->stacks[i].alloc_bytes}};
    for (size_t i = 0; i < p->nblocks; i++) {
        uint32_t s = p->blocks[i].stack_id < p->nstacks ? p->blocks[i].stack_id : 0;
        v[s].inuse.count++;
        v[s].inuse.bytes += p->blocks[i].size;
    }
    *n = 0;
    *all = (legacy_rec){0};
    for (size_t i = 0; i < p->nstacks; i++) {
        if (!v[i].alloc.count && !v[i].inuse.count)
            continue;
        all->alloc.count += v[i].alloc.count;
        all->alloc.bytes += v[i].alloc.bytes;
        all->inuse.count += v[i].inuse.count;
        all->inuse.bytes += v[i].inuse.bytes;
        v[(*n)++] = v[i];
    }
    qsort(v, *n, sizeof *v, by_inuse_bytes);
    return v;
}

static int write_record(FILE *out, const ch_report_input *in, const legacy_rec *r, bool show_glue)
{
    const ch_stack *st = chr_raw_stack(in, r->stack_id);
    fprintf(out, "%llu: %llu [%llu: %llu] @", (unsigned long long)r->inuse.count,
            (unsigned long long)r->inuse.bytes, (unsigned long long)r->alloc.count,
            (unsigned long long)r->alloc.bytes);
    for (uint32_t k = 0; st && k < st->depth; k++)
        fprintf(out, " %#llx", (unsigned long long)st->pcs[k]);
    fputc('\n', out);
    chr_frames f;
    if (chr_stack_frames(in, r->stack_id, &f))
        return -1;
    bool all = chr_show_glue(&f, show_glue);
    for (size_t i = chr_next_shown(&f, 0, all); i < f.n; i = chr_next_shown(&f, i + 1, all)) {
        const ch_frame *fr = &f.v[i];
        fprintf(out, "#\t%#llx\t%s\t%s:%d\n", (unsigned long long)fr->pc,
                fr->function ? fr->function : "?", fr->file ? fr->file : "?", fr->line);
    }
    fputc('\n', out);
    chr_frames_release(&f);
    return 0;
}

int ch_report_heap_legacy(FILE *out, const ch_report_input *in, bool show_glue)
{
    const ch_profile *p = in->prof;
    size_t n;
    legacy_rec all;
    legacy_rec *v = collect(p, &n, &all);
    if (!v)
        return -1;
    uint64_t rate = p->sample_rate > 1 ? p->sample_rate : 1;
    fprintf(out, "heap profile: %llu: %llu [%llu: %llu] @ heap/%llu\n",
            (unsigned long long)all.inuse.count, (unsigned long long)all.inuse.bytes,
            (unsigned long long)all.alloc.count, (unsigned long long)all.alloc.bytes,
            (unsigned long long)(2 * rate));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = write_record(out, in, &v[i], show_glue);
    free(v);
    fprintf(out, "\n# cgoheap\n# Allocs = %llu\n# Frees = %llu\n# AgentBytes = %llu\n",
            (unsigned long long)p->n_allocs, (unsigned long long)p->n_frees,
            (unsigned long long)p->agent_bytes);
    return rc || ferror(out) ? -1 : 0;
}

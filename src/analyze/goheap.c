/*
 * Go heap objects for the scan (see goheap.h): lookups by address and the
 * queue of objects to scan.
 */
#include "analyze/goheap.h"
#include "common/grow.h"

#include <stdlib.h>
#include <string.h>

int ch_go_heap_init(ch_go_heap *h)
{
    uint64_t n = 0, words = 0;
    for (size_t i = 0; i < h->nspans; i++) {
        h->spans[i].first = n;
        h->spans[i].wfirst = words;
        n += h->spans[i].nelems;
        words += h->spans[i].nelems * h->spans[i].elemsize / 8;
    }
    h->nobjects = n;
    h->nwords = words;
    h->ptr = calloc(words / 64 + 1, 8);
    h->lo = h->nspans ? h->spans[0].start : 0;
    h->hi = h->nspans ? h->spans[h->nspans - 1].start +
                            h->spans[h->nspans - 1].elemsize * h->spans[h->nspans - 1].nelems
                      : 0;
    size_t nw = (size_t)(n / 64 + 1);
    h->alloc = calloc(nw, 8);
    h->fin = calloc(nw, 8);
    h->seen = calloc(nw, 8);
    h->visited = calloc(nw, 8);
    return h->alloc && h->fin && h->seen && h->visited && h->ptr ? 0 : -1;
}

void ch_go_heap_free(ch_go_heap *h)
{
    if (!h)
        return;
    free(h->spans);
    free(h->alloc);
    free(h->fin);
    free(h->ptr);
    free(h->seen);
    free(h->visited);
    free(h->stack);
    free(h->why);
    memset(h, 0, sizeof *h);
}

/* The span holding w: the last that starts at or below it. */
static const ch_go_span *span_of(const ch_go_heap *h, uint64_t w)
{
    size_t lo = 0, hi = h->nspans;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->spans[mid].start <= w)
            lo = mid;
        else
            hi = mid;
    }
    const ch_go_span *s = &h->spans[lo];
    return h->nspans && s->start <= w && w - s->start < s->elemsize * s->nelems ? s : NULL;
}

long long ch_go_heap_find(const ch_go_heap *h, uint64_t w, uint64_t *base)
{
    if (w < h->lo || w >= h->hi)
        return -1;
    const ch_go_span *s = span_of(h, w);
    if (!s)
        return -1;
    uint64_t k = (w - s->start) / s->elemsize, i = s->first + k;
    if (!ch_go_bit(h->alloc, i))
        return -1;
    *base = s->start + k * s->elemsize;
    return (long long)i;
}

uint64_t ch_go_heap_object(const ch_go_heap *h, uint64_t i, uint64_t *size)
{
    size_t lo = 0, hi = h->nspans; /* the last span whose first object is <= i */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->spans[mid].first <= i)
            lo = mid;
        else
            hi = mid;
    }
    const ch_go_span *s = &h->spans[lo];
    *size = s->elemsize;
    return s->start + (i - s->first) * s->elemsize;
}

static void push(ch_go_heap *h, uint64_t i)
{
    if (h->depth == h->cap) {
        uint64_t *v = ch_grow(h->stack, &h->cap, sizeof *v, 1024);
        if (!v)
            return; /* out of memory: this object stays unscanned (conservative loss) */
        h->stack = v;
    }
    h->stack[h->depth++] = i;
}

/* A word at `at` inside a Go object that the runtime does not count as a
 * pointer reaches no Go object (it may still reach a C block). */
static bool pointer_slot(const ch_go_heap *h, uint64_t at)
{
    if (at < h->lo || at >= h->hi)
        return true; /* a root, or a C block */
    const ch_go_span *s = span_of(h, at);
    if (!s)
        return true; /* between spans: no object's */
    return ch_go_bit(h->ptr, s->wfirst + (at - s->start) / 8);
}

void ch_go_heap_reach(ch_go_heap *h, uint64_t w, uint64_t at)
{
    uint64_t base;
    if (!pointer_slot(h, at))
        return;
    long long i = ch_go_heap_find(h, w, &base);
    if (i < 0 || ch_go_bit(h->seen, (uint64_t)i) || ch_go_bit(h->visited, (uint64_t)i))
        return;
    ch_go_set(h->garbage ? h->visited : h->seen, (uint64_t)i);
    if (h->why && !h->garbage)
        h->why[i] = at;
    push(h, (uint64_t)i);
}

bool ch_go_heap_pop(ch_go_heap *h, uint64_t *start, uint64_t *end)
{
    if (!h->depth)
        return false;
    uint64_t size, i = h->stack[--h->depth];
    *start = ch_go_heap_object(h, i, &size);
    *end = *start + size;
    return true;
}

void ch_go_heap_queue_garbage(ch_go_heap *h, bool with_finalizer)
{
    h->garbage = true;
    for (uint64_t i = 0; i < h->nobjects; i++)
        if (ch_go_bit(h->alloc, i) && !ch_go_bit(h->seen, i) && !ch_go_bit(h->visited, i) &&
            (!with_finalizer || ch_go_bit(h->fin, i))) {
            ch_go_set(h->visited, i);
            push(h, i);
        }
}

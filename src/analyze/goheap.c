/*
 * Go heap objects for the scan (see goheap.h): lookups by address and the
 * queue of objects to scan.
 */
#include "analyze/goheap.h"
#include "common/grow.h"
#include "common/search.h"

#include <stdlib.h>
#include <string.h>

#define GO_PAGE 8192u
/* A page table costs 4 bytes per 8 KiB page between the lowest and the
 * highest span: binary searches over 100,000 spans took a third of the
 * scan of a 256 MiB heap. Beyond this many pages (a heap spread over
 * terabytes of addresses) they stay. */
#define MAX_PAGES (1ull << 26)

static void fill_pages(ch_go_heap *h)
{
    uint64_t npages = (h->hi - h->lo + GO_PAGE - 1) / GO_PAGE;
    if (!h->nspans || npages > MAX_PAGES || !(h->page_span = calloc(npages, sizeof *h->page_span)))
        return;
    for (size_t i = 0; i < h->nspans; i++) {
        const ch_go_span *s = &h->spans[i];
        uint64_t end = s->start + s->elemsize * s->nelems;
        for (uint64_t p = (s->start - h->lo) / GO_PAGE; p < npages && h->lo + p * GO_PAGE < end;
             p++)
            h->page_span[p] = (uint32_t)(i + 1);
    }
}

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
    if (!h->alloc || !h->fin || !h->seen || !h->visited || !h->ptr || h->nspans >= UINT32_MAX)
        return -1;
    fill_pages(h);
    return 0;
}

void ch_go_heap_free(ch_go_heap *h)
{
    if (!h)
        return;
    free(h->spans);
    free(h->alloc);
    free(h->fin);
    free(h->ptr);
    free(h->page_span);
    free(h->seen);
    free(h->visited);
    free(h->stack);
    free(h->why);
    for (size_t i = 0; i < h->nnoptr; i++)
        free(h->noptr[i].bits);
    free(h->noptr);
    memset(h, 0, sizeof *h);
}

/* The span holding w: the last that starts at or below it. */
static const ch_go_span *span_of(const ch_go_heap *h, uint64_t w)
{
    if (h->page_span) {
        if (w < h->lo || w >= h->hi)
            return NULL;
        uint32_t k = h->page_span[(w - h->lo) / GO_PAGE];
        const ch_go_span *s = k ? &h->spans[k - 1] : NULL;
        return s && w - s->start < s->elemsize * s->nelems ? s : NULL;
    }
    size_t k = CH_FIRST_ABOVE(h->spans, h->nspans, start, w);
    const ch_go_span *s = k ? &h->spans[k - 1] : NULL;
    return s && w - s->start < s->elemsize * s->nelems ? s : NULL;
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
    /* The last span whose first object is at or below i. */
    size_t k = CH_FIRST_ABOVE(h->spans, h->nspans, first, i);
    const ch_go_span *s = &h->spans[k ? k - 1 : 0];
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

/* A root word at `at` reaches Go objects unless Go's collector skips it. */
static bool root_slot(const ch_go_heap *h, uint64_t at)
{
    size_t k = CH_FIRST_ABOVE(h->noptr, h->nnoptr, start, at);
    const ch_go_noptr *r = k ? &h->noptr[k - 1] : NULL;
    if (!r || at >= r->end)
        return true;
    uint64_t i = (at - r->start) / 8;
    return r->bits && (r->bits[i / 8] >> (i % 8) & 1);
}

/* A word at `at` inside a Go object that the runtime does not count as a
 * pointer reaches no Go object (it may still reach a C block). */
static bool pointer_slot(const ch_go_heap *h, uint64_t at)
{
    if (at < h->lo || at >= h->hi)
        return root_slot(h, at); /* a root, or a C block */
    const ch_go_span *s = span_of(h, at);
    if (!s)
        return true; /* between spans: no object's */
    return ch_go_bit(h->ptr, s->wfirst + (at - s->start) / 8);
}

bool ch_go_heap_has_pointers(const ch_go_heap *h, uint64_t i)
{
    uint64_t size, at = ch_go_heap_object(h, i, &size);
    const ch_go_span *s = span_of(h, at);
    for (uint64_t w = 0; s && w < size / 8; w++)
        if (ch_go_bit(h->ptr, s->wfirst + (at - s->start) / 8 + w))
            return true;
    return false;
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
    push(h, base);
}

bool ch_go_heap_pop(ch_go_heap *h, uint64_t *start, uint64_t *end)
{
    if (!h->depth)
        return false;
    *start = h->stack[--h->depth];
    const ch_go_span *s = span_of(h, *start);
    *end = *start + (s ? s->elemsize : 0);
    return true;
}

void ch_go_heap_queue_garbage(ch_go_heap *h, bool with_finalizer)
{
    h->garbage = true;
    for (uint64_t i = 0; i < h->nobjects; i++)
        if (ch_go_bit(h->alloc, i) && !ch_go_bit(h->seen, i) && !ch_go_bit(h->visited, i) &&
            (!with_finalizer || ch_go_bit(h->fin, i))) {
            ch_go_set(h->visited, i);
            uint64_t size;
            push(h, ch_go_heap_object(h, i, &size));
        }
}

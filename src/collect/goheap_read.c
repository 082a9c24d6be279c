/*
 * The Go heap's objects, read from the runtime's spans (see goheap_read.h).
 *
 * Like goruntime.c, everything here comes from a process that may be
 * hostile or corrupt: counts are bounded, every span's geometry checked,
 * and anything implausible makes the whole answer "unknown" (the Go heap
 * then stays a root and no block is said to be held by Go garbage).
 */
#include "collect/goheap_read.h"
#include "analyze/mem_window.h"
#include "collect/goarena_bits.h"
#include "collect/golayout.h"
#include "collect/gonoptr.h"
#include "collect/goread.h"
#include "collect/goroots.h"
#include "collect/goruntime.h"
#include "collect/procmem.h"
#include "common/clock.h"
#include "common/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GO_PAGE_SIZE 8192ull
#define MAX_SPANS (1u << 22) /* as goruntime.c */
#define SPAN_IN_USE 1        /* runtime.mSpanInUse */
#define KIND_FINALIZER 1     /* runtime._KindSpecialFinalizer, Go 1.x */
#define PTR_CHUNK 4096
/* runtime/mbitmap.go on linux/amd64 */
#define HEADER_MAX 512u     /* minSizeForMallocHeader: larger objects have a type header */
#define KIND_GCPROG 0x40    /* abi.KindGCProg: GCData is a program, not a mask */
#define MASK_MAX (1u << 20) /* bytes of a type's pointer mask read at most */
#define TYPE_CACHE 256

/* What a span's bits are read from, once every span is listed (read_bits). */
typedef struct span_meta {
    uint64_t span, abits, specials, largetype, npages, freeindex;
    uint8_t spanclass;
} span_meta;

typedef struct heap_reader {
    ch_go_reader go; /* the layout, the reads, the error */
    pid_t pid;       /* for batched reads (procmem.h) */
    ch_go_heap *h;
    ch_range_list not_roots; /* in-use spans */
    ch_range_list fn_words;  /* finalizer specials' fn: the collector scans them (gonoptr.h) */
    size_t cap;              /* of h->spans */
    /* Per span, until the bit arrays exist: allocation bits and finalizer offsets. */
    uint8_t **bits;
    uint64_t **fins;
    uint32_t *nfins;
    uint8_t **ptrs; /* bit per word of the span's objects: holds a pointer */
    span_meta *meta;
    uint64_t h_mheap; /* &runtime.mheap_ in the target */
    /* The mspans lie together in fixalloc chunks: read through a window,
     * a few reads instead of one per span (a 256 MiB heap's go runtime
     * phase: 1.1-1.3 s instead of 1.5-1.8 s). Windows for allocBits and
     * small spans' pointer bits made it slower (3.5-4.5 s): their order
     * is not allspans'. */
    ch_mem_window win;
    bool have_win;
    double bits_cpu; /* CPU seconds reading pointer bits, for -v */
    struct type_info {
        uint64_t addr, size, ptrbytes;
        uint8_t *mask; /* NULL: every word may hold a pointer */
    } types[TYPE_CACHE];
} heap_reader;

static int wrd(heap_reader *r, uint64_t addr, void *buf, size_t len)
{
    size_t got = len;
    const uint8_t *p = r->have_win && len <= CH_WINDOW_MAX && addr < CH_GO_ADDR_LIMIT
                           ? ch_mem_window_get(&r->win, addr, &got)
                           : NULL;
    if (!p || got < len)
        return ch_go_read(&r->go, addr, buf, len);
    memcpy(buf, p, len);
    return 0;
}

static uint64_t field(const unsigned char *p, uint32_t off, uint32_t size)
{
    uint64_t v = 0;
    memcpy(&v, p + off, size); /* little endian: the low bytes */
    return v;
}

/* The offsets (in the span) of the objects with a finalizer: a malloc'd array. */
static uint64_t *finalizers(heap_reader *r, uint64_t sp, uint64_t nelems, uint32_t *n)
{
    const ch_go_layout *L = r->go.L;
    unsigned char s[256];
    uint64_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    /* Specials are sorted by offset, at most a few per object. */
    for (uint64_t steps = 0; sp && steps < 4 * nelems + 16; steps++) {
        if (ch_go_read(&r->go, sp, s, L->special_read))
            break;
        if (s[L->special_kind] == KIND_FINALIZER) {
            if (ch_range_add(&r->fn_words, sp + L->spfin_fn, sp + L->spfin_fn + 8))
                break;
            if (*n == cap) {
                uint64_t *nv = ch_grow(v, &cap, sizeof *v, 4);
                if (!nv)
                    break;
                v = nv;
            }
            v[(*n)++] = field(s, L->special_offset, 2);
        }
        sp = field(s, L->special_next, 8);
    }
    return v;
}

static void set_bit(uint8_t *v, uint64_t i)
{
    v[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* A type's size, pointer bytes and mask (Go 1.22+), cached by address. */
static const struct type_info *type_of(heap_reader *r, uint64_t t)
{
    struct type_info *ti = &r->types[(t >> 4) % TYPE_CACHE];
    if (ti->addr == t)
        return ti;
    free(ti->mask);
    *ti = (struct type_info){.addr = t};
    unsigned char b[256];
    const ch_go_layout *L = r->go.L;
    if (!t || L->type_read > sizeof b || ch_go_read(&r->go, t, b, L->type_read))
        return ti;
    ti->size = field(b, L->type_size, 8);
    ti->ptrbytes = field(b, L->type_ptrbytes, 8);
    uint64_t gcdata = field(b, L->type_gcdata, 8), len = (ti->ptrbytes / 8 + 7) / 8;
    if (!ti->size || ti->ptrbytes > ti->size || b[L->type_kind] & KIND_GCPROG || len > MASK_MAX)
        return ti;
    if ((ti->mask = malloc(len + 1)) && ch_go_read(&r->go, gcdata, ti->mask, len)) {
        free(ti->mask);
        ti->mask = NULL;
    }
    return ti;
}

/* Pointer words of an object of `words` words whose data, from word `at`
 * of the span's bits, is made of elements of type t. */
static void type_bits(heap_reader *r, uint64_t t, uint64_t at, uint64_t words, uint8_t *out)
{
    const struct type_info *ti = type_of(r, t);
    if (!t)
        return; /* no type (yet): no pointers */
    for (uint64_t w = 0; w < words; w++) {
        uint64_t off = (w * 8) % (ti->size ? ti->size : 8);
        if (!ti->mask || (off < ti->ptrbytes && ti->mask[off / 64] >> (off / 8 % 8) & 1))
            set_bit(out, at + w);
    }
}

/* Go 1.22+: small objects' pointer bits lie at the end of their span (read
 * for all spans at once: read_bits); larger ones start with a type header,
 * and a large object's span names its type. */
static bool bits_at_end(const heap_reader *r, uint64_t elem)
{
    return r->go.L->ptr_format == CH_GO_PTRS_HEADERS && elem <= HEADER_MAX;
}

static void header_bits(heap_reader *r, const span_meta *m, uint64_t start, uint64_t elem,
                        uint64_t nelems, const uint8_t *alloc, uint8_t *out)
{
    uint64_t words = nelems * elem / 8;
    if (m->spanclass >> 1 == 0) { /* a large object: its type in the span */
        type_bits(r, m->largetype, 0, words, out);
        return;
    }
    for (uint64_t i = 0; i < nelems; i++) {
        uint64_t t;
        if (!(alloc[i / 8] >> (i % 8) & 1))
            continue;
        if (ch_go_read(&r->go, start + i * elem, &t, 8))
            t = 1; /* unreadable: no type, every word may */
        if (t == 1) {
            for (uint64_t w = 1; w < elem / 8; w++)
                set_bit(out, i * elem / 8 + w);
        } else {
            type_bits(r, t, i * elem / 8 + 1, elem / 8 - 1, out);
        }
    }
}

/* Which words of the span's objects hold Go pointers, into out (zeroed),
 * unless they lie at the span's end (read_bits reads those). */
static void pointer_bits(heap_reader *r, const span_meta *m, const ch_go_span *sp,
                         const uint8_t *alloc, uint8_t *out)
{
    uint64_t words = sp->nelems * sp->elemsize / 8;
    if (m->spanclass & 1 || bits_at_end(r, sp->elemsize)) /* noscan: no pointers */
        return;
    switch (r->go.L->ptr_format) {
    case CH_GO_PTRS_ARENA1:
    case CH_GO_PTRS_ARENA2:
        break; /* read for all spans at once (arena_bits.c) */
    case CH_GO_PTRS_HEADERS:
        header_bits(r, m, sp->start, sp->elemsize, sp->nelems, alloc, out);
        break;
    default:
        memset(out, 0xff, words / 8 + 1);
    }
}

static int add_span(heap_reader *r, uint64_t span, const unsigned char *s)
{
    const ch_go_layout *L = r->go.L;
    uint64_t start = field(s, L->span_start, 8), npages = field(s, L->span_npages, 8);
    uint64_t elem = field(s, L->span_elemsize, 8);
    uint64_t freeindex = field(s, L->span_freeindex, L->span_freeindex_size);
    if (start % GO_PAGE_SIZE || start >= CH_GO_ADDR_LIMIT || !npages ||
        npages > (CH_GO_ADDR_LIMIT - start) / GO_PAGE_SIZE || !elem || elem > npages * GO_PAGE_SIZE)
        return ch_go_bad(&r->go, "implausible in-use span", span);
    uint64_t nelems = npages * GO_PAGE_SIZE / elem;
    if (freeindex > nelems)
        return ch_go_bad(&r->go, "implausible span freeindex", span);
    if (r->h->nspans == r->cap) {
        size_t c = r->cap;
        ch_go_span *v = ch_grow(r->h->spans, &c, sizeof *v, 256);
        uint8_t **b = v ? realloc(r->bits, c * sizeof *b) : NULL;
        uint64_t **f = b ? (r->bits = b, realloc(r->fins, c * sizeof *f)) : NULL;
        uint32_t *nf = f ? (r->fins = f, realloc(r->nfins, c * sizeof *nf)) : NULL;
        uint8_t **pb = nf ? (r->nfins = nf, realloc(r->ptrs, c * sizeof *pb)) : NULL;
        span_meta *mt = pb ? (r->ptrs = pb, realloc(r->meta, c * sizeof *mt)) : NULL;
        if (v)
            r->h->spans = v;
        if (!mt)
            return ch_go_bad(&r->go, "out of memory", span);
        r->meta = mt;
        r->cap = c;
    }
    size_t k = r->h->nspans;
    r->bits[k] = calloc(nelems / 8 + 1, 1);
    r->ptrs[k] = calloc(nelems * elem / 64 + 1, 1);
    r->fins[k] = NULL;
    r->nfins[k] = 0;
    r->h->nspans++; /* reader_free frees what it has */
    if (!r->bits[k] || !r->ptrs[k])
        return ch_go_bad(&r->go, "out of memory", span);
    r->meta[k] = (span_meta){
        .span = span,
        .abits = field(s, L->span_allocbits, 8),
        .specials = field(s, L->span_specials, 8),
        .largetype = L->ptr_format == CH_GO_PTRS_HEADERS ? field(s, L->span_largetype, 8) : 0,
        .npages = npages,
        .freeindex = freeindex,
        .spanclass = s[L->span_spanclass]};
    r->h->spans[k] = (ch_go_span){.start = start, .elemsize = elem, .nelems = nelems};
    if (L->ptr_format == CH_GO_PTRS_HEADERS && !(r->meta[k].spanclass & 1))
        r->h->spans[k].type = r->meta[k].spanclass >> 1 == 0 ? r->meta[k].largetype
                              : elem > HEADER_MAX            ? CH_GO_TYPE_HEADER
                                                             : 0;
    return ch_range_add(&r->not_roots, start, start + npages * GO_PAGE_SIZE)
               ? ch_go_bad(&r->go, "out of memory", span)
               : 0;
}

/* To Go 1.21: every scanned span's pointer bits from the heap arenas' bitmaps. */
static int arena_bits(heap_reader *r)
{
    const ch_go_heap *h = r->h;
    if (r->go.L->ptr_format != CH_GO_PTRS_ARENA1 && r->go.L->ptr_format != CH_GO_PTRS_ARENA2)
        return 0;
    ch_arena_run *v = malloc((h->nspans ? h->nspans : 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return ch_go_bad(&r->go, "out of memory", 0);
    for (size_t k = 0; k < h->nspans; k++)
        if (!(r->meta[k].spanclass & 1)) /* noscan: no pointers */
            v[n++] = (ch_arena_run){h->spans[k].start,
                                    h->spans[k].nelems * h->spans[k].elemsize / 8, r->ptrs[k]};
    ch_go_arena_bits(r->pid, &r->go, r->h_mheap, v, n);
    free(v);
    return 0;
}

/*
 * Every span's allocation bits, then the pointer bits at the end of small
 * spans (Go 1.22+) or from the heap arenas' bitmaps (to 1.21), each kind
 * read for all spans at once (procmem.h: 0.30 s of CPU instead of 0.34 for
 * a heap of 127k spans). Then finalizers and the other pointer bits
 * (type headers), span by span.
 */
static int read_bits(heap_reader *r)
{
    ch_go_heap *h = r->h;
    ch_read_req *q = malloc((h->nspans ? h->nspans : 1) * sizeof *q);
    size_t m = 0;
    if (!q)
        return ch_go_bad(&r->go, "out of memory", 0);
    for (size_t k = 0; k < h->nspans; k++)
        if (h->spans[k].nelems > r->meta[k].freeindex)
            q[m++] = (ch_read_req){r->meta[k].abits, r->bits[k], (h->spans[k].nelems + 7) / 8};
    ch_procmem_read_many(r->pid, r->go.read, r->go.ctx, q, m);
    for (size_t k = 0, j = 0; k < h->nspans; k++) {
        if (h->spans[k].nelems > r->meta[k].freeindex &&
            (!q[j++].ok || r->meta[k].abits >= CH_GO_ADDR_LIMIT)) {
            free(q);
            return ch_go_bad(&r->go, "cannot read allocBits of span", r->meta[k].span);
        }
        for (uint64_t i = 0; i < r->meta[k].freeindex; i++) /* below: all allocated */
            r->bits[k][i / 8] |= (uint8_t)(1u << (i % 8));
    }
    m = 0;
    for (size_t k = 0; k < h->nspans; k++) {
        const ch_go_span *sp = &h->spans[k];
        uint64_t span_bytes = r->meta[k].npages * GO_PAGE_SIZE, len = span_bytes / 64;
        uint64_t want = (sp->nelems * sp->elemsize / 8 + 7) / 8;
        if (bits_at_end(r, sp->elemsize) && !(r->meta[k].spanclass & 1))
            q[m++] =
                (ch_read_req){sp->start + span_bytes - len, r->ptrs[k], want < len ? want : len};
    }
    ch_procmem_read_many(r->pid, r->go.read, r->go.ctx, q, m);
    for (size_t j = 0; j < m; j++)
        if (!q[j].ok) /* unknown: every word may */
            memset(q[j].buf, 0xff, q[j].len);
    free(q);
    for (size_t k = 0; k < h->nspans; k++)
        r->fins[k] = finalizers(r, r->meta[k].specials, h->spans[k].nelems, &r->nfins[k]);
    double c0 = ch_cpu_now();
    if (arena_bits(r))
        return -1;
    for (size_t k = 0; k < h->nspans; k++)
        pointer_bits(r, &r->meta[k], &h->spans[k], r->bits[k], r->ptrs[k]);
    r->bits_cpu = ch_cpu_now() - c0;
    return 0;
}

static int visit(heap_reader *r, uint64_t span)
{
    unsigned char s[65536];
    if (r->go.L->span_read > sizeof s || wrd(r, span, s, r->go.L->span_read))
        return ch_go_bad(&r->go, "cannot read runtime.mspan", span);
    return s[r->go.L->span_state] == SPAN_IN_USE ? add_span(r, span, s) : 0;
}

static int read_spans(heap_reader *r, uint64_t bias)
{
    uint64_t hdr[3], buf[PTR_CHUNK];
    uint64_t at = r->go.L->mheap_addr + bias + r->go.L->allspans;
    if (ch_go_read(&r->go, at, hdr, sizeof hdr) || hdr[1] > hdr[2] || hdr[1] > MAX_SPANS)
        return ch_go_bad(&r->go, "implausible runtime.mheap_.allspans", at);
    for (uint64_t i = 0; i < hdr[1]; i += PTR_CHUNK) {
        size_t n = hdr[1] - i < PTR_CHUNK ? (size_t)(hdr[1] - i) : PTR_CHUNK;
        if (ch_go_read(&r->go, hdr[0] + 8 * i, buf, n * 8))
            return ch_go_bad(&r->go, "cannot read runtime.mheap_.allspans", hdr[0]);
        for (size_t k = 0; k < n; k++)
            if (buf[k] && visit(r, buf[k]))
                return -1;
    }
    return 0;
}

typedef struct keyed {
    uint64_t start;
    size_t at;
} keyed;

static int by_start(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorts the spans (with their per-span arrays) by start; overlaps are refused. */
static int sort_spans(heap_reader *r)
{
    ch_go_heap *h = r->h;
    size_t n = h->nspans, m = n ? n : 1;
    keyed *ord = malloc(m * sizeof *ord);
    ch_go_span *sp = malloc(m * sizeof *sp);
    uint8_t **b = malloc(m * sizeof *b);
    uint64_t **f = malloc(m * sizeof *f);
    uint32_t *nf = malloc(m * sizeof *nf);
    int rc = ord && sp && b && f && nf ? 0 : ch_go_bad(&r->go, "out of memory", 0);
    for (size_t i = 0; !rc && i < n; i++)
        ord[i] = (keyed){h->spans[i].start, i};
    if (!rc)
        qsort(ord, n, sizeof *ord, by_start);
    for (size_t i = 0; !rc && i < n; i++) {
        sp[i] = h->spans[ord[i].at];
        b[i] = r->bits[ord[i].at];
        f[i] = r->fins[ord[i].at];
        nf[i] = r->nfins[ord[i].at];
        if (i && sp[i - 1].start + sp[i - 1].elemsize * sp[i - 1].nelems > sp[i].start)
            rc = ch_go_bad(&r->go, "overlapping in-use spans", sp[i].start);
    }
    uint8_t **pb = rc ? NULL : malloc(m * sizeof *pb);
    for (size_t i = 0; pb && i < n; i++)
        pb[i] = r->ptrs[ord[i].at];
    if (!rc && !pb)
        rc = ch_go_bad(&r->go, "out of memory", 0);
    if (!rc && n) {
        memcpy(h->spans, sp, n * sizeof *sp);
        memcpy(r->ptrs, pb, n * sizeof *pb);
        memcpy(r->bits, b, n * sizeof *b);
        memcpy(r->fins, f, n * sizeof *f);
        memcpy(r->nfins, nf, n * sizeof *nf);
    }
    free(pb);
    free(ord);
    free(sp);
    free(b);
    free(f);
    free(nf);
    return rc;
}

/* Bits [0, n) of src set at `at` on in dst (zero bytes skipped: most are). */
static void copy_bits(uint64_t *dst, uint64_t at, const uint8_t *src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i += 8) {
        uint8_t b = src[i / 8];
        for (uint64_t k = 0; b && k < 8 && i + k < n; k++, b >>= 1)
            if (b & 1)
                ch_go_set(dst, at + i + k);
    }
}

/* The per-span bits into the heap's bit arrays. */
static void fill_bits(heap_reader *r)
{
    ch_go_heap *h = r->h;
    for (size_t k = 0; k < h->nspans; k++) {
        const ch_go_span *s = &h->spans[k];
        copy_bits(h->alloc, s->first, r->bits[k], s->nelems);
        for (uint32_t i = 0; i < r->nfins[k]; i++)
            if (r->fins[k][i] / s->elemsize < s->nelems)
                ch_go_set(h->fin, s->first + r->fins[k][i] / s->elemsize);
        if (r->ptrs[k])
            copy_bits(h->ptr, s->wfirst, r->ptrs[k], s->nelems * s->elemsize / 8);
    }
}

static void reader_free(heap_reader *r)
{
    for (size_t k = 0; k < r->h->nspans; k++) {
        free(r->bits[k]);
        free(r->fins[k]);
        free(r->ptrs[k]);
    }
    for (size_t k = 0; k < TYPE_CACHE; k++)
        free(r->types[k].mask);
    free(r->ptrs);
    free(r->bits);
    free(r->fins);
    free(r->nfins);
    free(r->meta);
    free(r->not_roots.v);
    free(r->fn_words.v);
    ch_mem_window_free(&r->win);
}

ch_region *ch_go_heap_collect(pid_t pid, struct ch_go_prefetch *pf, ch_go_heap *h, ch_region *roots,
                              size_t *nroots, ch_read_fn read, void *read_ctx, bool verbose)
{
    ch_go_layout L;
    uint64_t bias;
    char err[160] = "";
    memset(h, 0, sizeof *h);
    if (ch_go_read_layout(pid, pf, &L, &bias, err, sizeof err))
        return roots; /* no Go program, or goroots.c already said why */
    heap_reader r = {.go = {&L, read, read_ctx, err, sizeof err},
                     .pid = pid,
                     .h = h,
                     .h_mheap = L.mheap_addr + bias};
    ch_region *out = NULL;
    size_t nout = 0;
    double c0 = ch_cpu_now();
    r.have_win = ch_mem_window_init(&r.win, read, read_ctx) == 0;
    if (!L.heap_ok)
        snprintf(err, sizeof err, "no DWARF layout of the runtime's span objects");
    else if (read_spans(&r, bias) == 0 && read_bits(&r) == 0 && sort_spans(&r) == 0 &&
             ch_go_heap_init(h) == 0 && ch_go_noptr_read(&r.go, bias, &r.fn_words, h) == 0) {
        fill_bits(&r);
        if (L.ptr_format == CH_GO_PTRS_HEADERS && L.type_str != CH_GO_NO_MEMBER)
            h->types = (struct ch_go_types){L.types_lo + bias, L.types_hi + bias, L.type_str,
                                            L.type_tflag, L.type_read};
        ch_range_normalize(&r.not_roots);
        out = ch_regions_subtract(roots, *nroots, r.not_roots.v, r.not_roots.n, &nout);
    }
    static const char *const formats[] = {"unknown: every word", "heap arena bitmaps",
                                          "heap arena bitmaps", "span bits and type headers"};
    if (verbose && out)
        fprintf(stderr,
                "cgoheap: Go heap: %zu in-use spans, %llu objects; pointers from %s; read in "
                "%.3f s of CPU, %.3f s of it for the spans' pointer bits\n",
                h->nspans, (unsigned long long)h->nobjects, formats[L.ptr_format],
                ch_cpu_now() - c0, r.bits_cpu);
    else if (verbose)
        fprintf(stderr, "cgoheap: Go heap stays a root (%s)\n", err[0] ? err : "out of memory");
    reader_free(&r);
    if (!out) {
        ch_go_heap_free(h);
        return roots;
    }
    free(roots);
    *nroots = nout;
    return out;
}

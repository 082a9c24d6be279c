/* Copying the target's blocks in large ranges; see heap_copy.h for why. */
#include "analyze/heap_copy.h"
#include "common/big_alloc.h"
#include "common/grow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define READ_MAX (64u << 20) /* bytes per read call: bounds one system call's latency */

/* What is copied, sorted by start: spans, or (span NULL) blocks. */
typedef struct span_list {
    const ch_block_span *span;
    const ch_block *blocks;
    size_t n;
} span_list;

static uint64_t start_of(const span_list *l, size_t i)
{
    return l->span ? l->span[i].start : l->blocks[i].addr;
}

static uint64_t end_of(const span_list *l, size_t i)
{
    return l->span ? l->span[i].end : ch_block_end(&l->blocks[i]);
}

/* Plans ranges over the sorted spans; returns their total size. */
static uint64_t plan(ch_heap_copy *c, const span_list *l, uint64_t max)
{
    uint64_t total = 0;
    size_t n = l->n;
    for (size_t i = 0; i < n;) {
        uint64_t start = start_of(l, i), end = end_of(l, i);
        size_t j = i + 1;
        while (j < n && (start_of(l, j) <= end || start_of(l, j) - end <= CH_COPY_GAP)) {
            if (end_of(l, j) > end)
                end = end_of(l, j);
            j++;
        }
        if (end - start <= max - total) {
            c->planned[c->nplanned++] = (ch_copy_span){start, end, total};
            total += end - start;
        } else { /* left to on-demand reads */
            c->left_out += end - start;
        }
        i = j;
    }
    return total;
}

static int add_read(ch_heap_copy *c, uint64_t start, uint64_t end, uint64_t off)
{
    if (c->nread == c->read_cap) {
        ch_copy_span *v = ch_grow(c->read, &c->read_cap, sizeof *v, 64);
        if (!v)
            return -1;
        c->read = v;
    }
    c->read[c->nread++] = (ch_copy_span){start, end, off};
    return 0;
}

/* Bytes [start, end) into buf + off; returns how many were readable from start. */
static uint64_t read_prefix(ch_heap_copy *c, uint64_t start, uint64_t end, uint64_t off,
                            ch_read_fn read, void *ctx)
{
    uint64_t done = 0;
    while (done < end - start) {
        uint64_t left = end - start - done;
        size_t len = left < READ_MAX ? (size_t)left : READ_MAX;
        long got = read(ctx, start + done, c->buf + off + done, len);
        c->n_calls++;
        if (got <= 0)
            break;
        done += (uint64_t)got;
        if ((size_t)got < len)
            break; /* a hole */
    }
    return done;
}

/* First span index at or after i whose start is >= addr. */
static size_t first_start_from(const span_list *l, size_t i, uint64_t addr)
{
    while (i < l->n && start_of(l, i) < addr)
        i++;
    return i;
}

/* Reads one planned range; past a hole, reads again from the next span start. */
static int copy_range(ch_heap_copy *c, const span_list *l, size_t *at, const ch_copy_span *r,
                      ch_read_fn read, void *ctx)
{
    size_t i = first_start_from(l, *at, r->start);
    *at = i;
    uint64_t start = r->start;
    while (start < r->end) {
        uint64_t off = r->off + (start - r->start);
        uint64_t got = read_prefix(c, start, r->end, off, read, ctx);
        if (got && add_read(c, start, start + got, off))
            return -1;
        if (got == r->end - start)
            break;
        /* Blocks that start before the hole keep their prefix; the others are read from their
         * start. */
        uint64_t hole = start + got;
        i = first_start_from(l, i, got ? hole : start + 1);
        if (i >= l->n || start_of(l, i) >= r->end)
            break;
        start = start_of(l, i);
    }
    return 0;
}

void ch_heap_copy_free(ch_heap_copy *c)
{
    if (!c->kept_buf)
        ch_scratch_give(&c->scratch);
    free(c->planned);
    free(c->read);
    *c = (ch_heap_copy){0};
}

/* keep's buffer, grown to hold `bytes` (by a quarter more: a heap that grows a little needs no
 * more), in 2 MiB steps (huge pages where the kernel gives them); -1 when out of memory. */
static int grow_buf(ch_copy_buf *keep, uint64_t bytes)
{
    if (keep->cap >= bytes)
        return 0;
    uint64_t cap = (bytes + bytes / 4 + CH_HUGE_PAGE - 1) & ~(uint64_t)(CH_HUGE_PAGE - 1);
    void *p = keep->p ? mremap(keep->p, keep->cap, cap, MREMAP_MAYMOVE)
                      : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    (void)madvise(p, cap, MADV_HUGEPAGE); /* a hint: failure costs only speed */
    *keep = (ch_copy_buf){p, cap};
    return 0;
}

int ch_copy_buf_reserve(ch_copy_buf *b, uint64_t bytes)
{
    if (grow_buf(b, bytes))
        return -1;
    /* A write, not a read: reading a missing page maps the shared zero page, and a write to a
     * page given back with MADV_FREE keeps it. */
    for (uint64_t off = 0; off < bytes; off += 4096)
        ((volatile uint8_t *)b->p)[off] = 0;
    return 0;
}

void ch_copy_buf_idle(ch_copy_buf *b)
{
    if (b->p)
        (void)madvise(b->p, b->cap, MADV_FREE); /* a hint */
}

void ch_copy_buf_free(ch_copy_buf *b)
{
    if (b->p)
        munmap(b->p, b->cap);
    *b = (ch_copy_buf){0};
}

/* Reads every planned range with r->read_many; marks in whole[] the ones read whole. -1 when out
 * of memory (nothing read then). */
static int read_many(ch_heap_copy *c, const ch_copy_reader *r, bool *whole)
{
    ch_read_req *q = malloc(c->nplanned * sizeof *q);
    if (!q)
        return -1;
    for (size_t i = 0; i < c->nplanned; i++) {
        const ch_copy_span *p = &c->planned[i];
        q[i] = (ch_read_req){p->start, c->buf + p->off, (size_t)(p->end - p->start), false};
    }
    r->read_many(r->many_ctx, q, c->nplanned);
    for (size_t i = 0; i < c->nplanned; i++)
        whole[i] = q[i].ok;
    free(q);
    return 0;
}

static int copy_list(ch_heap_copy *c, const span_list *l, uint64_t max, ch_copy_buf *keep,
                     const ch_copy_reader *r)
{
    *c = (ch_heap_copy){0};
    if (!l->n)
        return 0;
    c->planned = malloc(l->n * sizeof *c->planned);
    if (!c->planned)
        return -1;
    c->bytes = plan(c, l, max);
    c->kept_buf = keep != NULL;
    if (keep && c->bytes && grow_buf(keep, c->bytes) == 0)
        c->buf = keep->p;
    else if (!keep && c->bytes)
        c->buf = ch_scratch_take(&c->scratch, c->bytes);
    bool *whole = r->read_many ? calloc(c->nplanned ? c->nplanned : 1, sizeof *whole) : NULL;
    if ((c->bytes && !c->buf) || (r->read_many && (!whole || read_many(c, r, whole)))) {
        free(whole);
        ch_heap_copy_free(c);
        return -1;
    }
    /* Ranges are planned in address order, so a span's later start index is found by walking on. */
    size_t at = 0;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < c->nplanned; k++) {
        const ch_copy_span *p = &c->planned[k];
        if (whole && whole[k]) {
            c->n_many++;
            rc = add_read(c, p->start, p->end, p->off);
        } else
            rc = copy_range(c, l, &at, p, r->read, r->ctx);
    }
    free(whole);
    if (rc)
        ch_heap_copy_free(c);
    return rc;
}

int ch_heap_copy_spans(ch_heap_copy *c, const ch_block_span *span, size_t n, uint64_t max,
                       ch_copy_buf *keep, const ch_copy_reader *r)
{
    const span_list l = {.span = span, .n = n};
    return copy_list(c, &l, max, keep, r);
}

int ch_heap_copy_blocks(ch_heap_copy *c, const ch_block *blocks, size_t n, uint64_t max,
                        ch_copy_buf *keep, const ch_copy_reader *r)
{
    const span_list l = {.blocks = blocks, .n = n};
    return copy_list(c, &l, max, keep, r);
}

int ch_heap_copy_init(ch_heap_copy *c, const ch_block_index *ix, uint64_t max, ch_read_fn read,
                      void *ctx)
{
    const ch_copy_reader r = {.read = read, .ctx = ctx};
    return ch_heap_copy_blocks(c, ix->blocks, ix->n, max, NULL, &r);
}

/* The last span of v[0..n) starting at or below addr, or -1. */
static long last_at_or_below(const ch_copy_span *v, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

int ch_heap_copy_get(const ch_heap_copy *c, uint64_t addr, uint64_t size, const uint8_t **p,
                     size_t *len)
{
    long r = last_at_or_below(c->planned, c->nplanned, addr);
    if (r < 0 || addr >= c->planned[r].end)
        return 0;
    long k = last_at_or_below(c->read, c->nread, addr);
    *len = 0;
    *p = c->buf;
    if (k < 0 || c->read[k].start < c->planned[r].start || addr >= c->read[k].end)
        return 1; /* planned but unreadable */
    uint64_t avail = c->read[k].end - addr;
    *len = (size_t)(size < avail ? size : avail);
    *p = c->buf + c->read[k].off + (addr - c->read[k].start);
    return 1;
}

long ch_heap_copy_read(const ch_heap_copy *c, uint64_t addr, void *buf, size_t len)
{
    const uint8_t *p;
    size_t got;
    if (ch_heap_copy_get(c, addr, len, &p, &got)) {
        memcpy(buf, p, got);
        return got ? (long)got : -1;
    }
    /* Not at addr: does the request reach into the next planned range? */
    long r = last_at_or_below(c->planned, c->nplanned, addr);
    size_t next = (size_t)(r + 1);
    if (next < c->nplanned && c->planned[next].start - addr < len)
        return -1;
    return CH_COPY_MISS;
}

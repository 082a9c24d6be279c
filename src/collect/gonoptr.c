/*
 * What Go's collector does not scan (see gonoptr.h). Its roots are the
 * module's data and bss, through the pointer masks the linker wrote
 * (runtime.firstmoduledata.gcdatamask, gcbssmask), goroutine stacks,
 * finalizer blocks and the specials' functions; never the runtime's
 * off-heap memory, which holds heap addresses as uintptrs: an mspan's
 * startAddr names its span's first object, and a dropped Go object that
 * came first in its span stayed "still reachable" through a dead span's
 * record (Go 1.19: most runs of a program that freed spans before) or
 * through mheap_.pages.searchAddr (Go 1.23).
 *
 * The target is untrusted: lists are walked a bounded number of steps,
 * every address and size is checked, and anything implausible fails the
 * whole read (the Go heap then stays a root).
 */
#include "collect/gonoptr.h"
#include "common/grow.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (256u << 10) /* runtime.persistentChunkSize, Go 1.x */
#define MAX_CHUNKS (1u << 16)   /* 16 GiB of runtime metadata */
#define MAX_FINBLOCKS (1u << 20)
#define MAX_SECTION (1ull << 32)

static uint64_t field(const unsigned char *p, uint32_t off)
{
    uint64_t v;
    memcpy(&v, p + off, 8);
    return v;
}

/* Every range of a list headed at head, whose link is at `link`, `size`
 * bytes from each element (page-aligned if `page`). */
static int walk_list(ch_go_reader *r, uint64_t head, uint32_t link, uint64_t size, uint32_t max,
                     bool page, ch_range_list *out, const char *what)
{
    uint64_t at;
    if (ch_go_read_exact(r, head, &at, 8, what))
        return -1;
    for (uint32_t n = 0; at; n++) {
        if (n == max || at >= CH_GO_ADDR_LIMIT - size || (page ? at % 4096 : at % 8))
            return ch_go_bad(r, "implausible", at);
        if (ch_range_add(out, at, at + size))
            return ch_go_bad(r, "out of memory", at);
        if (ch_go_read_exact(r, at + link, &at, 8, what))
            return -1;
    }
    return 0;
}

static int add(ch_go_heap *h, size_t *cap, uint64_t start, uint64_t end, uint8_t *bits)
{
    if (start == end) {
        free(bits);
        return 0;
    }
    if (h->nnoptr == *cap) {
        ch_go_noptr *v = ch_grow(h->noptr, cap, sizeof *v, 16);
        if (!v) {
            free(bits);
            return -1;
        }
        h->noptr = v;
    }
    h->noptr[h->nnoptr++] = (ch_go_noptr){start, end, bits};
    return 0;
}

/* The module's four sections: [noptrdata, data, bss, noptrbss]; data and
 * bss (k = 1, 2) with their masks. */
static int add_module(ch_go_reader *r, uint64_t bias, ch_go_heap *h, size_t *cap)
{
    const ch_go_layout *L = r->L;
    unsigned char md[65536];
    if (L->md_read > sizeof md ||
        ch_go_read_exact(r, L->module_addr + bias, md, L->md_read, "runtime.firstmoduledata"))
        return -1;
    for (int k = 0; k < 4; k++) {
        uint64_t lo = field(md, L->md_range[k][0]), hi = field(md, L->md_range[k][1]);
        if (lo > hi || hi >= CH_GO_ADDR_LIMIT || hi - lo > MAX_SECTION || lo % 8)
            return ch_go_bad(r, "implausible runtime.firstmoduledata section", lo);
        uint8_t *bits = NULL;
        if (k == 1 || k == 2) {
            uint32_t mask = L->md_mask[k - 1];
            uint64_t n = (uint32_t)field(md, mask), at = field(md, mask + 8), len = (n + 7) / 8;
            if (n < (hi - lo) / 8 || n > (hi - lo) / 8 + 64 || !at)
                return ch_go_bad(r, "implausible pointer mask of the module", at);
            if (!(bits = calloc(len + 1, 1)))
                return ch_go_bad(r, "out of memory", at);
            if (ch_go_read_exact(r, at, bits, len, "the module's pointer mask")) {
                free(bits);
                return -1;
            }
        }
        if (add(h, cap, lo, hi, bits))
            return ch_go_bad(r, "out of memory", lo);
    }
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const ch_go_noptr *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int ch_go_noptr_read(ch_go_reader *r, uint64_t bias, const ch_range_list *scanned, ch_go_heap *h)
{
    const ch_go_layout *L = r->L;
    ch_range_list chunks = {0}, fin = {0}, off = {0};
    size_t cap = 0;
    int rc = walk_list(r, L->chunks_addr + bias, 0, CHUNK_SIZE, MAX_CHUNKS, true, &chunks,
                       "runtime.persistentChunks");
    if (!rc)
        rc = walk_list(r, L->allfin_addr + bias, L->fin_alllink, L->fin_size, MAX_FINBLOCKS, false,
                       &fin, "runtime.allfin");
    for (size_t i = 0; !rc && i < scanned->n; i++)
        if (ch_range_add(&fin, scanned->v[i].start, scanned->v[i].end))
            rc = ch_go_bad(r, "out of memory", 0);
    if (!rc) {
        ch_range_normalize(&chunks);
        ch_range_normalize(&fin);
        if (ch_range_subtract(&chunks, &fin, &off))
            rc = ch_go_bad(r, "out of memory", 0);
    }
    for (size_t i = 0; !rc && i < off.n; i++)
        if (add(h, &cap, off.v[i].start, off.v[i].end, NULL))
            rc = ch_go_bad(r, "out of memory", 0);
    if (!rc)
        rc = add_module(r, bias, h, &cap);
    if (!rc && h->nnoptr)
        qsort(h->noptr, h->nnoptr, sizeof *h->noptr, by_start);
    for (size_t i = 1; !rc && i < h->nnoptr; i++)
        if (h->noptr[i - 1].end > h->noptr[i].start)
            rc = ch_go_bad(r, "runtime memory overlapping the module", h->noptr[i].start);
    free(chunks.v);
    free(fin.v);
    free(off.v);
    return rc;
}

/*
 * The heap arenas' pointer bitmaps of Go 1.21 and older (see goarena_bits.h).
 *
 * Each 64 MiB arena has a runtime.heapArena, found through
 * mheap_.arenas[0][index], whose bitmap holds a bit per heap word (Go 1.20,
 * 1.21) or a byte per 4 words, pointer bits in its low half (to Go 1.19).
 * A run is cut into pieces, one per arena it crosses; the pieces' bitmap
 * bytes are read in batches (ch_procmem_read_many), with the heapArena
 * addresses read once per arena. Read span by span (two reads each), the
 * 131k spans of a 1 GiB heap took most of the Go heap's reading.
 */
#include "collect/goarena_bits.h"
#include "collect/procmem.h"
#include "common/u64map.h"

#include <stdlib.h>

/* runtime/malloc.go on linux/amd64 */
#define ARENA_BYTES (64ull << 20)   /* heapArenaBytes */
#define ARENA_L2 (1ull << 22)       /* 1 << arenaL2Bits; arenaL1Bits is 0 */
#define ARENA_BASE_OFF (1ull << 47) /* -arenaBaseOffset */
#define POOL_BYTES (4u << 20)       /* bitmap bytes read per batch */
#define PIECES 4096                 /* pieces per batch */

/* Words [w, w + n) of a run, at word `x` of their arena. */
typedef struct piece {
    uint8_t *out;
    uint64_t w, n, x;
} piece;

typedef struct batch {
    const ch_go_reader *go;
    pid_t pid;
    unsigned per; /* words per bitmap byte */
    ch_read_req q[PIECES];
    piece p[PIECES];
    size_t m, used;
    uint8_t *pool;
    uint64_t l2;      /* mheap_.arenas[0], 0 if unreadable */
    ch_u64map arenas; /* arena index -> its heapArena (0: none) */
} batch;

static void set_bits(uint8_t *out, uint64_t w, uint64_t n)
{
    for (uint64_t k = w; k < w + n; k++)
        out[k / 8] |= (uint8_t)(1u << (k % 8));
}

/* The heapArena of arena index ri, or 0. */
static uint64_t arena(batch *b, uint64_t ri)
{
    uint64_t *v = ch_u64map_get(&b->arenas, ri), ha = 0;
    if (v)
        return *v;
    if (!b->l2 || ch_go_read(b->go, b->l2 + 8 * ri, &ha, 8))
        ha = 0;
    if ((v = ch_u64map_put(&b->arenas, ri, NULL)))
        *v = ha;
    return ha;
}

static void flush(batch *b)
{
    ch_procmem_read_many(b->pid, b->go->read, b->go->ctx, b->q, b->m);
    for (size_t j = 0; j < b->m; j++) {
        const piece *p = &b->p[j];
        const uint8_t *buf = b->q[j].buf;
        uint64_t b0 = p->x / b->per;
        if (!b->q[j].ok) {
            set_bits(p->out, p->w, p->n);
            continue;
        }
        for (uint64_t k = 0; k < p->n; k++) {
            uint64_t x = p->x + k;
            if (buf[x / b->per - b0] >> (x % b->per) & 1)
                p->out[(p->w + k) / 8] |= (uint8_t)(1u << ((p->w + k) % 8));
        }
    }
    b->m = b->used = 0;
}

/* Queues the pieces of one run. */
static void add_run(batch *b, const ch_arena_run *r)
{
    for (uint64_t w = 0; w < r->words;) {
        uint64_t a = r->start + 8 * w, x = (a % ARENA_BYTES) / 8;
        uint64_t n = r->words - w, left = ARENA_BYTES / 8 - x;
        n = n < left ? n : left;
        n = n < (POOL_BYTES - 1ull) * b->per ? n : (POOL_BYTES - 1ull) * b->per; /* len fits */
        uint64_t len = (x + n - 1) / b->per - x / b->per + 1;
        uint64_t ha = arena(b, ((a + ARENA_BASE_OFF) / ARENA_BYTES) % ARENA_L2);
        if (!ha) {
            set_bits(r->out, w, n); /* unknown: every word may */
        } else {
            if (b->m == PIECES || b->used + len > POOL_BYTES)
                flush(b);
            b->q[b->m] = (ch_read_req){ha + b->go->L->arena_bitmap + x / b->per, b->pool + b->used,
                                       (size_t)len};
            b->p[b->m++] = (piece){r->out, w, n, x};
            b->used += len;
        }
        w += n;
    }
}

void ch_go_arena_bits(pid_t pid, const ch_go_reader *go, uint64_t mheap, const ch_arena_run *runs,
                      size_t n)
{
    batch *b = calloc(1, sizeof *b);
    if (b)
        b->pool = malloc(POOL_BYTES);
    if (!b || !b->pool) { /* out of memory: every word may */
        for (size_t i = 0; i < n; i++)
            set_bits(runs[i].out, 0, runs[i].words);
        free(b);
        return;
    }
    b->go = go;
    b->pid = pid;
    b->per = go->L->ptr_format == CH_GO_PTRS_ARENA2 ? 4 : 8;
    if (ch_go_read(go, mheap + go->L->mheap_arenas, &b->l2, 8))
        b->l2 = 0;
    for (size_t i = 0; i < n; i++)
        add_run(b, &runs[i]);
    flush(b);
    ch_u64map_free(&b->arenas);
    free(b->pool);
    free(b);
}

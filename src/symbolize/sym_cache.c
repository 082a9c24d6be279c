/*
 * The PC cache. The map holds, per PC, where its frames start in one
 * growing frame array and how many there are, rather than pointers, so
 * growing that array never invalidates an entry.
 */
#include "symbolize/sym_cache.h"
#include "common/grow.h"

#include <stdlib.h>
#include <string.h>

void sym_cache_free(sym_cache *c)
{
    ch_u64map_free(&c->by_pc);
    free(c->frames);
    memset(c, 0, sizeof(*c));
}

const ch_frame *sym_cache_get(const sym_cache *c, uint64_t pc, size_t *n)
{
    const uint64_t *at = ch_u64map_get(&c->by_pc, pc);
    if (at == NULL)
        return NULL;
    *n = (uint32_t)*at;
    return &c->frames[*at >> 32];
}

int sym_cache_put(sym_cache *c, uint64_t pc, const ch_frame *frames, size_t n)
{
    if (n == 0 || n > UINT32_MAX || n > UINT32_MAX - c->nframes) /* 32 bits index frames */
        return -1;
    ch_frame *grown = ch_grow_to(c->frames, &c->cap, sizeof(*grown), 4096, c->nframes + n);
    if (grown == NULL)
        return -1;
    c->frames = grown;
    uint64_t *at = ch_u64map_put(&c->by_pc, pc, NULL);
    if (at == NULL)
        return -1;
    memcpy(&c->frames[c->nframes], frames, n * sizeof(*frames));
    *at = (uint64_t)c->nframes << 32 | n;
    c->nframes += n;
    return 0;
}

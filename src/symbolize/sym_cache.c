/*
 * The PC cache. Slots hold an index into one growing frame array rather
 * than pointers, so growing that array never invalidates a slot.
 */
#include "symbolize/sym_cache.h"
#include "common/hash_pc.h"

#include <stdlib.h>
#include <string.h>

typedef struct sym_cache_slot {
    uint64_t pc;
    uint32_t first; /* index into frames */
    uint32_t n;     /* 0 = empty slot: every cached PC has at least one frame */
} sym_cache_slot;

int sym_cache_init(sym_cache *c)
{
    memset(c, 0, sizeof(*c));
    c->nslots = 4096;
    c->slots = calloc(c->nslots, sizeof(*c->slots));
    return c->slots != NULL ? 0 : -1;
}

void sym_cache_free(sym_cache *c)
{
    free(c->slots);
    free(c->frames);
    memset(c, 0, sizeof(*c));
}

static sym_cache_slot *find_slot(sym_cache_slot *slots, size_t nslots, uint64_t pc)
{
    size_t i = ch_hash_pc(pc) & (nslots - 1);
    while (slots[i].n != 0 && slots[i].pc != pc)
        i = (i + 1) & (nslots - 1);
    return &slots[i];
}

const ch_frame *sym_cache_get(const sym_cache *c, uint64_t pc, size_t *n)
{
    const sym_cache_slot *s = find_slot(c->slots, c->nslots, pc);
    if (s->n == 0)
        return NULL;
    *n = s->n;
    return &c->frames[s->first];
}

static int grow_slots(sym_cache *c)
{
    size_t nslots = c->nslots * 2;
    sym_cache_slot *slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < c->nslots; i++)
        if (c->slots[i].n != 0)
            *find_slot(slots, nslots, c->slots[i].pc) = c->slots[i];
    free(c->slots);
    c->slots = slots;
    c->nslots = nslots;
    return 0;
}

static int reserve_frames(sym_cache *c, size_t n)
{
    if (c->cap - c->nframes >= n)
        return 0;
    size_t cap = c->cap ? c->cap * 2 : 4096;
    while (cap - c->nframes < n)
        cap *= 2;
    if (cap > UINT32_MAX) /* slots index frames with 32 bits */
        return -1;
    ch_frame *grown = realloc(c->frames, cap * sizeof(*grown));
    if (grown == NULL)
        return -1;
    c->frames = grown;
    c->cap = cap;
    return 0;
}

int sym_cache_put(sym_cache *c, uint64_t pc, const ch_frame *frames, size_t n)
{
    if (n == 0 || n > UINT32_MAX)
        return -1;
    /* Load factor stays below 1/2 so lookups stay at a probe or two. */
    if ((c->count + 1) * 2 > c->nslots && grow_slots(c) != 0)
        return -1;
    if (reserve_frames(c, n) != 0)
        return -1;
    sym_cache_slot *s = find_slot(c->slots, c->nslots, pc);
    memcpy(&c->frames[c->nframes], frames, n * sizeof(*frames));
    if (s->n == 0)
        c->count++;
    s->pc = pc;
    s->first = (uint32_t)c->nframes;
    s->n = (uint32_t)n;
    c->nframes += n;
    return 0;
}

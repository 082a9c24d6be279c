/* One copy and a dense id per distinct string; see intern.h. */
#include "common/intern.h"
#include "common/grow.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)
#define FIRST_SLOTS 1024
#define MAX_STRINGS (UINT32_C(1) << 31) /* ids and slot indices fit 32 bits */

struct ch_intern_chunk {
    ch_intern_chunk *next;
    size_t used, cap;
    char data[];
};

void ch_interner_free(ch_interner *in)
{
    while (in->chunks) {
        ch_intern_chunk *next = in->chunks->next;
        free(in->chunks);
        in->chunks = next;
    }
    free(in->strs);
    free(in->slots);
    memset(in, 0, sizeof *in);
}

/* The empty slot where a string of hash h, not in the table, belongs. */
static ch_intern_slot *free_slot(const ch_interner *in, uint32_t h)
{
    size_t mask = in->nslots - 1, i = h & mask;
    while (in->slots[i].id1)
        i = (i + 1) & mask;
    return &in->slots[i];
}

static bool grow_slots(ch_interner *in)
{
    size_t nslots = in->nslots ? 2 * in->nslots : FIRST_SLOTS;
    ch_intern_slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < in->nslots; i++) {
        ch_intern_slot s = in->slots[i];
        if (!s.id1)
            continue;
        size_t j = s.hash & (nslots - 1);
        while (slots[j].id1)
            j = (j + 1) & (nslots - 1);
        slots[j] = s;
    }
    free(in->slots);
    in->slots = slots;
    in->nslots = nslots;
    return true;
}

static char *store_copy(ch_interner *in, const char *s, size_t len)
{
    ch_intern_chunk *c = in->chunks;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
        if (cap > SIZE_MAX - sizeof *c || !(c = malloc(sizeof *c + cap)))
            return NULL;
        *c = (ch_intern_chunk){.next = in->chunks, .cap = cap};
        in->chunks = c;
    }
    char *copy = c->data + c->used;
    memcpy(copy, s, len + 1);
    c->used += len + 1;
    return copy;
}

/* Room for one more string: its id and, at a load of at most 1/2, its slot. */
static bool reserve(ch_interner *in)
{
    if (in->n >= MAX_STRINGS)
        return false;
    if (in->n == in->cap) {
        const char **strs = ch_grow(in->strs, &in->cap, sizeof *strs, 256);
        if (!strs)
            return false;
        in->strs = strs;
    }
    return (in->n + 1) * 2 <= in->nslots || grow_slots(in);
}

const char *ch_intern_add(ch_interner *in, const char *s, uint32_t h, uint32_t *id)
{
    char *copy;
    if (!reserve(in) || !(copy = store_copy(in, s, strlen(s))))
        return NULL;
    in->strs[in->n++] = copy;
    *free_slot(in, h) = (ch_intern_slot){.id1 = (uint32_t)in->n, .hash = h};
    if (id)
        *id = (uint32_t)in->n - 1;
    return copy;
}

/* 64-bit keys to 64-bit values; see u64map.h. */
#include "common/u64map.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_SLOTS 1024

void ch_u64map_free(ch_u64map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* key's slot (key != 0): where it is, or the empty slot where it belongs. */
static ch_u64map_slot *find(ch_u64map_slot *slots, size_t nslots, uint64_t key)
{
    size_t mask = nslots - 1;
    for (size_t i = ch_hash_pc(key) & mask;; i = (i + 1) & mask)
        if (slots[i].key == key || slots[i].key == 0)
            return &slots[i];
}

static bool grow(ch_u64map *m)
{
    size_t nslots = m->nslots ? 2 * m->nslots : FIRST_SLOTS;
    if (nslots > SIZE_MAX / sizeof(ch_u64map_slot))
        return false;
    ch_u64map_slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < m->nslots; i++)
        if (m->slots[i].key)
            *find(slots, nslots, m->slots[i].key) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return true;
}

uint64_t *ch_u64map_put(ch_u64map *m, uint64_t key, bool *added)
{
    if (added)
        *added = false;
    if (key == 0) {
        if (!m->has_zero) {
            *m = (ch_u64map){m->slots, m->nslots, m->n + 1, true, 0};
            if (added)
                *added = true;
        }
        return &m->zero_val;
    }
    ch_u64map_slot *s = m->nslots ? find(m->slots, m->nslots, key) : NULL;
    if (s && s->key)
        return &s->val;
    /* Load factor at most 1/2: probes stay short and an empty slot always exists. */
    if ((m->n + 1) * 2 > m->nslots) {
        if (!grow(m))
            return NULL;
        s = find(m->slots, m->nslots, key);
    }
    *s = (ch_u64map_slot){.key = key};
    m->n++;
    if (added)
        *added = true;
    return &s->val;
}

/*
 * A map from 64-bit keys (program counters, addresses, packed ids) to 64-bit
 * values: the one hash table of the CLI, open addressing with linear probing
 * at a load of at most 1/2, so a lookup costs a probe or two. Every key is
 * allowed: key 0, the empty mark of a slot, is kept beside the table.
 *
 * Out of memory, ch_u64map_put returns NULL and leaves the map as it was:
 * callers then answer without it (compute again, or fail their own way).
 * A zeroed ch_u64map is an empty map.
 */
#ifndef CGOHEAP_COMMON_U64MAP_H
#define CGOHEAP_COMMON_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

typedef struct ch_u64map_slot {
    uint64_t key; /* 0: empty */
    uint64_t val;
} ch_u64map_slot;

typedef struct ch_u64map {
    ch_u64map_slot *slots;
    size_t nslots, n; /* nslots: 0 or a power of two; n counts key 0 too */
    bool has_zero;
    uint64_t zero_val;
} ch_u64map;

void ch_u64map_free(ch_u64map *m);

/*
 * The value stored for key, or NULL. Valid until the next put or free.
 * Inline: the lookups of a report are nearly all hits, a probe or two.
 */
static inline uint64_t *ch_u64map_get(const ch_u64map *m, uint64_t key)
{
    if (key == 0 || m->nslots == 0)
        return key == 0 && m->has_zero ? (uint64_t *)&m->zero_val : NULL;
    size_t mask = m->nslots - 1;
    for (size_t i = ch_hash_pc(key) & mask; m->slots[i].key; i = (i + 1) & mask)
        if (m->slots[i].key == key)
            return &m->slots[i].val;
    return NULL;
}

/*
 * The value stored for key, added as 0 if new (*added tells, if not NULL);
 * NULL when out of memory. Valid until the next put or free.
 */
uint64_t *ch_u64map_put(ch_u64map *m, uint64_t key, bool *added);

#endif

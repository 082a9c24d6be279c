/*
 * String interning: one copy of each distinct string, and a dense id for
 * it (0, 1, 2... in order of first appearance). Stacks share most of their
 * frames, so a report over millions of stacks names only a few thousand
 * functions and files. Copies live in chunks that never move: a returned
 * pointer stays valid, and names its string, until ch_interner_free.
 *
 * Out of memory, ch_intern returns NULL and leaves the interner as it was.
 * A zeroed ch_interner is an empty one.
 */
#ifndef CGOHEAP_COMMON_INTERN_H
#define CGOHEAP_COMMON_INTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/hash.h"

typedef struct ch_intern_slot {
    uint32_t id1;  /* id + 1; 0: empty */
    uint32_t hash; /* the string's, low bits: told apart before strcmp, rehashed without it */
} ch_intern_slot;

typedef struct ch_intern_chunk ch_intern_chunk;

typedef struct ch_interner {
    const char **strs; /* by id */
    size_t n, cap;
    ch_intern_slot *slots; /* open addressing, load at most 1/2 */
    size_t nslots;         /* 0 or a power of two */
    ch_intern_chunk *chunks;
} ch_interner;

void ch_interner_free(ch_interner *in);

/* ch_intern for a string not found: adds it. */
const char *ch_intern_add(ch_interner *in, const char *s, uint32_t hash, uint32_t *id);

/*
 * The stable copy of s shared by all equal strings, its id in *id (if not
 * NULL). Inline: the strings of a report are nearly all found.
 */
static inline const char *ch_intern(ch_interner *in, const char *s, uint32_t *id)
{
    uint32_t h = (uint32_t)ch_hash_str(s);
    size_t mask = in->nslots - 1;
    for (size_t i = h & mask; in->nslots && in->slots[i].id1; i = (i + 1) & mask) {
        const ch_intern_slot *slot = &in->slots[i];
        const char *str = in->strs[slot->id1 - 1];
        if (slot->hash == h && !strcmp(str, s)) {
            if (id)
                *id = slot->id1 - 1;
            return str;
        }
    }
    return ch_intern_add(in, s, h, id);
}

static inline size_t ch_interner_count(const ch_interner *in)
{
    return in->n;
}

/* The string of id (< ch_interner_count). */
static inline const char *ch_interner_str(const ch_interner *in, uint32_t id)
{
    return in->strs[id];
}

#endif

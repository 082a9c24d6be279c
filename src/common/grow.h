/* Growable arrays: the doubling that every list and buffer of the CLI needs, written once. */
#ifndef CGOHEAP_GROW_H
#define CGOHEAP_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Returns array v (of *cap elements of elem bytes) grown to twice its
 * capacity, or to `first` elements if it has none, and updates *cap. On
 * failure (no memory, or a size that would overflow) returns NULL and
 * leaves v and *cap as they were: the caller keeps its array.
 */
static inline void *ch_grow(void *v, size_t *cap, size_t elem, size_t first)
{
    size_t c = *cap ? 2 * *cap : first;
    if (c < *cap || c > SIZE_MAX / elem)
        return NULL;
    void *nv = realloc(v, c * elem);
    if (nv)
        *cap = c;
    return nv;
}

/*
 * Like ch_grow, but doubles (from *cap, or from `first` if it has none)
 * until at least `need` elements fit; v itself when they already do.
 */
static inline void *ch_grow_to(void *v, size_t *cap, size_t elem, size_t first, size_t need)
{
    size_t c = *cap ? *cap : first ? first : 1;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return NULL;
        c *= 2;
    }
    if (c == *cap)
        return v;
    if (c > SIZE_MAX / elem)
        return NULL;
    void *nv = realloc(v, c * elem);
    if (nv)
        *cap = c;
    return nv;
}

#endif

/*
 * String interning. Stacks share most of their frames, so a report over
 * millions of stacks names only a few thousand functions and files: one
 * copy each, found through an open-addressing hash set. Copies live in
 * fixed chunks that never move, so returned pointers stay valid until
 * sym_intern_free.
 */
#include "symbolize/sym_intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk;

struct sym_intern {
    const char **slots; /* NULL = empty; power-of-two sized */
    size_t nslots, count;
    chunk *chunks;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

sym_intern *sym_intern_new(void)
{
    sym_intern *in = calloc(1, sizeof(*in));
    if (in == NULL)
        return NULL;
    in->nslots = 1024;
    in->slots = calloc(in->nslots, sizeof(*in->slots));
    if (in->slots == NULL) {
        free(in);
        return NULL;
    }
    return in;
}

void sym_intern_free(sym_intern *in)
{
    if (in == NULL)
        return;
    while (in->chunks != NULL) {
        chunk *next = in->chunks->next;
        free(in->chunks);
        in->chunks = next;
    }
    free(in->slots);
    free(in);
}

static char *store_copy(sym_intern *in, const char *s, size_t len)
{
    chunk *c = in->chunks;
    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = in->chunks;
        in->chunks = c;
    }
    char *copy = c->data + c->used;
    memcpy(copy, s, len + 1);
    c->used += len + 1;
    return copy;
}

static int grow(sym_intern *in)
{
    size_t nslots = in->nslots * 2;
    const char **slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < in->nslots; i++) {
        if (in->slots[i] == NULL)
            continue;
        size_t j = hash_str(in->slots[i]) & (nslots - 1);
        while (slots[j] != NULL)
            j = (j + 1) & (nslots - 1);
        slots[j] = in->slots[i];
    }
    free(in->slots);
    in->slots = slots;
    in->nslots = nslots;
    return 0;
}

const char *sym_intern_str(sym_intern *in, const char *s)
{
    /* Load factor stays below 1/2 so probe sequences stay short. */
    if (in->count * 2 >= in->nslots && grow(in) != 0)
        return NULL;
    size_t mask = in->nslots - 1;
    size_t i = hash_str(s) & mask;
    while (in->slots[i] != NULL) {
        if (strcmp(in->slots[i], s) == 0)
            return in->slots[i];
        i = (i + 1) & mask;
    }
    char *copy = store_copy(in, s, strlen(s));
    if (copy == NULL)
        return NULL;
    in->slots[i] = copy;
    in->count++;
    return copy;
}

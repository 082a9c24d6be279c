/* String table and uint64 -> id map for the pprof writer; see report_intern.h. */
#include "report/report_intern.h"
#include "common/hash.h"
#include <stdlib.h>
#include <string.h>

/* Rebuilds the slot array at twice the size from the strs array. */
static bool strtab_grow_slots(chr_strtab *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 64;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = ch_hash_str(t->strs[i]) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return true;
}

static bool strtab_append(chr_strtab *t, const char *s)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **strs = realloc(t->strs, cap * sizeof *strs);
        if (!strs)
            return false;
        t->strs = strs;
        t->cap = cap;
    }
    t->strs[t->n++] = s;
    /* Load factor <= 1/2 keeps probe chains short and guarantees an empty slot. */
    return t->n * 2 <= t->nslots || strtab_grow_slots(t);
}

void chr_strtab_init(chr_strtab *t)
{
    memset(t, 0, sizeof *t);
    if (!strtab_append(t, ""))
        t->failed = true;
}

void chr_strtab_free(chr_strtab *t)
{
    for (size_t i = 1; t->copies && i < t->n; i++) /* [0] is the literal "" */
        free((char *)t->strs[i]);
    free(t->strs);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

uint64_t chr_strtab_id(chr_strtab *t, const char *s)
{
    if (!s)
        s = "";
    if (t->failed)
        return 0;
    size_t j = ch_hash_str(s) & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        if (strcmp(t->strs[t->slots[j] - 1], s) == 0)
            return t->slots[j] - 1;
    }
    char *copy = NULL;
    if (t->copies && !(copy = strdup(s))) {
        t->failed = true;
        return 0;
    }
    size_t n = t->n, nslots = t->nslots;
    if (!strtab_append(t, copy ? copy : s)) {
        if (t->n == n)
            free(copy); /* not stored; else chr_strtab_free frees it */
        t->failed = true;
        return 0;
    }
    if (t->nslots == nslots) /* a grown table holds it already */
        t->slots[j] = (uint32_t)t->n;
    return t->n - 1;
}

void chr_idmap_free(chr_idmap *m)
{
    free(m->keys);
    free(m->ids);
    memset(m, 0, sizeof *m);
}

uint32_t chr_idmap_get(const chr_idmap *m, uint64_t key)
{
    if (m->nslots == 0)
        return 0;
    for (size_t j = ch_hash_pc(key) & (m->nslots - 1); m->ids[j]; j = (j + 1) & (m->nslots - 1)) {
        if (m->keys[j] == key)
            return m->ids[j];
    }
    return 0;
}

static void idmap_insert(uint64_t *keys, uint32_t *ids, size_t nslots, uint64_t key, uint32_t id)
{
    size_t j = ch_hash_pc(key) & (nslots - 1);
    while (ids[j] && keys[j] != key)
        j = (j + 1) & (nslots - 1);
    keys[j] = key;
    ids[j] = id;
}

static bool idmap_grow(chr_idmap *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 256;
    uint64_t *keys = calloc(nslots, sizeof *keys);
    uint32_t *ids = calloc(nslots, sizeof *ids);
    if (!keys || !ids) {
        free(keys);
        free(ids);
        return false;
    }
    for (size_t i = 0; i < m->nslots; i++) {
        if (m->ids[i])
            idmap_insert(keys, ids, nslots, m->keys[i], m->ids[i]);
    }
    free(m->keys);
    free(m->ids);
    m->keys = keys;
    m->ids = ids;
    m->nslots = nslots;
    return true;
}

bool chr_idmap_put(chr_idmap *m, uint64_t key, uint32_t id)
{
    /* Grow before the load factor passes 1/2 so an empty slot always exists. */
    if ((m->n + 1) * 2 > m->nslots && !idmap_grow(m)) {
        m->failed = true;
        return false;
    }
    if (!chr_idmap_get(m, key))
        m->n++;
    idmap_insert(m->keys, m->ids, m->nslots, key, id);
    return true;
}

/*
 * Small hash tables for the pprof writer: a string table that hands out
 * dense indices (profile.proto's string_table) and a uint64 -> id map (PCs to
 * locations, function keys to functions).
 *
 * Both keep a sticky `failed` flag on allocation failure, like chr_pb.
 */
#ifndef CGOHEAP_REPORT_INTERN_H
#define CGOHEAP_REPORT_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct chr_strtab {
    const char **strs; /* by index; pointers are borrowed, not copied, unless `copies` */
    size_t n, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t nslots;   /* power of two, kept at least twice n */
    bool failed;
    bool copies; /* set after init: the table outlives the strings it is given */
} chr_strtab;

/* Starts with "" at index 0, as profile.proto requires. */
void chr_strtab_init(chr_strtab *t);
void chr_strtab_free(chr_strtab *t);
/* The index of s (NULL counts as ""), adding it if new; 0 after a failure. */
uint64_t chr_strtab_id(chr_strtab *t, const char *s);

typedef struct chr_idmap {
    uint64_t *keys;
    uint32_t *ids; /* 0 = empty slot: ids handed out start at 1 */
    size_t nslots, n;
    bool failed;
} chr_idmap;

void chr_idmap_free(chr_idmap *m);
/* The id stored for key, or 0. */
uint32_t chr_idmap_get(const chr_idmap *m, uint64_t key);
/* Stores id (> 0) for key; returns false on allocation failure. */
bool chr_idmap_put(chr_idmap *m, uint64_t key, uint32_t id);

#endif

/* PC -> symbolized frames. Stacks share most PCs, so each is resolved once. */
#ifndef CGOHEAP_SYM_CACHE_H
#define CGOHEAP_SYM_CACHE_H

#include "common/profile.h"
#include "common/u64map.h"

/* Zeroed: an empty cache. */
typedef struct sym_cache {
    ch_u64map by_pc;  /* pc -> first frame << 32 | number of frames */
    ch_frame *frames; /* every cached PC's frames, back to back */
    size_t nframes, cap;
} sym_cache;

void sym_cache_free(sym_cache *c);

/* The frames cached for pc (*n of them), or NULL if pc was never added. */
const ch_frame *sym_cache_get(const sym_cache *c, uint64_t pc, size_t *n);

/* Caches a copy of frames[0..n) for pc. Returns 0, -1 on allocation failure. */
int sym_cache_put(sym_cache *c, uint64_t pc, const ch_frame *frames, size_t n);

#endif

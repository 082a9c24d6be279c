/*
 * .debug_aranges read directly: which compile unit (its offset in
 * .debug_info) covers an address, known without reading .debug_info.
 * libdw's dwarf_getaranges reads each unit's header to find its first DIE,
 * so it would inflate a compressed .debug_info up to the last unit listed;
 * the symbolizer uses this table to inflate only as far as its lookups go.
 */
#ifndef CGOHEAP_SYM_ARANGES_H
#define CGOHEAP_SYM_ARANGES_H

#include "common/dwarf_subset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sym_arange {
    uint64_t lo, hi; /* [lo, hi) */
    uint64_t unit;   /* offset of the unit's header in .debug_info */
} sym_arange;

typedef struct sym_aranges {
    sym_arange *ranges; /* sorted by lo */
    size_t n;
} sym_aranges;

/* Returns 0 if src has a well-formed, non-empty .debug_aranges (read into a), else -1. */
int sym_aranges_read(sym_aranges *a, const ch_dwarf_source *src);
void sym_aranges_free(sym_aranges *a);

/* The unit whose listed ranges hold vaddr; false if none does. */
bool sym_aranges_unit(const sym_aranges *a, uint64_t vaddr, uint64_t *unit);

#endif

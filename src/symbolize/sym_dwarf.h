/* C/C++ locations from DWARF (libdw): function, file:line, inlined calls. */
#ifndef CGOHEAP_SYM_DWARF_H
#define CGOHEAP_SYM_DWARF_H

#include "common/dwarf_prefix.h"
#include "symbolize/sym_aranges.h"
#include "symbolize/sym_elf.h"
#include "symbolize/sym_symtab.h"

#include <elfutils/libdw.h>

typedef struct sym_cu_range sym_cu_range;
typedef struct sym_unit sym_unit;

typedef struct sym_dwarf {
    ch_dwarf_subset sections; /* the debug sections lookups use */
    Dwarf *dbg;               /* over them */
    sym_unit *units;          /* every compile unit */
    size_t nunits, units_cap;
    sym_cu_range *ranges; /* their address ranges, sorted */
    size_t nranges;
    /* A zlib-compressed .debug_info that .debug_aranges indexes is inflated
     * only as far as lookups need: sections then holds a prefix of it,
     * units and ranges its units only. */
    ch_dwarf_prefix *prefix; /* NULL: sections hold the whole section */
    sym_aranges aranges;
    ch_dwarf_subset *earlier; /* earlier prefixes: names handed out point into them */
    size_t nearlier;
} sym_dwarf;

/* Returns 0 if e carries DWARF line or unit info, else -1. */
int sym_dwarf_open(sym_dwarf *d, sym_elf *e);
void sym_dwarf_close(sym_dwarf *d);

/*
 * Locations for the instruction at vaddr, innermost inlined call first
 * (function may be NULL when no subprogram DIE covers it). C++ functions are
 * named by their mangled linkage name. symtab (may be NULL) supplies that
 * name for an outermost function whose DWARF lacks one. Returns how many
 * were stored (<= max), 0 if no unit covers vaddr.
 */
int sym_dwarf_lookup(sym_dwarf *d, const sym_symtab *symtab, uint64_t vaddr, sym_loc *locs,
                     int max);

#endif

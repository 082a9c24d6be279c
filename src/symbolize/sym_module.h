/* One loaded module: its files opened lazily, once, and looked up by file vaddr. */
#ifndef CGOHEAP_SYM_MODULE_H
#define CGOHEAP_SYM_MODULE_H

#include "common/profile.h"
#include "symbolize/sym_dwarf.h"
#include "symbolize/sym_gopcln.h"
#include "symbolize/sym_symtab.h"

/* Lookups a module answers by reading its symbols once each (sym_symtab_find_once) before
 * it makes its table: a pass over libc's debug file costs about as much as a tenth of
 * making the table. */
#define SYM_LOOKUPS_ONCE 8

typedef struct sym_module {
    const char *path;
    uint64_t dev, ino;     /* the file must be this one (0: unknown, see sym_elf_open_as) */
    bool refused;          /* replaced on disk while the program ran: never opened */
    bool file_opened;      /* the ELF file was read (for its build ID); never retried */
    bool opened;           /* symbol tables were loaded; never retried */
    bool dwarf_opened;     /* DWARF was loaded; never retried */
    bool symtab_made;      /* symtab was loaded (on first need); never retried */
    unsigned lookups_once; /* names found without the table (SYM_LOOKUPS_ONCE at most) */
    bool has_elf, has_debug, has_go, has_dwarf;
    sym_elf elf;   /* the module itself */
    sym_elf debug; /* its separate debug file, if any */
    sym_symtab symtab;
    sym_gotab go;
    sym_dwarf dwarf;
    char build_id[129];
} sym_module;

void sym_module_init(sym_module *m, const char *path, const ch_module *from);
void sym_module_free(sym_module *m);

/*
 * Locations for the instruction at file vaddr, innermost first: Go table,
 * else DWARF, else the symbol table. names_only skips DWARF (no C file:line,
 * no inlined C frames) and so never loads it. Returns the count, 0 if
 * nothing is known.
 */
int sym_module_lookup(sym_module *m, uint64_t vaddr, sym_loc *locs, int max, bool names_only);

/* Lowercase hex build ID, or "" if none or the file cannot be read. */
const char *sym_module_build_id(sym_module *m);

#endif

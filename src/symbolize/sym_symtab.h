/* Function symbols of one ELF file (.symtab, else .dynsym), for address -> name. */
#ifndef CGOHEAP_SYM_SYMTAB_H
#define CGOHEAP_SYM_SYMTAB_H

#include "symbolize/sym_elf.h"

typedef struct sym_symbol {
    uint64_t addr, end; /* [addr, end): st_size, or the section's end when 0 */
    const char *name;   /* points into the ELF string table, kept until sym_elf_close */
    bool sized;         /* st_size was given */
} sym_symbol;

typedef struct sym_symtab {
    sym_symbol *syms; /* sorted by addr */
    size_t n;
} sym_symtab;

/* Loads the function symbols; an empty table if there are none or on failure. */
void sym_symtab_load(sym_symtab *t, const sym_elf *e);
/* The same for data objects (STT_OBJECT: globals), for --show-roots. */
void sym_symtab_load_data(sym_symtab *t, const sym_elf *e);
void sym_symtab_free(sym_symtab *t);

/* The function containing vaddr, or NULL. */
const char *sym_symtab_lookup(const sym_symtab *t, uint64_t vaddr);
/* The same, the whole symbol. */
const sym_symbol *sym_symtab_find(const sym_symtab *t, uint64_t vaddr);

/*
 * sym_symtab_find's answer over the table sym_symtab_load would make of e, without
 * making it: one pass over the file's symbols, no memory taken. A table costs its
 * entries and a sort (libc's debug file: 6,830 functions, 1.5-3 ms, most of it page
 * faults), worth it only for many lookups. 1 with the symbol in *out, 0 if none holds
 * vaddr, -1 if the table would be empty (no function symbols, or unreadable).
 */
int sym_symtab_find_once(const sym_elf *e, uint64_t vaddr, sym_symbol *out);

/* The C++ mangled ("_Z") name of a function symbol starting exactly at vaddr, or NULL. */
const char *sym_symtab_mangled_at(const sym_symtab *t, uint64_t vaddr);

/* The address of the symbol called name (any type), or 0. */
uint64_t sym_symtab_find_name(const sym_elf *e, const char *name);

#endif

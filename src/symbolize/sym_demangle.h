/* C++ names: ABI-mangled symbols (_Z...) made readable, like addr2line -C. */
#ifndef CGOHEAP_SYM_DEMANGLE_H
#define CGOHEAP_SYM_DEMANGLE_H

#include "common/intern.h"

typedef struct sym_demangler sym_demangler;

/* Results are interned in strings, which must outlive the demangler. */
sym_demangler *sym_demangler_new(ch_interner *strings);
void sym_demangler_free(sym_demangler *d);

/*
 * The interned readable form of name when it is an Itanium C++ ABI mangled
 * name ("_Z..."), else name itself interned: C names, Go names, strings the
 * demangler rejects, or every name when libstdc++ cannot be loaded.
 * NULL only on allocation failure.
 */
const char *sym_demangle(sym_demangler *d, const char *name);

#endif

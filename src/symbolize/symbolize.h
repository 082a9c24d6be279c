/* symbolize: return addresses -> function, file:line, module (ELF/DWARF/Go). */
#ifndef CGOHEAP_SYMBOLIZE_H
#define CGOHEAP_SYMBOLIZE_H

#include "common/profile.h"

typedef struct ch_symbolizer ch_symbolizer;

/* Modules as recorded by the agent. Files are opened lazily, once each. */
ch_symbolizer *ch_symbolizer_new(const ch_module *mods, size_t nmods);
void ch_symbolizer_free(ch_symbolizer *s);

/*
 * Symbolizes a whole recorded stack (return addresses, leaf first) into
 * out->frames (malloc'ed; inlined frames expanded, innermost first; frames
 * marked `glue` where they are cgo glue, Go call machinery or the agent).
 * Strings belong to the symbolizer and live until ch_symbolizer_free.
 * Returns 0, -1 on allocation failure.
 */
int ch_symbolize_stack(ch_symbolizer *s, const ch_stack *st, uint32_t stack_id, ch_symstack *out);

/*
 * The same with names only: Go frames in full (function, file:line, inlined
 * calls), C/C++ frames with the function from the symbol table but no file,
 * line or inlined frames, and without ever loading DWARF. Cheap; enough to
 * match suppressions by function name before paying for the full answer.
 */
int ch_symbolize_stack_names(ch_symbolizer *s, const ch_stack *st, uint32_t stack_id,
                             ch_symstack *out);

/*
 * The key under which a return address of stack stack_id is symbolized
 * and memoized: pc itself, unless a module was unloaded from pc's address
 * (then the key also names the module that was there for that stack).
 * Whatever keeps answers per pc must keep them per key.
 */
uint64_t ch_symbolizer_key(const ch_symbolizer *s, uint64_t pc, uint32_t stack_id);

/*
 * The frames of one return address (its key, above), in full or names only
 * as above (inlined calls expanded, innermost first; *n of them, at least
 * one). Memoized: they belong to the symbolizer and stay valid until its
 * next call. NULL on allocation failure.
 */
const ch_frame *ch_symbolize_pc(ch_symbolizer *s, uint64_t key, bool names_only, size_t *n);

/* How many modules' symbol tables were made (the tests count them: a few names are
 * looked up without one, sym_module.h). */
size_t ch_symbolizer_tables(const ch_symbolizer *s);

/* The build ID of a module as lowercase hex ("" if none). */
const char *ch_symbolizer_build_id(ch_symbolizer *s, size_t module_index);

#endif

/* String interning: every string handed out by the symbolizer lives here. */
#ifndef CGOHEAP_SYM_INTERN_H
#define CGOHEAP_SYM_INTERN_H

#include <stddef.h>

typedef struct sym_intern sym_intern;

sym_intern *sym_intern_new(void);
void sym_intern_free(sym_intern *in);

/* A stable copy of s, shared by all equal strings; NULL on allocation failure. */
const char *sym_intern_str(sym_intern *in, const char *s);

#endif

/* One source location found for a PC: the unit every lookup back end yields. */
#ifndef CGOHEAP_SYM_LOC_H
#define CGOHEAP_SYM_LOC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * A PC expands into at most this many locations (inlined calls). Deeper
 * inline chains are cut at the outermost end; real code stays far below.
 */
#define SYM_MAX_INLINE 32

/*
 * Strings point into data owned by the module that produced them (section
 * data libelf read from its file, or its libdw handle); the symbolizer
 * interns them before use.
 */
typedef struct sym_loc {
    const char *function; /* NULL if unknown */
    const char *file;     /* NULL if unknown */
    int line;             /* 0 if unknown */
    /*
     * function came from DWARF or an ELF symbol, so it may be a C++ mangled
     * name to demangle. Never set for Go table names: Go's own names are
     * left exactly as the Go toolchain prints them.
     */
    bool may_be_mangled;
} sym_loc;

/* A bounded view of bytes; every parser reads through it, never past n. */
typedef struct sym_bytes {
    const uint8_t *p;
    size_t n;
} sym_bytes;

static inline int sym_read_u32(sym_bytes b, uint64_t off, uint32_t *out)
{
    if (off > b.n || b.n - off < 4)
        return -1;
    memcpy(out, b.p + off, 4); /* little-endian host and file (amd64 only) */
    return 0;
}

static inline int sym_read_u64(sym_bytes b, uint64_t off, uint64_t *out)
{
    if (off > b.n || b.n - off < 8)
        return -1;
    memcpy(out, b.p + off, 8);
    return 0;
}

/* A NUL-terminated string at off, or NULL if it runs past the end. */
static inline const char *sym_read_cstr(sym_bytes b, uint64_t off)
{
    if (off >= b.n)
        return NULL;
    if (memchr(b.p + off, 0, b.n - off) == NULL)
        return NULL;
    return (const char *)b.p + off;
}

#endif

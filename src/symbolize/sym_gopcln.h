/*
 * Go's own PC table (.gopclntab), formats of Go 1.18/1.19 (magic 0xfffffff0)
 * and 1.20+ (0xfffffff1): function, file:line and the inline tree. It
 * survives `-ldflags=-s -w`, and unlike libdw it gives Go lines right.
 */
#ifndef CGOHEAP_SYM_GOPCLN_H
#define CGOHEAP_SYM_GOPCLN_H

#include "symbolize/sym_elf.h"
#include "symbolize/sym_symtab.h"

typedef struct sym_gotab {
    sym_elf *elf;        /* for the inline trees, which live outside the table */
    bool go120;          /* 1.20+ layout of _func and inlinedCall */
    uint64_t text_start; /* vaddr that function entry offsets count from */
    uint64_t gofunc;     /* vaddr of go:func.*, base of funcdata; 0 = no inline info */
    uint32_t nfunc;
    sym_bytes funcnames, cutab, filetab, pctab, functab;
} sym_gotab;

/* Returns 0 if e holds a Go table this code understands, else -1. */
int sym_gotab_init(sym_gotab *g, sym_elf *e);

/*
 * Locations for the instruction at vaddr, innermost inlined call first.
 * Returns how many were stored (<= max), or 0 if vaddr is not in Go code:
 * outside every Go function's extent, e.g. in cgo's C functions.
 */
int sym_gotab_lookup(const sym_gotab *g, uint64_t vaddr, sym_loc *locs, int max);

/*
 * What the Go garbage collector knows of a frame whose function holds pc
 * (runtime/stkframe.go, getStackMap): the frame size at pc (pcsp), the
 * argument size, the stack map index (_PCDATA_StackMapIndex at pc - 1, as
 * for a return address) and where the args and locals pointer maps and the
 * stack object list are (file bytes, n = 0 when the function has none).
 */
typedef struct sym_goframe {
    uint64_t entry;
    const char *name; /* NULL if unknown */
    int32_t spdelta;  /* bytes between the frame's SP and its return address; < 0: unknown */
    int32_t args;     /* _func.args */
    int32_t mapindex; /* -1: no map at this pc */
    sym_bytes argmaps, locals, objects;
} sym_goframe;

/* Returns 0, or -1 if vaddr lies in no Go function of the table. */
int sym_gotab_frame(const sym_gotab *g, uint64_t vaddr, sym_goframe *out);

#endif

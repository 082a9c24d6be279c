/*
 * One ELF file opened with libelf, which reads what is asked for and keeps
 * it until closed, plus the raw reads the Go table parser needs (bytes at a
 * virtual address, pointers that a PIE leaves to dynamic relocations).
 */
#ifndef CGOHEAP_SYM_ELF_H
#define CGOHEAP_SYM_ELF_H

#include "common/dwarf_subset.h"
#include "symbolize/sym_loc.h"

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sym_reloc {
    uint64_t offset, addend; /* R_X86_64_RELATIVE: *offset = bias + addend */
} sym_reloc;

typedef struct sym_elf {
    int fd; /* libelf reads through it while holds_fd */
    bool holds_fd;
    uint8_t *image; /* else the whole file, copied: libelf reads from it */
    size_t size;    /* of the file when opened; bounds every read */
    Elf *elf;
    GElf_Ehdr ehdr;
    size_t shstrndx;
    sym_reloc *relocs; /* sorted by offset; loaded on first use */
    size_t nrelocs;
    bool relocs_loaded;
} sym_elf;

/* Returns 0, or -1 if the file is missing, not a 64-bit x86-64 ELF, or unreadable. */
int sym_elf_open(sym_elf *e, const char *path);

/*
 * The same for a path the target wrote (a module of its record): it is
 * opened without blocking (a FIFO or device there cannot hang the
 * launcher) and read only if it is a regular file and, when dev or ino is
 * given, the very file the kernel had mapped in the target. Without them,
 * a launcher running as root reads only world-readable files: the target
 * must not make it read what its own user could not.
 */
int sym_elf_open_as(sym_elf *e, const char *path, uint64_t dev, uint64_t ino);
void sym_elf_close(sym_elf *e);

/* The section called name (its header in *sh), or NULL. */
Elf_Scn *sym_elf_section(const sym_elf *e, const char *name, GElf_Shdr *sh);

/* The file bytes of section scn (not decompressed); n = 0 if NOBITS, out of file or unreadable. */
sym_bytes sym_elf_section_bytes(const sym_elf *e, Elf_Scn *scn, const GElf_Shdr *sh);

/* The file bytes from vaddr to the end of the allocated section holding it. */
sym_bytes sym_elf_vaddr_bytes(const sym_elf *e, uint64_t vaddr);

/* A ch_file_read_fn over the file (ctx is the sym_elf): n bytes at file offset off. */
int sym_elf_read(void *ctx, void *buf, size_t n, uint64_t off);

/*
 * The pointer stored at vaddr, as the loader would leave it with bias 0:
 * a PIE stores 0 there and keeps the value as a RELATIVE relocation's addend.
 */
int sym_elf_read_ptr(sym_elf *e, uint64_t vaddr, uint64_t *out);

/*
 * Addresses (8-aligned, in writable or relro data) that hold a pointer to
 * target, either in place or as a RELATIVE relocation. Returns how many
 * were stored (at most max).
 */
size_t sym_elf_find_ptrs(sym_elf *e, uint64_t target, uint64_t *out, size_t max);

/* Build ID as lowercase hex (GNU note), else the Go build ID string, else "". */
void sym_elf_build_id(const sym_elf *e, char *buf, size_t cap);

/*
 * The symbols of an ELF file, one by one: the one reader of symbol tables,
 * for the symbolizer (sym_symtab.h) and the launcher (Go runtime variables).
 *     sym_elf_syms it;
 *     if (sym_elf_syms_begin(&it, elf, true))
 *         while (sym_elf_syms_next(&it, &s)) ... sym_elf_syms_name(&it, &s) ...
 * Begun over a sym_elf (sym_elf_syms_begin_file), the table is read from
 * the file a chunk at a time into the iterator itself: libelf would read it
 * whole into memory kept until the file is closed (libc's debug file: 240 KB,
 * 59 fresh pages, each a page fault of several microseconds on a virtual
 * machine), though its users keep only the symbols they want.
 */
#define SYM_ELF_SYMS_CHUNK 256 /* symbols: 6 KiB, on the caller's stack */

typedef struct sym_elf_syms {
    Elf *elf;
    Elf_Data *data;   /* the table libelf read; NULL when read in chunks */
    const sym_elf *e; /* the file read in chunks */
    uint64_t off;     /* of the table in the file, when read in chunks */
    size_t strtab;    /* section index of the names */
    size_t i, n;
    size_t first, have; /* the chunk in buf: symbols first .. first + have - 1 */
    Elf64_Sym buf[SYM_ELF_SYMS_CHUNK];
} sym_elf_syms;

/*
 * Starts at the first symbol of .symtab or, if there is none and
 * dynsym_too, of .dynsym (all a stripped file keeps). False when there is
 * no such table or it cannot be read.
 */
bool sym_elf_syms_begin(sym_elf_syms *it, Elf *elf, bool dynsym_too);

/* The same over an opened file, read in chunks (a table in another layout: as above). */
bool sym_elf_syms_begin_file(sym_elf_syms *it, const sym_elf *e, bool dynsym_too);

/* The next symbol in *s (unreadable ones skipped); false at the end. */
bool sym_elf_syms_next(sym_elf_syms *it, GElf_Sym *s);

/* s's name, or NULL if it has none that can be read. */
const char *sym_elf_syms_name(const sym_elf_syms *it, const GElf_Sym *s);

#endif

/*
 * libdw over a chosen few debug sections of an ELF file.
 *
 * dwarf_begin_elf reads every debug section it knows and decompresses the
 * compressed ones (Go compresses them all), although a reader of types
 * needs three of them and a symbolizer has no use for location lists or
 * call frames. This copies just the named sections into a small ELF image
 * in memory and opens that: libdw then sees nothing else. Sections are
 * read through a caller's bounded read, never mapped.
 */
#ifndef CGOHEAP_COMMON_DWARF_SUBSET_H
#define CGOHEAP_COMMON_DWARF_SUBSET_H

#include <elfutils/libdw.h>
#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

/* Reads n bytes at file offset off into buf; 0 on success, -1 unless all were read. */
typedef int (*ch_file_read_fn)(void *ctx, void *buf, size_t n, uint64_t off);

/* A ch_file_read_fn over a file descriptor: ctx points to the int fd. */
int ch_pread_all(void *ctx, void *buf, size_t n, uint64_t off);

/* An ELF file whose sections are read on demand. */
typedef struct ch_dwarf_source {
    Elf *elf;           /* its headers and section table */
    uint64_t file_size; /* bounds every section */
    ch_file_read_fn read;
    void *ctx; /* for read */
} ch_dwarf_source;

/* Bytes a caller already holds for one section, uncompressed: used instead of the file's. */
typedef struct ch_section_bytes {
    const char *name; /* ".debug_x" */
    const void *data;
    size_t size;
} ch_section_bytes;

typedef struct ch_dwarf_subset {
    Dwarf *dw;
    Elf *elf;    /* over image */
    char *image; /* the small ELF: header, the chosen sections, their headers */
} ch_dwarf_subset;

/*
 * Opens the DWARF made of the file's sections named in names (NULL-terminated,
 * ".debug_x" spellings; the GNU ".zdebug_x" form of a name is taken too).
 * given (may be NULL) is an array ended by a NULL name: each stands for the
 * file's section of its name.
 * Returns 0, or -1 if there is no usable DWARF among them.
 */
int ch_dwarf_subset_open(ch_dwarf_subset *s, const ch_dwarf_source *src, const char *const *names,
                         const ch_section_bytes *given);
void ch_dwarf_subset_close(ch_dwarf_subset *s);

/* Sections for reading types and variables: what golayout needs. */
extern const char *const ch_dwarf_types_sections[];

/* Sections for PC -> function, inlined calls, file:line (no locations, no CFI). */
extern const char *const ch_dwarf_lines_sections[];

#endif

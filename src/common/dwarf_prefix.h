/*
 * libdw over growing prefixes of a compressed .debug_info.
 *
 * A reader that wants a few DIEs near the start of .debug_info (Go's linker
 * writes the runtime's types into one of its first units) need not inflate
 * the whole section, which holds every package's and is most of the cost on
 * a big binary. This inflates it step by step and opens each prefix made of
 * complete units as a DWARF subset (dwarf_subset.h); the reader scans each
 * until satisfied, going on from the units it scanned in the last one. Each
 * step doubles the prefix, so at most twice what was needed is inflated.
 */
#ifndef CGOHEAP_COMMON_DWARF_PREFIX_H
#define CGOHEAP_COMMON_DWARF_PREFIX_H

#include "common/dwarf_subset.h"

#include <stdbool.h>
#include <zlib.h>

/* No list of sections to open (dwarf_subset.h) names more. */
#define CH_DWARF_PREFIX_MAX_SECTIONS 16

typedef struct ch_dwarf_prefix {
    ch_dwarf_source src;
    z_stream z;
    bool z_live;             /* z needs inflateEnd */
    uint64_t in_off, in_end; /* compressed bytes left in the file */
    uint8_t *in_buf;         /* the next of them */
    uint8_t *out;            /* what is inflated so far */
    size_t out_len, out_cap;
    uint64_t declared; /* the uncompressed size the section header gives */
    size_t units_end;  /* end of the last complete unit in out */
    bool whole;        /* out holds the whole section */
    bool plain;        /* a section read whole (ch_dwarf_section_read): no units */
    /* The other sections named at the first open, inflated then and given to
     * every later one: libc6-dbg's abbreviations and line tables are 2.3 MB
     * inflated, which each reopening would otherwise inflate again. */
    ch_section_bytes others[CH_DWARF_PREFIX_MAX_SECTIONS + 1]; /* ends with a NULL name */
    bool others_read;
} ch_dwarf_prefix;

/*
 * Starts on src's .debug_info. Returns 0, or -1 if it is not a
 * zlib-compressed section in the file (read it with ch_dwarf_subset_open).
 */
int ch_dwarf_prefix_begin(ch_dwarf_prefix *p, const ch_dwarf_source *src);

/*
 * Opens s over a longer prefix than the last one (with the other sections
 * in names read whole, at the first call; later calls pass the same names);
 * *whole tells whether it is the whole section, after
 * which there is no next. Returns 0, or -1 on a corrupt section or no memory.
 */
int ch_dwarf_prefix_next(ch_dwarf_prefix *p, const char *const *names, ch_dwarf_subset *s,
                         bool *whole);

/*
 * The same, over a prefix that holds the whole unit starting at offset unit
 * (a .debug_aranges entry's), and at least twice the last one, so that
 * lookups spread over the section reopen it a logarithmic number of times.
 * An offset past the section's declared size asks for all of it.
 */
int ch_dwarf_prefix_reach(ch_dwarf_prefix *p, const char *const *names, ch_dwarf_subset *s,
                          uint64_t unit, bool *whole);

void ch_dwarf_prefix_end(ch_dwarf_prefix *p);

/*
 * Section name (".debug_x", or its GNU ".zdebug_x" form) of src whole, inflated
 * if zlib-compressed, in *out (malloc'ed, *size bytes). Returns 0, or -1 if
 * it is absent, corrupt, or memory runs out.
 */
int ch_dwarf_section_read(const ch_dwarf_source *src, const char *name, uint8_t **out,
                          size_t *size);

#endif

/* analyze: reachability scan, classification, grouping, suppressions. */
#ifndef CGOHEAP_ANALYZE_H
#define CGOHEAP_ANALYZE_H

#include "common/profile.h"
#include <stdbool.h>
#include <stdio.h>

/* Reads target memory; returns bytes read (short or -1 on a hole). */
typedef long (*ch_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/* One read of a batch: len bytes at addr into buf; ok: read whole. */
typedef struct ch_read_req {
    uint64_t addr;
    void *buf;
    size_t len;
    bool ok;
} ch_read_req;

/* Reads many at once (few system calls); marks each read whole. */
typedef void (*ch_read_many_fn)(void *ctx, ch_read_req *reqs, size_t n);

/* A root region: readable-writable memory that may hold pointers. */
typedef struct ch_region {
    uint64_t start, end;
    char name[64]; /* from /proc/PID/maps, for diagnostics */
} ch_region;

/*
 * Marks every block of p->blocks with its kind, as valgrind memcheck does:
 * start pointers and interior pointers from roots, then from reachable
 * blocks; blocks reached only from lost blocks are indirectly lost.
 * `regs` are extra root words (thread registers). Sets p->scanned.
 */
int ch_scan(ch_profile *p, const ch_region *roots, size_t nroots, const uint64_t *regs,
            size_t nregs, ch_read_fn read, void *ctx);

/* A mapping of the target (a line of /proc/PID/maps), for the vtable test of
 * the multipleinheritance heuristic. */
typedef struct ch_mapping {
    uint64_t start, end;
    unsigned flags; /* CH_MAP_* */
} ch_mapping;
#define CH_MAP_READ 1u
#define CH_MAP_WRITE 2u
#define CH_MAP_EXEC 4u
#define CH_MAP_FILE 8u /* backed by a file: the line names a path */

/*
 * ch_scan plus the target's mappings, sorted by address. Like valgrind, an
 * interior pointer that one of its default leak-check heuristics recognises
 * (stdstring, length64, newarray, multipleinheritance) counts as a start
 * pointer. ch_scan is this without mappings: multipleinheritance, which needs
 * them to recognise vtables, then never applies.
 */
int ch_scan_mapped(ch_profile *p, const ch_region *roots, size_t nroots, const uint64_t *regs,
                   size_t nregs, const ch_mapping *maps, size_t nmaps, ch_read_fn read, void *ctx);

/*
 * ch_scan_mapped plus what only some runs have (x may be NULL):
 * - go: the Go heap's objects (goheap.h). They are then no roots: they are
 *   reached from the roots, and the blocks reached only through unreached
 *   ones are CH_KIND_GOGARBAGE, or CH_KIND_GOFINAL through one that has a
 *   finalizer. The roots must then exclude Go's in-use spans.
 * - why (--show-roots): p->nblocks entries, filled per block (in p->blocks'
 *   order after the scan) with the address of the word that first reached
 *   it, CH_WHY_REG | n for the n-th register word, 0 if nothing did. The Go
 *   heap's `why`, if allocated, gets the same per object.
 * - copy: the blocks' bytes copied already (heap_copy.h), with whatever else
 *   `read` serves from it; else the scan copies them itself, with
 *   read_many(many_ctx, ...) when set (heap_copy.h: ch_copy_reader).
 * - stats: counts of the scan's work (ch_scan_stats).
 */
struct ch_go_heap;
struct ch_heap_copy;
/* What a scan did (ch_scan_extra.stats): the words of blocks it kept, looked up as they were
 * read (heap_words.h), and the lookups in the block index it made while marking (words of the
 * roots, of blocks not kept, of a snapshot). */
typedef struct ch_scan_stats {
    uint64_t kept_words, mark_lookups;
} ch_scan_stats;
typedef struct ch_scan_extra {
    struct ch_go_heap *go;
    uint64_t *why;
    const struct ch_heap_copy *copy;
    ch_read_many_fn read_many;
    void *many_ctx;
    ch_scan_stats *stats; /* filled when not NULL */
} ch_scan_extra;
#define CH_WHY_REG (1ull << 63)
int ch_scan_ex(ch_profile *p, const ch_region *roots, size_t nroots, const uint64_t *regs,
               size_t nregs, const ch_mapping *maps, size_t nmaps, const ch_scan_extra *x,
               ch_read_fn read, void *ctx);

/* Groups blocks into loss records by (stack, kind), biggest first. */
ch_loss_record *ch_group(const ch_profile *p, size_t *nrecords);

/* --show-roots: sets each record's root from p->block_root (no-op without). 0 or -1. */
int ch_roots_attach(const ch_profile *p, ch_loss_record *records, size_t n);

/* Suppressions in LeakSanitizer's format: "leak:PATTERN" lines, '#' comments. */
typedef struct ch_suppressions ch_suppressions;
ch_suppressions *ch_supp_new(void);
/* Adds the built-in list (Go runtime, glibc, ld.so internals). */
void ch_supp_add_defaults(ch_suppressions *s);
/* Returns 0, or -1 with a one-line error in err. */
int ch_supp_load(ch_suppressions *s, const char *path, char *err, size_t errlen);
void ch_supp_print_defaults(FILE *out);
/* The pattern that matches any frame (function, file or module), or NULL. */
const char *ch_supp_match(const ch_suppressions *s, const ch_symstack *st);
/* The same over frames v[0..n): a stack's answer is that of its first frame matched. */
const char *ch_supp_match_frames(const ch_suppressions *s, const ch_frame *v, size_t n);
/*
 * The built-in rule on a stack's modules (paths, leaf first, n of them;
 * NULL where unknown): its description if the stack is libstdc++'s own
 * start-up, else NULL. Only with the built-in list (ch_supp_has_defaults).
 */
const char *ch_supp_match_startup(const ch_suppressions *s, const char *const *modules, size_t n);
bool ch_supp_has_defaults(const ch_suppressions *s);
/* What a pattern that ch_supp_match* returned stands for: a built-in one's class, else USER. */
ch_supp_class ch_supp_class_of(const char *pattern);
void ch_supp_free(ch_suppressions *s);

#endif

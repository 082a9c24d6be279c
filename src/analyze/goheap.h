/*
 * The Go heap's objects as the scan sees them (scan.c): every object of an
 * in-use span, whether it was allocated at exit, whether it carries a
 * finalizer, and whether the scan reached it from Go's roots.
 *
 * Go's garbage collector frees an object nothing live points to, but only
 * when a collection runs, and a program may exit long before one does. A
 * Go object that owns C memory and was dropped without Close() thus keeps
 * its C block "reachable" until exit. The scan treats the Go heap as Go's
 * collector would: its objects are not roots, they are reached from roots
 * (conservatively: every word of a reached object is scanned), and C
 * blocks reached only through unreached objects are "held by Go garbage".
 * Like the collector, a word in a Go object reaches another Go object only
 * if the runtime's pointer bitmap says it holds a pointer (a runtime.p's
 * page cache holds the address of a free page as a uintptr, which later
 * becomes an object: counted, it kept garbage alive in 1 run of ~150). Words
 * of roots stay conservative, except where Go's collector never looks
 * (ch_go_noptr); every word stays conservative for C blocks.
 * Filled by collect (src/collect/goheap_read.c), marked by the scan.
 */
#ifndef CGOHEAP_GOHEAP_H
#define CGOHEAP_GOHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ch_go_span {
    uint64_t start;    /* the first object */
    uint64_t elemsize; /* bytes per object */
    uint64_t nelems;
    uint64_t first;  /* index of its first object in the heap's bit arrays */
    uint64_t wfirst; /* index of its first word in `ptr` */
    uint64_t type;   /* Go 1.22+, for naming (collect/gotype_name.h): a large object's
                      * type (runtime.mspan.largeType), CH_GO_TYPE_HEADER if each object
                      * begins with its type's address, else 0 (unknown) */
} ch_go_span;

#define CH_GO_TYPE_HEADER 1

/*
 * Root memory that Go's collector does not scan word by word: a word there
 * reaches no Go object unless `bits` (one per word from start) says the
 * collector takes it for a pointer; bits NULL: no word does. The runtime's
 * off-heap memory holds heap addresses it never scans: each mspan's
 * startAddr (a uintptr) is the address of its span's first object; so is
 * runtime.mheap_.pages.searchAddr in bss, which only the module's pointer
 * masks tell from a pointer. Words there still reach C blocks.
 */
typedef struct ch_go_noptr {
    uint64_t start, end;
    uint8_t *bits;
} ch_go_noptr;

typedef struct ch_go_heap {
    ch_go_span *spans; /* sorted by start, disjoint */
    size_t nspans;
    uint64_t nobjects;
    uint64_t lo, hi; /* every span lies in [lo, hi) */
    uint64_t *alloc; /* bit per object: allocated at exit */
    uint64_t *fin;   /* bit per object: has a finalizer (runtime.SetFinalizer) */
    uint64_t *ptr;   /* bit per word of the spans' objects: holds a Go pointer */
    uint64_t nwords;
    uint32_t *page_span; /* per 8 KiB page of [lo, hi): its span's index + 1, 0 if none
                          * (NULL: spans are searched; a heap spread too thin) */
    /* The scan's state. */
    uint64_t *seen;    /* reached from Go's roots */
    uint64_t *visited; /* reached while walking the garbage */
    bool garbage;      /* walking the garbage: reaching sets `visited` */
    uint64_t *stack;   /* objects (their first bytes) waiting to be scanned */
    size_t depth, cap;
    uint64_t *why;      /* --show-roots: per object, the word that first reached it (or NULL) */
    ch_go_noptr *noptr; /* sorted, disjoint */
    size_t nnoptr;
    /* Where the types that `type` names lie and where their names are
     * (collect/gotype_name.h); lo == hi when unknown (Go 1.21 and older). */
    struct ch_go_types {
        uint64_t lo, hi;           /* runtime.types, runtime.etypes, loaded */
        uint32_t str, tflag, read; /* offsets of Str and TFlag in a type, bytes to read */
    } types;
} ch_go_heap;

static inline bool ch_go_bit(const uint64_t *v, uint64_t i)
{
    return (v[i >> 6] >> (i & 63)) & 1;
}

static inline void ch_go_set(uint64_t *v, uint64_t i)
{
    v[i >> 6] |= 1ull << (i & 63);
}

/* Allocates the bit arrays for spans[0..nspans) (sorted; `first` and
 * `wfirst` set here). 0 or -1. */
int ch_go_heap_init(ch_go_heap *h);
void ch_go_heap_free(ch_go_heap *h);

/* The allocated object w points into (start or interior, as Go's collector
 * counts both), or -1. *base gets its first byte. */
long long ch_go_heap_find(const ch_go_heap *h, uint64_t w, uint64_t *base);

/* The object at index i: its first byte, and its size in *size. */
uint64_t ch_go_heap_object(const ch_go_heap *h, uint64_t i, uint64_t *size);

/* Whether the runtime's pointer bits mark a word of object i (false for
 * a noscan object, whose words the collector never follows). */
bool ch_go_heap_has_pointers(const ch_go_heap *h, uint64_t i);

/* A word w found at `at` (see ch_why): marks the object it points into,
 * if any, as `seen` (or `visited` while walking the garbage) and queues it. */
void ch_go_heap_reach(ch_go_heap *h, uint64_t w, uint64_t at);

/* Takes the next queued object: false when none is left. */
bool ch_go_heap_pop(ch_go_heap *h, uint64_t *start, uint64_t *end);

/* Starts walking the garbage: queues every allocated object not seen nor
 * visited yet, only those with a finalizer if `with_finalizer`. */
void ch_go_heap_queue_garbage(ch_go_heap *h, bool with_finalizer);

#endif

/*
 * Which parts of a stopped Go program's memory are dead goroutine stacks,
 * read from the Go runtime's own data structures in the target.
 */
#ifndef CGOHEAP_GORUNTIME_H
#define CGOHEAP_GORUNTIME_H

#include "analyze/analyze.h"
#include "collect/golayout.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ch_range {
    uint64_t start, end; /* [start, end) */
} ch_range;

typedef struct ch_range_list {
    ch_range *v;
    size_t n, cap;
} ch_range_list;

int ch_range_add(ch_range_list *l, uint64_t start, uint64_t end);
/* Sorts and merges overlapping or touching ranges. */
void ch_range_normalize(ch_range_list *l);
/* a \ b for normalized lists, into *out (appended). Returns 0 or -1 (ENOMEM). */
int ch_range_subtract(const ch_range_list *a, const ch_range_list *b, ch_range_list *out);

/* A goroutine's stack as the scan took it, for --show-roots to name a
 * word there by goroutine and frame (roots_why.c). */
typedef struct ch_goroutine {
    uint64_t goid;   /* 0 if the runtime's DWARF has no g.goid */
    uint64_t lo, hi; /* its stack */
    uint64_t sp, pc; /* where the walk of its live frames starts (pc 0: none, kept whole) */
} ch_goroutine;

/* Bytes of the path of the file holding the Go runtime. */
#define CH_GO_FILE_MAX 4096

typedef struct ch_goroutine_list {
    ch_goroutine *v;
    size_t n, cap;
    uint64_t bias;             /* the load bias of the file holding the runtime, for its Go table */
    char file[CH_GO_FILE_MAX]; /* that file: the executable, or a c-shared library */
} ch_goroutine_list;

/* What the launcher knows of the target's threads besides the runtime's
 * data: the main thread's stack pointer at exit, every traced thread's stack
 * pointer at its exit stop (sps, the main thread's included; may be empty)
 * and the agent's stack marks (shm.h; 0 entries are unwritten), and the
 * target's mappings (a dead g0 range never leaves the thread's own one). */
typedef struct ch_go_threads {
    uint64_t main_sp;
    const uint64_t *sps;
    size_t nsps;
    const uint64_t *marks;
    size_t nmarks;
    const ch_mapping *maps; /* the target's mappings, sorted (NULL: no g0 stack is cut) */
    size_t nmaps;
    const uint64_t *pcs;           /* each thread's pc, as sps (NULL: unknown) */
    struct ch_gostack *stacks;     /* the Go table, for precise stacks (NULL: kept whole) */
    ch_goroutine_list *goroutines; /* if not NULL, every live goroutine's stack is listed */
} ch_go_threads;

/*
 * The Go heap memory that holds nothing live, as normalized ranges:
 * stack spans (mSpanManual), freed spans and every other page of the heap
 * arenas (runtime.mheap_.allArenas), minus the live part of every
 * goroutine's stack ([sched.sp, stack.hi) for a goroutine that is not
 * running, [main_sp, stack.hi) for the one the main thread runs, [sp,
 * stack.hi) for one holding another thread's stack pointer, the whole stack
 * otherwise) and minus every span in use by the garbage-collected
 * heap; plus, for each M (thread) at rest, the dead part of its system (g0)
 * stack (see visit_m). `bias` is the executable's load bias. Returns 0, or
 * -1 with err set when the runtime's data cannot be read or is implausible.
 */
int ch_go_dead_ranges(const ch_go_layout *L, uint64_t bias, const ch_go_threads *t, ch_read_fn read,
                      void *ctx, ch_range_list *dead, char *err, size_t errlen);

#endif

/* --show-roots: what holds each block, named once the scan is done. */
#ifndef CGOHEAP_ROOTS_WHY_H
#define CGOHEAP_ROOTS_WHY_H

#include "analyze/analyze.h"
#include "analyze/goheap.h"
#include "collect/goruntime.h"
#include "collect/trace.h"

typedef struct ch_why_input {
    const uint64_t *why;    /* per block, from ch_scan_ex (blocks sorted by address) */
    const ch_go_heap *go;   /* NULL if the Go heap was a root */
    const ch_region *roots; /* the scan's root regions, sorted by address */
    size_t nroots;
    const ch_exit_threads *threads;
    size_t regs_per_thread;              /* register words per thread, in ch_scan_ex's `regs` */
    const ch_goroutine_list *goroutines; /* the goroutines' stacks (NULL: none listed) */
    pid_t pid;                           /* the stopped target, to walk them */
    ch_read_fn read;
    void *read_ctx;
} ch_why_input;

/*
 * Fills p->block_root and p->root_names: for each block the scan reached, a
 * line naming the root that holds it (a global as symbol+offset and module,
 * a thread's register, TLS or stack, a goroutine's stack with its number and
 * the function and line of the frame holding the word, or for Go garbage
 * the unreachable Go object) and the chain of C blocks and Go objects in
 * between. Equal lines share one name. Returns 0, or -1 when out of memory
 * (then nothing is named).
 */
int ch_why_name(ch_profile *p, const ch_why_input *in);

#endif

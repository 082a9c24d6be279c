/*
 * The allocator the interposers forward to: glibc's (__libc_*), or, when
 * the program brings its own malloc (jemalloc, tcmalloc linked in), the
 * next definition after the agent in symbol lookup order. Blocks must go
 * back to the allocator that made them: a glibc block handed to jemalloc's
 * malloc_usable_size or free crashes the program.
 */
#ifndef CGOHEAP_AGENT_NEXT_H
#define CGOHEAP_AGENT_NEXT_H

#include <stddef.h>
#include <stdint.h>

/* entry.S jumps through the first two fields: keep malloc at 0 and free at 8. */
typedef struct ch_next_fns {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*usable)(void *); /* NULL if the allocator has none */
} ch_next_fns;

/*
 * Starts as stubs that find the allocator on their first call (before any
 * block exists), then hold its functions for good. Calls made while that
 * lookup runs (dlsym may allocate) go to glibc.
 */
extern ch_next_fns ch_next __attribute__((visibility("hidden")));

/*
 * 1 once ch_next is glibc's (0 before, and for the program's own
 * allocator): entry.S's posix_memalign calls glibc's memalign only then,
 * which does what glibc's posix_memalign does, errno included.
 */
extern uint8_t ch_next_is_glibc __attribute__((visibility("hidden")));

/*
 * Writes into the record which allocator is followed, when it is not
 * glibc's, and whether C++ operator new/delete bypass it (then they are not
 * tracked). Called once at attach.
 */
void ch_next_describe(void);

/* 1 when the program's allocator is its own (jemalloc, tcmalloc): its blocks may be only
 * 8-byte aligned, so alignment tells nothing about a bad free. */
int ch_next_foreign(void);

#endif

/* Go up to 1.21: which words of the heap hold pointers, from the heap arenas' bitmaps. */
#ifndef CGOHEAP_GOARENA_BITS_H
#define CGOHEAP_GOARENA_BITS_H

#include "collect/goread.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A run of heap words and where their bits go (bit k of out: word k). */
typedef struct ch_arena_run {
    uint64_t start; /* the first word's address */
    uint64_t words;
    uint8_t *out; /* zeroed, (words + 7) / 8 bytes at least */
} ch_arena_run;

/*
 * Sets the bit of every word of runs[0..n) that runtime.heapArena.bitmap
 * marks as a pointer (go->L: CH_GO_PTRS_ARENA1 or ARENA2), and of every word
 * whose bitmap cannot be read (unknown: it may hold one). mheap is
 * &runtime.mheap_ in the stopped target pid. The bitmaps are read with few
 * system calls (procmem.h's batches), not one or two per run.
 */
void ch_go_arena_bits(pid_t pid, const ch_go_reader *go, uint64_t mheap, const ch_arena_run *runs,
                      size_t n);

#endif

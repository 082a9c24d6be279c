/*
 * Reads of the Go runtime's memory in the stopped target, for goruntime.c
 * (goroutines, threads, spans) and goheap_read.c (the heap's objects). The
 * target is untrusted: every read is checked (below the end of user space,
 * read whole), and a failure is a one-line error naming what could not be
 * read and where.
 */
#ifndef CGOHEAP_GOREAD_H
#define CGOHEAP_GOREAD_H

#include "analyze/analyze.h"
#include "collect/golayout.h"

#include <stddef.h>
#include <stdint.h>

#define CH_GO_ADDR_LIMIT (1ull << 47) /* x86-64 user addresses lie below */

typedef struct ch_go_reader {
    const ch_go_layout *L;
    ch_read_fn read;
    void *ctx;
    char *err; /* the one-line error */
    size_t errlen;
} ch_go_reader;

/* Writes "WHAT at 0xADDR" to the error; returns -1. */
int ch_go_bad(ch_go_reader *r, const char *what, uint64_t addr);

/* Reads len bytes at addr: 0, or -1 leaving the error as it was. */
int ch_go_read(const ch_go_reader *r, uint64_t addr, void *buf, size_t len);

/* ch_go_read, failing with "cannot read WHAT at 0xADDR". */
int ch_go_read_exact(ch_go_reader *r, uint64_t addr, void *buf, size_t len, const char *what);

#endif

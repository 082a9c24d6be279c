/*
 * Constants shared by the C agent and the entry fast paths in entry.S
 * (assembler: #defines only).
 */
#ifndef CGOHEAP_AGENT_ENTRY_H
#define CGOHEAP_AGENT_ENTRY_H

/* The sampling filter has 1 << CH_FILTER_BITS one-byte counters. */
#define CH_FILTER_BITS 22
/* Addresses are grouped in windows of this many bits (sample.c checks that it
 * is the live table's arena window), each offset by a hash of its number. */
#define CH_FILTER_WINDOW_SHIFT 26
#define CH_FILTER_WINDOW_MULT 0x9e3779b97f4a7c15
/* One counter per 1 << CH_FILTER_GRAIN_SHIFT bytes of address. */
#define CH_FILTER_GRAIN_SHIFT 4
/* The window hash is the top bits of the product, from this bit on. */
#define CH_FILTER_HASH_SHIFT 40

/* posix_memalign's result when the allocator fails (errno.h's ENOMEM: next.c checks it). */
#define CH_ENOMEM 12

/* Byte offsets of the entry points in ch_next (next.h; next.c checks them). */
#define CH_NEXT_MALLOC 0
#define CH_NEXT_FREE 8
#define CH_NEXT_CALLOC 16
#define CH_NEXT_REALLOC 24
#define CH_NEXT_MEMALIGN 32

#endif

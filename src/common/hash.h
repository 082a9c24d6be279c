/*
 * The hashes of the CLI's tables, written once: a program counter's (and
 * any 64-bit key's) for ch_u64map, a string's for ch_interner.
 */
#ifndef CGOHEAP_COMMON_HASH_H
#define CGOHEAP_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline size_t ch_hash_pc(uint64_t pc)
{
    pc ^= pc >> 33; /* murmur3 finalizer: return addresses differ in low bits */
    pc *= 0xff51afd7ed558ccdULL;
    pc ^= pc >> 33;
    return (size_t)pc;
}

/* FNV-1a over the bytes of a NUL-terminated string. */
static inline uint64_t ch_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

#endif

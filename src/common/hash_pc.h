/* The hash of a program counter for the CLI's open-addressing tables. */
#ifndef CGOHEAP_COMMON_HASH_PC_H
#define CGOHEAP_COMMON_HASH_PC_H

#include <stddef.h>
#include <stdint.h>

static inline size_t ch_hash_pc(uint64_t pc)
{
    pc ^= pc >> 33; /* murmur3 finalizer: return addresses differ in low bits */
    pc *= 0xff51afd7ed558ccdULL;
    pc ^= pc >> 33;
    return (size_t)pc;
}

#endif

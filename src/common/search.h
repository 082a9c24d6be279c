/*
 * Binary search over arrays sorted by a uint64_t member (addresses, range
 * starts): the one loop that the symbolizer, the root selection and the Go
 * runtime reader each need, written once.
 */
#ifndef CGOHEAP_SEARCH_H
#define CGOHEAP_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Index of the first of n elements (stride bytes apart, key at key_off)
 * whose key is above `key`, or at or above it when !strict; n if none. */
static inline size_t ch_search_u64(const void *base, size_t n, size_t stride, size_t key_off,
                                   uint64_t key, bool strict)
{
    const char *b = base;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t k;
        memcpy(&k, b + mid * stride + key_off, sizeof k);
        if (strict ? k <= key : k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First element of arr[0..n) whose `field` is > key / >= key. */
#define CH_FIRST_ABOVE(arr, n, field, key)                                                         \
    ch_search_u64((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), field), (key), true)
#define CH_FIRST_AT_LEAST(arr, n, field, key)                                                      \
    ch_search_u64((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), field), (key), false)

#endif

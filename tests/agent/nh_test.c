/*
 * The SSE2 stack hash (stacks.h) must compute NH exactly as the plain
 * definition does, for every depth (even and odd).
 */
#include "agent/stacks.h"

#include <stdio.h>

uint32_t ch_stack_keys[2 * CH_MAX_FRAMES];

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static uint64_t nh_plain(const uint64_t *f, uint32_t depth)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < depth; i++)
        sum += (uint64_t)((uint32_t)f[i] + ch_stack_keys[2 * i]) *
               (uint32_t)((uint32_t)(f[i] >> 32) + ch_stack_keys[2 * i + 1]);
    return sum;
}

int main(void)
{
    uint64_t x = 88172645463325252ull, f[CH_MAX_FRAMES];
    for (uint32_t i = 0; i < 2 * CH_MAX_FRAMES; i++)
        ch_stack_keys[i] = (uint32_t)next(&x);
    for (uint32_t round = 0; round < 20000; round++) {
        uint32_t depth = round % (CH_MAX_FRAMES + 1);
        for (uint32_t i = 0; i < depth; i++)
            f[i] = next(&x);
        if (nh_plain(f, depth) != ch_stack_nh(f, depth)) {
            printf("nh mismatch at depth %u\n", depth);
            return 1;
        }
    }
    printf("nh ok\n");
    return 0;
}

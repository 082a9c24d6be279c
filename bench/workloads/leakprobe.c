/*
 * LeakSanitizer probe (C): leaks LEAK_BLOCKS blocks on purpose. bench/run runs
 * it with liblsan preloaded to record whether LSan reports leaks for C here.
 */
#include <stdio.h>
#include <stdlib.h>

#define LEAK_BLOCKS 10

static __attribute__((noinline)) void leak_one(void)
{
    volatile char *p = malloc(100);
    if (p)
        p[0] = 1;
    /* p goes out of scope: the block is definitely lost. */
}

int main(void)
{
    for (int i = 0; i < LEAK_BLOCKS; i++)
        leak_one();
    puts("leakprobe: leaked 10 blocks");
    return 0;
}

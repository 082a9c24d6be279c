/*
 * Stacks that differ only in an outer frame, at the same stack pointers:
 * main calls `down` from two lines, with the same stack pointer, and
 * `down` recurses 0 to 4 levels before `leaf` leaks a block. Consecutive
 * allocations alternate the call site, at the same depth (every frame but
 * main's has the same return address and stack pointer) and at another
 * depth (the outer frames sit at other indexes of the walk). The size names
 * the call site and the depth: 1000 + depth from the first, 2000 + depth
 * from the second, ROUNDS blocks each.
 *
 *   outer_frames [ROUNDS]   (default 50)
 */
#include <stdlib.h>

static void *volatile sink;

__attribute__((noinline)) static void leaf(size_t n)
{
    sink = malloc(n); /* LEAK-leaf */
    sink = NULL;
}

__attribute__((noinline)) static void down(unsigned depth, size_t n)
{
    if (depth == 0)
        leaf(n);
    else
        down(depth - 1, n);
    __asm__ volatile("" ::: "memory"); /* no tail call: each level keeps its frame */
}

int main(int argc, char **argv)
{
    static const unsigned depths[] = {3, 1, 4, 2, 0};
    int rounds = argc > 1 ? atoi(argv[1]) : 50;
    for (int r = 0; r < rounds; r++)
        for (unsigned i = 0; i < sizeof depths / sizeof *depths; i++) {
            unsigned d = depths[i];
            down(d, 1000 + d); /* SITE-A */
            down(d, 2000 + d); /* SITE-B */
        }
    return 0;
}

/* 2^DEPTH blocks, each allocated under a distinct stack (a binary tree of
 * calls from two call sites), all kept in a global array. */
#include <stdlib.h>

#define DEPTH 12
static void *blocks[1 << DEPTH];
static int n;

static void walk(int depth);

static void __attribute__((noinline)) left(int depth)
{
    walk(depth);
}

static void __attribute__((noinline)) right(int depth)
{
    walk(depth);
}

static void __attribute__((noinline)) walk(int depth)
{
    if (depth == DEPTH) {
        blocks[n++] = malloc(16);
        return;
    }
    left(depth + 1);
    right(depth + 1);
}

int main(void)
{
    walk(0);
    return 0;
}

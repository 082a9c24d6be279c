/*
 * Two leaks with different stacks (leak_one: 111 bytes, leak_two: 222
 * bytes). The suppression test removes exactly the first.
 */
#include <stdlib.h>

static void *volatile sink;

__attribute__((noinline)) static void leak_one(void)
{
    sink = malloc(111);
    sink = NULL;
}

__attribute__((noinline)) static void leak_two(void)
{
    sink = malloc(222);
    sink = NULL;
}

int main(void)
{
    leak_one();
    leak_two();
    return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define DEPTH 20
static volatile int sink;
__attribute__((noinline)) static void chain(int d, long iters, int leafsize)
{
    if (d > 0) {
        char pad[16];
        pad[0] = (char)d;
        sink = pad[0];
        chain(d - 1, iters, leafsize);
        sink = pad[0];
        return;
    }
    for (long i = 0; i < iters; i++) {
        void *p = malloc((size_t)(leafsize + (i & 63)));
        __asm__ volatile("" : : "r"(p) : "memory");
        free(p);
    }
}
int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 1000000;
    struct timespec a, b;
    chain(DEPTH, 1000, 16); /* warm up */
    clock_gettime(CLOCK_MONOTONIC, &a);
    chain(DEPTH, iters, 16);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / iters;
    printf("ns_per_pair %.1f\n", ns);
    return 0;
}

/*
 * Under sampling, a block kept only through an unsampled heap block is not
 * lost: a 1 MiB block (sampled at any usual rate) that only a 16-byte heap
 * block points to, itself kept by a global; and a 2 MiB block whose last
 * pointer is dropped, lost.
 */
#include <stdlib.h>
#include <string.h>

struct holder {
    void *big;
};

static struct holder *keep;
static void *volatile sink;

__attribute__((noinline)) static void hold(void)
{
    keep = malloc(sizeof *keep);
    keep->big = malloc(1 << 20);
    memset(keep->big, 1, 64);
}

__attribute__((noinline)) static void drop(void)
{
    sink = malloc(2 << 20);
    memset(sink, 2, 64);
    sink = NULL;
}

int main(void)
{
    hold();
    drop();
    return 0;
}

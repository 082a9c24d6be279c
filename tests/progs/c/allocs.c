/*
 * Plain C: one leak per allocation function. Each call is tagged with a
 * marker comment (LEAK-<fn>) that the tests find with grep -n, so the line
 * the report names is checked against the source, not a constant.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

/* Blocks are dropped by overwriting the only pointer, one per function, so
 * each leak has its own distinct stack. */
static void *volatile sink;

static void leak_malloc(void)
{
    sink = malloc(101); /* LEAK-malloc */
    sink = NULL;
}

static void leak_calloc(void)
{
    sink = calloc(3, 67); /* LEAK-calloc */
    sink = NULL;
}

static void leak_realloc(void)
{
    void *p = malloc(10);
    p = realloc(p, 303); /* LEAK-realloc */
    sink = p;
    sink = NULL;
}

static void leak_posix_memalign(void)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, 404) != 0) /* LEAK-posix_memalign */
        abort();
    sink = p;
    sink = NULL;
}

int main(void)
{
    leak_malloc();
    leak_calloc();
    leak_realloc();
    leak_posix_memalign();
    return 0;
}

/*
 * A program linked with its own allocator (jemalloc, tcmalloc): asks that
 * allocator about blocks it got from malloc/realloc/memalign (which must be
 * its blocks), then leaks one block. Prints what it saw, so a run under
 * cgoheap can be compared with a native one.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep;

static void *leak_own(void)
{
    return malloc(77); /* LEAK-own */
}

int main(void)
{
    char *p = malloc(100);
    strcpy(p, "hello");
    size_t u = malloc_usable_size(p);
    p = realloc(p, 5000);
    size_t u2 = malloc_usable_size(p);
    void *a = memalign(64, 200);
    void *c = calloc(10, 10);
    int ok = u >= 100 && u2 >= 5000 && malloc_usable_size(a) >= 200 && !strcmp(p, "hello");
    printf("usable sizes %s\n", ok ? "ok" : "wrong");
    free(p);
    free(a);
    free(c);
    keep = leak_own();
    keep = NULL;
    return 0;
}

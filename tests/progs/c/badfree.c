/*
 * An invalid free chosen by argv[1]: "double" frees a block twice (glibc
 * aborts: "free(): double free detected in tcache 2"), "realloc" reallocs
 * a freed block, "misaligned" frees a pointer into a block, "none" frees
 * everything once. Each call is tagged with a BAD- marker comment.
 */
#include <stdlib.h>
#include <string.h>

static void *volatile sink;
static volatile int offset = 8;

static __attribute__((noinline)) void *make(void)
{
    return malloc(24); /* BAD-alloc */
}

static __attribute__((noinline)) void release(void *p)
{
    free(p); /* BAD-first-free */
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "none";
    char *p = make();
    sink = p;
    if (!strcmp(how, "misaligned")) {
        free(p + offset); /* BAD-misaligned */
        return 0;
    }
    release(p);
    if (!strcmp(how, "double"))
        free(p); /* BAD-double */
    else if (!strcmp(how, "realloc"))
        sink = realloc(p, 48); /* BAD-realloc */
    return 0;
}

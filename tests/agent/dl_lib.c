#include <stdlib.h>
__attribute__((noinline)) void *dl_lib_alloc(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

/*
 * A known leak through two named frames, plus balanced traffic that must not
 * show: 19 recorded allocations (1 + 8 calloc + 8 realloc + 2 aligned), 18 frees.
 */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void *leaf_alloc(size_t n)
{
    void *p = malloc(n);
    memset(p, 1, n);
    __asm__ volatile("" : : "r"(p) : "memory"); /* keep the call a real call, not a jump */
    return p;
}

__attribute__((noinline)) void *middle_alloc(size_t n)
{
    void *p = leaf_alloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

void *volatile keep;

int main(void)
{
    keep = middle_alloc(17);
    for (int i = 0; i < 8; i++) {
        void *volatile p = calloc(1, 100 + (size_t)i);
        p = realloc(p, 300);
        free(p);
    }
    void *a = NULL;
    if (posix_memalign(&a, 64, 40) == 0)
        free(a);
    void *volatile b = aligned_alloc(32, 64);
    free(b);
    return 0;
}

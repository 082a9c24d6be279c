/*
 * Unit tests of common/grow.h: doubling from a first capacity, growing to a
 * needed size, sizes that would overflow, and out of memory an array left
 * as it was. Usage: grow_test.
 */
#include "common/grow.h"
#include "failalloc.h"

#include <string.h>

int main(void)
{
    size_t cap = 0;
    int *v = ch_grow(NULL, &cap, sizeof *v, 16);
    CHECK(v && cap == 16, "first capacity: %zu", cap);
    for (int i = 0; i < 16; i++)
        v[i] = i;
    v = ch_grow(v, &cap, sizeof *v, 16);
    CHECK(v && cap == 32 && v[15] == 15, "doubled: %zu", cap);
    /* Already big enough: the same array, no allocation. */
    fail_after(0);
    int *same = ch_grow_to(v, &cap, sizeof *v, 16, 20);
    CHECK(same == v && cap == 32, "grow_to a size that fits");
    /* Out of memory: NULL, the array and its capacity as they were. */
    CHECK(ch_grow(v, &cap, sizeof *v, 16) == NULL && cap == 32, "ch_grow out of memory");
    CHECK(ch_grow_to(v, &cap, sizeof *v, 16, 33) == NULL && cap == 32, "ch_grow_to out of memory");
    fail_never();
    CHECK(v[15] == 15, "contents kept");
    v = ch_grow_to(v, &cap, sizeof *v, 16, 100);
    CHECK(v && cap == 128 && v[15] == 15, "grown to cover 100: %zu", cap);
    /* Sizes that overflow are refused before any allocation. */
    CHECK(ch_grow(v, &cap, SIZE_MAX / 100, 16) == NULL && cap == 128, "element size overflow");
    CHECK(ch_grow_to(v, &cap, 1, 16, SIZE_MAX) == NULL && cap == 128, "needed size overflow");
    size_t big = SIZE_MAX / 2 + 1;
    CHECK(ch_grow(NULL, &big, 1, 16) == NULL && big == SIZE_MAX / 2 + 1, "capacity overflow");
    /* No capacity and no first one: starts at one element. */
    size_t c0 = 0;
    char *b = ch_grow_to(NULL, &c0, 1, 0, 3);
    CHECK(b && c0 == 4, "from nothing to 3: %zu", c0);
    free(b);
    free(v);
    if (!failures)
        printf("ok\n");
    return failures ? 1 : 0;
}

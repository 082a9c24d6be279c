/*
 * realloc, calloc and posix_memalign heavy: each step grows a calloc'd
 * buffer through a few reallocs and takes an aligned block, then frees
 * what the step before it kept:
 *
 *   reallocs [STEPS]   (default 500000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    size_t steps = argc > 1 ? strtoul(argv[1], NULL, 10) : 500000;
    uint64_t x = 88172645463325252ull, sum = 0;
    void *kept_buf = NULL, *kept_aligned = NULL;
    for (size_t i = 0; i < steps; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 1 + x % 32;
        char *b = calloc(n, 8);
        for (int k = 0; b && k < 3; k++) {
            char *nb = realloc(b, n * 8 << (k + 1));
            if (!nb)
                break;
            b = nb;
        }
        void *a = NULL;
        if (!b || posix_memalign(&a, 64, 16 + (x >> 32) % 200))
            return 1;
        sum += (uintptr_t)b[0] + ((uintptr_t)a & 0xff);
        free(kept_buf);
        free(kept_aligned);
        kept_buf = b;
        kept_aligned = a;
    }
    free(kept_buf);
    free(kept_aligned);
    printf("reallocs: %zu steps, checksum %llu\n", steps, (unsigned long long)sum);
    return 0;
}

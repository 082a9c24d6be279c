/*
 * Scan workload: 1 GiB of live heap in 1M blocks of 1 KiB, each block also
 * pointing at the next, half of them dropped before exit (definitely or
 * indirectly lost), the rest kept by a global array (still reachable).
 * Measures how long cgoheap's reachability scan and report take at exit,
 * and with "wait" how long a leak check of the running program pauses it
 * (it then waits for its stdin to end before exiting):
 *
 *   bigheap [BLOCKS [BLOCK_SIZE [wait]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void **kept;

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1u << 20;
    size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 1024;
    if (n < 2 || size < sizeof(void *))
        return 2;
    kept = calloc(n / 2, sizeof *kept);
    void *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        void **b = malloc(size);
        if (!b || !kept)
            return 1;
        memset(b, 0, size);
        b[0] = prev; /* a chain: dropping its head loses every block behind it */
        prev = b;
        if (i % 2 == 0)
            kept[i / 2] = b;
    }
    printf("%zu blocks of %zu bytes\n", n, size);
    fflush(stdout);
    if (argc > 3 && !strcmp(argv[3], "wait"))
        while (getchar() != EOF)
            ;
    return 0;
}

/* A lost block that owns a chain: `top` points at `mid` (allocated before
 * it, so at a lower address) and at a buffer; `mid` points at its own
 * buffer. The scan meets `mid` first and makes it a clique leader, then
 * `top`'s clique takes it over with its indirect bytes: valgrind reports
 * "12,552 (48 direct, 12,504 indirect) bytes in 1 blocks are definitely
 * lost", and the other three blocks indirectly lost. */
/* expect: definite=48/1 indirect=12504/3 possible=0/0 reachable=0/0 */
#include <stdlib.h>

struct owner {
    void *a, *b;
    char pad[32];
};

static void lose(void)
{
    struct owner *mid = calloc(1, sizeof *mid);
    mid->a = malloc(4000);
    struct owner *top = calloc(1, sizeof *top);
    top->a = mid;
    top->b = malloc(8456);
}

int main(void)
{
    lose();
    return 0;
}

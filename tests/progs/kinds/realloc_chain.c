/* Two realloc chains: one ends in a block kept by a global (reachable),
 * the other's final block is dropped (definitely lost). Only the final
 * block of each chain is live. */
/* expect: definite=1000/1 indirect=0/0 possible=0/0 reachable=2000/1 */
#include <stdlib.h>

void *kept_chain;

static void *grow(size_t last)
{
    void *p = malloc(10);
    p = realloc(p, 100);
    p = realloc(p, last / 2);
    return realloc(p, last);
}

static void drop(void)
{
    void *p = grow(1000);
    (void)p;
}

int main(void)
{
    kept_chain = grow(2000);
    drop();
    return 0;
}

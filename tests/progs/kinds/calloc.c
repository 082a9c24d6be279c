/* calloc: one block kept by a global, one dropped. */
/* expect: definite=120/1 indirect=0/0 possible=0/0 reachable=500/1 */
#include <stdlib.h>

void *kept_zeroed;

static void drop(void)
{
    void *p = calloc(12, 10);
    (void)p;
}

int main(void)
{
    kept_zeroed = calloc(50, 10);
    drop();
    return 0;
}

/* The only pointer is in a function-local static: still reachable. */
/* expect: definite=0/0 indirect=0/0 possible=0/0 reachable=200/1 */
#include <stdlib.h>

static void keep(void)
{
    static void *kept;
    kept = malloc(200);
}

int main(void)
{
    keep();
    return 0;
}

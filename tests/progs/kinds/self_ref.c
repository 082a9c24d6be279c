/* A block whose only pointer is inside itself: definitely lost
 * (a block cannot keep itself alive). */
/* expect: definite=64/1 indirect=0/0 possible=0/0 reachable=0/0 */
#include <stdlib.h>

static void make(void)
{
    void **p = malloc(64);
    p[0] = p;
}

int main(void)
{
    make();
    return 0;
}

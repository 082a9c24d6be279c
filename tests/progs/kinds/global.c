/* The only pointer to the block is in a global: still reachable. */
/* expect: definite=0/0 indirect=0/0 possible=0/0 reachable=100/1 */
#include <stdlib.h>

void *global_ptr;

int main(void)
{
    global_ptr = malloc(100);
    return 0;
}

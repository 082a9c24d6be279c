/* The only pointer points into the middle of the block: possibly lost. */
/* expect: definite=0/0 indirect=0/0 possible=256/1 reachable=0/0 */
#include <stdlib.h>

char *interior_ptr;

int main(void)
{
    char *p = malloc(256);
    interior_ptr = p + 100;
    p = NULL;
    return 0;
}

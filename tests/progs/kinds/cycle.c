/* Two blocks pointing at each other with no root: a lost cycle. valgrind
 * reports one as definitely lost and the other as indirectly lost. */
/* expect: definite=48/1 indirect=48/1 possible=0/0 reachable=0/0 */
#include <stdlib.h>

static void make(void)
{
    void **a = malloc(48);
    void **b = malloc(48);
    a[0] = b;
    b[0] = a;
}

int main(void)
{
    make();
    return 0;
}

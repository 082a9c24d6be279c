/* posix_memalign: the pointer returned is the block's start even when
 * the allocator had to over-allocate; one kept, one dropped. */
/* expect: definite=100/1 indirect=0/0 possible=0/0 reachable=1000/1 */
#include <stdlib.h>

void *kept_aligned;

static void drop(void)
{
    void *p;
    if (posix_memalign(&p, 256, 100) != 0)
        abort();
}

int main(void)
{
    if (posix_memalign(&kept_aligned, 4096, 1000) != 0)
        return 1;
    drop();
    return 0;
}

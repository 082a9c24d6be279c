/* The only pointer is in the main thread's thread-local storage. */
/* expect: definite=0/0 indirect=0/0 possible=0/0 reachable=400/1 */
#include <stdlib.h>

__thread void *tls_ptr;

int main(void)
{
    tls_ptr = malloc(400);
    return 0;
}

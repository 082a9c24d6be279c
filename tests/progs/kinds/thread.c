/* A second thread leaks a block and ends; main joins it. glibc's own
 * per-thread memory (the DTV) is released by valgrind's freeres, so with
 * default valgrind options only the thread's leak is left. */
/* expect: definite=700/1 indirect=0/0 possible=0/0 reachable=0/0 */
#include <pthread.h>
#include <stdlib.h>

static void *leaker(void *arg)
{
    void *p = malloc(700);
    (void)arg;
    (void)p;
    return NULL;
}

int main(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, leaker, NULL) != 0)
        return 1;
    pthread_join(t, NULL);
    return 0;
}

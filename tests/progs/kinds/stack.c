/*
 * The only pointer is main's local, and exit() is called from main, so
 * main's frame is still live on the stack at exit: still reachable.
 * Built -O0 so the local surely lives in main's frame.
 */
/* expect: definite=0/0 indirect=0/0 possible=0/0 reachable=300/1 */
#include <stdlib.h>

int main(void)
{
    void *local = malloc(300);
    exit(local != NULL ? 0 : 1);
}

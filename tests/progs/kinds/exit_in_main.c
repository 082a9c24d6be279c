/* tree.c's loss, but main then calls exit(0) while a block is held only in
 * its own frame: main's frame is live at exit (valgrind scans it too), so
 * that block is still reachable; the frames of exit() below it are not. */
/* expect: definite=24/1 indirect=144/6 possible=0/0 reachable=32/1 */
#define main tree_main /* tree.c's own main is not used */
#include "tree.c"
#undef main

int main(void)
{
    char *volatile kept = malloc(32); /* volatile: a slot of main's frame, at any -O */
    lose();
    kept[0] = 1;
    exit(0);
}

/* A binary tree of 7 nodes whose root pointer is lost: the root is
 * definitely lost, the 6 nodes below it are indirectly lost. */
/* expect: definite=24/1 indirect=144/6 possible=0/0 reachable=0/0 */
#include <stdlib.h>

struct node {
    struct node *left, *right;
    long value;
};

static struct node *build(int depth)
{
    struct node *n = calloc(1, sizeof *n);
    if (depth > 1) {
        n->left = build(depth - 1);
        n->right = build(depth - 1);
    }
    return n;
}

static void lose(void)
{
    struct node *root = build(3);
    root->value = 1;
}

int main(void)
{
    lose();
    return 0;
}

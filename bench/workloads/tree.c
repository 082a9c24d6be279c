/*
 * Exit-path workload: a binary tree of N small blocks, all still reachable
 * from one global root at exit. Blocks are allocated first and then linked
 * in a shuffled order (node k's children are the blocks at shuffled
 * positions 2k+1 and 2k+2), so the order in which a scan meets them is
 * unrelated to their addresses, as in a long-lived program's tree. Measures
 * reading the record, the reachability scan, grouping and the report for
 * millions of live blocks:
 *
 *   tree [BLOCKS]    (default 2000000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct node {
    struct node *left, *right;
    uint64_t key;
} node;

node *root; /* the one root: every block is reachable through it */

/* A few call sites, like a real program's node shapes. */
static node *make(size_t i)
{
    switch (i & 3) {
    case 0:
        return malloc(sizeof(node));
    case 1:
        return malloc(sizeof(node) + 16);
    case 2:
        return calloc(1, sizeof(node));
    default:
        return malloc(sizeof(node) + 32);
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
    node **all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (!(all[i] = make(i)))
            return 1;
        all[i]->left = all[i]->right = NULL;
        all[i]->key = i;
    }
    uint64_t x = 88172645463325252ull;
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates with xorshift64 */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t j = (size_t)(x % i);
        node *t = all[i - 1];
        all[i - 1] = all[j];
        all[j] = t;
    }
    uint64_t sum = 0;
    for (size_t k = 0; k < n; k++) {
        if (2 * k + 1 < n)
            all[k]->left = all[2 * k + 1];
        if (2 * k + 2 < n)
            all[k]->right = all[2 * k + 2];
        sum += all[k]->key & 0xff;
    }
    root = n ? all[0] : NULL;
    free(all); /* the tree alone keeps its blocks */
    printf("tree: %zu nodes, checksum %llu\n", n, (unsigned long long)sum);
    return 0;
}

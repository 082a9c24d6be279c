/*
 * A library that leaks one block. Built twice (../dlreuse.c's libraries),
 * with LEAK_FN and LEAK_SIZE set, into files of the same layout: the two
 * functions lie at the same offset.
 */
#include <stdlib.h>
#include <string.h>

void *LEAK_FN(void)
{
    char *p = malloc(LEAK_SIZE);
    memset(p, 1, LEAK_SIZE);
    return p;
}

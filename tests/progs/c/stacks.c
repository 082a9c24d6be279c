/*
 * Many distinct allocation stacks: a recursion DEPTH deep that takes one of
 * two call sites at each level, by the bits of a counter, so that each of
 * the 2^DEPTH leaves is reached by its own stack; each leaks one block.
 * Prints the shared memory this process holds at the end (the record's
 * pages), which grows with the stacks it records.
 *
 *   stacks [DEPTH]   (default 13: 8192 stacks)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *sink[1];

__attribute__((noinline)) static void level(unsigned depth, unsigned bits)
{
    if (depth == 0) {
        sink[0] = malloc(24); /* LEAK-leaf */
        sink[0] = NULL;
        return;
    }
    if (bits & 1)
        level(depth - 1, bits >> 1); /* one call site */
    else
        level(depth - 1, bits >> 1);   /* another */
    __asm__ volatile("" ::: "memory"); /* no tail call: each level keeps its frame */
}

static long rss_shmem_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "RssShmem:", 9))
            kb = strtol(line + 9, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    unsigned depth = argc > 1 ? (unsigned)atoi(argv[1]) : 13;
    for (unsigned i = 0; i < 1u << depth; i++)
        level(depth, i);
    printf("stacks=%u rss_shmem_kb=%ld\n", 1u << depth, rss_shmem_kb());
    return 0;
}

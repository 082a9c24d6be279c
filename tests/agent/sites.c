/*
 * Call sites of malloc at one stack pointer, for the walk memo's choice
 * (src/agent/walkmemo.h, ch_memo_pick). Built without PIE so that the
 * sites' return addresses are the ones objdump shows, whatever ASLR does.
 *
 *   sites pick PC0 PC1 ...  prints two indexes i j whose return addresses
 *                           PCi, PCj (hex) share a home memo, or nothing
 *   sites run I J           20000 rounds of site I then site J, on a
 *                           created thread (one stack pointer for both)
 */
#include "agent/walkmemo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Each site calls malloc from its own return address, in a frame of one size. */
#define SITE(k)                                                                                    \
    __attribute__((noinline)) static void *site##k(void)                                           \
    {                                                                                              \
        void *p = malloc(16 + (k));                                                                \
        __asm__ volatile("" : "+r"(p)); /* not a tail call: the return address is here */          \
        return p;                                                                                  \
    }
SITE(0)
SITE(1)
SITE(2)
SITE(3)
SITE(4)
SITE(5)
SITE(6)
SITE(7)
SITE(8)
SITE(9)
SITE(10)
SITE(11)
SITE(12)
SITE(13)
SITE(14)
SITE(15)
SITE(16)

static void *(*const sites[])(void) = {site0,  site1,  site2,  site3,  site4,  site5,
                                       site6,  site7,  site8,  site9,  site10, site11,
                                       site12, site13, site14, site15, site16};
#define NSITES (sizeof(sites) / sizeof(sites[0]))

static unsigned first, second;

static void *rounds(void *unused)
{
    (void)unused;
    for (volatile int i = 0; i < 20000; i++) {
        free(sites[first]());
        free(sites[second]());
    }
    return NULL;
}

/* 17 sites, 16 homes: two share one (the sp term is the same for all). */
static int pick(int n, char **pcs)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (ch_memo_index(strtoull(pcs[i], NULL, 16), 0) % CH_WALK_MEMOS ==
                ch_memo_index(strtoull(pcs[j], NULL, 16), 0) % CH_WALK_MEMOS) {
                printf("%d %d\n", i, j);
                return 0;
            }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && argv[1][0] == 'p')
        return pick(argc - 2, argv + 2);
    if (argc != 4)
        return 2;
    first = (unsigned)atoi(argv[2]) % NSITES;
    second = (unsigned)atoi(argv[3]) % NSITES;
    pthread_t t;
    if (pthread_create(&t, NULL, rounds, NULL) || pthread_join(t, NULL))
        return 1;
    return 0;
}

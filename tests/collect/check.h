/* The assertion the collect unit tests share: count and print, go on. */
#ifndef CGOHEAP_TEST_CHECK_H
#define CGOHEAP_TEST_CHECK_H

#include <stdio.h>

static int fails;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                    \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

#endif

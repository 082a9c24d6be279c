/* 20,000 blocks of 100 bytes; every other one is freed, the rest leak. */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    for (int i = 0; i < 20000; i++) {
        char *p = malloc(100);
        memset(p, 1, 100);
        if (i % 2)
            free(p);
    }
    return 0;
}

/* Frees everything it allocates: no leak of any kind may be reported. */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    void *blocks[64];
    for (int i = 0; i < 64; i++) {
        blocks[i] = malloc(16 + i * 8);
        memset(blocks[i], i, 16 + i * 8);
    }
    for (int i = 0; i < 64; i++)
        blocks[i] = realloc(blocks[i], 32 + i);
    for (int i = 0; i < 64; i++)
        free(blocks[i]);
    return 0;
}

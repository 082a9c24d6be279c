/* Leaks, grows the live table past several resizes, then dies by SIGKILL. */
#include <signal.h>
#include <stdlib.h>

#define BLOCKS 200000

int main(void)
{
    void **keep = malloc(BLOCKS * sizeof *keep);
    for (int i = 0; i < BLOCKS; i++)
        keep[i] = malloc(24);
    for (int i = 0; i < BLOCKS; i += 2)
        free(keep[i]);
    raise(SIGKILL);
    return 0;
}

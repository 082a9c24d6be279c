/* dlopen a library, leak through it, dlclose it, reopen and leak again. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void *volatile keep[4];

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    for (int round = 0; round < 2; round++) {
        void *h = dlopen(argv[1], RTLD_NOW);
        if (!h) {
            fprintf(stderr, "%s\n", dlerror());
            return 1;
        }
        void *(*fn)(size_t) = (void *(*)(size_t))dlsym(h, "dl_lib_alloc");
        keep[round] = fn(4000 + (size_t)round);
        dlclose(h);
    }
    keep[2] = malloc(4002); /* after the dlclose: the walk must still work */
    return 0;
}

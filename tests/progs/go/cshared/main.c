/*
 * A C program calling the Go library in golib/ (c-archive or c-shared,
 * linked at build time; with -DDLOPEN loaded with dlopen from argv[1]).
 * Leaks: 35 bytes (GoLeak) from main's thread and 35 from a C thread Go did
 * not create, 34 + 34 bytes (GoHelper: the C.CString passed to the helper
 * and the helper's strdup), all definitely lost; 48 + 16 bytes kept in Go
 * globals (GoKeep): still reachable.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef DLOPEN
#include <dlfcn.h>
#else
#include "golib.h"
#endif

#ifdef DLOPEN
static void (*GoLeak)(void), (*GoKeep)(void), (*GoHelper)(void);

static void load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        exit(2);
    }
    *(void **)&GoLeak = dlsym(h, "GoLeak");
    *(void **)&GoKeep = dlsym(h, "GoKeep");
    *(void **)&GoHelper = dlsym(h, "GoHelper");
    if (!GoLeak || !GoKeep || !GoHelper)
        exit(2);
}
#endif

static void from_c(void)
{
    GoLeak(); /* leak: GoLeak */
    GoHelper(); /* leak: GoHelper */
}

static void *c_thread(void *arg)
{
    (void)arg;
    GoLeak(); /* leak: GoLeak from a C thread */
    return NULL;
}

int main(int argc, char **argv)
{
#ifdef DLOPEN
    if (argc < 2)
        return 2;
    load(argv[1]);
#else
    (void)argc;
    (void)argv;
#endif
    from_c();
    pthread_t t;
    if (pthread_create(&t, NULL, c_thread, NULL) || pthread_join(t, NULL))
        return 2;
    GoKeep(); /* keep: GoKeep */
    printf("done\n");
    return 0;
}

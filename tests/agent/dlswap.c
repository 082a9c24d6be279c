/*
 * dlswap LIB1 LIB2 THREADS ROUNDS MODE: threads that each dlopen one of
 * two libraries, allocate through its swap_alloc and dlclose it, over and
 * over. The loader maps one library where the other was: the same
 * addresses, other frames (dlswap_lib.S).
 *   swap:   the threads switch library together every 4 rounds (a barrier):
 *           the last dlclose of one comes before every dlopen of the other.
 *   race:   a timer thread flips the library: one thread's last dlclose of
 *           one library races another's dlopen of the other.
 *   unseen: swap, closing through libc's own dlclose, which an interposer
 *           of dlclose does not see (as glibc's own unloads of gconv
 *           modules are not).
 *
 * Prints "reuses N": how many dlopens found swap_alloc where the other
 * library's had been found last (N = 0: the race this test is for did not
 * happen). The first block each thread allocates after a switch (every 4
 * rounds) is left live, the others freed: sizes 65 and 66, library 1 and 2.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *(*swap_fn)(size_t, void *);

static const char *libs[2];
static int rounds;
static int (*close_lib)(void *) = dlclose;
static volatile int phase;
static volatile int done;
static int use_barrier;
static pthread_barrier_t barrier;
static void *where[16]; /* addresses swap_alloc was found at */
static int owner[16];   /* the library last found there */
static int n_where;
static unsigned long reuses;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

/* Never called: its address is the return address a wrong frame step reads. */
__attribute__((noinline)) void decoy_fn(void)
{
    __asm__ volatile("nop");
}

/* Counts a library found where the other one was found last. */
static void note_address(int v, void *fn)
{
    pthread_mutex_lock(&seen_lock);
    int i = 0;
    while (i < n_where && where[i] != fn)
        i++;
    if (i < n_where)
        reuses += owner[i] != v;
    else if (n_where < 16)
        where[n_where++] = fn;
    if (i < 16)
        owner[i] = v;
    pthread_mutex_unlock(&seen_lock);
}

__attribute__((noinline)) void *call_lib(swap_fn fn, size_t n)
{
    void *p = fn(n, (char *)(void *)decoy_fn + 1);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

static void *walker(void *arg)
{
    (void)arg;
    for (int r = 0; r < rounds; r++) {
        if (use_barrier && r % 4 == 0)
            pthread_barrier_wait(&barrier);
        int v = use_barrier ? (r / 4) & 1 : phase & 1;
        void *h = dlopen(libs[v], RTLD_NOW);
        if (!h) {
            fprintf(stderr, "%s\n", dlerror());
            exit(1);
        }
        swap_fn fn = (swap_fn)dlsym(h, "swap_alloc");
        note_address(v, (void *)fn);
        for (int k = 0; k < 4; k++) {
            void *p = call_lib(fn, 65 + (size_t)v);
            if (k || r % 4)
                free(p);
            else /* no stale pointer in it: every such block is a leak of its own */
                memset(p, 0, 65 + (size_t)v);
        }
        close_lib(h);
    }
    return NULL;
}

static void *flipper(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 200 * 1000};
    while (!done) {
        nanosleep(&ts, NULL);
        phase++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    libs[0] = argv[1];
    libs[1] = argv[2];
    int n = atoi(argv[3]);
    rounds = atoi(argv[4]);
    use_barrier = strcmp(argv[5], "race") != 0;
    if (!strcmp(argv[5], "unseen")) {
        void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
        close_lib = libc ? (int (*)(void *))dlsym(libc, "dlclose") : NULL;
        if (!close_lib)
            return 2;
    }
    if (n < 1 || n > 64)
        return 2;
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    pthread_t th[64], fl;
    pthread_create(&fl, NULL, flipper, NULL);
    for (int i = 0; i < n; i++)
        pthread_create(&th[i], NULL, walker, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    done = 1;
    pthread_join(fl, NULL);
    printf("reuses %lu\n", reuses);
    return 0;
}

/*
 * Stress: THREADS threads x ITERS random malloc/realloc/free, each thread
 * leaking LEAKS blocks of 1234 bytes on purpose; then fork (the child
 * allocates and execs this program in "child" mode, which leaks 4321 bytes:
 * neither may be recorded), and the parent leaks 999 bytes after the fork.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 8
#define ITERS 200000
#define LEAKS 5
#define SLOTS 64

static void *volatile leaked[THREADS * LEAKS + 2];

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *worker(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1);
    void *slot[SLOTS] = {0};
    for (int i = 0; i < ITERS; i++) {
        uint64_t r = next_rand(&seed);
        int k = (int)(r % SLOTS);
        size_t size = 1 + (size_t)((r >> 8) % 2048);
        if (r & (1u << 20))
            slot[k] = realloc(slot[k], size);
        else {
            free(slot[k]);
            slot[k] = malloc(size);
        }
    }
    for (int k = 0; k < SLOTS; k++)
        free(slot[k]);
    for (int i = 0; i < LEAKS; i++)
        leaked[id * LEAKS + i] = malloc(1234);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child")) {
        leaked[0] = malloc(4321);
        return 0;
    }
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pid_t pid = fork();
    if (pid == 0) {
        free(malloc(4321)); /* a forked child: passes through */
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    leaked[THREADS * LEAKS] = malloc(999);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

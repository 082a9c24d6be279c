/*
 * Test target for the launcher: allocates blocks of every kind, reports
 * them through the fake agent, then ends as argv[1] says:
 *   exit N | signal N | pthread_exit | thread_exit N | stop | sleep
 * Kinds (valgrind's): g_reach reachable from a global; lost definite;
 * g_interior possible; a tree hanging off `lost` indirect.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *g_reach;
char *g_interior;

static void track(void *p, size_t n)
{
    void (*fn)(void *, unsigned long) =
        (void (*)(void *, unsigned long))dlsym(RTLD_DEFAULT, "fake_track");
    if (fn)
        fn(p, n);
}

static void *allocate(size_t n)
{
    void *p = calloc(1, n);
    track(p, n);
    return p;
}

static void *late_exit(void *arg)
{
    usleep(100000);
    exit((int)(long)arg);
}

__attribute__((noinline)) static void make_blocks(void)
{
    g_reach = allocate(40);
    g_interior = (char *)allocate(100) + 50;
    void **lost = allocate(32);
    lost[0] = allocate(24);
    lost[1] = allocate(24);
    lost = NULL;
    /* Big enough to come from mmap: also tracked, never a root itself. */
    void **big = allocate(1 << 20);
    big[0] = g_reach;
}

/* Allocates a block and loses it, leaving copies of its address in this
 * frame. The address never leaves this frame's call tree (no caller's
 * callee-saved register holds it). */
__attribute__((noinline)) static void lose_block(void)
{
    volatile void *copy[64];
    void *p = allocate(16);
    for (int i = 0; i < 64; i++)
        copy[i] = p;
    __asm__ volatile("" ::"r"(copy) : "memory");
}

/* Calls lose_block 32 KiB down the stack: once it returns, its copies are
 * dead bytes below the thread's stack pointer, deeper than the frames of
 * exit reach (they would reuse slots nearer the top). */
__attribute__((noinline)) static void lose_block_deep(void)
{
    volatile char pad[32768];
    pad[0] = 0;
    lose_block();
    __asm__ volatile("" ::"r"(pad) : "memory");
}

/* A thread that loses a block, then ends the process while main is blocked
 * in pthread_join. */
static void *stale_then_exit(void *arg)
{
    lose_block_deep();
    exit((int)(long)arg);
}

/* Overwrites the dead frames make_blocks left below main's frame, so no
 * stale copy of a lost pointer survives there. */
__attribute__((noinline)) static void scrub_stack(void)
{
    char junk[8192];
    memset(junk, 0, sizeof junk);
    __asm__ volatile("" ::"r"(junk) : "memory");
}

int main(int argc, char **argv)
{
    make_blocks();
    scrub_stack();
    const char *how = argc > 1 ? argv[1] : "exit";
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(how, "signal"))
        raise(n);
    if (!strcmp(how, "pthread_exit")) {
        pthread_t t;
        pthread_create(&t, NULL, late_exit, (void *)(long)n);
        pthread_exit(NULL);
    }
    if (!strcmp(how, "thread_exit")) {
        pthread_t t;
        pthread_create(&t, NULL, stale_then_exit, (void *)(long)n);
        pthread_join(t, NULL);
    }
    if (!strcmp(how, "stop"))
        raise(SIGSTOP); /* the test continues it */
    if (!strcmp(how, "sleep"))
        sleep(30);
    if (!strcmp(how, "segv"))
        *(volatile int *)8 = 1;
    return n;
}

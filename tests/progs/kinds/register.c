/*
 * The only pointer is in a register of a thread that is still alive when
 * the process exits. valgrind counts live threads' registers as roots, so
 * the block is still reachable. To make this deterministic the second
 * thread moves the pointer to r12, clears its stack copy and raises a flag
 * in one asm statement, then sleeps in pause() from the same statement:
 * no C code runs after the move that could spill or overwrite r12 (the
 * syscall instruction clobbers only rax, rcx and r11).
 * (The exiting thread's own registers are not a root for valgrind: a
 * pointer held only there is definitely lost.)
 */
/* The live thread's DTV (glibc's, reached only through an interior pointer
 * from the thread's TCB) is possibly lost; its size depends on glibc, so
 * "possible" is not stated here (the comparison with cgoheap covers it). */
/* expect: definite=0/0 indirect=0/0 reachable=123/1 */
#include <pthread.h>
#include <stdlib.h>

static volatile int parked;

static void *park_pointer_in_register(void *arg)
{
    void *p = malloc(123);
    (void)arg;
    __asm__ volatile("movq %0, %%r12\n\t"
                     "movq $0, %0\n\t"
                     "movl $1, %1\n\t"
                     "1:\n\t"
                     "movl $34, %%eax\n\t" /* SYS_pause */
                     "syscall\n\t"
                     "jmp 1b"
                     : "+m"(p), "=m"(parked)
                     :
                     : "rax", "rcx", "r11", "r12", "memory");
    return NULL; /* not reached */
}

int main(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, park_pointer_in_register, NULL) != 0)
        return 1;
    while (!parked)
        ;
    return 0;
}

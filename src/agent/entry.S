/*
 * The exported malloc and free: the fast paths of a sampled run.
 *
 * With --sample-rate, almost every call is neither sampled nor a free of a
 * sampled block, and all the agent does is decide that and hand the call to
 * glibc. Written in C, that decision cost about 3.5 ns per malloc/free pair
 * against glibc's 9 (the frame and the callee-saved registers the recording
 * path needs, then checks of the agent's state); here it costs what a bare
 * forwarding function costs, about 1.4 ns. Each entry either
 *   - finishes with a jump to the allocator's malloc / free (next.h), or
 *   - jumps (never calls) to the C function that does the whole job
 *     (interpose.c), which then sees the return address and stack pointer of
 *     the program's own call, exactly as if the program had called it: its
 *     unwinder starts in the caller. That is why this is assembly: C cannot
 *     guarantee a tail call.
 * Neither path touches the stack, so one CFI rule (return address at CFA-8,
 * CFA = RSP+8) describes every instruction.
 *
 * What lets the fast path skip the agent's state checks:
 *   - malloc: ch_sample_left (initial-exec TLS, sample.h) is positive only
 *     on a thread of an attached, sampling agent. It starts at 0, and the C
 *     path keeps it at 0 in full tracking, so those calls all go to C. An
 *     allocation it covers is unsampled. A call made inside the agent may
 *     take this path too: it goes to glibc unrecorded, which is what the C
 *     path would do with it.
 *   - free: ch_filter is non-NULL only once a sampling agent has attached,
 *     and a zero counter means no recorded block has this address: glibc
 *     frees it and nothing is to be removed. The index must be the one
 *     ch_filter_counter (sample.h) computes, from the constants in entry.h.
 * The read-modify-write of ch_sample_left is not atomic: a signal handler
 * that allocates in between has its bytes counted twice or not at all,
 * which only moves the next sample.
 */
#include "agent/entry.h"

    .text
    .hidden ch_sample_left
    .hidden ch_filter
    .hidden ch_malloc_slow
    .hidden ch_free_slow
    .hidden ch_next

    .globl  malloc
    .type   malloc, @function
    .p2align 4
malloc:
    .cfi_startproc
    movq    ch_sample_left@gottpoff(%rip), %rax
    movq    %fs:(%rax), %rcx
    subq    %rdi, %rcx                  /* left - n, signed */
    jle     ch_malloc_slow              /* sampled, unseeded, not sampling, or not attached */
    movq    %rcx, %fs:(%rax)
    jmp     *ch_next(%rip)             /* ch_next.malloc */
    .cfi_endproc
    .size   malloc, .-malloc

    .globl  free
    .type   free, @function
    .p2align 4
free:
    .cfi_startproc
    movq    ch_filter(%rip), %rax
    testq   %rax, %rax
    je      ch_free_slow                /* not sampling, or not attached */
    movq    %rdi, %rdx                  /* window hash: (p >> W) * M >> H */
    shrq    $CH_FILTER_WINDOW_SHIFT, %rdx
    movabsq $CH_FILTER_WINDOW_MULT, %rcx
    imulq   %rcx, %rdx
    shrq    $CH_FILTER_HASH_SHIFT, %rdx
    movq    %rdi, %rcx                  /* + (p >> G), modulo the filter size */
    shrq    $CH_FILTER_GRAIN_SHIFT, %rcx
    addq    %rcx, %rdx
    andl    $((1 << CH_FILTER_BITS) - 1), %edx
    cmpb    $0, (%rax,%rdx)
    jne     ch_free_slow                /* maybe recorded */
    jmp     *ch_next+8(%rip)           /* ch_next.free */
    .cfi_endproc
    .size   free, .-free

    .section .note.GNU-stack, "", @progbits

/*
 * The exported malloc, free, calloc, realloc, memalign and aligned_alloc:
 * the fast paths of a sampled run.
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
 * CFA = RSP+8) describes every instruction; posix_memalign, which must call
 * the allocator, says its pushes in the CFI.
 *
 * What lets the fast path skip the agent's state checks:
 *   - malloc: ch_sample_left (initial-exec TLS, sample.h) is positive only
 *     on a thread of an attached, sampling agent. It starts at 0, and the C
 *     path keeps it at 0 in full tracking, so those calls all go to C. An
 *     allocation it covers is unsampled. A call made inside the agent may
 *     take this path too: it goes to glibc unrecorded, which is what the C
 *     path would do with it.
 *     calloc, realloc and memalign decide the same way on the size they
 *     allocate (calloc's product, if it does not overflow).
 *   - free: ch_filter is non-NULL only once a sampling agent has attached,
 *     and a zero counter means no recorded block has this address: glibc
 *     frees it and nothing is to be removed. The index must be the one
 *     ch_filter_counter (sample.h) computes, from the constants in entry.h.
 *     realloc of a block takes the fast path only when it is both: the old
 *     block surely unrecorded and the new size unsampled.
 * In C, the realloc fast path cost 64 instructions per call and calloc's 45
 * (callgrind, tests/agent/calls realloc), here 22 and 9: the C paths paid
 * for the frame the recording path needs, the agent's state checks and the
 * event count. These paths count no events, as malloc's never did (shm.h).
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
    .hidden ch_calloc_slow
    .hidden ch_realloc_slow
    .hidden ch_memalign_slow
    .hidden ch_posix_memalign_slow
    .hidden ch_next_is_glibc
    .hidden ch_next

/* ZF set if the filter counter of the address in \p is zero (the block
 * surely unrecorded); %rax holds ch_filter. Clobbers %rcx and %rdx. */
/* Jumps to \slow unless the countdown covers the size in \n: %r9 is then the
 * countdown less n, %r8 its address. */
.macro COUNTDOWN_COVERS n, slow
    movq    ch_sample_left@gottpoff(%rip), %r8
    movq    %fs:(%r8), %r9
    subq    \n, %r9                    /* left - n, signed */
    jle     \slow                      /* sampled, unseeded, not sampling, or not attached */
.endm

/* Takes the size off the countdown and jumps to the allocator's entry at offset \at of ch_next. */
.macro COUNTDOWN_TAKE at
    movq    %r9, %fs:(%r8)
    jmp     *ch_next+\at(%rip)
.endm

.macro FILTER_ZERO p
    movq    \p, %rdx                   /* window hash: (p >> W) * M >> H */
    shrq    $CH_FILTER_WINDOW_SHIFT, %rdx
    movabsq $CH_FILTER_WINDOW_MULT, %rcx
    imulq   %rcx, %rdx
    shrq    $CH_FILTER_HASH_SHIFT, %rdx
    movq    \p, %rcx                   /* + (p >> G), modulo the filter size */
    shrq    $CH_FILTER_GRAIN_SHIFT, %rcx
    addq    %rcx, %rdx
    andl    $((1 << CH_FILTER_BITS) - 1), %edx
    cmpb    $0, (%rax,%rdx)
.endm

    .globl  malloc
    .type   malloc, @function
    .p2align 4
malloc:
    .cfi_startproc
    COUNTDOWN_COVERS %rdi, ch_malloc_slow
    COUNTDOWN_TAKE CH_NEXT_MALLOC
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
    FILTER_ZERO %rdi
    jne     ch_free_slow                /* maybe recorded */
    jmp     *ch_next+CH_NEXT_FREE(%rip)
    .cfi_endproc
    .size   free, .-free

    .globl  calloc
    .type   calloc, @function
    .p2align 4
calloc:
    .cfi_startproc
    movq    %rdi, %rax
    mulq    %rsi                        /* %rdx:%rax = n * size */
    jo      ch_calloc_slow              /* overflows: glibc fails it, through C */
    COUNTDOWN_COVERS %rax, ch_calloc_slow
    COUNTDOWN_TAKE CH_NEXT_CALLOC
    .cfi_endproc
    .size   calloc, .-calloc

    .globl  realloc
    .type   realloc, @function
    .p2align 4
realloc:
    .cfi_startproc
    COUNTDOWN_COVERS %rsi, ch_realloc_slow
    testq   %rdi, %rdi
    je      1f                          /* realloc(NULL, n) frees nothing */
    movq    ch_filter(%rip), %rax
    testq   %rax, %rax
    je      ch_realloc_slow
    FILTER_ZERO %rdi
    jne     ch_realloc_slow             /* the old block maybe recorded */
1:  COUNTDOWN_TAKE CH_NEXT_REALLOC
    .cfi_endproc
    .size   realloc, .-realloc

/* glibc 2.36's aligned_alloc is memalign itself (no extra argument checks). */
    .globl  memalign
    .globl  aligned_alloc
    .type   memalign, @function
    .type   aligned_alloc, @function
    .p2align 4
memalign:
aligned_alloc:
    .cfi_startproc
    COUNTDOWN_COVERS %rsi, ch_memalign_slow
    COUNTDOWN_TAKE CH_NEXT_MEMALIGN
    .cfi_endproc
    .size   memalign, .-memalign
    .size   aligned_alloc, .-aligned_alloc

/*
 * posix_memalign(out, align, n): the result of glibc's memalign goes to
 * *out, so this path calls it (not a jump): a frame of three words, said in
 * the CFI. The exits to C (another allocator than glibc's; a bad alignment:
 * EINVAL; the countdown) are taken with the stack as the program left it.
 * glibc's posix_memalign is its memalign and a store, so a failure returns
 * ENOMEM with errno as glibc's memalign left it, as glibc's posix_memalign
 * would (the C path keeps errno for another allocator, whose memalign may
 * set it), and gives the countdown back. In C the unsampled call cost 46
 * instructions and two calls of __errno_location (callgrind, `calls
 * realloc`), here 26.
 */
    .globl  posix_memalign
    .type   posix_memalign, @function
    .p2align 4
posix_memalign:
    .cfi_startproc
    cmpb    $0, ch_next_is_glibc(%rip)
    je      ch_posix_memalign_slow      /* not resolved yet, or another allocator */
    cmpq    $8, %rsi
    jb      ch_posix_memalign_slow      /* 0, 1, 2, 4: not a multiple of sizeof(void *) */
    leaq    -1(%rsi), %rax
    testq   %rax, %rsi
    jne     ch_posix_memalign_slow      /* not a power of two */
    COUNTDOWN_COVERS %rdx, ch_posix_memalign_slow
    movq    %r9, %fs:(%r8)
    pushq   %rdi                        /* three words: the stack is 16-byte aligned at the call */
    .cfi_adjust_cfa_offset 8
    pushq   %rsi
    .cfi_adjust_cfa_offset 8
    pushq   %rdx
    .cfi_adjust_cfa_offset 8
    movq    %rsi, %rdi
    movq    %rdx, %rsi
    call    *ch_next+CH_NEXT_MEMALIGN(%rip)
    popq    %rdx
    .cfi_adjust_cfa_offset -8
    popq    %rsi
    .cfi_adjust_cfa_offset -8
    popq    %rdi
    .cfi_adjust_cfa_offset -8
    testq   %rax, %rax
    je      1f
    movq    %rax, (%rdi)
    xorl    %eax, %eax
    ret
1:  movq    ch_sample_left@gottpoff(%rip), %r8
    addq    %rdx, %fs:(%r8)             /* the countdown as it was */
    movl    $CH_ENOMEM, %eax
    ret
    .cfi_endproc
    .size   posix_memalign, .-posix_memalign

    .section .note.GNU-stack, "", @progbits

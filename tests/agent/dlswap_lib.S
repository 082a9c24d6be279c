/*
 * One function, swap_alloc(n, decoy), built twice (VARIANT 1 and 2) into two
 * libraries whose swap_alloc and its call of malloc lie at the same offsets
 * but whose frames differ: variant 1 keeps an RSP-based CFA 32 bytes above
 * the call, variant 2 an RBP-based one 64 bytes above it. The words of
 * either frame below its saved registers hold `decoy`, a return address in the caller's decoy():
 * a walk that steps one library's frame with the other's rule lands there.
 */
#ifndef VARIANT
#error "VARIANT 1 or 2"
#endif
    .text
    .globl swap_alloc
    .type swap_alloc, @function
    .p2align 6
swap_alloc:
    .cfi_startproc
#if VARIANT == 1
    push %rbx
    .cfi_def_cfa_offset 16
    .cfi_offset %rbx, -16
    sub $16, %rsp
    .cfi_def_cfa_offset 32
    mov %rsi, (%rsp)
    mov %rsi, 8(%rsp)
#else
    push %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    mov %rsp, %rbp
    .cfi_def_cfa_register %rbp
    push %rbx
    push %r12
    .cfi_offset %rbx, -24
    .cfi_offset %r12, -32
    sub $32, %rsp
    mov %rsi, (%rsp)
    mov %rsi, 8(%rsp)
    mov %rsi, 16(%rsp)
    mov %rsi, 24(%rsp)
#endif
#if VARIANT == 1
    .org swap_alloc + 48, 0x90 /* the call at the same offset in both variants */
    call malloc@PLT /* variant 1's line */
#else
    .org swap_alloc + 48, 0x90
    call malloc@PLT /* variant 2's line */
#endif
    .globl swap_alloc_site
swap_alloc_site:
#if VARIANT == 1
    add $16, %rsp
    .cfi_def_cfa_offset 16
    pop %rbx
    .cfi_def_cfa_offset 8
    ret
#else
    add $32, %rsp
    pop %r12
    pop %rbx
    pop %rbp
    .cfi_def_cfa %rsp, 8
    ret
#endif
    .cfi_endproc
    .org swap_alloc + 96, 0xcc
    .size swap_alloc, . - swap_alloc
    .section .note.GNU-stack, "", @progbits

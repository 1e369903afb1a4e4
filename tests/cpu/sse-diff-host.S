/*
 * sse-diff's host side (x86-64 only): run one instruction on the host CPU
 * with a given FXSAVE image, general registers and flags, and capture them
 * after it.  void sse_host_run(SseHostCtx *ctx) with the layout of
 * sse-diff.c: fx[512] at 0, gpr[8] at 512 (RAX RCX RDX RBX RSP RBP RSI
 * RDI; RSP and RBP are not loaded), rflags at 576, the code to call at
 * 584, the host's own FXSAVE image at 608.
 *
 * SPDX-License-Identifier: MIT
 */
#if defined(__x86_64__)
    .text
    .globl sse_host_run
    .type sse_host_run, @function
sse_host_run:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %r15
    fxsave 608(%r15)
    fxrstor (%r15)
    pushq 576(%r15)
    popfq
    mov 512(%r15), %rax
    mov 520(%r15), %rcx
    mov 528(%r15), %rdx
    mov 536(%r15), %rbx
    mov 560(%r15), %rsi
    mov 568(%r15), %rdi
    call *584(%r15)
    pushfq
    popq 576(%r15)
    mov %rax, 512(%r15)
    mov %rcx, 520(%r15)
    mov %rdx, 528(%r15)
    mov %rbx, 536(%r15)
    mov %rsi, 560(%r15)
    mov %rdi, 568(%r15)
    fxsave (%r15)
    fxrstor 608(%r15)
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size sse_host_run, .-sse_host_run
#endif
    .section .note.GNU-stack,"",@progbits

/*
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include "host-x87.h"

#if defined(__x86_64__) && defined(__linux__)
#include <sys/mman.h>

static uint8_t *code;
static sigjmp_buf trap_jmp;

static void on_trap(int sig)
{
    siglongjmp(trap_jmp, sig);
}

bool host_x87_available(void)
{
    if (!code) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            return false;
        }
        code = p;
    }
    return true;
}

static uint8_t *emit(uint8_t *p, const void *bytes, unsigned n)
{
    memcpy(p, bytes, n);
    return p + n;
}

static uint8_t *emit_disp(uint8_t *p, const uint8_t *op, unsigned n, size_t disp)
{
    uint32_t d = (uint32_t)disp;

    p = emit(p, op, n);
    return emit(p, &d, 4);
}

int host_x87_run(HostRun *run, const uint8_t *insn, unsigned len)
{
    /* Hand-assembled (rbx = run):
     *   push rbx; mov rbx, rdi; frstor [rbx+in]; lea rsi, [rbx+mem];
     *   xor eax, eax; push qword [rbx+flags_in]; popfq; <insn>; pushfq;
     *   pop qword [rbx+flags_out]; mov [rbx+rax_out], rax;
     *   fnsave [rbx+out]; pop rbx; ret */
    static const uint8_t prologue[] = { 0x53, 0x48, 0x89, 0xfb };
    static const uint8_t frstor[] = { 0xdd, 0xa3 };
    static const uint8_t lea_rsi[] = { 0x48, 0x8d, 0xb3 };
    static const uint8_t xor_eax[] = { 0x31, 0xc0 };
    static const uint8_t push_m[] = { 0xff, 0xb3 };
    static const uint8_t popf[] = { 0x9d }, pushf[] = { 0x9c };
    static const uint8_t pop_m[] = { 0x8f, 0x83 };
    static const uint8_t mov_rax[] = { 0x48, 0x89, 0x83 };
    static const uint8_t fnsave[] = { 0xdd, 0xb3 };
    static const uint8_t epilogue[] = { 0x5b, 0xc3 };
    static const uint8_t fninit[] = { 0xdb, 0xe3, 0xc3 };
    struct sigaction sa, old_ill, old_fpe, old_segv;
    uint8_t *p = code;
    int sig;

    if (!code || len > 15) {
        return -1;
    }
    p = emit(p, prologue, sizeof(prologue));
    p = emit_disp(p, frstor, sizeof(frstor), offsetof(HostRun, in));
    p = emit_disp(p, lea_rsi, sizeof(lea_rsi), offsetof(HostRun, mem));
    p = emit(p, xor_eax, sizeof(xor_eax));
    p = emit_disp(p, push_m, sizeof(push_m), offsetof(HostRun, flags_in));
    p = emit(p, popf, sizeof(popf));
    p = emit(p, insn, len);
    p = emit(p, pushf, sizeof(pushf));
    p = emit_disp(p, pop_m, sizeof(pop_m), offsetof(HostRun, flags_out));
    p = emit_disp(p, mov_rax, sizeof(mov_rax), offsetof(HostRun, rax_out));
    p = emit_disp(p, fnsave, sizeof(fnsave), offsetof(HostRun, out));
    p = emit(p, epilogue, sizeof(epilogue));
    emit(code + 256, fninit, sizeof(fninit));

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_trap;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGILL, &sa, &old_ill);
    sigaction(SIGFPE, &sa, &old_fpe);
    sigaction(SIGSEGV, &sa, &old_segv);
    sig = sigsetjmp(trap_jmp, 1);
    if (sig == 0) {
        ((void (*)(HostRun *))(void *)code)(run);
    } else {
        /* Leave the FPU clean for the compiler's code. */
        ((void (*)(void))(void *)(code + 256))();
    }
    sigaction(SIGILL, &old_ill, NULL);
    sigaction(SIGFPE, &old_fpe, NULL);
    sigaction(SIGSEGV, &old_segv, NULL);
    return sig;
}

#else

bool host_x87_available(void)
{
    return false;
}

int host_x87_run(HostRun *run, const uint8_t *insn, unsigned len)
{
    (void)run;
    (void)insn;
    (void)len;
    return -1;
}

#endif

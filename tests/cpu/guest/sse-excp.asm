; MMX/SSE exception conditions (SDM vol. 3A, 13.1 and 13.4; vol. 2A, 2.4
; "Exceptions Type 2/4", table 22-... for MMX): #UD without CR4.OSFXSR,
; #NM with CR0.TS, #UD with CR0.EM (SSE and MMX), an unmasked SIMD
; floating-point exception as #XM with CR4.OSXMMEXCPT and #UD without it
; (with the destination unchanged and the flag set), #GP(0) for MXCSR
; reserved bits on LDMXCSR and FXRSTOR (MXCSR unchanged), #GP(0) for a
; misaligned MOVAPS; FXSAVE's MXCSR_MASK and XMM image; the CPUID flags;
; EMMS and the MMX transition of the tag word.  Run with the SSE features
; on (guestrun --cpu pentium2,+mmx,+sse,+sse2,+sse3), under --jit-verify as the
; other guest tests.
;
;! halted = 1
; ADDPS with CR4.OSFXSR clear: #UD
;! mem32[0x600] = 6
; with CR0.TS: #NM; with CR0.EM: #UD
;! mem32[0x604] = 7
;! mem32[0x608] = 6
; MMX PADDB: #UD with CR0.EM, #NM with CR0.TS, and no OSFXSR needed
;! mem32[0x60c] = 6
;! mem32[0x610] = 7
;! mem32[0x614] = 0x12
; DIVPS by zero, ZE unmasked: #XM with OSXMMEXCPT, #UD without
;! mem32[0x618] = 19
;! mem32[0x61c] = 6
; MXCSR after: ZE (1/0 in element 0) and the masked IE (0/0 in elements
; 1..3) both set, as pre-computation exceptions; XMM0 unchanged
;! mem32[0x620] = 0x1d85
;! mem32[0x624] = 0x3f800000
; LDMXCSR 0x10000: #GP(0), MXCSR unchanged
;! mem32[0x628] = 13
;! mem32[0x62c] = 0
;! mem32[0x630] = 0x1f80
; FXRSTOR with MXCSR 0x10000: #GP(0), nothing loaded
;! mem32[0x634] = 13
;! mem32[0x638] = 0x1f80
;! mem32[0x63c] = 0x12345678
; FXSAVE: MXCSR_MASK FFFF, XMM3 at 160 + 48; FXRSTOR brings XMM3 back
;! mem32[0x640] = 0xffff
;! mem32[0x644] = 0x12345678
;! mem32[0x648] = 0x12345678
; MOVAPS from a misaligned address: #GP(0)
;! mem32[0x64c] = 13
; CPUID.1: EDX MMX, SSE, SSE2; ECX SSE3
;! mem32[0x650] = 0x06800000
;! mem32[0x654] = 1
; abridged tags after an MMX instruction (all valid) and after EMMS (none)
;! mem32[0x658] = 0xff
;! mem32[0x65c] = 0
; no exception was left unexpected
;! mem32[0x660] = 0
; FISTTP (SSE3) truncates 2.7 and -2.7 (rounding control: nearest) and pops
;! mem32[0x664] = 2
;! mem32[0x668] = 0xfffe
;! mem32[0x66c] = 0
; a hot loop (compiled blocks call the SSE handlers): 40 x PADDD, ADDSS
;! mem32[0x670] = 40
;! mem32[0x674] = 0x42200000

%include "lib.inc"
        cpu     prescott

FXAREA  equ 0x7000

; Clear CR0 and CR4 bits, then set others.
%macro CR0SET 2
        mov     eax, cr0
        and     eax, ~(%1)
        or      eax, %2
        mov     cr0, eax
%endmacro
%macro CR4SET 2
        mov     eax, cr4
        and     eax, ~(%1)
        or      eax, %2
        mov     cr4, eax
%endmacro

CR0_EM  equ 4
CR0_TS  equ 8
OSFXSR  equ 0x200
OSXMMEXCPT equ 0x400

test_main:
        CR0SET  0x2e, 0x22              ; MP, NE; EM, TS clear
        fninit
        ; #UD without OSFXSR
        CR4SET  OSFXSR | OSXMMEXCPT, 0
        EXPECT_FAULT .a1
        addps   xmm0, xmm1
.a1:    SAVE    EXC_VEC, 0
        ; #NM with TS
        CR4SET  0, OSFXSR
        CR0SET  0, CR0_TS
        EXPECT_FAULT .a2
        addps   xmm0, xmm1
.a2:    SAVE    EXC_VEC, 4
        ; #UD with EM
        CR0SET  CR0_TS, CR0_EM
        EXPECT_FAULT .a3
        addps   xmm0, xmm1
.a3:    SAVE    EXC_VEC, 8
        ; MMX with EM, with TS, and without OSFXSR
        EXPECT_FAULT .a4
        paddb   mm0, mm1
.a4:    SAVE    EXC_VEC, 0xc
        CR0SET  CR0_EM, CR0_TS
        EXPECT_FAULT .a5
        paddb   mm0, mm1
.a5:    SAVE    EXC_VEC, 0x10
        clts
        CR4SET  OSFXSR, 0
        mov     dword [RES + 0x100], 0x10
        mov     dword [RES + 0x104], 0
        movq    mm0, [RES + 0x100]
        mov     dword [RES + 0x100], 2
        movq    mm1, [RES + 0x100]
        paddb   mm0, mm1
        movd    [RES + 0x14], mm0
        CR4SET  0, OSFXSR
        ; #XM / #UD for an unmasked ZE
        mov     dword [RES + 0x100], 0x1d80
        ldmxcsr [RES + 0x100]
        mov     eax, 0x3f800000
        movd    xmm0, eax
        pxor    xmm1, xmm1
        CR4SET  0, OSXMMEXCPT
        EXPECT_FAULT .a6
        divps   xmm0, xmm1
.a6:    SAVE    EXC_VEC, 0x18
        CR4SET  OSXMMEXCPT, 0
        EXPECT_FAULT .a7
        divps   xmm0, xmm1
.a7:    SAVE    EXC_VEC, 0x1c
        stmxcsr [RES + 0x20]
        movd    [RES + 0x24], xmm0
        ; LDMXCSR with a reserved bit
        mov     dword [RES + 0x100], 0x1f80
        ldmxcsr [RES + 0x100]
        mov     dword [RES + 0x100], 0x10000
        EXPECT_FAULT .a8
        ldmxcsr [RES + 0x100]
.a8:    SAVE    EXC_VEC, 0x28
        SAVE    EXC_ERR, 0x2c
        stmxcsr [RES + 0x30]
        ; FXRSTOR with a reserved MXCSR bit
        mov     eax, 0x12345678
        movd    xmm3, eax
        fxsave  [FXAREA]
        mov     eax, [FXAREA + 28]
        mov     [RES + 0x40], eax
        mov     eax, [FXAREA + 160 + 48]
        mov     [RES + 0x44], eax
        mov     dword [FXAREA + 24], 0x10000
        pxor    xmm3, xmm3
        EXPECT_FAULT .a9
        fxrstor [FXAREA]
.a9:    SAVE    EXC_VEC, 0x34
        stmxcsr [RES + 0x38]
        mov     dword [FXAREA + 24], 0x1f80
        fxrstor [FXAREA]
        movd    [RES + 0x3c], xmm3
        movd    [RES + 0x48], xmm3
        ; misaligned MOVAPS
        EXPECT_FAULT .a10
        movaps  xmm2, [RES + 0x108]
.a10:   SAVE    EXC_VEC, 0x4c
        ; CPUID
        mov     eax, 1
        cpuid
        and     edx, 0x06800000
        mov     [RES + 0x50], edx
        and     ecx, 1
        mov     [RES + 0x54], ecx
        ; tags
        fninit
        movq    mm2, mm1
        fxsave  [FXAREA]
        movzx   eax, byte [FXAREA + 4]
        mov     [RES + 0x58], eax
        emms
        fxsave  [FXAREA]
        movzx   eax, byte [FXAREA + 4]
        mov     [RES + 0x5c], eax
        ; FISTTP
        fninit
        mov     dword [RES + 0x100], 0x402ccccd     ; 2.7
        fld     dword [RES + 0x100]
        fisttp  dword [RES + 0x64]
        mov     dword [RES + 0x100], 0xc02ccccd     ; -2.7
        fld     dword [RES + 0x100]
        fisttp  word [RES + 0x68]
        fnstsw  ax
        and     eax, 0x3800
        mov     [RES + 0x6c], eax
        ; a loop hot enough for the code generator
        mov     ecx, 40
        pxor    xmm5, xmm5
        xorps   xmm7, xmm7
        mov     eax, 1
        movd    xmm6, eax
        mov     eax, 0x3f800000
        movd    xmm4, eax
.loop:  paddd   xmm5, xmm6
        addss   xmm7, xmm4
        dec     ecx
        jnz     .loop
        movd    [RES + 0x70], xmm5
        movd    [RES + 0x74], xmm7
        ; nothing unexpected: the fault count minus the expected ones
        mov     eax, [EXC_CNT]
        sub     eax, 10
        mov     [RES + 0x60], eax
        DONE

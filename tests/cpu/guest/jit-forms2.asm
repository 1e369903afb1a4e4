; More instruction forms the code generator compiles inline (after
; jit-forms.asm, whose conventions this follows): each in a block with the
; flags it writes live, run by guestrun --jit-verify both compiled and
; interpreted and compared, then checked against the values the SDM gives
; (vol. 2, the instruction pages).  Flags the SDM leaves undefined (SF, ZF,
; AF, PF after MUL; all after DIV; OF after a double shift by more than
; one) are not checked here, so that tests/cpu/guest/ref-check.sh may
; compare the results with another emulator; jit-verify still compares
; them with the interpreter.
;
; 1. MUL r32 overflowing into EDX (CF OF); MUL [m] not; IMUL r32 of a
;    negative product that fits; IMUL [m] that does not
; 2. DIV r32 and DIV [m]; DIV by zero and DIV whose quotient needs 33
;    bits: #DE (0) at the DIV's EIP, with EAX and EDX as they were and
;    the registers written before the DIV in its block in place
; 3. CMPXCHG r32 and [m] with both outcomes: ZF, the flags of the CMP
;    (EAX - dest), EAX loaded when they differ, the memory kept
; 4. XCHG EAX, r32 (90+r), XCHG r32, r32 and XCHG r32, [m]
; 5. SHLD/SHRD by an immediate and by CL, registers and memory: counts 1
;    (CF, OF), 31, 4, 33 (masked to 1) and 32 and 0 (no change, the flags
;    kept)
; 6. CMOVcc r32, [m] taken and not taken, after a CMP of the previous
;    block; a NOP and a NOP with a ModRM between
; 7. LOOP (the flags of the ADD before kept), CALL r32 and CALL [m]
; 8. INC/DEC of memory through a segment that is not flat, in and beyond
;    its limit
; 9. PUSHFD of lazily computed flags
; 10. single MOVS, STOS and LODS of bytes and dwords with DF clear and set
; 11. a block that loops to its own start, an interpreted instruction
;    (BSF) in it: run also without --jit-verify (cpu-guest-jit-forms2-run),
;    where the compiled block continues at its start without leaving
; 12. CMPXCHG's slow path and the JZ after it
; 13. direct links between compiled blocks, undone when code is rewritten
;
; 1: MUL 0x80000000 * 2 = 1:0: CF OF; MUL 3 * [5] = 15: neither; IMUL
;    -2 * 3 = -6 (EDX all ones): neither; IMUL 0x40000000 * [4] = 1:0:
;    CF OF
;! mem32[0x600] = 0x00000801
;! mem32[0x604] = 0x00000000
;! mem32[0x608] = 0x00000001
;! mem32[0x60c] = 0x00000000
;! mem32[0x610] = 0x0000000f
;! mem32[0x614] = 0x00000000
;! mem32[0x618] = 0x00000000
;! mem32[0x61c] = 0xfffffffa
;! mem32[0x620] = 0xffffffff
;! mem32[0x624] = 0x00000801
;! mem32[0x628] = 0x00000000
;! mem32[0x62c] = 0x00000001
; 2: 0x100000005 / 2 = 0x80000002 rest 1; 100 / [7] = 14 rest 2; then
;    #DE at the DIV's EIP (1), EAX 0x1234 kept, ESI 0x55 written before;
;    2:0 / 2: #DE, EIP right, EDX 2 kept
;! mem32[0x630] = 0x80000002
;! mem32[0x634] = 0x00000001
;! mem32[0x638] = 0x0000000e
;! mem32[0x63c] = 0x00000002
;! mem32[0x640] = 0x00000000
;! mem32[0x644] = 0x00000001
;! mem32[0x648] = 0x00001234
;! mem32[0x64c] = 0x00000055
;! mem32[0x650] = 0x00000000
;! mem32[0x654] = 0x00000001
;! mem32[0x658] = 0x00000002
; 3: ECX 10 = EAX: ECX = 77, ZF; ESI 5 != 10: EAX = 5, not ZF; [m] 5 =
;    EAX: [m] = 77, ZF; [m+4] 9 != 5: EAX = 9, [m+4] kept, the flags of
;    5 - 9: SF AF PF CF
;! mem32[0x65c] = 0x00000095
;! mem32[0x660] = 0x00000009
;! mem32[0x664] = 0x0000004d
;! mem32[0x668] = 0x00000005
;! mem32[0x66c] = 0x0000004d
;! mem32[0x670] = 0x00000009
;! mem32[0x674] = 0x00010001
; 4: EAX <-> EBX, EBX <-> EDX, ECX <-> [m]
;! mem32[0x678] = 0x00000022
;! mem32[0x67c] = 0x00000044
;! mem32[0x680] = 0x00000033
;! mem32[0x684] = 0x00000055
;! mem32[0x688] = 0x00000011
; 5: SHLD 0x80000001, 0x80000000, 1 = 3: CF OF; SHRD 0x80000000,
;    3, CL=31 = 7: CF 0; SHLD by CL=32 and by 0: EDI kept, ZF PF of the
;    XOR kept; SHRD [m] 0x12345678, 0xabcdef01, 4 = 0x11234567: CF;
;    SHLD [m] 0x40000000, 0xabcdef01, CL=33 = 0x80000001: OF, not CF
;! mem32[0x68c] = 0x00000801
;! mem32[0x690] = 0x00000003
;! mem32[0x694] = 0x00000000
;! mem32[0x698] = 0x00000007
;! mem32[0x69c] = 0x00000044
;! mem32[0x6a0] = 0x12345678
;! mem32[0x6a4] = 0x00000001
;! mem32[0x6a8] = 0x11234567
;! mem32[0x6ac] = 0x00000800
;! mem32[0x6b0] = 0x80000001
; 6: 3 cmp 4: CMOVB taken (ESI = [m]), CMOVA not (EDI kept)
;! mem32[0x6b4] = 0x0000aaaa
;! mem32[0x6b8] = 0x00000002
; 7: LOOP: 5 + 4 + 3 + 2 + 1, ECX 0, PF of the last ADD (14 + 1 = 15)
;    kept; two CALLs returned (ECX 2), ESP back where it was
;! mem32[0x6bc] = 0x0000000f
;! mem32[0x6c0] = 0x00000000
;! mem32[0x6c4] = 0x00000004
;! mem32[0x6c8] = 0x00000002
;! mem32[0x6cc] = 0x00000000
; 8: INC/DEC dword through FS with a base and a limit, CF kept from STC:
;    0x7fffffff + 1 (OF SF), then 1 - 1: ZF PF CF; beyond the limit: #GP
;! mem32[0x6d0] = 0x00000045
;! mem32[0x6d4] = 0x80000000
;! mem32[0x6d8] = 0x00000000
;! mem32[0x6dc] = 0x0000000d
; 9: PUSHFD after CMP 5, 7 in its block: SF AF CF; bit 1 set, IF TF DF
;    clear
;! mem32[0x6e0] = 0x00000091
;! mem32[0x6e4] = 0x00000002
; 10: LODSB, MOVSB, MOVSD, STOSB, LODSD, STOSD upwards; then with DF set
;    LODSB, STOSB, MOVSB, LODSD, STOSD downwards; ESI and EDI stepped
;    (as offsets from DATA: 0xa and 0x1a, then -3 and 0x1d)
;! mem32[0x6e8] = 0x55443322
;! mem32[0x6ec] = 0x88771166
;! mem32[0x6f0] = 0x00008877
;! mem32[0x6f4] = 0x001a000a
;! mem32[0x6f8] = 0x44332200
;! mem32[0x6fc] = 0x00000055
;! mem32[0x700] = 0x001dfffd
; 11: 100 rounds: EAX = 100 + 99 + ... + 1 = 5050; EBX = the sum of
;    round mod 32 (3 * 496 + 0 + 1 + 2 + 3 = 1494); ECX 0
;! mem32[0x704] = 0x000013ba
;! mem32[0x708] = 0x000005d6
;! mem32[0x70c] = 0x00000000
; 12: 12 rounds each of CMPXCHG [m] then JZ, the TLB entry of [m] dropped
;    by INVLPG before each, so that the compiled block (from the ninth
;    round on) takes the slow path of CMPXCHG and the JZ must read the
;    flags it left: EAX = [m] every round (ZF: 12 taken), then EAX !=
;    [m] every round (0 taken)
;! mem32[0x710] = 0x0000000c
;! mem32[0x714] = 0x00000000
; 13: 30 rounds of a block that jumps to another on the same page, which
;    adds its MOV's immediate to EAX; compiled, the first's exit jumps
;    straight into the second (a direct link).  Rounds 13 and 26 rewrite
;    that immediate (1, then 0x100, then 0x10000) from a third block, and
;    the link must be undone each time, the second time after the block
;    was compiled and linked anew: EAX = 12 * 1 + 13 * 0x100 + 5 * 0x10000
;! mem32[0x718] = 0x00050d0c
;! halted = 1
; (guestrun also fails when a compiled block differs from the interpreter)

%include "lib.inc"

DATA    equ 0x800
PAGE12  equ 0x3000
ARITH   equ 0x8d5           ; OF SF ZF AF PF CF

; SAVEM off, mask: the flags in mask into RES + off
%macro SAVEM 2
        pushfd
        pop     esi
        and     esi, %2
        mov     [RES + (%1)], esi
%endmacro

test_main:
        jmp     .t1
        ; 1
.t1:    mov     eax, 0x80000000
        mov     ecx, 2
        mul     ecx
        jmp     .s1
.s1:    SAVEM   0, 0x801
        mov     [RES + 4], eax
        mov     [RES + 8], edx
        mov     dword [DATA], 5
        mov     eax, 3
        jmp     .t1b
.t1b:   mul     dword [DATA]
        jmp     .s1b
.s1b:   SAVEM   0xc, 0x801
        mov     [RES + 0x10], eax
        mov     [RES + 0x14], edx
        mov     eax, -2
        mov     ebx, 3
        jmp     .t1c
.t1c:   imul    ebx
        jmp     .s1c
.s1c:   SAVEM   0x18, 0x801
        mov     [RES + 0x1c], eax
        mov     [RES + 0x20], edx
        mov     eax, 0x40000000
        mov     dword [DATA], 4
        jmp     .t1d
.t1d:   imul    dword [DATA]
        jmp     .s1d
.s1d:   SAVEM   0x24, 0x801
        mov     [RES + 0x28], eax
        mov     [RES + 0x2c], edx
        jmp     .t2
        ; 2
.t2:    mov     edx, 1
        mov     eax, 5
        mov     ecx, 2
        div     ecx
        mov     [RES + 0x30], eax
        mov     [RES + 0x34], edx
        mov     dword [DATA], 7
        xor     edx, edx
        mov     eax, 100
        div     dword [DATA]
        mov     [RES + 0x38], eax
        mov     [RES + 0x3c], edx
        EXPECT_FAULT .g2a
        mov     eax, 0x1234
        xor     edx, edx
        xor     ecx, ecx
        mov     esi, 0
        mov     dword [EXC_VEC], -1
        jmp     .t2a
.t2a:   mov     esi, 0x55
.d2a:   div     ecx
        mov     eax, 0
        jmp     .g2a
.g2a:   mov     [RES + 0x48], eax
        mov     [RES + 0x4c], esi
        SAVE    EXC_VEC, 0x40
        EIP_IS  .d2a, 0x44
        EXPECT_FAULT .g2b
        mov     dword [EXC_VEC], -1
        mov     edx, 2
        xor     eax, eax
        mov     ecx, 2
        jmp     .t2b
.t2b:   inc     esi
.d2b:   div     ecx
        xor     edx, edx
        jmp     .g2b
.g2b:   mov     [RES + 0x58], edx
        SAVE    EXC_VEC, 0x50
        EIP_IS  .d2b, 0x54
        jmp     .t3
        ; 3
.t3:    mov     eax, 10
        mov     ecx, 10
        mov     edx, 77
        mov     dword [DATA], 5
        mov     dword [DATA + 4], 9
        jmp     .t3a
.t3a:   cmpxchg ecx, edx
        setz    bl
        mov     [RES + 0x64], ecx
        mov     esi, 5
        cmpxchg esi, edx
        setz    bh
        cmpxchg [DATA], edx
        setz    cl
        cmpxchg [DATA + 4], edx
        jmp     .s3
.s3:    mov     edi, esi
        SAVEM   0x5c, ARITH
        mov     [RES + 0x60], eax
        mov     [RES + 0x68], edi
        SAVE    DATA, 0x6c
        SAVE    DATA + 4, 0x70
        movzx   edx, cl
        shl     edx, 16
        movzx   ebx, bx
        or      ebx, edx
        mov     [RES + 0x74], ebx
        jmp     .t4
        ; 4
.t4:    mov     eax, 0x11
        mov     ebx, 0x22
        mov     ecx, 0x44
        mov     edx, 0x55
        mov     dword [DATA], 0x33
        jmp     .t4a
.t4a:   xchg    eax, ebx                ; 93
        xchg    ebx, edx                ; 87 /r
        xchg    ecx, [DATA]
        jmp     .s4
.s4:    mov     [RES + 0x78], eax
        SAVE    DATA, 0x7c
        mov     [RES + 0x80], ecx
        mov     [RES + 0x84], ebx
        mov     [RES + 0x88], edx
        jmp     .t5
        ; 5
.t5:    mov     eax, 0x80000001
        mov     ebx, 0x80000000
        shld    eax, ebx, 1
        jmp     .s5
.s5:    SAVEM   0x8c, 0x801
        mov     [RES + 0x90], eax
        mov     edx, 0x80000000
        mov     esi, 3
        mov     ecx, 31
        jmp     .t5a
.t5a:   shrd    edx, esi, cl
        jmp     .s5a
.s5a:   SAVEM   0x94, 1
        mov     [RES + 0x98], edx
        mov     edi, 0x12345678
        mov     ebx, 0xabcdef01
        mov     ecx, 32
        mov     dword [DATA], 0x12345678
        mov     dword [DATA + 4], 0x40000000
        jmp     .t5b
.t5b:   xor     ebp, ebp                ; ZF PF
        shld    edi, ebx, cl
        shld    edi, ebx, 0
        jmp     .s5b
.s5b:   SAVEM   0x9c, ARITH
        mov     [RES + 0xa0], edi
        jmp     .t5c
.t5c:   shrd    [DATA], ebx, 4
        jmp     .s5c
.s5c:   SAVEM   0xa4, 1
        SAVE    DATA, 0xa8
        mov     ecx, 33
        jmp     .t5d
.t5d:   shld    [DATA + 4], ebx, cl
        jmp     .s5d
.s5d:   SAVEM   0xac, 0x801
        SAVE    DATA + 4, 0xb0
        jmp     .t6
        ; 6
.t6:    mov     dword [DATA], 0xaaaa
        mov     eax, 3
        cmp     eax, 4
        jmp     .t6a
.t6a:   mov     esi, 1
        mov     edi, 2
        cmovb   esi, [DATA]
        nop
        cmova   edi, [DATA]
        db      0x0f, 0x1f, 0x00        ; nop [eax]
        jmp     .s6
.s6:    mov     [RES + 0xb4], esi
        mov     [RES + 0xb8], edi
        jmp     .t7
        ; 7
.t7:    mov     ecx, 5
        xor     eax, eax
.l7:    add     eax, ecx
        loop    .l7
        jmp     .s7
.s7:    mov     [RES + 0xbc], eax
        mov     [RES + 0xc0], ecx
        SAVEM   0xc4, ARITH
        mov     edi, esp
        mov     eax, .f7
        xor     ecx, ecx
        jmp     .t7a
.t7a:   call    eax
        mov     dword [DATA], .f7
        call    [DATA]
        sub     edi, esp
        mov     [RES + 0xc8], ecx
        mov     [RES + 0xcc], edi
        jmp     .t8
        ; 8
.t8:    SETDESC GDT_FREE, DATA, 0xff, 0x92, 0x4   ; bytes DATA..DATA+0xff
        mov     dword [DATA + 0x10], 0x7fffffff
        mov     dword [DATA + 0x14], 1
        mov     ax, GDT_FREE * 8
        mov     fs, ax
        mov     ebx, 0x14
        jmp     .t8a
.t8a:   stc
        inc     dword [fs:0x10]
        dec     dword [fs:ebx]
        jmp     .s8
.s8:    SAVEM   0xd0, ARITH
        SAVE    DATA + 0x10, 0xd4
        SAVE    DATA + 0x14, 0xd8
        EXPECT_FAULT .g8
        mov     ebx, 0xfd
        jmp     .t8b
.t8b:   inc     dword [fs:ebx]          ; bytes 0xfd..0x100: beyond the limit
        jmp     .g8
.g8:    SAVE    EXC_VEC, 0xdc
        jmp     .t9
        ; 9
.t9:    mov     eax, 5
        cmp     eax, 7
        pushfd
        pop     esi
        jmp     .s9
.s9:    mov     edi, esi
        and     esi, ARITH
        mov     [RES + 0xe0], esi
        and     edi, 0x702              ; TF IF DF, bit 1
        mov     [RES + 0xe4], edi
        jmp     .t10
        ; 10
.t10:   mov     dword [DATA], 0x44332211
        mov     dword [DATA + 4], 0x88776655
        xor     eax, eax
        mov     edi, DATA + 8
        mov     ecx, 8
        cld
        rep     stosd                   ; DATA + 8 .. DATA + 0x27 zero
        mov     esi, DATA
        mov     edi, DATA + 0x10
        jmp     .t10a
.t10a:  lodsb
        movsb
        movsd
        stosb
        lodsd
        stosd
        jmp     .s10
.s10:   mov     [RES + 0xf0], eax
        sub     esi, DATA
        sub     edi, DATA
        shl     edi, 16
        or      esi, edi
        mov     [RES + 0xf4], esi
        mov     esi, DATA + 3
        mov     edi, DATA + 0x23
        std
        jmp     .t10b
.t10b:  lodsb
        stosb
        movsb
        lodsd
        stosd
        jmp     .s10b
.s10b:  cld
        sub     esi, DATA
        sub     edi, DATA
        shl     edi, 16
        and     esi, 0xffff
        or      esi, edi
        mov     [RES + 0x100], esi
        SAVE    DATA + 0x10, 0xe8
        SAVE    DATA + 0x14, 0xec
        SAVE    DATA + 0x20, 0xf8
        SAVE    DATA + 0x24, 0xfc
        jmp     .t11
        ; 11
.t11:   xor     eax, eax
        xor     ebx, ebx
        mov     ecx, 100
        mov     edx, 1
.l11:   add     eax, ecx
        bsf     esi, edx
        add     ebx, esi
        rol     edx, 1
        dec     ecx
        jnz     .l11
        mov     [RES + 0x104], eax
        mov     [RES + 0x108], ebx
        mov     [RES + 0x10c], ecx
        ; 12
        mov     esi, 0x710
        mov     ebx, 7                  ; EAX: equal to [m]
.t12:   mov     ebp, 12
        xor     edi, edi
        mov     dword [PAGE12], 7
.t12a:  invlpg  [PAGE12]
        mov     eax, ebx
        mov     edx, 7
        jmp     .t12b
.t12b:  cmpxchg [PAGE12], edx
        jz      .t12z
        jmp     .t12n
.t12z:  inc     edi
.t12n:  dec     ebp
        jnz     .t12a
        mov     [RES + esi - 0x600], edi
        add     esi, 4
        inc     ebx                     ; 8: not equal
        cmp     esi, 0x718
        jb      .t12
        ; 13
        xor     eax, eax
        xor     ecx, ecx
        jmp     .t13
        ; each block of its own 64 bytes: a write drops only the blocks
        ; of the chunks it touches
        align   64
.t13:   cmp     ecx, 12
        jne     .t13w
        mov     dword [.t13imm], 0x100
.t13w:  cmp     ecx, 25
        jne     .t13a
        mov     dword [.t13imm], 0x10000
.t13a:  inc     ecx
        jmp     .t13b
        align   64
.t13b:  mov     edx, strict dword 1     ; B8+r id: the immediate at +1
.t13imm equ .t13b + 1
        add     eax, edx
        cmp     ecx, 30
        jb      .t13
        mov     [RES + 0x118], eax
        DONE
.f7:    inc     ecx
        ret

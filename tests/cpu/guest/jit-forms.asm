; The instruction forms the code generator compiles inline, each in a
; block of its own with the flags it writes live (a later instruction of
; the block reads them, or the block ends after it: its successor may read
; any flag).  guestrun --jit-verify compiles every block at once and runs
; it also through the interpreter, so the registers, memory and EFLAGS of
; each block are compared; the results below are then checked against the
; values the SDM gives (vol. 2, the instruction pages; narrow operations
; set OF/SF/CF from their own width).  A block ending in SAVE stores the
; previous block's results, and is interpreted-only (PUSHFD).
;
; 1. 8-bit ALU on registers: SUB overflowing (0x80 - 1), ADD with a carry
;    out, ADC of it, CMP of a high byte
; 2. 8-bit ALU on memory: CMP [m], r8; ADD, SBB, OR on [m]; XOR r8, [m]
; 3. 16-bit ALU: ADD overflowing, CMP [m], imm; SUB [m], r16; ADC [m], r16
; 4. TEST of 8- and 16-bit registers, immediates and memory
; 5. INC/DEC of a dword, byte and word in memory and of byte and word
;    registers, CF kept from a CMP in the block
; 6. INC of memory and DEC r8 in a block of their own: the CF they keep
;    comes from the producer of the previous block (after a SUB: the C
;    side; after an INC: cc_src2)
; 7. NOT r32; NEG r32 of a non-zero value and of zero
; 8. SETcc and CMOVcc after a CMP of the previous block (run-time
;    dispatch), and after a TEST of their own block (one host compare)
; 9. SETcc/CMOVcc after POPFD: the flags in EFLAGS
; 10. SHL/SHR/SAR r32, CL with counts 1, 31 and 0 (a zero count keeps the
;    flags of the CMP before it)
; 11. BT/BTS/BTR/BTC r32 and [m], imm: CF, the other flags kept
; 12. MOV r32, SUB r32, CMP through FS with a base (not flat) and a
;    limit: in the limit, then beyond it (#GP from the slow path, the
;    registers as before the faulting MOV)
; 13. PUSH r/m32 (memory, and a register through FF /6), LEAVE, JMP r32 and
;    JMP [m]
; 14. SHL/SHR/SAR by an immediate of bytes and words in memory and in
;    registers (a high byte among them) and of a dword in memory
;
; 1: SUB al, bl (0x80 - 1): OF, no CF; ADD ah (0x22 + 0xf0): CF; ADC bl
;    (1 + 0x12 + 1): no CF; CMP bh, 0x44: ZF PF
;! mem32[0x600] = 0x00000044
;! mem32[0x604] = 0x1111127f
;! mem32[0x608] = 0x33334414
;! mem32[0x60c] = 0x00010001
; 2: CMP 0x7f, 0x81: CF OF; ADD [m+1], 0xff -> 0: ZF CF; SBB [m+2]
;    (0xff - 0x81 - 1); XOR dl (0x81 ^ 0x80); OR [m+3] -> 0x81: SF PF
;! mem32[0x610] = 0x00000084
;! mem32[0x614] = 0x817d007f
;! mem32[0x618] = 0x00010101
;! mem32[0x61c] = 0x00000001
; 3: ADD ax (0x7fff + 1): OF; CMP word 0x8000, 1: OF, not SF (L); SUB [m],
;    ax -> 0, no CF; ADC [m+2] (0x1234 + 0x8000); CMP ax, 0x8000: ZF PF
;! mem32[0x620] = 0x00000044
;! mem32[0x624] = 0x92340000
;! mem32[0x628] = 0x00000101
; 4: TEST al, 0x80: SF; TEST ah, al: SF (LE); TEST byte [m]: NZ; TEST word
;    0x3c00, 0xc381: ZF PF
;! mem32[0x62c] = 0x00000044
;! mem32[0x630] = 0x00010101
; 5: CMP 0, 1 sets CF; DEC [m] -> 0 ZF, CF kept; INC byte 0x7f: OF;
;    INC word 0xffff: ZF, CF kept; DEC cl; INC si (0xfffe): SF PF, CF kept
;! mem32[0x634] = 0x00000085
;! mem32[0x638] = 0x00000000
;! mem32[0x63c] = 0x00000080
;! mem32[0x640] = 0x00010101
;! mem32[0x644] = 0x0000ffff
; 6: after SUB 1-2 (CF=1): INC [m] keeps CF; after INC (CF kept 1): DEC cl
;! mem32[0x648] = 0x00000001
;! mem32[0x64c] = 0x00000001
;! mem32[0x650] = 0x000000ff
; 7: NOT, NEG non-zero (CF), NEG zero (ZF, CF=0)
;! mem32[0x654] = 0x0f0f0001
;! mem32[0x658] = 0x00000044
;! mem32[0x65c] = 0x00000001
; 8: 5 cmp 7: B, not G, not O, L: cmovl taken, cmovge not; TEST 5, 4: NZ
;! mem32[0x660] = 0x00000001
;! mem32[0x664] = 0x00000222
;! mem32[0x668] = 0x00000111
;! mem32[0x66c] = 0x00000001
;! mem32[0x670] = 0x00000005
; 9: EFLAGS OF SF ZF CF set: O B Z S, not P; L false (SF=OF); LE true
;! mem32[0x674] = 0x01010101
;! mem32[0x678] = 0x00000000
;! mem32[0x67c] = 0x00000333
; 10: SHL 0x60000001, 1: SF OF; SHR 0xffffffff, 31: CF; SAR 0x80000000, 31:
;    SF PF; SHR by 0 after CMP: the CMP's OF; SHR 0x80000003, 1: CF OF
;! mem32[0x680] = 0xc0000002
;! mem32[0x684] = 0x00000880
;! mem32[0x688] = 0x00000001
;! mem32[0x68c] = 0x00000001
;! mem32[0x690] = 0xffffffff
;! mem32[0x694] = 0x00000084
;! mem32[0x698] = 0x80000001
;! mem32[0x69c] = 0x00000800
;! mem32[0x6b0] = 0x00000801
;! mem32[0x6b4] = 0x40000001
; 11: BT eax, 3 (set): CF; BTS [m], 4; BTR [m], 0; BTC ecx, 31; ZF from
;     the TEST kept
;! mem32[0x6a0] = 0x00000045
;! mem32[0x6a4] = 0x00000012
;! mem32[0x6a8] = 0x00000001
;! mem32[0x6ac] = 0x00000001
; 12: fs:[0] = 0x44332211, fs:[4] = 0xbbbbbbbb, SUB 0xbbbbbbbb - 0xffffffff,
;     CMP equal: ZF PF; then #GP (13) with EAX kept
;! mem32[0x6b8] = 0x44332211
;! mem32[0x6bc] = 0xbbbbbbbc
;! mem32[0x6c0] = 0x00000044
;! mem32[0x6c4] = 0x0000000d
;! mem32[0x6c8] = 0x44332211
; 13: ESP back where it was, EBP restored, the two pushed values; both
;     jumps taken (3)
; 14: SHL 0x81, 1: CF OF; SHR 0x40, 1: none; SAR 0x80c3, 3 -> 0xf018: SF,
;     CF 0; SHL [m] 0x12345678, 4: CF OF; SHR dx 0x8001, 1: CF OF;
;     SAR ch 0x83, 2 -> 0xe0: CF SF
;! mem32[0x6cc] = 0x00000000
;! mem32[0x6d0] = 0x12345678
;! mem32[0x6d4] = 0x9abcdef0
;! mem32[0x6d8] = 0x00000003
;! mem32[0x6dc] = 0x00000101
;! mem32[0x6e0] = 0x00000000
;! mem32[0x6e4] = 0x00000001
;! mem32[0x6e8] = 0x00000801
;! mem32[0x6ec] = 0xf0182002
;! mem32[0x6f0] = 0x23456780
;! mem32[0x6f4] = 0x12344000
;! mem32[0x6f8] = 0x0000e000
;! mem32[0x6fc] = 0x00000101
;! mem32[0x700] = 0x00000101
;! halted = 1
; (guestrun also fails when a compiled block differs from the interpreter)

%include "lib.inc"

DATA    equ 0x800
ARITH   equ 0x8d5           ; OF SF ZF AF PF CF

; SAVEF off: the arithmetic flags into RES + off
%macro SAVEF 1
        pushfd
        pop     esi
        and     esi, ARITH
        mov     [RES + (%1)], esi
%endmacro

test_main:
        jmp     .t1
        ; 1
.t1:    mov     eax, 0x11112280
        mov     ebx, 0x33334401
        sub     al, bl
        seto    cl
        setb    ch
        add     ah, 0xf0
        adc     bl, ah
        setnc   dl
        cmp     bh, 0x44
        jmp     .s1
.s1:    SAVEF   0
        mov     [RES + 4], eax
        mov     [RES + 8], ebx
        movzx   edx, dl
        shl     edx, 16
        movzx   ecx, cx
        or      ecx, edx
        mov     [RES + 0xc], ecx
        jmp     .t2
        ; 2
.t2:    mov     dword [DATA], 0x80ff017f
        mov     ecx, DATA
        mov     dl, 0x81
        cmp     [ecx], dl
        setb    al
        seto    ah
        add     byte [ecx + 1], 0xff
        setz    bl
        sbb     byte [ecx + 2], dl
        xor     dl, [ecx + 3]
        or      [ecx + 3], dl
        jmp     .s2
.s2:    SAVEF   0x10
        mov     esi, [DATA]
        mov     [RES + 0x14], esi
        movzx   eax, ax
        movzx   ebx, bl
        shl     ebx, 16
        or      eax, ebx
        mov     [RES + 0x18], eax
        movzx   edx, dl
        mov     [RES + 0x1c], edx
        jmp     .t3
        ; 3
.t3:    mov     eax, 0xaaaa7fff
        add     ax, 1
        seto    bl
        mov     word [DATA], 0x8000
        mov     word [DATA + 2], 0x1234
        cmp     word [DATA], 1
        setl    bh
        sub     [DATA], ax
        adc     [DATA + 2], ax          ; CF=0 from the SUB: 0x1234 + 0x8000
        cmp     ax, 0x8000
        jmp     .s3
.s3:    SAVEF   0x20
        mov     esi, [DATA]
        mov     [RES + 0x24], esi
        movzx   ebx, bx
        mov     [RES + 0x28], ebx
        jmp     .t4
        ; 4
.t4:    mov     eax, 0x0000c381
        mov     byte [DATA], 0x40
        mov     word [DATA + 2], 0x3c00
        test    al, 0x80
        sets    bl
        test    ah, al
        setle   bh
        test    byte [DATA], 0x40
        setnz   cl
        test    word [DATA + 2], ax
        jmp     .s4
.s4:    SAVEF   0x2c
        movzx   ebx, bx
        movzx   ecx, cl
        shl     ecx, 16
        or      ebx, ecx
        mov     [RES + 0x30], ebx
        jmp     .t5
        ; 5
.t5:    mov     dword [DATA], 1
        mov     dword [DATA + 4], 0xffff007f
        mov     cl, 1
        mov     esi, 0xfffe
        xor     eax, eax
        cmp     eax, 1
        dec     dword [DATA]
        setz    bl
        setb    bh
        inc     byte [DATA + 4]
        seto    al
        inc     word [DATA + 6]
        setb    ah
        dec     cl
        inc     si
        jmp     .s5
.s5:    mov     [RES + 0x44], esi
        SAVEF   0x34
        mov     edx, [DATA]
        mov     [RES + 0x38], edx
        mov     edx, [DATA + 4]
        mov     [RES + 0x3c], edx
        movzx   eax, ax
        movzx   ebx, bx
        shl     eax, 16
        or      eax, ebx
        and     eax, 0x00ff01ff
        or      al, cl                  ; cl = 0
        mov     [RES + 0x40], eax
        jmp     .t6
        ; 6
.t6:    mov     dword [DATA], 0
        mov     cl, 0
        mov     eax, 1
        sub     eax, 2
        jmp     .t6a
.t6a:   inc     dword [DATA]
        jmp     .t6b
.t6b:   dec     cl
        jmp     .s6
.s6:    setb    al
        movzx   eax, al
        mov     [RES + 0x48], eax
        mov     eax, [DATA]
        mov     [RES + 0x4c], eax
        movzx   ecx, cl
        mov     [RES + 0x50], ecx
        jmp     .t7
        ; 7
.t7:    mov     edx, 0x0f0f0000
        not     edx
        neg     edx
        setb    al
        xor     ebp, ebp
        neg     ebp
        jmp     .s7
.s7:    SAVEF   0x58
        mov     [RES + 0x54], edx
        movzx   eax, al
        mov     [RES + 0x5c], eax
        jmp     .t8
        ; 8
.t8:    mov     eax, 5
        cmp     eax, 7
        jmp     .t8a
.t8a:   mov     esi, 0x111
        mov     edi, 0x222
        mov     ebp, 0x111
        setb    bl
        setg    bh
        seto    cl
        sete    byte [DATA]
        cmovl   esi, edi
        cmovge  ebp, edi
        test    eax, 4
        cmovnz  edx, eax
        setnz   ch
        jmp     .s8
.s8:    movzx   ebx, bl
        mov     [RES + 0x60], ebx
        mov     [RES + 0x64], esi
        mov     [RES + 0x68], ebp
        movzx   ecx, ch
        movzx   eax, byte [DATA]
        add     ecx, eax                ; sete: 0
        mov     [RES + 0x6c], ecx
        mov     [RES + 0x70], edx
        jmp     .t9
        ; 9
.t9:    push    0x8c3                   ; OF SF ZF CF, bit 1
        popfd
        jmp     .t9a
.t9a:   seto    al
        setb    ah
        setz    bl
        sets    bh
        setp    cl
        setl    ch
        mov     esi, 0x111
        mov     edi, 0x333
        cmovle  esi, edi
        jmp     .s9
.s9:    shl     ebx, 16
        mov     bx, ax
        mov     [RES + 0x74], ebx
        movzx   ecx, cx
        mov     [RES + 0x78], ecx
        mov     [RES + 0x7c], esi
        jmp     .t10
        ; 10
.t10:   mov     eax, 0x60000001
        mov     ecx, 1
        shl     eax, cl                 ; 0xc0000002: SF, CF 0, OF = 1 ^ 0
        mov     [RES + 0x80], eax
        jmp     .s10
.s10:   SAVEF   0x84
        jmp     .t10b
.t10b:  mov     edx, 0xffffffff
        mov     ecx, 31
        shr     edx, cl                 ; 1: CF 1
        setc    al
        movzx   eax, al
        mov     [RES + 0x88], eax
        mov     [RES + 0x8c], edx
        mov     esi, 0x80000000
        sar     esi, cl                 ; 0xffffffff: SF PF, CF = bit 30: 0
        jmp     .s10a
.s10a:  mov     [RES + 0x90], esi
        SAVEF   0x94
        jmp     .t10c
.t10c:  mov     edi, 0x80000001
        mov     ecx, 0x20               ; count 0 (masked)
        cmp     edi, 0x40000000         ; OF only
        shr     edi, cl
        jmp     .s10b
.s10b:  mov     [RES + 0x98], edi
        SAVEF   0x9c
        jmp     .t10d
.t10d:  mov     eax, 0x80000003
        mov     ecx, 1
        shr     eax, cl                 ; 0x40000001: CF, OF = the MSB before
        jmp     .s10d
.s10d:  SAVEF   0xb0
        mov     [RES + 0xb4], eax
        jmp     .t11
        ; 11
.t11:   mov     eax, 8
        mov     dword [DATA], 0x03
        mov     ecx, 0x80000001
        test    eax, eax                ; ZF 0
        xor     edx, edx                ; ZF 1, PF 1
        bt      eax, 3
        bts     dword [DATA], 4
        btr     dword [DATA], 0
        btc     ecx, 31
        jmp     .s11
.s11:   SAVEF   0xa0
        mov     eax, [DATA]
        mov     [RES + 0xa4], eax
        mov     [RES + 0xa8], ecx
        jmp     .s11a
.s11a:  bt      dword [DATA], 1         ; EFLAGS already materialized: CF 1
        setc    al
        movzx   eax, al
        mov     [RES + 0xac], eax
        jmp     .t12
        ; 12
.t12:   SETDESC GDT_FREE, DATA, 0xff, 0x92, 0x4   ; bytes DATA..DATA+0xff
        mov     dword [DATA], 0x44332211
        mov     dword [DATA + 4], 0xbbbbbbbb
        mov     ax, GDT_FREE * 8
        mov     fs, ax
        jmp     .t12a
.t12a:  mov     ebx, 4
        mov     ecx, 0x44332211
        mov     eax, [fs:0]
        mov     edx, [fs:ebx]
        sub     edx, 0xffffffff
        cmp     [fs:0], ecx
        jmp     .s12
.s12:   mov     [RES + 0xb8], eax
        mov     [RES + 0xbc], edx
        SAVEF   0xc0
        EXPECT_FAULT .g12
        jmp     .t12b
.t12b:  mov     ebx, 0xfd
        mov     eax, [fs:ebx]           ; bytes 0xfd..0x100: beyond the limit
        mov     eax, 0
.g12:   mov     esi, [EXC_VEC]
        mov     [RES + 0xc4], esi
        mov     [RES + 0xc8], eax
        mov     [DATA + 0x10], dword .t13b
        mov     dword [DATA], 0x12345678
        xor     ecx, ecx
        jmp     .t13
        ; 13
.t13:   mov     edi, esp
        push    ebp
        mov     ebp, esp
        push    dword [DATA]
        mov     eax, 0x9abcdef0
        db      0xff, 0xf0              ; push eax (FF /6)
        mov     edx, [esp + 4]
        mov     esi, [esp]
        leave
        mov     [RES + 0xd0], edx
        mov     [RES + 0xd4], esi
        sub     edi, esp
        mov     [RES + 0xcc], edi
        mov     eax, .t13a
        inc     ecx
        jmp     eax
.t13a:  inc     ecx
        jmp     [DATA + 0x10]
.t13b:  inc     ecx
        mov     [RES + 0xd8], ecx
        mov     dword [DATA], 0x80c34081
        mov     dword [DATA + 4], 0x12345678
        jmp     .t14
        ; 14
.t14:   shl     byte [DATA], 1
        setc    al
        seto    ah
        shr     byte [DATA + 1], 1
        setc    bl
        seto    bh
        sar     word [DATA + 2], 3
        sets    cl
        setc    ch
        movzx   eax, ax
        mov     [RES + 0xdc], eax
        movzx   ebx, bx
        mov     [RES + 0xe0], ebx
        movzx   ecx, cx
        mov     [RES + 0xe4], ecx
        mov     edx, 0x12348001
        shr     dx, 1
        seto    al
        setc    ah
        mov     ecx, 0x8300
        sar     ch, 2
        setc    bl
        sets    bh
        shl     dword [DATA + 4], 4
        jmp     .s14
.s14:   SAVEF   0xe8
        mov     esi, [DATA]
        mov     [RES + 0xec], esi
        mov     esi, [DATA + 4]
        mov     [RES + 0xf0], esi
        mov     [RES + 0xf4], edx
        mov     [RES + 0xf8], ecx
        movzx   eax, ax
        mov     [RES + 0xfc], eax
        movzx   ebx, bx
        mov     [RES + 0x100], ebx
        DONE

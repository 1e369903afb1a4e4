; The x87 as the integer core drives it (SDM vol. 1, chapter 8; vol. 3A,
; 2.5 and 6.15): rounding control on stores and integer conversion,
; precision control, masked exceptions (ZE, the result), an unmasked
; exception reported as #MF at the next waiting instruction with CR0.NE=1
; (fpu-ferr.asm has CR0.NE=0), #NM for CR0.TS and MP, FCOMI's EFLAGS,
; FNSTSW AX after FCOM, FXSAVE/FXRSTOR.
;
;! halted = 1
; 1/3 stored as single precision under RC nearest, down, up, chop
;! mem32[0x600] = 0x3eaaaaab
;! mem32[0x604] = 0x3eaaaaaa
;! mem32[0x608] = 0x3eaaaaab
;! mem32[0x60c] = 0x3eaaaaaa
; -1/3
;! mem32[0x610] = 0xbeaaaaab
;! mem32[0x614] = 0xbeaaaaab
;! mem32[0x618] = 0xbeaaaaaa
;! mem32[0x61c] = 0xbeaaaaaa
; FISTP of 2.5 and -2.5 under nearest (even), down, up, chop
;! mem32[0x620] = 2
;! mem32[0x624] = 2
;! mem32[0x628] = 3
;! mem32[0x62c] = 2
;! mem32[0x630] = 0xfffffffe
;! mem32[0x634] = 0xfffffffd
;! mem32[0x638] = 0xfffffffe
;! mem32[0x63c] = 0xfffffffe
; precision control 24 bits: 1/3 in the register, stored as a double
;! mem32[0x640] = 0x60000000
;! mem32[0x644] = 0x3fd55555
; masked divide by zero: +infinity, ZE (bit 2) set in FSW
;! mem32[0x648] = 0x7f800000
;! mem32[0x64c] = 4
; unmasked ZE with CR0.NE=1: nothing until FWAIT, which raises #MF there;
; FSW.ES (bit 7) and ZE set
;! mem32[0x650] = 16
;! mem32[0x654] = 1
;! mem32[0x658] = 0x84
; #NM: an FPU instruction with CR0.TS set, FWAIT with MP and TS
;! mem32[0x65c] = 7
;! mem32[0x660] = 7
; FCOMI 2 against 1: ZF PF CF clear; 1 against 2: CF set; FNSTSW AX
; after FCOM of 1 against 2: C0 (bit 8) set
;! mem32[0x664] = 0
;! mem32[0x668] = 1
;! mem32[0x66c] = 0x0100
; FXSAVE/FXRSTOR bring back FCW
;! mem32[0x670] = 0x0f7f

%include "lib.inc"

; ROUND rc, value label, result offset: ST = 1/value rounded, stored as single
%macro THIRD 3
        fldcw   [cw_rc + (%1) * 2]
        fld1
        fidiv   dword [%2]
        fstp    dword [RES + (%3)]
%endmacro

%macro FIST 3
        fldcw   [cw_rc + (%1) * 2]
        fld     qword [%2]
        fistp   dword [RES + (%3)]
%endmacro

test_main:
        mov     eax, cr0
        and     eax, ~0x0e              ; EM, TS, MP clear
        or      eax, 0x20               ; NE: native error reporting
        mov     cr0, eax
        fninit
        THIRD   0, three, 0x00
        THIRD   1, three, 0x04
        THIRD   2, three, 0x08
        THIRD   3, three, 0x0c
        THIRD   0, mthree, 0x10
        THIRD   1, mthree, 0x14
        THIRD   2, mthree, 0x18
        THIRD   3, mthree, 0x1c
        FIST    0, two_half, 0x20
        FIST    1, two_half, 0x24
        FIST    2, two_half, 0x28
        FIST    3, two_half, 0x2c
        FIST    0, mtwo_half, 0x30
        FIST    1, mtwo_half, 0x34
        FIST    2, mtwo_half, 0x38
        FIST    3, mtwo_half, 0x3c
        ; precision control 24 bits (PC=00), RC nearest
        fldcw   [cw_pc24]
        fld1
        fidiv   dword [three]
        fstp    qword [RES + 0x40]
        ; masked ZE
        fninit
        fld1
        fldz
        fdivp   st1, st0
        fstp    dword [RES + 0x48]
        fnstsw  ax
        and     eax, 4
        mov     [RES + 0x4c], eax
        ; unmasked ZE, CR0.NE=1
        fninit
        fldcw   [cw_zm]
        fld1
        fldz
        fdivp   st1, st0                ; the exception is now pending
        EXPECT_FAULT .mf
.wait:  fwait
.mf:    SAVE    EXC_VEC, 0x50
        xor     eax, eax
        cmp     dword [EXC_EIP], .wait
        sete    al
        mov     [RES + 0x54], eax
        fnstsw  ax
        and     eax, 0x84
        mov     [RES + 0x58], eax
        fnclex
        fninit
        ; #NM
        mov     eax, cr0
        or      eax, 8                  ; TS
        mov     cr0, eax
        EXPECT_FAULT .nm1
        fld1
.nm1:   SAVE    EXC_VEC, 0x5c
        mov     eax, cr0
        or      eax, 2                  ; MP
        mov     cr0, eax
        mov     dword [EXC_VEC], 0
        EXPECT_FAULT .nm2
        fwait
.nm2:   SAVE    EXC_VEC, 0x60
        clts
        ; FCOMI
        fninit
        fld1
        fld     qword [two]
        fcomi   st0, st1
        pushfd
        pop     eax
        and     eax, 0x45               ; ZF PF CF
        mov     [RES + 0x64], eax
        fxch
        fcomi   st0, st1
        pushfd
        pop     eax
        and     eax, 0x45
        mov     [RES + 0x68], eax
        fcom    st1
        fnstsw  ax
        and     eax, 0x4500             ; C3 C2 C0
        mov     [RES + 0x6c], eax
        ; FXSAVE/FXRSTOR
        fninit
        fldcw   [cw_rc + 6]             ; 0x0f7f
        fxsave  [fxarea]
        fninit
        fxrstor [fxarea]
        fnstcw  [RES + 0x70]
        DONE

        align   16
fxarea: times 512 db 0
cw_rc:  dw      0x037f, 0x077f, 0x0b7f, 0x0f7f  ; RC nearest, down, up, chop
cw_pc24: dw     0x007f                          ; PC=00
cw_zm:  dw      0x037b                          ; ZM unmasked
three:  dd      3
mthree: dd      -3
two_half: dq    2.5
mtwo_half: dq   -2.5
two:    dq      2.0

; Segment protection (SDM vol. 3A, 5.3 to 5.7, 5.10): limits, expand-down
; segments, type checks, privilege checks on segment loads, null
; selectors, data segments invalidated by a return to an outer level, and
; LAR/LSL/VERR/VERW/ARPL.
;
;! halted = 1
; limit 0xfff: a dword at 0xffc is fine, at 0xffe #GP(0)
;! mem32[0x600] = 0x12345678
;! mem32[0x604] = 13
;! mem32[0x608] = 0
; expand-down, limit 0xfff, B=1: 0x800 faults, 0x1000 and 0xfffffffc do not
;! mem32[0x60c] = 13
;! mem32[0x610] = 0x0000abcd
; write through CS: #GP(0); loading DS..GS with an execute-only code
; segment: #GP(sel); using a null selector: #GP(0)
;! mem32[0x614] = 0x0000000d
;! mem32[0x618] = 0x0000000d
;! mem32[0x65c] = 0x60
;! mem32[0x61c] = 0x0000000d
; not-present data segment: #NP(sel); not-present stack segment: #SS(sel)
;! mem32[0x620] = 11
;! mem32[0x624] = 0x48
;! mem32[0x628] = 12
;! mem32[0x62c] = 0x50
; stack limit: a push below an expand-down stack's limit is #SS(0)
;! mem32[0x630] = 12
;! mem32[0x634] = 0
; ring 3: DS with a DPL 0 descriptor: #GP(sel); SS with RPL != CPL: #GP(sel)
;! mem32[0x638] = 0x10
;! mem32[0x63c] = 0x20
; after RETF to ring 3, a DPL 0 data segment in ES is null
;! mem32[0x640] = 0
; LAR of the ring-3 code segment (accessed: the A bit is set when a
; descriptor is loaded, SDM vol. 3A, 3.4.5.1; QEMU leaves it clear), LSL of the 4 KiB segment,
; VERW of code (fails), VERR of DPL 0 data from ring 3 (fails)
;! mem32[0x644] = 0x00c0fb00
;! mem32[0x648] = 0x00000fff
;! mem32[0x64c] = 0
;! mem32[0x650] = 0
; ARPL raises the RPL: 0x0010 with 3 -> 0x0013, ZF set
;! mem32[0x654] = 0x13
;! mem32[0x658] = 0x40

%include "lib.inc"

SMALL   equ GDT_FREE            ; 0x40: data, limit 0xfff, DPL 3
NP      equ GDT_FREE + 1        ; 0x48: data, not present
NPSS    equ GDT_FREE + 2        ; 0x50: writable data, not present
EXDN    equ GDT_FREE + 3        ; 0x58: expand-down, limit 0xfff, B=1
XONLY   equ GDT_FREE + 4        ; 0x60: execute-only code
GATEB   equ GDT_FREE + 5        ; 0x68: back to ring 0
STK16   equ GDT_FREE + 6        ; 0x70: 16-bit expand-down stack, limit 0x7fff

test_main:
        SETDESC SMALL, 0x200000, 0xfff, 0xf2, 0x4
        SETDESC NP, 0, 0xfffff, 0x12, 0xc
        SETDESC NPSS, 0, 0xfffff, 0x12, 0xc
        SETDESC EXDN, 0x300000, 0xfff, 0x96, 0x4
        SETDESC XONLY, 0, 0xfffff, 0x98, 0xc
        SETCALLGATE GATEB, SEL_CODE0, back0, 3
        SETDESC STK16, 0, 0x7fff, 0xf6, 0x0

        ; limits
        mov     ax, SMALL * 8
        mov     fs, ax
        mov     dword [0x200ffc], 0x12345678
        mov     eax, [fs:0xffc]
        mov     [RES], eax
        EXPECT_FAULT .l1
        mov     eax, [fs:0xffe]
.l1:    SAVE    EXC_VEC, 0x04
        SAVE    EXC_ERR, 0x08
        ; expand-down
        mov     ax, EXDN * 8
        mov     gs, ax
        EXPECT_FAULT .e1
        mov     eax, [gs:0x800]
.e1:    SAVE    EXC_VEC, 0x0c
        mov     dword [gs:0x1000], 0xabcd
        mov     dword [gs:0xfffffffc], 0
        mov     eax, [0x301000]
        mov     [RES + 0x10], eax
        ; type checks
        EXPECT_FAULT .w1
        mov     [cs:RES], eax
.w1:    SAVE    EXC_VEC, 0x14
        EXPECT_FAULT .x1
        mov     ax, XONLY * 8
        mov     fs, ax
.x1:    SAVE    EXC_VEC, 0x18
        SAVE    EXC_ERR, 0x5c
        xor     eax, eax
        mov     fs, ax
        EXPECT_FAULT .n1
        mov     eax, [fs:0]
.n1:    SAVE    EXC_VEC, 0x1c
        ; not present
        EXPECT_FAULT .p1
        mov     ax, NP * 8
        mov     fs, ax
.p1:    SAVE    EXC_VEC, 0x20
        SAVE    EXC_ERR, 0x24
        EXPECT_FAULT .p2
        mov     ax, NPSS * 8
        mov     ss, ax
.p2:    SAVE    EXC_VEC, 0x28
        SAVE    EXC_ERR, 0x2c
        ; to ring 3 by RETF, with ES holding a DPL 0 segment
        mov     ax, SEL_DATA0
        mov     es, ax
        push    dword SEL_DATA3
        push    dword STACK3
        push    dword SEL_CODE3
        push    dword ring3
        retf

ring3:
        mov     eax, es
        mov     [ss:RES + 0x40], eax
        mov     ax, SEL_DATA3
        mov     ds, ax
        EXPECT_FAULT .d1
        mov     ax, SEL_DATA0 | 3
        mov     es, ax
.d1:    SAVE    EXC_ERR, 0x38
        EXPECT_FAULT .d2
        mov     ax, SEL_DATA3 & ~3
        mov     ss, ax
.d2:    SAVE    EXC_ERR, 0x3c
        mov     eax, SEL_CODE3
        lar     eax, eax
        and     eax, 0x00f0ff00         ; bits 19:16 are undefined
        mov     [RES + 0x44], eax
        mov     eax, SMALL * 8 + 3
        lsl     eax, eax
        mov     [RES + 0x48], eax
        mov     ax, SEL_CODE3
        verw    ax
        setz    al
        movzx   eax, al
        mov     [RES + 0x4c], eax
        mov     ax, SEL_DATA0
        verr    ax
        setz    al
        movzx   eax, al
        mov     [RES + 0x50], eax
        ; stack limit (in ring 3, so the #SS frame goes on the ring-0 stack):
        ; a 16-bit expand-down stack, valid offsets 0x8000..0xffff
        mov     ebx, esp
        mov     ax, STK16 * 8 + 3
        mov     ss, ax
        mov     esp, 0x8002
        push    ax
        EXPECT_FAULT .s1
        push    ax
.s1:    mov     ax, SEL_DATA3
        mov     ss, ax
        mov     esp, ebx
        SAVE    EXC_VEC, 0x30
        SAVE    EXC_ERR, 0x34
        mov     ax, 0x10
        mov     bx, 3
        arpl    ax, bx
        pushfd
        movzx   eax, ax
        mov     [RES + 0x54], eax
        pop     eax
        and     eax, 0x40
        mov     [RES + 0x58], eax
        call    (GATEB * 8 + 3):0

back0:  mov     ax, SEL_DATA0
        mov     ds, ax
        DONE

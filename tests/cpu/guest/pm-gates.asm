; Gates and privilege transfers (SDM vol. 3A, 5.8 and 6.12): a call gate
; from ring 3 to ring 0 copying parameters and switching stacks, RETF back
; with a parameter count; interrupt and trap gates (IF); INT n against the
; gate DPL; conforming code segments; the #GP/#NP error codes.
;
;! halted = 1
;! cpl = 0
; call gate (2 parameters): the ring-0 frame is EIP, CS, p1, p2, ESP, SS
;! mem32[0x600] = 0x0000001b
;! mem32[0x604] = 0x11111111
;! mem32[0x608] = 0x22222222
;! mem32[0x60c] = 0x00009ff8
;! mem32[0x610] = 0x00000023
;! mem32[0x614] = 0x00008fe8
;! mem32[0x618] = 0
; RETF 8 back in ring 3: the parameters are popped, CPL 3
;! mem32[0x61c] = 0x0000a000
;! mem32[0x620] = 3
; INT 40h through a DPL 0 gate from ring 3: #GP(40h * 8 + 2)
;! mem32[0x624] = 13
;! mem32[0x628] = 0x00000202
; INT 41h, interrupt gate DPL 3: IF clear inside, set in the pushed EFLAGS
;! mem32[0x62c] = 0
;! mem32[0x630] = 0x200
; INT 42h, trap gate DPL 3: IF kept
;! mem32[0x634] = 0x200
; far call to a conforming ring-0 segment runs at CPL 3
;! mem32[0x638] = 3
; far call to a non-conforming ring-0 segment: #GP(selector)
;! mem32[0x63c] = 13
;! mem32[0x640] = 0x58
; call gate with DPL 0 from ring 3: #GP(gate selector)
;! mem32[0x644] = 0x60
; call gate not present: #NP(gate selector)
;! mem32[0x648] = 11
;! mem32[0x64c] = 0x68

%include "lib.inc"

GATE2   equ GDT_FREE + 1        ; 0x48: call gate, 2 params, DPL 3
GATEB   equ GDT_FREE + 2        ; 0x50: back to ring 0 for good
CONF    equ GDT_FREE + 3        ; 0x58... (set below)
GATE0   equ GDT_FREE + 4        ; 0x60: call gate DPL 0
GATENP  equ GDT_FREE + 5        ; 0x68: call gate not present
CONFC   equ GDT_FREE + 6        ; 0x70: conforming ring-0 code

test_main:
        SETCALLGATE GATE2, SEL_CODE0, gate2_target, 3, 2
        SETCALLGATE GATEB, SEL_CODE0, back0, 3
        SETDESC CONF, 0, 0xfffff, 0x9a, 0xc     ; non-conforming ring-0 code (0x58)
        SETCALLGATE GATE0, SEL_CODE0, back0, 0
        SETCALLGATE GATENP, SEL_CODE0, back0, 3
        and     byte [gdt + GATENP * 8 + 5], 0x7f
        SETDESC CONFC, 0, 0xfffff, 0x9e, 0xc    ; conforming, readable, DPL 0
        SETGATE IDT_BASE, 0x40, SEL_CODE0, int40, 0x8e
        SETGATE IDT_BASE, 0x41, SEL_CODE0, int41, 0xee
        SETGATE IDT_BASE, 0x42, SEL_CODE0, int42, 0xef
        ; to ring 3 with IF set
        push    dword SEL_DATA3
        push    dword STACK3
        push    dword 0x202
        push    dword SEL_CODE3
        push    dword ring3
        iretd

gate2_target:
        ; ring 0, on the TSS stack
        push    ds
        push    eax
        mov     ax, SEL_DATA0
        mov     ds, ax
        mov     eax, [esp + 12]
        mov     [RES + 0], eax          ; CS
        mov     eax, [esp + 16]
        mov     [RES + 4], eax
        mov     eax, [esp + 20]
        mov     [RES + 8], eax
        mov     eax, [esp + 24]
        mov     [RES + 12], eax         ; ESP of ring 3 (after the pushes)
        mov     eax, [esp + 28]
        mov     [RES + 16], eax         ; SS
        lea     eax, [esp + 8]
        mov     [RES + 20], eax         ; ring-0 ESP at entry
        mov     eax, cs
        and     eax, 3
        mov     [RES + 24], eax
        pop     eax
        pop     ds
        retf    8

int40:  iretd                           ; never reached
int41:  push    eax
        pushfd
        pop     eax
        and     eax, 0x200
        mov     [ss:RES + 0x2c], eax
        mov     eax, [esp + 12]         ; pushed EFLAGS
        and     eax, 0x200
        mov     [ss:RES + 0x30], eax
        pop     eax
        iretd
int42:  push    eax
        pushfd
        pop     eax
        and     eax, 0x200
        mov     [ss:RES + 0x34], eax
        pop     eax
        iretd

ring3:
        mov     ax, SEL_DATA3
        mov     ds, ax
        mov     es, ax
        push    dword 0x22222222
        push    dword 0x11111111
        call    (GATE2 * 8 + 3):0
        mov     [RES + 0x1c], esp
        mov     eax, cs
        and     eax, 3
        mov     [RES + 0x20], eax
        EXPECT_FAULT .i40
        int     0x40
.i40:   SAVE    EXC_VEC, 0x24
        SAVE    EXC_ERR, 0x28
        int     0x41
        int     0x42
        call    (CONFC * 8 + 3):conf_code
        EXPECT_FAULT .nc
        call    (CONF * 8 + 3):back0
.nc:    SAVE    EXC_VEC, 0x3c
        SAVE    EXC_ERR, 0x40
        EXPECT_FAULT .g0
        call    (GATE0 * 8 + 3):0
.g0:    SAVE    EXC_ERR, 0x44
        EXPECT_FAULT .np
        call    (GATENP * 8 + 3):0
.np:    SAVE    EXC_VEC, 0x48
        SAVE    EXC_ERR, 0x4c
        call    (GATEB * 8 + 3):0

conf_code:
        mov     eax, cs
        and     eax, 3
        mov     [RES + 0x38], eax
        retf

back0:  mov     ax, SEL_DATA0
        mov     ds, ax
        DONE

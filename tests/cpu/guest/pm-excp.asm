; Exceptions (SDM vol. 3A, chapter 6): fault and trap return addresses
; (#DE, #BR, INTO, single step), the order of checks (segmentation before
; paging, an operand's #PF before #DE), double faults from a contributory
; fault during delivery and from a #PF during #PF delivery (handled by a
; task gate with its own stack, 6.15 interrupt 8).
;
;! halted = 1
; #DE: a fault, EIP of the DIV
;! mem32[0x600] = 0
;! mem32[0x604] = 1
; BOUND: #BR, a fault
;! mem32[0x608] = 5
;! mem32[0x60c] = 1
; INTO with OF set: vector 4, a trap (EIP after INTO)
;! mem32[0x610] = 4
;! mem32[0x614] = 1
; single step: #DB after the instruction following POPF, DR6.BS set
;! mem32[0x618] = 1
;! mem32[0x61c] = 1
;! mem32[0x620] = 0x4000
; segment limit before paging: #GP(0), not #PF, for an offset beyond the
; limit in an unmapped page
;! mem32[0x624] = 13
; DIV with an operand in a not-present page and a zero divisor: #PF
;! mem32[0x628] = 14
; #NP while delivering #GP: #DF, error code 0
;! mem32[0x62c] = 8
;! mem32[0x630] = 0
; #PF while delivering #PF (stack unmapped): #DF through a task gate; the
; error code 0 on the new task's stack, back link = the main TSS, CR2 =
; the stack address
;! mem32[0x634] = 0
;! mem32[0x638] = 0x28
;! mem32[0x63c] = 0x00800ffc
;! mem32[0x640] = 0x4000

%include "lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
SMALL   equ GDT_FREE            ; 0x40: data, base 0x400000, limit 0xfff
TSSDF   equ GDT_FREE + 1        ; 0x48
TSSDF_BASE equ 0x5000

test_main:
        ; #DE
        EXPECT_FAULT .de
        xor     edx, edx
        xor     ecx, ecx
        mov     eax, 5
.div:   div     ecx
.de:    SAVE    EXC_VEC, 0
        EIP_IS  .div, 4
        ; #BR
        mov     dword [RES + 0x100], 10
        mov     dword [RES + 0x104], 20
        mov     eax, 30
        EXPECT_FAULT .br
.bnd:   bound   eax, [RES + 0x100]
.br:    SAVE    EXC_VEC, 8
        EIP_IS  .bnd, 0xc
        ; INTO
        mov     al, 0x7f
        add     al, 1                   ; OF=1
        EXPECT_FAULT .of
        into
.into_next:
        nop
.of:    SAVE    EXC_VEC, 0x10
        EIP_IS  .into_next, 0x14
        ; single step
        EXPECT_FAULT .ss
        pushfd
        or      dword [esp], 0x100
        popfd
        mov     eax, 1                  ; traced
.ss_next:
        nop
.ss:    SAVE    EXC_VEC, 0x18
        EIP_IS  .ss_next, 0x1c
        pushfd
        and     dword [esp], ~0x100
        popfd
        mov     eax, dr6
        and     eax, 0x4000
        mov     [RES + 0x20], eax
        ; paging on for the rest: 0..4 MiB identity, 4..8 MiB unmapped
        IDENTITY_MAP_4M PD, PT0, 3
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        ; segmentation before paging
        SETDESC SMALL, 0x400000, 0xfff, 0x92, 0x4
        mov     ax, SMALL * 8
        mov     fs, ax
        EXPECT_FAULT .seg
        mov     eax, [fs:0x2000]
.seg:   SAVE    EXC_VEC, 0x24
        ; #PF on the operand before #DE
        xor     edx, edx
        EXPECT_FAULT .pfde
        div     dword [0x500000]
.pfde:  SAVE    EXC_VEC, 0x28
        ; #NP during #GP delivery
        and     byte [IDT_BASE + 13 * 8 + 5], 0x7f
        EXPECT_FAULT .df1
        mov     ax, 0x1234
        mov     ds, ax
.df1:   or      byte [IDT_BASE + 13 * 8 + 5], 0x80
        SAVE    EXC_VEC, 0x2c
        SAVE    EXC_ERR, 0x30
        ; #DF task
        mov     edi, TSSDF_BASE
        xor     eax, eax
        mov     ecx, 0x68 / 4
        rep     stosd
        mov     dword [TSSDF_BASE + 0x1c], PD           ; CR3
        mov     dword [TSSDF_BASE + 0x20], df_task      ; EIP
        mov     dword [TSSDF_BASE + 0x24], 0x2
        mov     dword [TSSDF_BASE + 0x38], 0x7000       ; ESP
        mov     dword [TSSDF_BASE + 0x48], SEL_DATA0
        mov     dword [TSSDF_BASE + 0x4c], SEL_CODE0
        mov     dword [TSSDF_BASE + 0x50], SEL_DATA0
        mov     dword [TSSDF_BASE + 0x54], SEL_DATA0
        mov     word [TSSDF_BASE + 0x66], 0x68
        SETDESC TSSDF, TSSDF_BASE, 0x67, 0x89, 0
        mov     word [IDT_BASE + 8 * 8], 0
        mov     word [IDT_BASE + 8 * 8 + 2], TSSDF * 8
        mov     word [IDT_BASE + 8 * 8 + 4], 0x8500
        mov     word [IDT_BASE + 8 * 8 + 6], 0
        ; a #PF whose delivery faults again on the unmapped stack
        mov     esp, 0x801000
        mov     eax, [0x600000]
        hlt                             ; not reached

df_task:
        pop     eax                     ; the error code
        mov     [RES + 0x34], eax
        movzx   eax, word [TSSDF_BASE]
        mov     [RES + 0x38], eax
        mov     eax, cr2
        mov     [RES + 0x3c], eax
        pushfd
        pop     eax
        and     eax, 0x4000             ; NT
        mov     [RES + 0x40], eax
        mov     eax, cr0
        and     eax, 0x7fffffff
        mov     cr0, eax
        DONE

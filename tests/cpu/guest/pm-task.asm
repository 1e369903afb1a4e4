; Hardware task switches (SDM vol. 3A, chapter 7): CALL to a TSS (NT, back
; link, busy bits), IRET back through the link, JMP to a TSS and back, INT
; through a task gate, CR0.TS, and a CALL to a busy TSS (#GP).
;
;! halted = 1
; in task B after CALL: NT set, back link = A's TSS, TR = B, both busy
;! mem32[0x600] = 0x4000
;! mem32[0x604] = 0x28
;! mem32[0x608] = 0x40
;! mem32[0x60c] = 0x8b
;! mem32[0x610] = 0x8b
; back in A after IRET: B available again, A's registers restored, NT
; clear, CR0.TS set
;! mem32[0x614] = 0x89
;! mem32[0x618] = 0x11223344
;! mem32[0x61c] = 0
;! mem32[0x620] = 8
; B entered again by JMP: NT clear; A no longer busy; B returns by JMP
;! mem32[0x624] = 0
;! mem32[0x628] = 0x89
;! mem32[0x62c] = 2
; INT 50h through a task gate: B runs with NT set and back link A
;! mem32[0x630] = 0x4000
;! mem32[0x634] = 0x28
;! mem32[0x638] = 3
; CALL to the busy TSS A: #GP(0x28)
;! mem32[0x63c] = 13
;! mem32[0x640] = 0x28
;! mem32[0x644] = 0x55667788

%include "lib.inc"

TSSB    equ GDT_FREE            ; 0x40
TSSB_BASE equ 0x5000

; Access byte of a GDT descriptor into RES + off.
%macro SAVE_ACCESS 2
        movzx   eax, byte [gdt + (%1) + 5]
        mov     [RES + %2], eax
%endmacro

test_main:
        ; TSS B: flat ring-0 task starting at task_b
        mov     edi, TSSB_BASE
        xor     eax, eax
        mov     ecx, 0x68 / 4
        rep     stosd
        mov     dword [TSSB_BASE + 0x20], task_b        ; EIP
        mov     dword [TSSB_BASE + 0x24], 0x2           ; EFLAGS
        mov     dword [TSSB_BASE + 0x38], 0x7000        ; ESP
        mov     dword [TSSB_BASE + 0x48], SEL_DATA0     ; ES
        mov     dword [TSSB_BASE + 0x4c], SEL_CODE0     ; CS
        mov     dword [TSSB_BASE + 0x50], SEL_DATA0     ; SS
        mov     dword [TSSB_BASE + 0x54], SEL_DATA0     ; DS
        mov     dword [TSSB_BASE + 0x58], SEL_DATA0     ; FS
        mov     dword [TSSB_BASE + 0x5c], SEL_DATA0     ; GS
        mov     word [TSSB_BASE + 0x66], 0x68
        SETDESC TSSB, TSSB_BASE, 0x67, 0x89, 0
        ; task gate for INT 50h
        mov     word [IDT_BASE + 0x50 * 8], 0
        mov     word [IDT_BASE + 0x50 * 8 + 2], TSSB * 8
        mov     word [IDT_BASE + 0x50 * 8 + 4], 0x8500
        mov     word [IDT_BASE + 0x50 * 8 + 6], 0

        mov     esi, 0x11223344
        call    TSSB * 8:0
        ; back from B's IRET
        SAVE_ACCESS TSSB * 8, 0x14
        mov     [RES + 0x18], esi
        pushfd
        pop     eax
        and     eax, 0x4000
        mov     [RES + 0x1c], eax
        mov     eax, cr0
        and     eax, 8
        mov     [RES + 0x20], eax
        clts
        jmp     TSSB * 8:0
        ; B jumped back here
        int     0x50
        ; B's IRET returned here
        mov     dword [RES + 0x38], 3
        mov     ebx, 0x55667788
        EXPECT_FAULT .busy
        call    SEL_TSS:0
.busy:  SAVE    EXC_VEC, 0x3c
        SAVE    EXC_ERR, 0x40
        mov     [RES + 0x44], ebx
        DONE

task_b:
        ; first entry: by CALL
        pushfd
        pop     eax
        and     eax, 0x4000
        mov     [RES + 0x00], eax
        movzx   eax, word [TSSB_BASE]
        mov     [RES + 0x04], eax
        str     ax
        movzx   eax, ax
        mov     [RES + 0x08], eax
        SAVE_ACCESS SEL_TSS, 0x0c
        SAVE_ACCESS TSSB * 8, 0x10
        mov     esi, 0xdeadbeef
        iretd
        ; second entry: by JMP
        pushfd
        pop     eax
        and     eax, 0x4000
        mov     [RES + 0x24], eax
        SAVE_ACCESS SEL_TSS, 0x28
        mov     dword [RES + 0x2c], 2
        jmp     SEL_TSS:0
        ; third entry: by INT 50h through the task gate
        pushfd
        pop     eax
        and     eax, 0x4000
        mov     [RES + 0x30], eax
        movzx   eax, word [TSSB_BASE]
        mov     [RES + 0x34], eax
        iretd

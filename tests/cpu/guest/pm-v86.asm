; Virtual-8086 mode (SDM vol. 3A, chapter 20, and vol. 1, 19.5): entry by
; IRET with VM set, the I/O permission bitmap (consulted whatever IOPL),
; IOPL-sensitive instructions (CLI, PUSHF, INT n) with IOPL 0 and 3, and an
; interrupt from virtual-8086 mode to ring 0 (the stack frame, VM in the
; pushed EFLAGS, null data segments in the handler).
;
;! halted = 1
; IOPL 0: IN from a port allowed by the bitmap works
;! mem32[0x600] = 1
; ... a port whose bit is set: #GP(0); a word access overlapping one: #GP(0)
;! mem32[0x604] = 0x0d
;! mem32[0x608] = 0
;! mem32[0x60c] = 0x0d
; CLI, PUSHF and INT n with IOPL 0: #GP(0), with a v86 CS:IP recorded
;! mem32[0x610] = 0x0d
;! mem32[0x614] = 0x0d
;! mem32[0x618] = 0x0d
;! mem32[0x61c] = 0x1000
; IOPL 3: CLI/STI/PUSHF work (PUSHF shows IOPL 3), the bitmap still
; applies to IN
;! mem32[0x620] = 0x3000
;! mem32[0x624] = 0x0d
; INT 60h from v86 with IOPL 3 to ring 0: VM set in the pushed EFLAGS,
; the v86 segments pushed, DS null in the handler
;! mem32[0x628] = 0x00020000
;! mem32[0x62c] = 0x1000
;! mem32[0x630] = 0x2222
;! mem32[0x634] = 0
;! mem32[0x638] = 0x3333
;! mem32[0x63c] = 0x0800

%include "lib.inc"

V86CS   equ 0x1000

; Enter virtual-8086 mode at 1000:label with the given EFLAGS.
%macro TO_V86 2
        push    dword 0x3333            ; GS
        push    dword 0                 ; FS
        push    dword 0x2222            ; DS
        push    dword 0                 ; ES
        push    dword 0x0800            ; SS
        push    dword 0x1000            ; ESP
        push    dword %2 | 0x20002      ; EFLAGS: VM
        push    dword V86CS
        push    dword (%1) - 0x10000
        iretd
%endmacro

test_main:
        mov     byte [IOMAP + 0x81 / 8], 0x0a   ; ports 0x81 and 0x83 denied
        SETGATE IDT_BASE, 0x60, SEL_CODE0, int60, 0xee
        TO_V86  v86_a, 0x0000

phase2:
        mov     ax, SEL_DATA0
        mov     ds, ax
        TO_V86  v86_b, 0x3000

phase3:
        DONE

int60:
        ; from v86: EIP CS EFLAGS ESP SS ES DS FS GS on the ring-0 stack
        mov     eax, ds
        mov     [ss:RES + 0x34], eax
        mov     ax, SEL_DATA0
        mov     ds, ax
        mov     eax, [esp + 8]
        and     eax, 0x20000
        mov     [RES + 0x28], eax
        mov     eax, [esp + 4]
        mov     [RES + 0x2c], eax
        mov     eax, [esp + 24]
        mov     [RES + 0x30], eax
        mov     eax, [esp + 32]
        mov     [RES + 0x38], eax
        mov     eax, [esp + 16]
        mov     [RES + 0x3c], eax
        jmp     phase3

        bits    16
v86_a:
        xor     ax, ax
        mov     ds, ax
        mov     dword [RES + 0x08], 0
        in      al, 0x80
        mov     word [RES], 1
        mov     dword [RESUME], v86_a1 - 0x10000
        in      al, 0x81
v86_a1: mov     eax, [EXC_VEC]
        mov     [RES + 0x04], eax
        mov     dword [RESUME], v86_a2 - 0x10000
        in      ax, 0x82
v86_a2: mov     eax, [EXC_VEC]
        mov     [RES + 0x0c], eax
        mov     dword [RESUME], v86_a3 - 0x10000
        cli
v86_a3: mov     eax, [EXC_VEC]
        mov     [RES + 0x10], eax
        mov     dword [RESUME], v86_a4 - 0x10000
        pushf
v86_a4: mov     eax, [EXC_VEC]
        mov     [RES + 0x14], eax
        mov     dword [RESUME], v86_a5 - 0x10000
        int     0x30
v86_a5: mov     eax, [EXC_VEC]
        mov     [RES + 0x18], eax
        mov     eax, [EXC_CS]
        mov     [RES + 0x1c], eax
        mov     dword [RESUME_PM], phase2
        ud2                             ; back to ring 0

v86_b:
        xor     ax, ax
        mov     ds, ax
        cli
        sti
        cli
        pushf
        pop     ax
        and     ax, 0x3000
        movzx   eax, ax
        mov     [RES + 0x20], eax
        mov     dword [RESUME], v86_b1 - 0x10000
        in      al, 0x81
v86_b1: mov     eax, [EXC_VEC]
        mov     [RES + 0x24], eax
        mov     ax, 0x2222
        mov     ds, ax
        int     0x60
        hlt

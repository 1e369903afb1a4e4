; A task switch into a 16-bit TSS (Intel SDM vol. 3A, 7.6 and figure 7-11:
; IP, FLAGS, AX..DI, ES, CS, SS, DS, LDT).  The TSS holds only the low
; halves of the registers and FLAGS: the high halves of the general
; registers read all ones in the new task and the high half of EFLAGS is
; clear, not the old task's (AC and ID here; VM likewise), as on Bochs
; (ref-check.sh bochs: no differences; QEMU keeps the old task's high
; halves and flags).  IRET returns to the 32-bit task through the back
; link.
;
;! halted = 1
; the 16-bit task's EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI
;! mem32[0x600] = 0xffff1111
;! mem32[0x604] = 0xffff2222
;! mem32[0x608] = 0xffff3333
;! mem32[0x60c] = 0xffff4444
;! mem32[0x610] = 0xffff7000
;! mem32[0x614] = 0xffff5555
;! mem32[0x618] = 0xffff6666
;! mem32[0x61c] = 0xffff7777
; its EFLAGS: the TSS's FLAGS (bit 1) with NT, nothing of the caller's AC/ID
;! mem32[0x620] = 0x4002
; back in the 32-bit task: its registers, and AC and ID as it left them
;! mem32[0x624] = 0x12345678
;! mem32[0x628] = 0x240000

%include "lib.inc"

TSSC      equ GDT_FREE            ; 0x40: the 16-bit TSS
CODE16B   equ GDT_FREE + 1        ; 0x48: 16-bit code based at this image
TSSC_BASE equ 0x5000

test_main:
        mov     edi, TSSC_BASE
        xor     eax, eax
        mov     ecx, 0x2c / 4
        rep     stosd
        mov     word [TSSC_BASE + 0x0e], task_c - 0x10000       ; IP
        mov     word [TSSC_BASE + 0x10], 0x0002                 ; FLAGS
        mov     word [TSSC_BASE + 0x12], 0x1111                 ; AX
        mov     word [TSSC_BASE + 0x14], 0x2222                 ; CX
        mov     word [TSSC_BASE + 0x16], 0x3333                 ; DX
        mov     word [TSSC_BASE + 0x18], 0x4444                 ; BX
        mov     word [TSSC_BASE + 0x1a], 0x7000                 ; SP
        mov     word [TSSC_BASE + 0x1c], 0x5555                 ; BP
        mov     word [TSSC_BASE + 0x1e], 0x6666                 ; SI
        mov     word [TSSC_BASE + 0x20], 0x7777                 ; DI
        mov     word [TSSC_BASE + 0x22], SEL_DATA0              ; ES
        mov     word [TSSC_BASE + 0x24], CODE16B * 8            ; CS
        mov     word [TSSC_BASE + 0x26], SEL_DATA16             ; SS
        mov     word [TSSC_BASE + 0x28], SEL_DATA0              ; DS
        SETDESC TSSC, TSSC_BASE, 0x2b, 0x81, 0          ; available 16-bit TSS
        SETDESC CODE16B, 0x10000, 0xffff, 0x9a, 0

        ; AC (bit 18) and ID (bit 21) set in the caller
        pushfd
        or      dword [esp], 0x240000
        popfd
        mov     eax, 0x12345678
        mov     ecx, 0x9abcdef0
        mov     edx, 0x0fedcba9
        mov     ebx, 0x87654321
        mov     ebp, 0xa5a5a5a5
        mov     esi, 0x5a5a5a5a
        mov     edi, 0xc3c3c3c3
        call    TSSC * 8:0
        mov     [RES + 0x24], eax
        pushfd
        pop     eax
        and     eax, 0x240000
        mov     [RES + 0x28], eax
        pushfd
        and     dword [esp], ~0x240000
        popfd
        DONE

        bits    16
task_c:
        mov     [RES + 0x00], eax
        mov     [RES + 0x04], ecx
        mov     [RES + 0x08], edx
        mov     [RES + 0x0c], ebx
        mov     [RES + 0x10], esp
        mov     [RES + 0x14], ebp
        mov     [RES + 0x18], esi
        mov     [RES + 0x1c], edi
        pushfd
        pop     eax
        mov     [RES + 0x20], eax
        iret
        bits    32

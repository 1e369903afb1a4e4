; Checks of -d jit-verify itself (guestrun --jit-verify runs every
; compiled block also through the interpreter, undoes the interpreter's
; stores, then runs the host code and compares).
;
; 1. ADD [m], imm on a page missing from the TLB: the interpreter's load
;    fills the entry, write tag included, and its store must still be
;    logged (and undone), or the compiled run adds a second time.
;    kvm-unit-tests' emulator counted two #GPs for one this way.
; 2. A byte stored into a dword stored before it in the same block: the
;    compiled code must leave what the interpreter left (the merged
;    value), not the first store's value, so no difference is reported.
;
;! halted = 1
;! mem32[0x600] = 1
;! mem32[0x604] = 0x55223344
;! mem32[0x608] = 0x55223344
; (guestrun also fails when a compiled block differs from the interpreter)

%include "lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
COUNTER equ 0x200000        ; a page of its own, untouched before the test

test_main:
        IDENTITY_MAP_4M PD, PT0, 0x63     ; accessed and dirty: a read fill sets the write tag
        ENABLE_PAGING PD
        invlpg  [COUNTER]
        jmp     .rmw
.rmw:                           ; a block of inline code: checked
        add     dword [COUNTER], 1
        jmp     .overlap
.overlap:
        mov     dword [RES + 4], 0x11223344
        mov     byte [RES + 7], 0x55
        mov     eax, [RES + 4]
        jmp     .done
.done:
        mov     [RES + 8], eax
        mov     eax, [COUNTER]
        mov     [RES], eax
        DONE

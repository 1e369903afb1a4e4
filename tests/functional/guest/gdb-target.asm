; A guest for the gdb stub test (tests/functional/gdbstub.py): a Multiboot
; kernel that counts in ECX, stores the count in `counter`, and ends the
; emulator through isa-debug-exit (port 0xf4, status (0x21 << 1) | 1 = 67)
; once a debugger has written 0x600DF00D to `flag`.  Labels sit at fixed
; addresses so that the test can name them.
bits 32
org 0x100000

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

    times 0x20 - ($ - $$) db 0
start:                  ; 0x100020
    xor ecx, ecx
    jmp loop

    times 0x40 - ($ - $$) db 0x90
loop:                   ; 0x100040
    inc ecx             ; 1 byte: the next instruction is at 0x100041
    mov [counter], ecx
    cmp dword [flag], 0x600DF00D
    jne loop
    mov dx, 0xf4
    mov eax, 0x21
    out dx, eax
.hang:
    hlt
    jmp .hang

    times 0x100 - ($ - $$) db 0
counter:                ; 0x100100
    dd 0
flag:                   ; 0x100104
    dd 0

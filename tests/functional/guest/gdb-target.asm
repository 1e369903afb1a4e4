; A guest for the gdb stub test (tests/functional/gdbstub.py): a Multiboot
; kernel that counts in ECX, stores the count in `counter`, and ends the
; emulator through isa-debug-exit (port 0xf4, status (0x21 << 1) | 1 = 67)
; once a debugger has written 0x600DF00D to `flag`.  Labels sit at fixed
; addresses so that the test can name them.
; Multiboot Specification 0.6.96, 3.1.1: the header with address fields
; (flag 16) places this flat binary at 1 MiB.
bits 32
org 0x100000

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000

header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)
    dd header           ; header_addr
    dd header           ; load_addr
    dd 0                ; load_end_addr: the whole file
    dd 0                ; bss_end_addr: none
    dd start            ; entry_addr

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

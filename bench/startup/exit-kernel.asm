; The smallest guest: a Multiboot kernel whose first instruction writes 0 to
; isa-debug-exit at port 0xf4, ending the emulator with status 1.
bits 32
org 0x100000

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

start:
    mov dx, 0xf4
    xor eax, eax
    out dx, eax
.hang:
    hlt
    jmp .hang

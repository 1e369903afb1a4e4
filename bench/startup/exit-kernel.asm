; The smallest guest: a Multiboot kernel whose first instruction writes 0 to
; isa-debug-exit at port 0xf4, ending the emulator with status 1.
; Multiboot Specification 0.6.96, 3.1.1: the header with address fields
; (flag 16) lets any Multiboot loader place this flat binary at 1 MiB.
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

start:
    mov dx, 0xf4
    xor eax, eax
    out dx, eax
.hang:
    hlt
    jmp .hang

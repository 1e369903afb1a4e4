; A Multiboot kernel that writes "hello serial" to COM1 (8-bit words, its
; transmit register at 0x3F8: the emulated 16550 sends at any divisor) and
; "hello 0xe9" to QEMU's debug console port 0xE9 (the isa-debugcon -debugcon adds), then
; ends the emulator through isa-debug-exit at port 0xf4 with status 1.
bits 32
org 0x100000

%include "multiboot-header.inc"
%include "debug-exit.inc"
    MULTIBOOT_HEADER start

start:
    mov dx, 0x3fb               ; LCR: 8 data bits, no parity, 1 stop bit
    mov al, 0x03                ; (after reset the 16550 sends 5-bit words)
    out dx, al
    mov esi, serial_msg
    mov dx, 0x3f8
    call puts
    mov esi, msg
    mov dx, 0xe9
    call puts
    DEBUG_EXIT_ZERO

; Write the NUL-terminated string at esi to port dx.
puts:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp puts
.done:
    ret

serial_msg: db "hello serial", 10, 0

msg: db "hello 0xe9", 10, 0

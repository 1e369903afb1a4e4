; A Multiboot kernel that turns on the PS/2 mouse through the 8042 and
; writes every byte the mouse sends to the debug console (port 0xE9) as
; two hex digits and a space, a line per three-byte packet, after
; "MOUSE-READY".  It polls the controller (no interrupts) and runs until
; the emulator is ended.  Used by vnc.py's pointer case.
;
; 8042 (IBM PS/2 technical reference, keyboard/auxiliary device
; controller): status port 0x64 bit 0 output buffer full, bit 1 input
; buffer full, bit 5 the byte is the auxiliary device's; command 0xA8
; enables the auxiliary port, 0xD4 sends the next data byte to the mouse.
; Mouse command 0xF4 enables data reporting; the mouse answers 0xFA.
bits 32
org 0x100000

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

STATUS equ 0x64
DATA equ 0x60
DEBUGCON equ 0xe9

start:
    mov esp, 0x90000
    mov al, 0xa8                ; enable the auxiliary port
    call put_cmd
    mov al, 0xd4                ; next byte to the mouse:
    call put_cmd
    mov al, 0xf4                ; enable data reporting
    call put_data
.ack:
    call get_byte
    cmp al, 0xfa
    jne .ack
    mov esi, ready
    call puts
    xor ecx, ecx                ; bytes of the packet so far
.loop:
    call get_byte
    jnc .loop                   ; a keyboard byte: not ours
    call put_hex
    inc ecx
    cmp ecx, 3
    jne .space
    xor ecx, ecx
    mov al, 10
    out DEBUGCON, al
    jmp .loop
.space:
    mov al, ' '
    out DEBUGCON, al
    jmp .loop

; Wait until the controller takes input, then write al as a command.
put_cmd:
    mov ah, al
.wait:
    in al, STATUS
    test al, 2
    jnz .wait
    mov al, ah
    out STATUS, al
    ret

; The same, as data.
put_data:
    mov ah, al
.wait:
    in al, STATUS
    test al, 2
    jnz .wait
    mov al, ah
    out DATA, al
    ret

; Wait for a byte: al the byte, carry set when it came from the mouse.
get_byte:
    in al, STATUS
    test al, 1
    jz get_byte
    mov ah, al
    in al, DATA
    test ah, 0x20
    jz .kbd
    stc
    ret
.kbd:
    clc
    ret

; al as two hex digits on the debug console.
put_hex:
    push eax
    shr al, 4
    call .digit
    pop eax
    and al, 0x0f
.digit:
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out DEBUGCON, al
    ret

; Write the NUL-terminated string at esi to the debug console.
puts:
    lodsb
    test al, al
    jz .done
    out DEBUGCON, al
    jmp puts
.done:
    ret

ready: db "MOUSE-READY", 10, 0

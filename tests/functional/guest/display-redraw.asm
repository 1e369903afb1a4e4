; A Multiboot kernel that redraws the whole screen without pause, for
; bench/display: it sets a Bochs VBE mode of 640x480x32 through the DISPI
; ports (index 0x1CE, data 0x1CF: 1 xres, 2 yres, 3 bpp, 4 enable with
; bit 6 = linear framebuffer), finds the framebuffer at BAR0 of the standard
; VGA at 00:02.0, prints "REDRAW-START" on COM1, fills every pixel of the
; screen FRAMES times with a colour that changes each frame (REP STOSD), and
; prints "REDRAW-END" before it ends through isa-debug-exit.  The host
; times the loop between the two lines on both emulators.
bits 32
org 0x100000

%include "multiboot-header.inc"
%include "debug-exit.inc"
%include "vbe.inc"
    MULTIBOOT_HEADER start

COM1   equ 0x3f8
WIDTH  equ 640
HEIGHT equ 480
FRAMES equ 2000

start:
    mov esp, 0x90000
    mov dx, COM1 + 3            ; LCR: 8N1
    mov al, 0x03
    out dx, al

    VBE_SET_MODE vbe_mode
    mov ebp, eax

    mov esi, start_msg
    call puts
    xor ebx, ebx                ; frame number
.frame:
    mov eax, ebx                ; a colour per frame: 0x00RRGGBB spread over the bits
    imul eax, eax, 0x00030507
    mov edi, ebp
    mov ecx, WIDTH * HEIGHT
    rep stosd
    inc ebx
    cmp ebx, FRAMES
    jb .frame
    mov esi, end_msg
    call puts
    DEBUG_EXIT_ZERO

puts:
    mov dx, COM1
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

start_msg: db "REDRAW-START", 10, 0
end_msg:   db "REDRAW-END", 10, 0

; DISPI index, value pairs: 640x480, 32 bpp, enabled with the LFB
vbe_mode:
    dw 1, WIDTH, 2, HEIGHT, 3, 32, 4, 0x41, 0xffff

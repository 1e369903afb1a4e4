; A Multiboot kernel that draws on the standard VGA (PCI 00:02.0) for the
; screendump comparison with QEMU (tests/functional/vga.py).  It uses no
; BIOS: the modes are set through the registers with IBM's mode tables
; (VGA Technical Reference, "BIOS video modes": the sequencer, CRTC,
; graphics and attribute values of modes 13h and 12h), the VBE mode through
; the Bochs DISPI ports 0x1CE/0x1CF.  Between stages it prints
; "VGA-STAGE <letter>" on COM1 and waits for any byte on COM1, when the
; test takes its screendump:
;   A  the text screen as the firmware left it
;   B  mode 13h: 320x200, 256 colours from a programmed DAC, chain 4
;   C  mode 12h: 640x480, 16 colours, planar: write modes 0 (set/reset),
;      2 and 3, the bit mask and the latches
;   D  a VBE mode 1024x768x32 drawn through the linear framebuffer (BAR0)
;   E  "Mode X": 320x240, 256 colours, unchained (chain 4 off, each plane
;      written through the map mask), double-scanned 480 lines
;   F  the same memory scrolled: the CRTC start address moved 16 lines
;      down and 5 bytes (20 pixels) right
; then ends through isa-debug-exit.
bits 32
org 0x100000

%include "multiboot-header.inc"
%include "debug-exit.inc"
%include "vbe.inc"
    MULTIBOOT_HEADER start

COM1 equ 0x3f8

start:
    mov esp, 0x90000
    mov dx, COM1 + 3            ; LCR: 8N1
    mov al, 0x03
    out dx, al

    mov al, 'A'
    call stage

    ; ---- mode 13h ----
    mov esi, mode13
    call set_mode
    xor ecx, ecx                ; DAC: entry i = (i & 63, (i >> 2) & 63, (255 - i) >> 2)
    mov dx, 0x3c8
    xor al, al
    out dx, al
    mov dx, 0x3c9
.dac:
    mov al, cl
    and al, 63
    out dx, al
    mov al, cl
    shr al, 2
    out dx, al
    mov al, 255
    sub al, cl
    shr al, 2
    out dx, al
    inc ecx
    cmp ecx, 256
    jb .dac
    mov edi, 0xa0000            ; pixel (x, y) = x ^ y, a white frame round it
    xor ebx, ebx                ; y
.y13:
    xor ecx, ecx                ; x
.x13:
    mov eax, ecx
    xor eax, ebx
    cmp ecx, 0
    je .frame
    cmp ecx, 319
    je .frame
    cmp ebx, 0
    je .frame
    cmp ebx, 199
    jne .put13
.frame:
    mov al, 0x3f                ; entry 63: (63, 15, 48)
.put13:
    mov [edi], al
    inc edi
    inc ecx
    cmp ecx, 320
    jb .x13
    inc ebx
    cmp ebx, 200
    jb .y13
    mov al, 'B'
    call stage

    ; ---- mode 12h ----
    mov esi, mode12
    call set_mode
    ; clear every plane (write mode 0, all planes, data 0)
    mov edi, 0xa0000
    mov ecx, 80 * 480 / 4
    xor eax, eax
    rep stosd
    ; top half: 16 bands of 40 pixels (5 bytes), colour = band, write mode 2
    mov dx, 0x3ce
    mov ax, 0x0205              ; GR5: write mode 2
    out dx, ax
    mov edi, 0xa0000
    xor ebx, ebx
.y12:
    xor ecx, ecx
.x12:
    mov eax, ecx
    xor edx, edx
    push ecx
    mov ecx, 5
    div ecx
    pop ecx
    mov [edi + ecx], al         ; the colour of byte ecx (bits 3:0 of the data)
    inc ecx
    cmp ecx, 80
    jb .x12
    add edi, 80
    inc ebx
    cmp ebx, 240
    jb .y12
    ; bottom half: diagonal lines of single pixels through the bit mask
    ; and set/reset (write mode 0), colour = (y & 15) | 1
    mov dx, 0x3ce
    mov ax, 0x0005              ; write mode 0
    out dx, ax
    mov ax, 0x0f01              ; GR1: set/reset on every plane
    out dx, ax
    mov ebx, 240
.diag:
    mov eax, ebx
    and eax, 15
    or eax, 1
    shl eax, 8                  ; GR0 = colour
    out dx, ax
    mov ecx, ebx                ; x = 2 * (y - 240) + 40
    sub ecx, 240
    shl ecx, 1
    add ecx, 40
    mov eax, ecx
    and ecx, 7
    mov ah, 0x80
    shr ah, cl                  ; GR8 = the pixel's bit
    mov al, 8
    out dx, ax
    mov eax, ebx                ; the byte of x
    sub eax, 240
    shl eax, 1
    add eax, 40
    shr eax, 3
    imul edi, ebx, 80
    add edi, eax
    add edi, 0xa0000
    mov al, [edi]               ; load the latches
    mov [edi], al               ; the data is ignored: set/reset on every plane
    inc ebx
    cmp ebx, 480
    jb .diag
    ; a bar of colour 14 drawn with write mode 3 (set/reset AND data)
    mov ax, 0x0e00              ; GR0: colour 14
    out dx, ax
    mov ax, 0x0001              ; GR1: no enable (write mode 3 ignores it)
    out dx, ax
    mov ax, 0x0305              ; write mode 3
    out dx, ax
    mov ax, 0xff08              ; GR8: every bit
    out dx, ax
    mov edi, 0xa0000 + 80 * 400 + 40
    mov ecx, 40
.bar:
    mov al, [edi]
    mov byte [edi], 0x3c        ; the data selects bits 5:2 of each byte
    inc edi
    loop .bar
    mov ax, 0x0005
    out dx, ax
    mov al, 'C'
    call stage

    ; ---- VBE 1024x768x32 ----
    VBE_SET_MODE vbe_mode
    mov edi, eax
    xor ebx, ebx
.yv:
    xor ecx, ecx
.xv:
    mov eax, ecx                ; 0x00RRGGBB: R = x, G = y, B = (x + y) / 4
    and eax, 0xff
    shl eax, 16
    mov edx, ebx
    and edx, 0xff
    shl edx, 8
    or eax, edx
    mov edx, ecx
    add edx, ebx
    shr edx, 2
    and edx, 0xff
    or eax, edx
    mov [edi], eax
    add edi, 4
    inc ecx
    cmp ecx, 1024
    jb .xv
    inc ebx
    cmp ebx, 768
    jb .yv
    mov al, 'D'
    call stage

    ; ---- Mode X ----
    mov dx, 0x1ce               ; VBE off: back to the VGA's own modes
    mov ax, 4
    out dx, ax
    inc dx
    xor ax, ax
    out dx, ax
    mov esi, modex
    call set_mode
    mov dx, 0x3c4               ; SR2 map mask: all planes, to clear them
    mov ax, 0x0f02
    out dx, ax
    mov edi, 0xa0000
    mov ecx, 0x10000 / 4
    xor eax, eax
    rep stosd
    ; pixel (x, y) = (x + 3y) & 0xff, plane x & 3, byte y * 80 + x / 4
    xor ebp, ebp                ; plane
.plane:
    mov ecx, ebp
    mov ah, 1
    shl ah, cl
    mov al, 2
    mov dx, 0x3c4
    out dx, ax                  ; SR2 = 1 << plane
    mov edi, 0xa0000
    xor ebx, ebx                ; y
.yx:
    xor ecx, ecx                ; byte in the line
.xx:
    lea eax, [ecx * 4 + ebp]    ; x
    lea edx, [ebx * 2 + ebx]
    add eax, edx
    mov [edi], al
    inc edi
    inc ecx
    cmp ecx, 80
    jb .xx
    inc ebx
    cmp ebx, 240
    jb .yx
    inc ebp
    cmp ebp, 4
    jb .plane
    mov al, 'E'
    call stage
    ; the start address (CR0C high, CR0D low) in bytes of a plane
    mov dx, 0x3d4
    mov ax, ((80 * 16 + 5) & 0xff00) | 0x0c
    out dx, ax
    mov ax, (((80 * 16 + 5) & 0xff) << 8) | 0x0d
    out dx, ax
    mov al, 'F'
    call stage
    DEBUG_EXIT_ZERO

; Print "VGA-STAGE <al>\n" on COM1, then wait for a byte from it.
stage:
    push eax
    mov esi, stage_msg
    call puts
    pop eax
    mov dx, COM1
    out dx, al
    mov al, 10
    out dx, al
    mov dx, COM1 + 5            ; LSR bit 0: data ready
.wait:
    in al, dx
    test al, 1
    jz .wait
    mov dx, COM1
    in al, dx
    ret

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

; Program a mode from a table at esi: Misc Output, SR0-SR4, CR0-CR18,
; GR0-GR8, AR0-AR14, then turn the screen on (attribute index bit 5).
set_mode:
    mov dx, 0x3c2
    lodsb
    out dx, al
    mov dx, 0x3c4
    mov ecx, 5
    call indexed
    mov dx, 0x3d4               ; unlock CR0-CR7 (CR11 bit 7)
    mov al, 0x11
    out dx, al
    inc dx
    in al, dx
    and al, 0x7f
    out dx, al
    dec dx
    mov ecx, 25
    call indexed
    mov dx, 0x3ce
    mov ecx, 9
    call indexed
    mov dx, 0x3da               ; reset the attribute flip-flop
    in al, dx
    mov dx, 0x3c0
    xor ecx, ecx
.attr:
    mov al, cl
    out dx, al
    lodsb
    out dx, al
    inc ecx
    cmp ecx, 21
    jb .attr
    mov al, 0x20
    out dx, al
    ret

; Write registers 0..ecx-1 of the index/data pair at dx, dx+1 from esi.
indexed:
    xor ebx, ebx
.next:
    mov al, bl
    out dx, al
    inc dx
    lodsb
    out dx, al
    dec dx
    inc ebx
    cmp ebx, ecx
    jb .next
    ret

stage_msg: db "VGA-STAGE ", 0

mode13:
    db 0x63
    db 0x03, 0x01, 0x0f, 0x00, 0x0e
    db 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00
    db 0x00, 0x00, 0x00, 0x9c, 0x0e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff
    db 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff
    db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
    db 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00

; Mode X (Michael Abrash's 320x240 unchained mode): mode 13h's horizontal
; timing with mode 12h's 480-line vertical timing, each line scanned twice
; (CR9 bit 0), SR4 06h (chain 4 off, odd/even off), CR14 00h and CR17 E3h
; (byte addressing), so each plane holds every fourth pixel.
modex:
    db 0xe3
    db 0x03, 0x01, 0x0f, 0x00, 0x06
    db 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0d, 0x3e, 0x00, 0x41, 0x00, 0x00, 0x00
    db 0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x06, 0xe3, 0xff
    db 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff
    db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
    db 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00

mode12:
    db 0xe3
    db 0x03, 0x01, 0x0f, 0x00, 0x06
    db 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00
    db 0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff
    db 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff
    db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c
    db 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00

; DISPI index, value pairs: 1024x768, 32 bpp, enabled with the LFB
vbe_mode:
    dw 1, 1024, 2, 768, 3, 32, 4, 0x41, 0xffff

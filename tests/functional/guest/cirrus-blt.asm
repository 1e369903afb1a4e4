; A Multiboot kernel that runs BitBLTs on the cirrus-vga (PCI 00:02.0, as
; -vga cirrus puts it on pc) for the screendump comparison with QEMU
; (tests/functional/vga.py cirrus-blt).  Started by SeaBIOS (-boot
; kernel=firmware on cardcage), so BAR0 is where the firmware put it.
;
; It sets a 1024x768 mode at 8 bpp through the registers (CL-GD5446 TRM:
; SR7 extended mode, CR13/CR1B offset) with a DAC in which every byte value
; has a colour of its own, so that the screendump shows each byte of the
; first 768 KiB of video memory; fills the memory with pseudo-random bytes
; and runs a table of BLTs.  Between groups it prints "BLT-STAGE <letter>"
; on COM1 and waits for any byte from COM1, when the test takes its
; screendumps:
;   A  the filled screen
;   B  copies forward with each of the 16 raster operations
;   C  copies backward with each, and overlapping copies both ways
;   D  colour expansion from video memory at 8/16/24/32 bpp: opaque,
;      transparent, inverted, with a left-edge skip
;   E  8x8 colour patterns at each depth, monochrome patterns opaque and
;      transparent, solid fills
;   F  system-to-screen BLTs: pixels, bits (opaque and transparent) and
;      patterns from the CPU through the framebuffer
; then ends through isa-debug-exit.  The BLTs stay inside what both
; emulators take alike: pattern addresses aligned to 256, no GR33 bit 0,
; no zero pitch (QEMU refuses a BLT with a zero source pitch even where
; the source pitch is not used).
bits 32
org 0x100000

%include "xorshift.inc"
%include "multiboot-header.inc"
%include "debug-exit.inc"
    MULTIBOOT_HEADER start

COM1 equ 0x3f8

start:
    mov esp, 0x90000
    mov dx, COM1 + 3            ; LCR: 8N1
    mov al, 0x03
    out dx, al

    ; BAR0 of 00:02.0 (PCI 3.0, 6.2.5.1): the linear framebuffer
    mov dx, 0xcf8
    mov eax, 0x80001010
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    and eax, 0xfffffff0
    mov [lfb], eax

    call set_mode

    ; fill the first MiB with xorshift32 words
    mov edi, [lfb]
    mov ecx, 0x40000
.fill:
    call rand
    stosd
    loop .fill

    mov esi, blts
.next:
    movzx eax, word [esi]
    cmp eax, 0xfffe
    je .end
    cmp eax, 0xffff
    jne .blt
    mov al, [esi + 2]
    push esi
    call stage
    pop esi
    add esi, BLT_SIZE
    jmp .next
.blt:
    call run_blt
    add esi, BLT_SIZE
    jmp .next
.end:
    DEBUG_EXIT_ZERO

; One BLT from the entry at esi (see the BLT macro): the registers through
; the graphics controller ports, the start (GR31 bit 1), then the CPU data
; words of a system-to-screen BLT written to the framebuffer.
run_blt:
    mov dx, 0x3ce
    mov ebx, gr_order
    xor ecx, ecx
.reg:
    mov al, [ebx + ecx]
    out dx, al
    inc dx
    mov al, [esi + ecx]
    out dx, al
    dec dx
    inc ecx
    cmp ecx, 28
    jb .reg
    mov al, 0x31
    out dx, al
    inc dx
    mov al, 0x02
    out dx, al
    mov ecx, [esi + 28]
    mov edi, [lfb]
.data:
    jecxz .done
    call rand
    mov [edi], eax
    dec ecx
    jmp .data
.done:
    ret

; The register each byte of an entry goes to.
gr_order:
    db 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27     ; width, height, pitches
    db 0x28, 0x29, 0x2a, 0x00                             ; destination (+ pad: GR0 rewritten below)
    db 0x2c, 0x2d, 0x2e, 0x00
    db 0x30, 0x32, 0x33, 0x2f                             ; mode, ROP, mode ext, skip
    db 0x01, 0x11, 0x13, 0x15                             ; foreground
    db 0x00, 0x10, 0x12, 0x14                             ; background

    XORSHIFT32                  ; rand: eax = the next of rng (xorshift.inc)

; 1024x768, 8 bpp, extended mode; the DAC: byte i is (i >> 2, (i & 3) << 4, 32)
set_mode:
    mov dx, 0x3c2
    mov al, 0xe3
    out dx, al
    mov dx, 0x3c4
    mov ax, 0x1206              ; unlock
    out dx, ax
    mov ax, 0x0107              ; SR7: extended, 8 bpp
    out dx, ax
    mov dx, 0x3d4
    mov esi, crtc
.crtc:
    lodsw
    cmp ax, 0xffff
    je .gfx
    out dx, ax
    jmp .crtc
.gfx:
    mov dx, 0x3ce
    mov ax, 0x4005              ; GR5: 256 colours
    out dx, ax
    mov ax, 0x0506              ; GR6: graphics, A0000-AFFFF
    out dx, ax
    mov dx, 0x3c6
    mov al, 0xff
    out dx, al
    mov dx, 0x3c8
    xor al, al
    out dx, al
    mov dx, 0x3c9
    xor ecx, ecx
.dac:
    mov al, cl
    shr al, 2
    out dx, al
    mov al, cl
    and al, 3
    shl al, 4
    out dx, al
    mov al, 32
    out dx, al
    inc ecx
    cmp ecx, 256
    jb .dac
    mov dx, 0x3da               ; attribute flip-flop; screen on
    in al, dx
    mov dx, 0x3c0
    mov al, 0x20
    out dx, al
    ret

; CRTC index, value pairs (low byte index): unprotect, 128 character clocks,
; 768 lines (CR12 + CR7 bit 6: 767 = 2FFh), no split, offset 1024 bytes, no
; CGA/Hercules addressing, start 0
crtc:
    dw 0x0011, 0x7f01, 0xff12, 0x5007, 0x4009, 0xff18, 0x8013, 0x221b, 0xc317
    dw 0x000c, 0x000d, 0x001d, 0x001a, 0xffff

; Print "BLT-STAGE <al>\n" on COM1, then wait for a byte from it.
stage:
    push eax
    mov esi, stage_msg
    mov dx, COM1
.msg:
    lodsb
    test al, al
    jz .letter
    out dx, al
    jmp .msg
.letter:
    pop eax
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

stage_msg: db "BLT-STAGE ", 0
align 4
lfb: dd 0
rng: dd 0x2545f491

; An entry: width and height in bytes and lines, destination and source
; pitch, destination and source address, mode (GR30), ROP (GR32), mode
; extensions (GR33), left-edge skip (GR2F), foreground, background, and
; the number of 32-bit CPU data words (system-to-screen).
BLT_SIZE equ 32
%macro BLT 13
    dw (%1) - 1, (%2) - 1, %3, %4
    dd (%5) & 0x3fffff, (%6) & 0x3fffff
    db %7, %8, %9, %10
    dd %11, %12, %13
%endmacro
%macro STAGE 1
    dw 0xffff
    db %1
    times BLT_SIZE - 3 db 0
%endmacro

ROP_COPY equ 0x0d
align 4
blts:
    STAGE 'A'
    ; B: each ROP forward, 40x12 from the second half of the screen
%assign i 0
%rep 16
    %assign rop 0
    %if i == 0
        %assign rop 0x00
    %elif i == 1
        %assign rop 0x05
    %elif i == 2
        %assign rop 0x06
    %elif i == 3
        %assign rop 0x09
    %elif i == 4
        %assign rop 0x0b
    %elif i == 5
        %assign rop 0x0d
    %elif i == 6
        %assign rop 0x0e
    %elif i == 7
        %assign rop 0x50
    %elif i == 8
        %assign rop 0x59
    %elif i == 9
        %assign rop 0x6d
    %elif i == 10
        %assign rop 0x90
    %elif i == 11
        %assign rop 0x95
    %elif i == 12
        %assign rop 0xad
    %elif i == 13
        %assign rop 0xd0
    %elif i == 14
        %assign rop 0xd6
    %else
        %assign rop 0xda
    %endif
    BLT 40, 12, 1024, 1024, 0x10000 + (i % 8) * 100 + (i / 8) * 20 * 1024, 0x80000 + i * 8, 0x00, rop, 0, 0, 0, 0, 0
    %assign i i + 1
%endrep
    STAGE 'B'
%assign i 0
%rep 16
    %assign rop 0x0d
    %if i == 0
        %assign rop 0x00
    %elif i == 1
        %assign rop 0x05
    %elif i == 2
        %assign rop 0x06
    %elif i == 3
        %assign rop 0x09
    %elif i == 4
        %assign rop 0x0b
    %elif i == 6
        %assign rop 0x0e
    %elif i == 7
        %assign rop 0x50
    %elif i == 8
        %assign rop 0x59
    %elif i == 9
        %assign rop 0x6d
    %elif i == 10
        %assign rop 0x90
    %elif i == 11
        %assign rop 0x95
    %elif i == 12
        %assign rop 0xad
    %elif i == 13
        %assign rop 0xd0
    %elif i == 14
        %assign rop 0xd6
    %elif i == 15
        %assign rop 0xda
    %endif
    BLT 40, 12, 1024, 1024, 0x30000 + (i % 8) * 100 + (i / 8) * 20 * 1024 + 11 * 1024 + 39, 0x90000 + i * 16 + 11 * 1024 + 39, 0x01, rop, 0, 0, 0, 0, 0
    %assign i i + 1
%endrep
    ; overlapping: a scroll up (forward) and down (backward)
    BLT 300, 30, 1024, 1024, 0x50000, 0x50000 + 3 * 1024 + 5, 0x00, ROP_COPY, 0, 0, 0, 0, 0
    BLT 300, 30, 1024, 1024, 0x58000 + 29 * 1024 + 299, 0x58000 + 26 * 1024 + 294, 0x01, ROP_COPY, 0, 0, 0, 0, 0
    STAGE 'C'
    ; D: colour expansion from video memory, each depth: opaque, transparent
    ; (XOR, skip 3), inverted transparent
%assign pw 1
%rep 4
    BLT 48 * pw, 10, 1024, 1024, 0x60000 + ((pw - 1) * 3 + 0) * 12 * 1024, 0xa0000 + pw * 0x100, 0x80 | ((pw - 1) << 4), ROP_COPY, 0, 0, 0x9abcdef0, 0x12345678, 0
    BLT 48 * pw, 10, 1024, 1024, 0x60000 + ((pw - 1) * 3 + 1) * 12 * 1024, 0xa0000 + pw * 0x100, 0x88 | ((pw - 1) << 4), 0x59, 0, 3, 0x0f1e2d3c, 0x4b5a6978, 0
    BLT 48 * pw, 10, 1024, 1024, 0x60000 + ((pw - 1) * 3 + 2) * 12 * 1024, 0xa0000 + pw * 0x100, 0x88 | ((pw - 1) << 4), ROP_COPY, 2, 0, 0x11223344, 0x55667788, 0
    %assign pw pw + 1
%endrep
    STAGE 'D'
    ; E: colour patterns (OR), mono patterns opaque and transparent, solid fills
%assign pw 1
%rep 4
    BLT 40 * pw, 19, 1024, 0, 0x90000 + (pw - 1) * 24 * 1024, 0xb0000 + pw * 0x100, 0x40 | ((pw - 1) << 4), 0x6d, 0, 0, 0, 0, 0
    BLT 33 * pw, 11, 1024, 0, 0x90000 + (pw - 1) * 24 * 1024 + 512, 0xb2000 + pw * 0x100, 0xc0 | ((pw - 1) << 4), ROP_COPY, 0, 2, 0xa1b2c3d4, 0x01020304, 0
    BLT 33 * pw, 11, 1024, 0, 0x90000 + (pw - 1) * 24 * 1024 + 12 * 1024 + 512, 0xb2000 + pw * 0x100, 0xc8 | ((pw - 1) << 4), 0x59, 0, 0, 0xa1b2c3d4, 0x01020304, 0
    BLT 21 * pw, 5, 1024, 0, 0x90000 + (pw - 1) * 24 * 1024 + 300, 0, 0xc0 | ((pw - 1) << 4), ROP_COPY, 4, 0, 0xcafebabe, 0, 0
    %assign pw pw + 1
%endrep
    STAGE 'E'
    ; F: from the CPU: 8 bpp pixels (XOR), 16 bpp pixels, bits at 8 bpp
    ; (32 pixels a line: 4 bytes) and 32 bpp transparent, colour and mono
    ; patterns
    BLT 16, 6, 1024, 0, 0xb0000 + 100, 0, 0x04, 0x59, 0, 0, 0, 0, 4 * 6
    BLT 20, 3, 1024, 0, 0xb0000 + 200, 0, 0x14, ROP_COPY, 0, 0, 0, 0, 5 * 3
    BLT 32, 5, 1024, 0, 0xb0000 + 300, 0, 0x84, ROP_COPY, 0, 0, 0x000000c3, 0x0000003c, 5
    BLT 128, 4, 1024, 0, 0xb0000 + 400, 0, 0xbc, ROP_COPY, 0, 0, 0x11335577, 0, 4
    BLT 64, 9, 1024, 0, 0xb0000 + 600, 0, 0x44, ROP_COPY, 0, 0, 0, 0, 16
    BLT 64, 9, 1024, 0, 0xb0000 + 700, 0, 0xc4, ROP_COPY, 0, 0, 0x000000aa, 0x00000055, 2
    STAGE 'F'
    dw 0xfffe

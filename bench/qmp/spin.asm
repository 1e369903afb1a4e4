; A 64 KiB firmware image that keeps the CPU busy forever, for the QMP
; latency benchmark and tests: `-M romtest -bios spin.bin` on cardcage,
; `-M isapc -bios spin.bin` on qemu-system-i386.  It writes POST code 01 to
; port 0x190 once (romtest's post-port: `-set post.exit-on=1` turns that into
; a guest shutdown; QEMU's isapc has nothing there), then loops on register
; arithmetic, never halting.  The reset vector (F000:FFF0, Intel SDM vol. 3A,
; 9.1.4) jumps to the start.
;
; SPDX-License-Identifier: MIT
        cpu     686
        bits    16
        org     0

POST_PORT equ 0x190

start:
        cli
        mov     dx, POST_PORT
        mov     al, 0x01
        out     dx, al
        xor     ax, ax
        xor     bx, bx
spin:
        inc     ax
        add     bx, ax
        xor     bx, 0x5a5a
        jmp     spin

        times   0xfff0 - ($ - $$) db 0
reset:
        jmp     0xf000:start
        times   0x10000 - ($ - $$) db 0

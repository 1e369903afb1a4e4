; bench.bin as a 64 KiB firmware image, so that whole emulators run the same
; work from the reset vector: `-bios rom.bin` on cardcage's romtest board
; and on qemu-system-i386 -M isapc (bench/cpu/compare-qemu).  The reset
; vector (F000:FFF0, SDM vol. 3A, 9.1.4) jumps to code that sets the
; integer mix and a round limit, copies bench.bin to 1000:0000 where it
; expects to run, and jumps there.
;
; SPDX-License-Identifier: MIT
        cpu     686
        bits    16
        org     0

%ifndef ROUNDS
ROUNDS  equ 400
%endif
%ifndef MIX
MIX     equ 0                           ; 0 integer, 2 memory-heavy
%endif

entry:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     byte [0x500], MIX
        mov     dword [0x504], ROUNDS           ; then isa-debug-exit
        mov     ax, cs
        mov     ds, ax
        mov     ax, 0x1000
        mov     es, ax
        mov     si, image
        xor     di, di
        mov     cx, image_end - image
        cld
        rep movsb
        jmp     0x1000:0

image:
        incbin  BENCH_BIN
image_end:

        times   0xfff0 - ($ - $$) db 0xff
reset:
        jmp     0xf000:entry
        times   0x10000 - ($ - $$) db 0xff

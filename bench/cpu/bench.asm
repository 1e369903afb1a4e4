; cardcage CPU benchmark guest.  Loaded at 0x10000 and started in real mode
; at 1000:0000 by bench/cpu/cpubench.c, it switches to 32-bit protected mode
; with 4 KiB paging (identity map of 16 MiB, as an OS kernel runs) and loops
; for ever over a mix of integer work: hashing (loads, ALU, IMUL, rotates),
; memory copies (REP MOVSD and a byte loop), recursive calls, a tight
; count-down loop, an insertion sort and string scans.  When the byte at
; 0x500 is 1 each round also does some x87 arithmetic; when it is 2 a round
; is the memory-heavy mix instead (mem_block: loads, stores, PUSH/POP,
; read-modify-write on memory, rotates, REP MOVSD/STOSD).  The driver counts
; instructions; the guest never stops, unless the dword at 0x504 sets a
; number of rounds (then it writes isa-debug-exit at port 0xf4).
;
; SPDX-License-Identifier: MIT

        cpu     686
        bits    16
        org     0x10000

MIX     equ 0x500
ROUNDS  equ 0x504
PD      equ 0x100000
PT      equ 0x101000            ; four page tables: 16 MiB
BUF_A   equ 0x200000
BUF_B   equ 0x210000
ARR     equ 0x220000
MEMA    equ 0x230000            ; mem_block: 16 KiB of records, then copies
STACK   equ 0x90000

start16:
        cli
        lgdt    [cs:gdt_ptr - 0x10000]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     dword 0x08:start32

        bits    32
start32:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK
        ; identity-map 16 MiB with 4 KiB pages
        mov     edi, PT
        mov     eax, 3
        mov     ecx, 4096
.pt:    stosd
        add     eax, 0x1000
        loop    .pt
        mov     edi, PD
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PD + 0], PT + 0x0000 + 3
        mov     dword [PD + 4], PT + 0x1000 + 3
        mov     dword [PD + 8], PT + 0x2000 + 3
        mov     dword [PD + 12], PT + 0x3000 + 3
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        and     eax, ~0x0c              ; EM, TS clear: x87 usable
        mov     cr0, eax
        fninit
        ; fill the source buffer with a pattern
        mov     edi, BUF_A
        mov     ecx, 4096
        mov     eax, 0x9e3779b9
.fill:  stosd
        rol     eax, 7
        add     eax, ecx
        loop    .fill

main_loop:
        cmp     byte [MIX], 2
        jne     .int
        call    mem_block
        jmp     .rounds
.int:   call    hash_block
        call    copy_block
        mov     eax, 15
        call    fib
        call    count_down
        call    sort_block
        call    strings
        cmp     byte [MIX], 1
        jne     .rounds
        call    fpu_block
.rounds:
        ; A round limit at ROUNDS (0: none, as cpubench leaves it) ends the
        ; run through isa-debug-exit, so that the same work can be timed on
        ; whole emulators (rom.asm, compare-qemu).
        mov     eax, [ROUNDS]
        test    eax, eax
        jz      main_loop
        dec     eax
        mov     [ROUNDS], eax
        jnz     main_loop
        mov     dx, 0xf4
        xor     eax, eax
        out     dx, eax
        jmp     main_loop

; FNV-style hash with a rotate, over 1024 dwords
hash_block:
        mov     esi, BUF_A
        xor     ecx, ecx
        mov     edx, 0x811c9dc5
.h:     mov     eax, [esi + ecx * 4]
        xor     edx, eax
        imul    edx, edx, 0x01000193
        rol     edx, 5
        add     edx, ecx
        inc     ecx
        cmp     ecx, 1024
        jb      .h
        mov     [hash_out], edx
        ret

; 4 KiB with REP MOVSD, then 512 bytes one at a time
copy_block:
        mov     esi, BUF_A
        mov     edi, BUF_B
        mov     ecx, 1024
        cld
        rep     movsd
        mov     esi, BUF_A + 4096
        mov     edi, BUF_B + 4096
        mov     ecx, 512
.b:     mov     al, [esi]
        mov     [edi], al
        inc     esi
        inc     edi
        dec     ecx
        jnz     .b
        ret

; The memory-heavy mix: 512 records of 32 bytes updated in place (loads,
; stores, PUSH/POP, read-modify-write with ADD/XOR/INC/SUB/SHL on memory,
; rotates), then REP MOVSD of the 16 KiB and REP STOSD of 8 KiB.
mem_block:
        push    ebp
        mov     esi, MEMA
        mov     ecx, 512
.m:     mov     eax, [esi]
        mov     edx, [esi + 4]
        push    eax
        push    edx
        rol     eax, 3
        ror     edx, 7
        add     [esi + 8], eax
        xor     [esi + 12], edx
        inc     dword [esi + 16]
        sub     dword [esi + 20], 3
        shl     dword [esi + 24], 1
        mov     ebp, [esi + 8]
        or      [esi + 28], ebp
        pop     edx
        pop     eax
        add     eax, edx
        adc     eax, 0
        mov     [esi], eax
        mov     [esi + 4], ecx
        add     esi, 32
        dec     ecx
        jnz     .m
        mov     esi, MEMA
        mov     edi, MEMA + 0x4000
        mov     ecx, 4096
        cld
        rep     movsd
        mov     edi, MEMA + 0x8000
        mov     eax, [hash_out]
        mov     ecx, 2048
        rep     stosd
        pop     ebp
        ret

; recursive Fibonacci: eax = fib(eax)
fib:
        cmp     eax, 2
        jb      .done
        push    ebx
        push    eax
        dec     eax
        call    fib
        mov     ebx, eax
        pop     eax
        sub     eax, 2
        call    fib
        add     eax, ebx
        pop     ebx
.done:  ret

count_down:
        mov     ecx, 2000
.l:     dec     ecx
        jnz     .l
        ret

; fill 64 dwords from an LCG, insertion-sort them
sort_block:
        mov     eax, [seed]
        mov     edi, ARR
        mov     ecx, 64
.gen:   imul    eax, eax, 1103515245
        add     eax, 12345
        mov     [edi], eax
        add     edi, 4
        loop    .gen
        mov     [seed], eax
        mov     ecx, 1
.outer: mov     eax, [ARR + ecx * 4]
        mov     edx, ecx
.inner: test    edx, edx
        jz      .place
        mov     ebx, [ARR + edx * 4 - 4]
        cmp     ebx, eax
        jbe     .place
        mov     [ARR + edx * 4], ebx
        dec     edx
        jmp     .inner
.place: mov     [ARR + edx * 4], eax
        inc     ecx
        cmp     ecx, 64
        jb      .outer
        ret

; compare two equal 256-byte blocks, then find a zero byte
strings:
        mov     esi, BUF_A
        mov     edi, BUF_B
        mov     ecx, 256
        repe    cmpsb
        mov     edi, BUF_B + 8192
        mov     byte [edi + 200], 0
        mov     ecx, 1024
        mov     al, 0
        repne   scasb
        ret

; x87: sum of square roots and a product, in double precision
fpu_block:
        fldz
        mov     ecx, 64
.f:     mov     [fpu_tmp], ecx
        fild    dword [fpu_tmp]
        fsqrt
        faddp   st1, st0
        fld     qword [fpu_k]
        fmul    st0, st1
        fstp    qword [fpu_out]
        loop    .f
        fstp    qword [fpu_out]
        ret

        align   8
fpu_k:  dq      1.000001
fpu_out: dq     0
fpu_tmp: dd     0
seed:   dd      12345
hash_out: dd    0

        align   8
gdt:    dq      0
        dq      0x00cf9a000000ffff      ; 0x08 flat code
        dq      0x00cf92000000ffff      ; 0x10 flat data
gdt_end:
gdt_ptr:
        dw      gdt_end - gdt - 1
        dd      gdt

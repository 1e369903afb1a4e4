; REP string instructions over RAM in bulk (x86-ops-str.c, bulk_run) and
; element by element: both directions, across page boundaries, overlapping
; MOVS (memmove-like and pattern-replicating), REPE/REPNE CMPS and SCAS
; stopping at the right element with the right flags, page faults in the
; middle leaving ECX/ESI/EDI at the faulting element (SDM vol. 2B, "REP":
; the instruction restarts from there), and a REP MOVSB over code that has
; already run (self-modifying code must see the new bytes).
;
;! halted = 1
; 1: backward REP MOVSD of 8 KiB: ESI, EDI, ECX, then copied dwords
;! mem32[0x600] = 0x1ffffc
;! mem32[0x604] = 0x20fffc
;! mem32[0x608] = 0
;! mem32[0x60c] = 0xfffefdfc
;! mem32[0x610] = 0x07060504
;! mem32[0x614] = 0
; 2: backward overlapping REP MOVSB, one byte up (memmove)
;! mem32[0x618] = 0x20ffff
;! mem32[0x61c] = 0x210000
;! mem32[0x620] = 0x02010000
;! mem32[0x624] = 0x020100ff
;! mem32[0x628] = 0x01fffefd
; 3: forward overlapping REP MOVSB, one byte up (replicates the first)
;! mem32[0x62c] = 0x5a5a5a5a
;! mem32[0x630] = 0x005a5a5a
; 4: backward REP STOSW: EDI, the fill and its untouched neighbours
;! mem32[0x634] = 0x22fffe
;! mem32[0x638] = 0xbeefbeef
;! mem32[0x63c] = 0xbeefbeef
;! mem32[0x640] = 0
;! mem32[0x644] = 0
; 5: forward REPNE SCASB finding 0x42 on the next page: ECX, EDI, ZF
;! mem32[0x648] = 0xfad
;! mem32[0x64c] = 0x201043
;! mem32[0x650] = 0x40
; 6: forward REPE CMPSD stopping at a mismatch: ECX, ESI, EDI, flags
;! mem32[0x654] = 0x3bf
;! mem32[0x658] = 0x201104
;! mem32[0x65c] = 0x241104
;! mem32[0x660] = 0x95
; 7: backward REPNE SCASB: ECX, EDI
;! mem32[0x664] = 0xdf
;! mem32[0x668] = 0x200fef
; 8: forward REP STOSD into a page that is not present: #PF, CR2, ECX, EDI,
; and what was stored before it
;! mem32[0x66c] = 14
;! mem32[0x670] = 0x251000
;! mem32[0x674] = 0xc
;! mem32[0x678] = 0x251000
;! mem32[0x67c] = 0x11223344
; 9: backward REP MOVSB from a page that is not present: CR2, ECX, ESI, EDI
;! mem32[0x680] = 0x251fff
;! mem32[0x684] = 0x17
;! mem32[0x688] = 0x251fff
;! mem32[0x68c] = 0x2600f7
; 10: code rewritten by REP MOVSB after it ran: the new code runs
;! mem32[0x690] = 1
;! mem32[0x694] = 2

%include "lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
SRC     equ 0x200000
DST     equ 0x210000
FILL    equ 0x230000
DST2    equ 0x240000
CODE    equ 0x270000

test_main:
        IDENTITY_MAP_4M PD, PT0, 3
        mov     dword [PT0 + 0x251 * 4], 0      ; linear 0x251000: not present
        ENABLE_PAGING PD
        ; SRC: 12 KiB of bytes k & 0xff
        mov     edi, SRC
        xor     eax, eax
        mov     ecx, 0x3000
.fill:  stosb
        inc     al
        loop    .fill

        ; 1
        std
        mov     esi, SRC + 0x1ffc
        mov     edi, DST + 0x1ffc
        mov     ecx, 0x800
        rep     movsd
        cld
        mov     [RES + 0x00], esi
        mov     [RES + 0x04], edi
        mov     [RES + 0x08], ecx
        mov     eax, [DST + 0x1ffc]
        mov     [RES + 0x0c], eax
        mov     eax, [DST + 0x1004]
        mov     [RES + 0x10], eax
        mov     eax, [DST - 4]
        mov     [RES + 0x14], eax

        ; 2
        std
        mov     esi, DST + 0x17ff
        mov     edi, DST + 0x1800
        mov     ecx, 0x1800
        rep     movsb
        cld
        mov     [RES + 0x18], esi
        mov     [RES + 0x1c], edi
        mov     eax, [DST]
        mov     [RES + 0x20], eax
        mov     eax, [DST + 0x1000]
        mov     [RES + 0x24], eax
        mov     eax, [DST + 0x17fe]
        mov     [RES + 0x28], eax

        ; 3
        mov     byte [DST], 0x5a
        mov     esi, DST
        mov     edi, DST + 1
        mov     ecx, 0x1100
        rep     movsb
        mov     eax, [DST + 0xffe]
        mov     [RES + 0x2c], eax
        mov     eax, [DST + 0x10fe]
        mov     [RES + 0x30], eax

        ; 4
        std
        mov     edi, FILL + 0x1ffe
        mov     eax, 0xbeef
        mov     ecx, 0x1000
        rep     stosw
        cld
        mov     [RES + 0x34], edi
        mov     eax, [FILL]
        mov     [RES + 0x38], eax
        mov     eax, [FILL + 0x1ffc]
        mov     [RES + 0x3c], eax
        mov     eax, [FILL - 4]
        mov     [RES + 0x40], eax
        mov     eax, [FILL + 0x2000]
        mov     [RES + 0x44], eax

        ; 5
        mov     edi, SRC + 0xff0
        mov     al, 0x42
        mov     ecx, 0x1000
        repne   scasb
        pushfd
        mov     [RES + 0x48], ecx
        mov     [RES + 0x4c], edi
        pop     eax
        and     eax, 0x40
        mov     [RES + 0x50], eax

        ; 6
        mov     esi, SRC
        mov     edi, DST2
        mov     ecx, 0x800
        rep     movsd
        mov     dword [DST2 + 0x1100], 0x03020101
        mov     esi, SRC + 0x800
        mov     edi, DST2 + 0x800
        mov     ecx, 0x600
        repe    cmpsd
        pushfd
        mov     [RES + 0x54], ecx
        mov     [RES + 0x58], esi
        mov     [RES + 0x5c], edi
        pop     eax
        and     eax, 0x8d5
        mov     [RES + 0x60], eax

        ; 7
        std
        mov     edi, SRC + 0x1010
        mov     al, 0xf0
        mov     ecx, 0x100
        repne   scasb
        cld
        mov     [RES + 0x64], ecx
        mov     [RES + 0x68], edi

        ; 8
        EXPECT_FAULT .t8
        mov     edi, 0x250ff0
        mov     eax, 0x11223344
        mov     ecx, 0x10
        rep     stosd
.t8:    mov     [RES + 0x74], ecx
        mov     [RES + 0x78], edi
        mov     eax, [EXC_VEC]
        mov     [RES + 0x6c], eax
        mov     eax, [EXC_CR2]
        mov     [RES + 0x70], eax
        mov     eax, [0x250ffc]
        mov     [RES + 0x7c], eax

        ; 9
        EXPECT_FAULT .t9
        std
        mov     esi, 0x252008
        mov     edi, 0x260100
        mov     ecx, 0x20
        rep     movsb
.t9:    cld
        mov     [RES + 0x84], ecx
        mov     [RES + 0x88], esi
        mov     [RES + 0x8c], edi
        mov     eax, [EXC_CR2]
        mov     [RES + 0x80], eax

        ; 10
        mov     esi, code1
        mov     edi, CODE
        mov     ecx, code1_end - code1
        rep     movsb
        call    CODE
        mov     [RES + 0x90], eax
        mov     esi, code2
        mov     edi, CODE
        mov     ecx, code2_end - code2
        rep     movsb
        call    CODE
        mov     [RES + 0x94], eax
        DONE

code1:  mov     eax, 1
        ret
code1_end:
code2:  mov     eax, 2
        ret
code2_end:

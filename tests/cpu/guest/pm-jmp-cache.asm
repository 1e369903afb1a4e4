; The jump cache (x86-tb.c) keeps blocks by linear address across INVLPG
; and CR3 loads that do not concern them; it must still lose every block
; whose mapping changed: a 4 KiB page remapped and INVLPG'd, a 4 MiB page
; remapped and INVLPG'd at another address inside it (SDM vol. 3A,
; 4.10.4.1: INVLPG drops the whole large page), a CR3 load to tables that
; map the code elsewhere.  A block whose first instruction crosses into a
; second page is in the jump cache too, and must go when only that second
; page is remapped: by INVLPG of it, or by a CR3 load while the first page
; is global (CR4.PGE) and the second is not.  Each case calls the code through a register 64
; times (so the caller is compiled and probes the jump cache inline) and
; stores the sum of the results.
;
;! halted = 1
; 4 KiB page: before (3 each), after INVLPG of it (4 each); an INVLPG of
; another page keeps the new code running
;! mem32[0x600] = 192
;! mem32[0x604] = 256
;! mem32[0x608] = 256
; 4 MiB page: before (1 each), after INVLPG elsewhere in it (2 each)
;! mem32[0x60c] = 64
;! mem32[0x610] = 128
; CR3 load to tables mapping the large page back to the first copy
;! mem32[0x614] = 64
; a block across pages: before (5 each), after remapping its second page and
; INVLPG of that page only (0x105 each), after a CR3 load to tables mapping
; the second page back (5 each), the first page being global
;! mem32[0x618] = 320
;! mem32[0x61c] = 16704
;! mem32[0x620] = 320

%include "lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
PD2     equ 0x102000
PT0B    equ 0x103000        ; PD2's copy of PT0, with CROSS's second page as first mapped
SMALL   equ 0x300000        ; linear page of the 4 KiB case
LARGE   equ 0x401000        ; linear code address in the 4 MiB page at 4 MiB
CROSS   equ 0x302ffd        ; "jmp rel32" across the pages at 0x302000 and 0x303000

; CALLN target, result offset: 64 indirect calls, sum of EAX in RES slot
%macro CALLN 2
        xor     esi, esi
        mov     ecx, 64
%%l:    mov     ebx, %1
        call    ebx
        add     esi, eax
        loop    %%l
        mov     [RES + %2], esi
%endmacro

; PUTCODE physical, value: "mov eax, value; ret" at a physical address
; (paging is off, or the address is identity-mapped)
%macro PUTCODE 2
        mov     byte [%1], 0xb8
        mov     dword [%1 + 1], %2
        mov     byte [%1 + 5], 0xc3
%endmacro

test_main:
        PUTCODE 0x300000, 3
        PUTCODE 0x301000, 4
        PUTCODE 0x801000, 1
        PUTCODE 0xc01000, 2
        ; CROSS: E9 FE F0 | FF FF, jmp 0x302100 (EAX = 5); at 0x304000 the
        ; second page's other copy, FE FF: jmp 0x2f2100 (EAX = 0x105).  The
        ; targets are on other pages, so the jump cache holds no other block
        ; of the second page to flush it by chance.
        mov     byte [CROSS], 0xe9
        mov     word [CROSS + 1], 0xf0fe
        mov     word [0x303000], 0xffff
        mov     word [0x304000], 0xfffe
        PUTCODE 0x302100, 5
        PUTCODE 0x2f2100, 0x105
        IDENTITY_MAP_4M PD, PT0, 3
        mov     dword [PD + 4], 0x800000 | 0x83         ; 4 MiB page, P RW PS
        or      dword [PT0 + (CROSS >> 12) * 4], 0x100  ; G: CROSS's first page is global
        ; PD2 and PT0B: the same, for the CR3 cases
        mov     esi, PD
        mov     edi, PD2
        mov     ecx, 1024
        rep     movsd
        mov     esi, PT0
        mov     edi, PT0B
        mov     ecx, 1024
        rep     movsd
        mov     dword [PD2], PT0B | 3
        mov     eax, cr4
        or      eax, 0x90                               ; PSE, PGE
        mov     cr4, eax
        ENABLE_PAGING PD
        CALLN   SMALL, 0x00
        mov     dword [PT0 + (SMALL >> 12) * 4], 0x301000 | 3
        invlpg  [SMALL]
        CALLN   SMALL, 0x04
        invlpg  [0x200000]
        CALLN   SMALL, 0x08

        CALLN   LARGE, 0x0c
        mov     dword [PD + 4], 0xc00000 | 0x83
        invlpg  [0x7ff000]
        CALLN   LARGE, 0x10

        CALLN   CROSS, 0x18
        mov     dword [PT0 + ((CROSS >> 12) + 1) * 4], 0x304000 | 3
        invlpg  [CROSS + 3]
        CALLN   CROSS, 0x1c

        mov     eax, PD2
        mov     cr3, eax
        CALLN   LARGE, 0x14
        CALLN   CROSS, 0x20
        DONE

; The software TLB's empty entries: an unaligned 4-byte access at linear
; address 1 must not take an invalidated entry for a hit.  The lookup key
; of such an access is lin & (0xfffff000 | 3) = 1; an empty entry's tag must
; never equal it, or the access goes through the addend the entry kept from
; the page it mapped before (here linear 0x400000, mapped to physical
; 0x800000: the access would reach physical 0x400001).
;
;! halted = 1
; a read at linear 1 after INVLPG emptied its TLB slot: physical 1
;! mem32[0x600] = 0x11111111
; a write likewise: it lands at physical 1 ...
;! mem32[0x604] = 0x33333333
; ... and not at physical 0x400001
;! mem32[0x608] = 0x22222222

%include "lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
PT1     equ 0x102000

test_main:
        mov     dword [0x400001], 0x22222222
        mov     dword [1], 0x11111111
        ; linear 0..4 MiB to itself; linear 0x400000 (the same TLB slot as
        ; page 0) to physical 0x800000
        IDENTITY_MAP_4M PD, PT0, 3
        mov     edi, PT1
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PT1], 0x800000 | 3
        mov     dword [PD + 4], PT1 | 3
        ENABLE_PAGING PD
        ; fill the slot from linear 0x400000 for reads and writes, empty it
        mov     eax, [0x400000]
        mov     [0x400000], eax
        invlpg  [0x400000]
        mov     eax, [1]
        mov     [RES], eax
        mov     eax, [0x400000]
        mov     [0x400000], eax
        invlpg  [0x400000]
        mov     dword [1], 0x33333333
        mov     eax, [1]
        mov     [RES + 4], eax
        ; paging off: physical 0x400001 is reachable again
        mov     eax, cr0
        and     eax, 0x7fffffff
        mov     cr0, eax
        jmp     .flat
.flat:
        mov     eax, [0x400001]
        mov     [RES + 8], eax
        DONE

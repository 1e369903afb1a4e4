; Paging (SDM vol. 3A, chapter 4): #PF error codes and CR2 for not-present
; PDEs and PTEs, reads and writes, user and supervisor accesses; CR0.WP;
; accessed and dirty bits; 4 MiB pages with CR4.PSE; INVLPG.
;
;! halted = 1
; 1: supervisor read through a not-present PDE: error 0, CR2
;! mem32[0x600] = 0
;! mem32[0x604] = 0x400123
; 2: supervisor write, not present: error 2 (W/R)
;! mem32[0x608] = 2
; 3: not-present PTE under a present PDE
;! mem32[0x60c] = 0
;! mem32[0x610] = 0x300010
; 4: supervisor write to a read-only page with CR0.WP=0 is allowed
;! mem32[0x614] = 0xaabbccdd
; 5: ... and with CR0.WP=1 is a protection fault: error 3 (P, W/R)
;! mem32[0x618] = 3
; 6: the accessed bit after a read, the dirty bit after a write, and the
;    PDE's accessed bit
;! mem32[0x61c] = 0x00302027
;! mem32[0x620] = 0x00302067
;! mem32[0x624] = 0x00101027
; 7: a 4 MiB page: reads and writes reach physical 0..4M; the PDE gets A
;    and D (0xe7 = P W U A D PS)
;! mem32[0x628] = 0xaabbccdd
;! mem32[0x62c] = 0x44556677
;! mem32[0x630] = 0x000000e7
; 8: INVLPG makes a changed PTE take effect
;! mem32[0x634] = 0x11111111
;! mem32[0x638] = 0x22222222
; 9: ring 3: read of a supervisor page (error 5 = P, U/S) and write of a
;    read-only user page (error 7 = P, W/R, U/S), with CR2
;! mem32[0x63c] = 5
;! mem32[0x640] = 0x304008
;! mem32[0x644] = 7
;! mem32[0x648] = 0x301000
;! mem32[0x64c] = 6
; 10: INVLPG of one address in a 4 MiB page drops the TLB's entries for
;     all of it (SDM vol. 3A, 4.10.4.1): a read at linear 0xbfe000 after
;     the PDE is changed and INVLPG of 0x800000 sees the new page
;! mem32[0x650] = 0x33333333
;! mem32[0x654] = 0x44444444
;! cpl = 0

%include "lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
GATE    equ GDT_FREE + 1

test_main:
        ; identity-map 0..4 MiB with user read/write 4 KiB pages
        IDENTITY_MAP_4M PD, PT0, 7
        ENABLE_PAGING PD
        ; 1, 2
        EXPECT_FAULT .t1
        mov     eax, [0x400123]
.t1:    SAVE    EXC_ERR, 0
        SAVE    EXC_CR2, 4
        EXPECT_FAULT .t2
        mov     [0x400456], eax
.t2:    SAVE    EXC_ERR, 8
        ; 3
        mov     dword [PT0 + 0x300 * 4], 0x300000 | 6
        invlpg  [0x300000]
        EXPECT_FAULT .t3
        mov     eax, [0x300010]
.t3:    SAVE    EXC_ERR, 12
        SAVE    EXC_CR2, 16
        ; 4, 5
        mov     dword [PT0 + 0x301 * 4], 0x301000 | 5
        invlpg  [0x301000]
        mov     dword [0x301000], 0xaabbccdd
        SAVE    0x301000, 20
        mov     eax, cr0
        or      eax, 0x10000
        mov     cr0, eax
        EXPECT_FAULT .t5
        mov     dword [0x301004], 1
.t5:    SAVE    EXC_ERR, 24
        ; 6
        mov     dword [PT0 + 0x302 * 4], 0x302000 | 7
        invlpg  [0x302000]
        mov     eax, [0x302000]
        SAVE    PT0 + 0x302 * 4, 28
        mov     dword [0x302000], 5
        SAVE    PT0 + 0x302 * 4, 32
        SAVE    PD, 36
        ; 7
        mov     eax, cr4
        or      eax, 0x10
        mov     cr4, eax
        mov     dword [PD + 2 * 4], 0x87
        mov     eax, [0x800000 + RES + 20]
        mov     [RES + 40], eax
        mov     dword [0x800000 + RES + 44], 0x44556677
        SAVE    PD + 8, 48
        ; 8
        mov     dword [0x360000], 0x11111111
        mov     dword [0x370000], 0x22222222
        mov     dword [PT0 + 0x303 * 4], 0x360000 | 7
        invlpg  [0x303000]
        SAVE    0x303000, 52
        mov     dword [PT0 + 0x303 * 4], 0x370000 | 7
        invlpg  [0x303000]
        SAVE    0x303000, 56
        ; 10 (before 9, which ends in ring 3)
        mov     dword [0x3fe000], 0x33333333            ; physical 0x3fe000
        mov     dword [PD + 2 * 4], 0x400000 | 0x87
        invlpg  [0x800000]
        mov     dword [0xbfe000], 0x44444444            ; physical 0x7fe000
        mov     dword [PD + 2 * 4], 0x87
        invlpg  [0x800000]
        SAVE    0xbfe000, 80
        mov     dword [PD + 2 * 4], 0x400000 | 0x87
        invlpg  [0x800000]
        SAVE    0xbfe000, 84
        ; 9
        mov     dword [PT0 + 0x304 * 4], 0x304000 | 3
        invlpg  [0x304000]
        SETCALLGATE GATE, SEL_CODE0, back0, 3
        RING3   ring3
ring3:
        mov     ax, SEL_DATA3
        mov     ds, ax
        mov     es, ax
        EXPECT_FAULT .r1
        mov     eax, [0x304008]
.r1:    SAVE    EXC_ERR, 60
        SAVE    EXC_CR2, 64
        EXPECT_FAULT .r2
        mov     dword [0x301000], 1
.r2:    SAVE    EXC_ERR, 68
        SAVE    EXC_CR2, 72
        SAVE    EXC_CNT, 76
        call    (GATE * 8 + 3):0
back0:
        mov     ax, SEL_DATA0
        mov     ds, ax
        DONE

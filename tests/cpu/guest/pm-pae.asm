; PAE paging, NX, PSE-36 and the Pentium 4's paging MSRs (run with
; --cpu pentium4): SDM vol. 3A, 4.3 (PSE-36), 4.4 (PAE), 4.6 (XD), 4.7
; (#PF error codes: RSVD bit 3, I/D bit 4), 11.11 (MTRRs), 11.12 (PAT);
; CPUID (leaf 1 EBX's CLFLUSH size, leaves 80000001H and 80000008H).
; Physical addresses at or above 4 GiB are unassigned (nothing is there on
; the boards): loads read all ones, a fetch is #UD.
;
;! halted = 1
;! cpl = 0
; 1: CPUID: NX in 80000001H:EDX, a 64-byte CLFLUSH line (EBX[15:8] = 8),
;    36 physical and 32 linear address bits
;! mem32[0x600] = 0x100000
;! mem32[0x604] = 0x800
;! mem32[0x608] = 0x2024
; 2: IA32_PAT: its reset value, a write read back, #GP for type 2 and for
;    bit 3 of an entry, the value unchanged after them
;! mem32[0x60c] = 0x00070406
;! mem32[0x610] = 0x00070406
;! mem32[0x614] = 0x00070106
;! mem32[0x618] = 0x00050406
;! mem32[0x61c] = 13
;! mem32[0x620] = 13
;! mem32[0x624] = 0x00070106
; 3: MTRRs: MTRRcap (8 variable, fixed, WC) is read-only; DEF_TYPE reads
;    back, #GP for a reserved bit and a reserved type; PhysBase0 #GP for
;    bit 36, reads back bits 35:32; PhysMask0 #GP for bit 10; a fixed range
;    #GP for type 2, reads back a valid one
;! mem32[0x628] = 0x508
;! mem32[0x62c] = 13
;! mem32[0x630] = 0xc06
;! mem32[0x634] = 13
;! mem32[0x638] = 13
;! mem32[0x63c] = 13
;! mem32[0x640] = 0xf
;! mem32[0x644] = 13
;! mem32[0x648] = 13
;! mem32[0x64c] = 0x06050406
; 4: IA32_EFER: #GP for SCE (no SYSCALL), NXE reads back
;! mem32[0x650] = 13
;! mem32[0x654] = 0x800
; 5: enabling PAE paging with a reserved bit in a present PDPTE is #GP and
;    leaves CR0.PG clear; MOV CR3 with such a PDPT is #GP and keeps CR3
;! mem32[0x658] = 13
;! mem32[0x65c] = 0
;! mem32[0x660] = 13
;! mem32[0x664] = 0x100000
;! mem32[0x668] = 13
; 6: a 3-level walk to a 4 KiB page; A and D in the PTE, A in the PDE
;! mem32[0x66c] = 0x12345678
;! mem32[0x670] = 0x00150067
;! mem32[0x674] = 0x00102027
; 7: the PDPTEs are the ones CR3 loaded, not the PDPT in memory
;! mem32[0x678] = 0x12345678
; 8: a 2 MiB page (linear 0x400000 -> physical 0): read, write, the PDE's
;    A and D
;! mem32[0x67c] = 0x12345678
;! mem32[0x680] = 0x55
;! mem32[0x684] = 0xe7
; 9: reserved bits: bit 13 of a 2 MiB PDE, bit 40 of a PTE, bit 63 (XD)
;    without EFER.NXE: #PF with P and RSVD (9), CR2
;! mem32[0x688] = 9
;! mem32[0x68c] = 0x600004
;! mem32[0x690] = 9
;! mem32[0x694] = 9
; 10: with NXE: an XD page reads; fetching from it is #PF with P and I/D
;     (0x11), CR2 the target; the same frame without XD runs; XD in the
;     PDE alone forbids fetches; a not-present fetch is I/D alone (0x10)
;! mem32[0x698] = 0x12345678
;! mem32[0x69c] = 0x11
;! mem32[0x6a0] = 0x1fd010
;! mem32[0x6a4] = 0x600d
;! mem32[0x6a8] = 0x11
;! mem32[0x6ac] = 0x12345678
;! mem32[0x6b0] = 0x10
; 11: above 4 GiB: a page there reads all ones (and keeps nothing); a
;     fetch there is #UD at that address; a page table there is #PF RSVD
;! mem32[0x6b4] = 0xffffffff
;! mem32[0x6b8] = 0xffffffff
;! mem32[0x6bc] = 6
;! mem32[0x6c0] = 0x1fa000
;! mem32[0x6c4] = 9
; 12: CLFLUSH of a mapped line does not fault; of an unmapped one is a
;     read #PF (error 0)
;! mem32[0x6c8] = 0xffffffff
;! mem32[0x6cc] = 0
;! mem32[0x6d0] = 0x1fb040
; 13: INVLPG of one address drops the whole 2 MiB page
;! mem32[0x6d4] = 0xabcd
; 14: 32-bit paging with PSE-36: PDE bits 16:13 are physical bits 35:32
;     (a 4 MiB page at 4 GiB reads all ones; one at 0 reads RAM); bit 21 is
;     reserved (#PF 9)
;! mem32[0x6d8] = 0xffffffff
;! mem32[0x6dc] = 0x12345678
;! mem32[0x6e0] = 9

%include "lib.inc"

PDPT    equ 0x100000
PDPT2   equ 0x100020
PD0     equ 0x101000
PT0     equ 0x102000
PT1     equ 0x103000
PD32    equ 0x104000
DATA    equ 0x150000
XD_HI   equ 0x80000000

MSR_MTRRCAP  equ 0xfe
MSR_PHYSBASE equ 0x200
MSR_FIX64K   equ 0x250
MSR_PAT      equ 0x277
MSR_DEFTYPE  equ 0x2ff
MSR_EFER     equ 0xc0000080

; Forget the last exception, so a test sees only its own.
%macro CLEARX 0
        mov     dword [EXC_VEC], -1
        mov     dword [EXC_ERR], -1
%endmacro

; WRMSR ecx <- edx:eax expecting #GP: the vector at RES + %1.
%macro WRMSR_GP 4
        CLEARX
        mov     ecx, %2
        mov     edx, %3
        mov     eax, %4
        EXPECT_FAULT %%back
        wrmsr
%%back: SAVE    EXC_VEC, %1
%endmacro

; A 64-bit entry: [%1] = %3:%2
%macro ENTRY 3
        mov     dword [%1], %2
        mov     dword [%1 + 4], %3
%endmacro

test_main:
        ; ---- 1: CPUID
        mov     eax, 0x80000001
        cpuid
        and     edx, 1 << 20
        mov     [RES + 0], edx
        mov     eax, 1
        cpuid
        and     ebx, 0xff00
        mov     [RES + 4], ebx
        mov     eax, 0x80000008
        cpuid
        mov     [RES + 8], eax

        ; ---- 2: PAT
        mov     ecx, MSR_PAT
        rdmsr
        mov     [RES + 0x0c], eax
        mov     [RES + 0x10], edx
        mov     eax, 0x00070106
        mov     edx, 0x00050406
        wrmsr
        rdmsr
        mov     [RES + 0x14], eax
        mov     [RES + 0x18], edx
        WRMSR_GP 0x1c, MSR_PAT, 0x00050406, 0x02070106
        WRMSR_GP 0x20, MSR_PAT, 0x00050406, 0x00070108
        mov     ecx, MSR_PAT
        rdmsr
        mov     [RES + 0x24], eax

        ; ---- 3: MTRRs
        mov     ecx, MSR_MTRRCAP
        rdmsr
        mov     [RES + 0x28], eax
        WRMSR_GP 0x2c, MSR_MTRRCAP, 0, 0x508
        mov     ecx, MSR_DEFTYPE
        xor     edx, edx
        mov     eax, 0xc06
        wrmsr
        rdmsr
        mov     [RES + 0x30], eax
        WRMSR_GP 0x34, MSR_DEFTYPE, 0, 0x1006
        WRMSR_GP 0x38, MSR_DEFTYPE, 0, 0x802
        WRMSR_GP 0x3c, MSR_PHYSBASE, 0x10, 0x00100006
        mov     ecx, MSR_PHYSBASE
        mov     edx, 0xf
        mov     eax, 0x00100006
        wrmsr
        rdmsr
        mov     [RES + 0x40], edx
        WRMSR_GP 0x44, MSR_PHYSBASE + 1, 0, 0xc00
        WRMSR_GP 0x48, MSR_FIX64K, 0x06060206, 0x06060606
        mov     ecx, MSR_FIX64K
        xor     edx, edx
        mov     eax, 0x06050406
        wrmsr
        rdmsr
        mov     [RES + 0x4c], eax

        ; ---- 4: EFER
        WRMSR_GP 0x50, MSR_EFER, 0, 1
        mov     ecx, MSR_EFER
        xor     edx, edx
        mov     eax, 0x800
        wrmsr
        rdmsr
        mov     [RES + 0x54], eax
        xor     eax, eax
        wrmsr                           ; NXE off again, for test 9

        ; ---- page tables: zero PDPT..PD32
        mov     edi, PDPT
        xor     eax, eax
        mov     ecx, 0x5000 / 4
        rep     stosd
        ; PT0: 0..2 MiB identity, 4 KiB user read/write pages
        xor     ecx, ecx
.pt0:   mov     eax, ecx
        shl     eax, 12
        or      eax, 7
        mov     [PT0 + ecx * 8], eax
        inc     ecx
        cmp     ecx, 512
        jb      .pt0
        mov     dword [PT0 + 0x1fb * 8], 0          ; a hole at 0x1fb000
        mov     dword [PD0], PT0 | 7
        mov     dword [PD0 + 8], 0x200000 | 0x87    ; 2..4 MiB identity, 2 MiB
        mov     dword [PDPT], PD0 | 1
        mov     dword [PDPT + 8], 0x1 | 0x2         ; present, reserved bit 1
        mov     dword [DATA], 0x12345678
        mov     dword [0x350000], 0xabcd

        ; ---- 5: PDPTE checks
        mov     eax, PDPT
        mov     cr3, eax                ; paging off: nothing is loaded
        mov     eax, cr4
        or      eax, 0x20               ; PAE
        mov     cr4, eax
        CLEARX
        EXPECT_FAULT .g1
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
.g1:    SAVE    EXC_VEC, 0x58
        mov     eax, cr0
        shr     eax, 31
        mov     [RES + 0x5c], eax
        mov     dword [PDPT + 8], 0
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     .paged
.paged:
        mov     dword [PDPT2], PD0 | 1
        mov     dword [PDPT2 + 24], 0x1 | 0x20      ; reserved bit 5
        CLEARX
        EXPECT_FAULT .g2
        mov     eax, PDPT2
        mov     cr3, eax
.g2:    SAVE    EXC_VEC, 0x60
        mov     eax, cr3
        mov     [RES + 0x64], eax
        ENTRY   PDPT2 + 24, 1, 0x10                 ; bit 36: above MAXPHYADDR
        CLEARX
        EXPECT_FAULT .g3
        mov     eax, PDPT2
        mov     cr3, eax
.g3:    SAVE    EXC_VEC, 0x68

        ; ---- 6: 3-level walk
        mov     dword [PT0 + 0x1ff * 8], DATA | 7
        invlpg  [0x1ff000]
        mov     eax, [0x1ff000]
        mov     [RES + 0x6c], eax
        mov     dword [0x1ff004], 1
        SAVE    PT0 + 0x1ff * 8, 0x70
        SAVE    PD0, 0x74

        ; ---- 7: cached PDPTEs
        mov     dword [PT0 + 0x1fe * 8], DATA | 7
        mov     dword [PDPT], 0         ; not reloaded: no effect
        mov     eax, [0x1fe000]
        mov     [RES + 0x78], eax
        mov     dword [PDPT], PD0 | 1
        mov     dword [PT0 + 0x1fe * 8], 0

        ; ---- 8: 2 MiB page
        mov     dword [PD0 + 16], 0x87  ; linear 4..6 MiB -> physical 0..2 MiB
        mov     eax, [0x400000 + DATA]
        mov     [RES + 0x7c], eax
        mov     dword [0x400000 + DATA + 8], 0x55
        SAVE    DATA + 8, 0x80
        SAVE    PD0 + 16, 0x84

        ; ---- 9: reserved bits
        mov     dword [PD0 + 24], 0x87 | 0x2000     ; linear 6 MiB, bit 13
        CLEARX
        EXPECT_FAULT .r1
        mov     eax, [0x600004]
.r1:    SAVE    EXC_ERR, 0x88
        SAVE    EXC_CR2, 0x8c
        ENTRY   PT0 + 0x1fe * 8, DATA | 7, 0x100    ; bit 40
        invlpg  [0x1fe000]
        CLEARX
        EXPECT_FAULT .r2
        mov     eax, [0x1fe000]
.r2:    SAVE    EXC_ERR, 0x90
        ENTRY   PT0 + 0x1fd * 8, DATA | 7, XD_HI
        mov     byte [DATA + 0x10], 0xc3            ; ret
        CLEARX
        EXPECT_FAULT .r3
        mov     eax, [0x1fd000]
.r3:    SAVE    EXC_ERR, 0x94

        ; ---- 10: NX
        mov     ecx, MSR_EFER
        xor     edx, edx
        mov     eax, 0x800
        wrmsr
        mov     eax, [0x1fd000]
        mov     [RES + 0x98], eax
        CLEARX
        EXPECT_FAULT .x1
        mov     eax, 0x1fd010
        jmp     eax
.x1:    SAVE    EXC_ERR, 0x9c
        SAVE    EXC_CR2, 0xa0
        mov     dword [PT0 + 0x1fc * 8], DATA | 7
        mov     eax, 0x600d
        call    0x1fc010
        mov     [RES + 0xa4], eax
        ENTRY   PD0 + 32, PT1 | 7, XD_HI            ; linear 8 MiB
        mov     dword [PT1], DATA | 7
        CLEARX
        EXPECT_FAULT .x2
        mov     eax, 0x800010
        jmp     eax
.x2:    SAVE    EXC_ERR, 0xa8
        SAVE    0x800000, 0xac
        CLEARX
        EXPECT_FAULT .x3
        mov     eax, 0x1fb000
        jmp     eax
.x3:    SAVE    EXC_ERR, 0xb0

        ; ---- 11: above 4 GiB
        ENTRY   PT0 + 0x1fa * 8, 7, 1               ; physical 0x1_0000_0000
        SAVE    0x1fa000, 0xb4
        mov     dword [0x1fa000], 0
        SAVE    0x1fa000, 0xb8
        CLEARX
        EXPECT_FAULT .h1
        mov     eax, 0x1fa000
        jmp     eax
.h1:    SAVE    EXC_VEC, 0xbc
        SAVE    EXC_EIP, 0xc0
        ENTRY   PD0 + 40, 7, 1                      ; linear 10 MiB
        CLEARX
        EXPECT_FAULT .h2
        mov     eax, [0xa00000]
.h2:    SAVE    EXC_ERR, 0xc4

        ; ---- 12: CLFLUSH (0F AE /7)
        CLEARX
        mov     ebx, 0x1ff000
        db      0x0f, 0xae, 0x3b                    ; clflush [ebx]
        SAVE    EXC_VEC, 0xc8
        CLEARX
        mov     ebx, 0x1fb040
        EXPECT_FAULT .c1
        db      0x0f, 0xae, 0x3b
.c1:    SAVE    EXC_ERR, 0xcc
        SAVE    EXC_CR2, 0xd0

        ; ---- 13: INVLPG in a 2 MiB page
        mov     eax, [0x400000 + DATA]              ; cached: 4..6 MiB -> 0..2
        mov     dword [PD0 + 16], 0x200000 | 0x87
        invlpg  [0x400000 + 0x1000]
        SAVE    0x550000, 0xd4

        ; ---- 14: 32-bit paging with PSE-36
        mov     eax, cr0
        and     eax, 0x7fffffff
        mov     cr0, eax
        jmp     .unpaged
.unpaged:
        mov     dword [PD32], 0x87                  ; 0..4 MiB identity
        mov     dword [PD32 + 8], 0x87 | (1 << 13)  ; 8 MiB -> 4 GiB
        mov     dword [PD32 + 12], 0x87 | 0x200000  ; 12 MiB, reserved bit 21
        mov     dword [PD32 + 16], 0x87             ; 16 MiB -> 0
        mov     eax, PD32
        mov     cr3, eax
        mov     eax, cr4
        and     eax, ~0x20
        or      eax, 0x10               ; PSE
        mov     cr4, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     .paged32
.paged32:
        SAVE    0x800000, 0xd8
        SAVE    0x1000000 + DATA, 0xdc
        CLEARX
        EXPECT_FAULT .s1
        mov     eax, [0xc00000]
.s1:    SAVE    EXC_ERR, 0xe0
        DONE

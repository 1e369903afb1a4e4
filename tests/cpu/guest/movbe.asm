; MOVBE (0F 38 F0/F1; SDM vol. 2B, MOVBE): loads and stores of 16 and 32
; bits with the bytes reversed, unaligned and across a page boundary, the
; flags untouched, and the encodings that are #UD: a register operand, an
; F2 prefix (which makes 0F 38 F0 CRC32, an SSE4.2 instruction this CPU
; does not have) and LOCK.  Run on a CPU that has MOVBE (guestrun --cpu
; pentium2,+movbe); CPUID.1:ECX bit 22 says so.  (ref-check.sh with
; QEMU_CPU=max differs in case 10 only: QEMU's max has SSE4.2, so there F2
; 0F 38 F0 is CRC32 and runs.)
;
;! halted = 1
; 1: CPUID.1:ECX.MOVBE
;! mem32[0x600] = 1
; 2: 32-bit load, 3: 16-bit load (the upper half of EAX kept)
;! mem32[0x604] = 0x44332211
;! mem32[0x608] = 0xaaaa4433
; 4: 32-bit store, 5: 16-bit store (the bytes after it kept)
;! mem32[0x60c] = 0x04030201
;! mem32[0x610] = 0xffff0201
; 6: a 32-bit store straddling a page boundary (bytes 01 02 | 03 04), read
; back as two dwords
;! mem32[0x614] = 0x0201ffff
;! mem32[0x618] = 0xffff0403
; 7: a load straddling the same boundary
;! mem32[0x61c] = 0x01020304
; 8: EFLAGS (CF, ZF and OF set before) unchanged by a load and a store
;! mem32[0x620] = 1
; 9, 10, 11: #UD (vector 6) for the register form, F2 and LOCK, at the
; instruction
;! mem32[0x624] = 6
;! mem32[0x628] = 1
;! mem32[0x62c] = 6
;! mem32[0x630] = 1
;! mem32[0x634] = 6
;! mem32[0x638] = 1

%include "lib.inc"
        cpu     all

DATA    equ 0x100000
DATA2   equ 0x100010
DATA3   equ 0x100020
EDGE    equ 0x101ffe            ; two bytes before a 4 KiB boundary

test_main:
        ; 1
        mov     eax, 1
        cpuid
        shr     ecx, 22
        and     ecx, 1
        mov     [RES + 0x00], ecx
        ; 2, 3
        mov     dword [DATA], 0x11223344
        movbe   eax, [DATA]
        mov     [RES + 0x04], eax
        mov     eax, 0xaaaaaaaa
        movbe   ax, [DATA]
        mov     [RES + 0x08], eax
        ; 4, 5
        mov     ecx, 0x01020304
        movbe   [DATA2], ecx
        mov     eax, [DATA2]
        mov     [RES + 0x0c], eax
        mov     dword [DATA3], 0xffffffff
        mov     cx, 0x0102
        movbe   [DATA3], cx
        mov     eax, [DATA3]
        mov     [RES + 0x10], eax
        ; 6, 7
        mov     dword [EDGE - 2], 0xffffffff
        mov     dword [EDGE + 2], 0xffffffff
        mov     ecx, 0x01020304
        movbe   [EDGE], ecx
        mov     eax, [EDGE - 2]
        mov     [RES + 0x14], eax
        mov     eax, [EDGE + 2]
        mov     [RES + 0x18], eax
        mov     dword [EDGE], 0x04030201
        movbe   eax, [EDGE]
        mov     [RES + 0x1c], eax
        ; 8
        mov     al, 0x80
        add     al, 0x80                ; CF=1 ZF=1 (and OF=1)
        stc
        pushfd
        movbe   edx, [DATA]
        movbe   [DATA2], edx
        pushfd
        pop     eax
        pop     edx
        xor     eax, edx
        sete    al
        movzx   eax, al
        mov     [RES + 0x20], eax
        ; 9: 0F 38 F0 C1 would be MOVBE EAX, ECX
        EXPECT_FAULT .ud1
.reg:   db      0x0f, 0x38, 0xf0, 0xc1
.ud1:   SAVE    EXC_VEC, 0x24
        EIP_IS  .reg, 0x28
        ; 10: F2 0F 38 F0 05 disp32 (CRC32 r32, m8)
        EXPECT_FAULT .ud2
.f2:    db      0xf2, 0x0f, 0x38, 0xf0, 0x05
        dd      DATA
.ud2:   SAVE    EXC_VEC, 0x2c
        EIP_IS  .f2, 0x30
        ; 11: LOCK MOVBE [DATA2], ECX
        EXPECT_FAULT .ud3
.lock:  db      0xf0                    ; (nasm refuses to write LOCK here)
        movbe   [DATA2], ecx
.ud3:   SAVE    EXC_VEC, 0x34
        EIP_IS  .lock, 0x38
        DONE

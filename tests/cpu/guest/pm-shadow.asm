; Interrupt shadows (Intel SDM vol. 2B, STI: "interrupts are recognized at
; the instruction boundary following the next instruction"; vol. 3A, 6.8.3:
; MOV SS and POP SS inhibit interrupts until after the next instruction).
; An interrupt that waits when the shadow begins is taken right after the
; shadowed instruction, not later.  The interrupts come from guestrun's
; port 0xEA (tests/cpu/guestrun.c): this test runs there only, not under
; ref-check.sh.
;
;! halted = 1
; STI with an interrupt waiting: taken after the NOP that follows STI
;! mem32[0x600] = 0x40
;! mem32[0x604] = 0
; MOV SS with an interrupt raised right after it: one more instruction first
;! mem32[0x608] = 0x41
;! mem32[0x60c] = 0
; POP SS likewise
;! mem32[0x610] = 0x42
;! mem32[0x614] = 0
; STI; HLT with an interrupt waiting: HLT runs, the interrupt wakes it and
; returns past it
;! mem32[0x618] = 0x43
;! mem32[0x61c] = 0

%include "lib.inc"

test_main:
        mov     dx, SEL_DATA0
        ; 1: STI, vector 0x40 waiting since before it
        mov     ax, 0x0040
        out     0xea, ax
        EXPECT_FAULT .r1
        sti
        nop
.a1:    nop
        nop
        nop
        nop
        jmp     .r1
.r1:    cli
        mov     eax, [EXC_VEC]
        mov     [RES + 0x00], eax
        mov     eax, [EXC_EIP]
        sub     eax, .a1
        mov     [RES + 0x04], eax

        ; 2: MOV SS: vector 0x41 rises two instructions after the OUT,
        ; that is right after the MOV SS
        EXPECT_FAULT .r2
        sti
        nop
        mov     ax, 0x0241
        out     0xea, ax
        jmp     .m2
.m2:    mov     ss, dx
        nop
.a2:    nop
        nop
        nop
        nop
        jmp     .r2
.r2:    cli
        mov     eax, [EXC_VEC]
        mov     [RES + 0x08], eax
        mov     eax, [EXC_EIP]
        sub     eax, .a2
        mov     [RES + 0x0c], eax

        ; 3: POP SS likewise
        push    edx
        EXPECT_FAULT .r3
        sti
        nop
        mov     ax, 0x0242
        out     0xea, ax
        jmp     .m3
.m3:    pop     ss
        nop
.a3:    nop
        nop
        nop
        nop
        jmp     .r3
.r3:    cli
        mov     eax, [EXC_VEC]
        mov     [RES + 0x10], eax
        mov     eax, [EXC_EIP]
        sub     eax, .a3
        mov     [RES + 0x14], eax

        ; 4: STI; HLT with vector 0x43 waiting: the interrupt returns to
        ; the instruction after HLT
        mov     ax, 0x0043
        out     0xea, ax
        mov     dword [EXC_CNT], 0
        EXPECT_FAULT .a4
        sti
        hlt
.a4:    cli
        mov     eax, [EXC_VEC]
        mov     [RES + 0x18], eax
        mov     eax, [EXC_EIP]
        sub     eax, .a4
        mov     [RES + 0x1c], eax
        DONE

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

; RECORD off, label: interrupts off, then the vector taken at RES + off and
; how far past label it was taken at RES + off + 4 (0: right at label).
%macro RECORD 2
        cli
        mov     eax, [EXC_VEC]
        mov     [RES + %1], eax
        mov     eax, [EXC_EIP]
        sub     eax, %2
        mov     [RES + %1 + 4], eax
%endmacro

; RAISE_AFTER_NEXT_TWO vector, resume: interrupts on (past STI's shadow),
; then port 0xEA raises the vector two instructions after its OUT: after
; the JMP that ends the block and the instruction that follows it.
%macro RAISE_AFTER_NEXT_TWO 2
        EXPECT_FAULT %2
        sti
        nop
        mov     ax, 0x0200 | %1
        out     0xea, ax
        jmp     %%next
%%next:
%endmacro

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
.r1:    RECORD  0x00, .a1

        ; 2: MOV SS: vector 0x41 rises two instructions after the OUT,
        ; that is right after the MOV SS
        RAISE_AFTER_NEXT_TWO 0x41, .r2
        mov     ss, dx
        nop
.a2:    nop
        nop
        nop
        nop
        jmp     .r2
.r2:    RECORD  0x08, .a2

        ; 3: POP SS likewise
        push    edx
        RAISE_AFTER_NEXT_TWO 0x42, .r3
        pop     ss
        nop
.a3:    nop
        nop
        nop
        nop
        jmp     .r3
.r3:    RECORD  0x10, .a3

        ; 4: STI; HLT with vector 0x43 waiting: the interrupt returns to
        ; the instruction after HLT
        mov     ax, 0x0043
        out     0xea, ax
        EXPECT_FAULT .a4
        sti
        hlt
.a4:    RECORD  0x18, .a4
        DONE

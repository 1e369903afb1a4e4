; CR0.NE=0, MS-DOS compatible x87 error reporting (SDM vol. 1, D.2.1): an
; unmasked exception pending at a waiting instruction raises no #MF but
; asserts the FERR# output (a PC routes it to IRQ13); FNCLEX then FNINIT
; clear the exception and FERR#, a second exception asserts it again and
; it stays asserted at the end.
;
;! halted = 1
;! mem32[0x600] = 0
;! mem32[0x604] = 0
;! ferr = 1

%include "lib.inc"

test_main:
        mov     eax, cr0
        and     eax, ~0x2e              ; EM, TS, MP, NE clear
        mov     cr0, eax
        fninit
        fldcw   [cw_zm]
        fld1
        fldz
        fdivp   st1, st0                ; ZE pending
        fwait                           ; FERR#, no #MF
        mov     eax, [EXC_CNT]
        mov     [RES], eax
        fnclex
        fninit
        fldcw   [cw_zm]
        fld1
        fldz
        fdivp   st1, st0
        fwait
        mov     eax, [EXC_CNT]
        mov     [RES + 4], eax
        DONE

cw_zm:  dw      0x037b                  ; ZM unmasked

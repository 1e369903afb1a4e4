; A triple fault (SDM vol. 3A, 6.15 interrupt 8): with an empty IDT, INT3
; raises #GP, whose delivery raises #GP again (double fault), whose
; delivery fails too: the processor shuts down; cardcage asks for a system
; reset and stops executing.
;
;! shutdown = 1
;! halted = 0
;! eax = 0x5a5a5a5a

%include "lib.inc"

test_main:
        mov     eax, 0x5a5a5a5a
        lidt    [empty_idt]
        int3
        mov     eax, 0                  ; not reached
        DONE

empty_idt:
        dw      0
        dd      0

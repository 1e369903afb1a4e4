; A guest whose timers fall due at every turn of the main loop
; (tests/functional/timer-storm.py): the local APIC's timer periodic at
; divide by 1 with a count of 1 (10 ns), with interrupts off, then taking
; its interrupts, then the 8254's counter 0 in mode 2 with a count of 2
; (1.7 us).  The emulator must still run the guest's own instructions: it
; counts down a loop in each phase and ends the emulator through
; isa-debug-exit (status 67).
;
; Registers: Intel SDM vol. 3A, 10.5.4 (timer: LVT 0x320, initial count
; 0x380, divide configuration 0x3E0, 1011b = divide by 1), 10.4.7.1 (SVR
; 0xF0, bit 8 software enable), 10.8.5 (EOI 0xB0); the 8254 datasheet
; (control word 0x34: counter 0, LSB then MSB, mode 2).
bits 32
org 0x30000

APIC    equ 0xfee00000
LOOPS   equ 2000000

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

start:
    cli
    mov esp, 0x40000
    IDT_ALL_TO idt, idtr, tick

    ; the APIC: software enabled, timer periodic (bit 17), vector 0x40,
    ; divide by 1, count 1
    mov dword [APIC + 0xf0], 0x1ff
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x20040
    mov dword [APIC + 0x380], 1

    ; phase 1: interrupts off, the APIC timer fires anyway
    mov ecx, LOOPS
.spin1:
    dec ecx
    jnz .spin1

    ; phase 2: the APIC timer's interrupts are taken
    sti
    mov ecx, LOOPS
.spin2:
    dec ecx
    jnz .spin2
    cli
    cmp dword [ticks], 0
    je .fail

    ; phase 3: the APIC timer stopped, the 8254's counter 0 in mode 2 with
    ; a count of 2, interrupts off
    mov dword [APIC + 0x380], 0
    mov al, 0x34
    out 0x43, al
    mov al, 2
    out 0x40, al
    xor al, al
    out 0x40, al
    mov ecx, LOOPS
.spin3:
    dec ecx
    jnz .spin3

    mov dx, 0xf4
    mov eax, 0x21
    out dx, eax
.fail:
    mov dx, 0xf4
    mov eax, 0x22
    out dx, eax
.hang:
    hlt
    jmp .hang

tick:
    inc dword [ticks]
    mov dword [APIC + 0xb0], 0
    iret

align 4
ticks:
    dd 0
idtr:
    dw 256 * 8 - 1
    dd idt
align 8
idt:
    times 256 * 8 db 0

; The smallest guest: a Multiboot kernel whose first instruction writes 0 to
; isa-debug-exit at port 0xf4, ending the emulator with status 1.
bits 32
org 0x100000

%include "multiboot-header.inc"
%include "debug-exit.inc"
    MULTIBOOT_HEADER start

start:
    DEBUG_EXIT_ZERO

; A Multiboot guest for tests/functional/block.py: drives the polled
; block-testdev disk (tests/plugins/block, ports 0x600-0x60b): fills its
; buffer with a pattern, writes it to sector 1, flushes, clears the buffer
; by reading sector 2 (zeroes), reads sector 1 back and compares.  It
; writes to the debug console port 0xE9 the number of status polls each
; command took, as 8 hex digits and a space per command, so that two runs
; under -icount can be compared for determinism.  Ends through
; isa-debug-exit at 0xf4: status 67 (33 << 1 | 1) when the data came back,
; 5 (2 << 1 | 1) when a command failed, 7 when the data differs.
bits 32
org 0x100000

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

BASE equ 0x600

start:
    mov dx, BASE + 4            ; command 0: rewind the buffer index
    xor al, al
    out dx, al
    mov dx, BASE + 8
    xor ecx, ecx
.fill:
    mov al, cl
    xor al, 0x5a
    out dx, al
    inc ecx
    cmp ecx, 512
    jne .fill

    mov eax, 1                  ; write the pattern to sector 1
    mov bl, 2
    call command
    mov bl, 3                   ; flush
    call command
    mov eax, 2                  ; read sector 2 (zeroes): the buffer forgets
    mov bl, 1
    call command
    mov eax, 1                  ; read sector 1 back
    mov bl, 1
    call command

    mov dx, BASE + 4
    xor al, al
    out dx, al
    mov dx, BASE + 8
    xor ecx, ecx
.compare:
    in al, dx
    mov bl, cl
    xor bl, 0x5a
    cmp al, bl
    jne differs
    inc ecx
    cmp ecx, 512
    jne .compare
    mov eax, 33
    jmp exit

differs:
    mov eax, 3
    jmp exit

failed:
    mov eax, 2
exit:
    mov dx, 0xf4
    out dx, eax
.hang:
    hlt
    jmp .hang

; Command bl on sector eax (eax ignored by flush); waits for it, prints the
; poll count, fails the test on the error bit.
command:
    mov dx, BASE
    out dx, eax
    mov dx, BASE + 4
    mov al, bl
    out dx, al
    xor edi, edi
.poll:
    inc edi
    in al, dx
    test al, 1
    jnz .poll
    push eax
    call print_edi
    pop eax
    test al, 2
    jnz failed
    ret

; edi as 8 hex digits and a space, to port 0xE9.
print_edi:
    mov ecx, 8
    mov dx, 0xe9
.digit:
    rol edi, 4
    mov eax, edi
    and eax, 15
    mov al, [hex + eax]
    out dx, al
    loop .digit
    mov al, ' '
    out dx, al
    ret

hex: db "0123456789abcdef"

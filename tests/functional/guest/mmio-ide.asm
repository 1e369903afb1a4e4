; A Multiboot guest for the mmio-ide-test board (tests/functional/ide-mmio.py):
; drives the IDE channel of mmio-ide (registers at 0xFE000000, 4 bytes
; apart; device control at 0xFE000100) by polling, as a driver for a board
; without an IDE controller would.  IDENTIFY DEVICE (the model must start
; with "CARDCAGE"), WRITE SECTORS of a pattern to LBA 5, READ SECTORS of
; LBA 6 (the host filled it with 0xC5), then LBA 5 back and compare.
; Ends through isa-debug-exit at 0xf4: status 67 (33 << 1 | 1) when all
; went well, 5 (2) IDENTIFY wrong, 7 (3) an error bit, 9 (4) the data of
; LBA 6 wrong, 11 (5) the read-back differs.  ATA/ATAPI-6 chapter 8 and 9.
bits 32
org 0x100000

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

REGS equ 0xfe000000
CTL  equ 0xfe000100
%define REG(n) REGS + (n) * 4

start:
    mov esp, 0x90000
    mov byte [CTL], 0x02        ; nIEN: polled
    mov byte [REG(6)], 0xe0     ; master, LBA
    call wait_idle
    mov byte [REG(7)], 0xec     ; IDENTIFY DEVICE
    call wait_drq
    mov edi, buffer
    call read_sector
    ; the model (words 27-46) starts "CA" "RD" ... byte-swapped per word
    cmp dword [buffer + 54], 'ACDR'
    jne bad_identify

    ; WRITE SECTORS, 1 sector at LBA 5
    mov edi, buffer
    xor ecx, ecx
.fill:
    mov al, cl
    xor al, 0x3c
    mov [edi + ecx], al
    inc ecx
    cmp ecx, 512
    jne .fill
    mov eax, 5
    call set_lba
    mov byte [REG(7)], 0x30
    call wait_drq
    mov esi, buffer
    mov ecx, 256
.wr:
    mov ax, [esi]
    mov [REG(0)], ax
    add esi, 2
    dec ecx
    jnz .wr
    call wait_idle

    ; READ SECTORS of LBA 6: the host's 0xC5 bytes
    mov eax, 6
    call set_lba
    mov byte [REG(7)], 0x20
    call wait_drq
    mov edi, buffer
    call read_sector
    mov ecx, 512
.c5:
    cmp byte [buffer + ecx - 1], 0xc5
    jne bad_data
    loop .c5

    ; READ SECTORS of LBA 5: the pattern
    mov eax, 5
    call set_lba
    mov byte [REG(7)], 0x20
    call wait_drq
    mov edi, buffer
    call read_sector
    xor ecx, ecx
.cmp:
    mov al, cl
    xor al, 0x3c
    cmp [buffer + ecx], al
    jne bad_back
    inc ecx
    cmp ecx, 512
    jne .cmp
    call wait_idle
    mov eax, 33
    jmp exit

bad_identify:
    mov eax, 2
    jmp exit
bad_status:
    mov eax, 3
    jmp exit
bad_data:
    mov eax, 4
    jmp exit
bad_back:
    mov eax, 5
exit:
    mov dx, 0xf4
    out dx, eax
.hang:
    hlt
    jmp .hang

; LBA28 in eax, count 1
set_lba:
    mov byte [REG(2)], 1
    mov [REG(3)], al
    shr eax, 8
    mov [REG(4)], al
    shr eax, 8
    mov [REG(5)], al
    mov byte [REG(6)], 0xe0
    ret

; Poll the alternate status until BSY clears; an error bit fails.
wait_idle:
    mov al, [CTL]
    test al, 0x80
    jnz wait_idle
    test al, 0x01
    jnz bad_status
    ret

; ... and DRQ is set
wait_drq:
    call wait_idle
    test al, 0x08
    jz wait_drq
    ret

read_sector:
    mov ecx, 256
.rd:
    mov ax, [REG(0)]
    mov [edi], ax
    add edi, 2
    dec ecx
    jnz .rd
    ret

align 4
buffer:
    times 512 db 0

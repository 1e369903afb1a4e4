; A Multiboot guest for tests/functional/powercut.py and bench/powercut: on
; `pc` it writes to the PIIX3 IDE primary master forever, in batches that
; each end with FLUSH CACHE (EXT), and after each flush completes it tells
; the debug console (port 0xE9) exactly which sectors are now durable, so
; that a test killing the emulator at any instant can check them.
;
; The disk:
;   LBA 0         header: dword 0 'PCHD', dword 1 the generation of the
;                 last run (each run reads it, adds one, writes and flushes
;                 it before writing any data, so successive runs on the
;                 same image write new content)
;   LBA 64 ...    the data range, up to the end of the disk (IDENTIFY words
;                 60-61; ATA-6 8.15)
; A data sector is 32 records of 16 bytes: dwords 'PCUT' + k (k = 0..31:
; the record's place, so a shifted or torn sector shows), the LBA, the
; generation, the batch number within the run.
;
; Each batch: 1-4 write commands, each a sequential run of 1-64 sectors
; continuing the last one, a run of 1-8 sectors at a random LBA, or one
; random sector, through WRITE SECTORS (EXT), WRITE MULTIPLE (EXT) or WRITE
; DMA (EXT) (ATA-6 8.62, 8.63, 8.60, 8.61, 8.57, 8.58; bus-master DMA with
; a PRD entry per 4 KiB, SFF-8038i), then FLUSH CACHE or FLUSH CACHE EXT
; (8.13, 8.14).  Lines (numbers in hex):
;   GEN g                            the header says g: this run's data
;   D g b lba+count lba+count ...    batch b of generation g is durable
;   ERR what status error            a command failed; the guest halts
; Polled with nIEN set; interrupts stay off.
bits 32
org 0x100000

%include "xorshift.inc"
%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

ATA       equ 0x1f0             ; primary command block (legacy mode)
ATA_CTL   equ 0x3f6             ; alternate status / device control
BMI       equ 0xc000            ; where this guest puts BAR4 (BMIBA)
IDE_FN    equ 0x80000900        ; config mechanism #1: bus 0, device 1, function 1
DEBUGCON  equ 0xe9

ST_BSY    equ 0x80
ST_DRQ    equ 0x08
ST_ERR    equ 0x01

HDR_LBA   equ 0
DATA_LBA  equ 64
MAX_SEQ   equ 64                ; sectors of a sequential run
MAX_RAND  equ 8                 ; sectors of a random run
MAX_CMDS  equ 4                 ; write commands per batch
MULT      equ 8                 ; SET MULTIPLE MODE block size
HMAGIC    equ 'PCHD'
MAGIC     equ 'PCUT'

PRD_TABLE equ 0x1f0000          ; dword aligned, within one 64 KiB
BATCH     equ 0x1e0000          ; (lba, count) of this batch's commands
BUF       equ 0x200000          ; MAX_SEQ sectors

start:
    cli
    cld
    mov esp, 0x90000
    mov dx, ATA_CTL
    mov al, 0x02                ; nIEN: polled
    out dx, al
    call select
    mov al, 0xec                ; IDENTIFY DEVICE
    call command
    call wait_drq
    mov edi, BUF
    mov ecx, 256
    mov dx, ATA
    rep insw
    call wait_idle
    mov eax, [BUF + 120]        ; words 60-61: sectors addressable by LBA28
    cmp eax, 0x0fffffff
    jbe .cap
    mov eax, 0x0fffffff
.cap:
    sub eax, DATA_LBA + MAX_SEQ
    jbe err_small
    mov [range], eax            ; a run starts below range

    ; The bus master: BAR4 at BMI, I/O space and bus mastering on (PCI
    ; 2.2 6.2.2); no firmware ran.
    mov eax, IDE_FN
    call pci_read
    cmp eax, 0x70108086         ; 82371SB function 1 (290550 2.3.1)
    jne err_pci
    mov eax, IDE_FN | 0x20
    mov ecx, BMI
    call pci_write
    mov eax, IDE_FN | 0x04
    mov ecx, 0x0005
    call pci_write

    call select
    mov dx, ATA + 2
    mov al, MULT
    out dx, al
    mov al, 0xc6                ; SET MULTIPLE MODE
    call command
    call wait_idle

    ; The generation: the header's plus one, durable before any data.
    mov eax, HDR_LBA
    mov ecx, 1
    xor bl, bl
    call taskfile
    mov al, 0x20                ; READ SECTORS
    call command
    call wait_drq
    mov edi, BUF
    mov ecx, 256
    mov dx, ATA
    rep insw
    call wait_idle
    xor eax, eax
    cmp dword [BUF], HMAGIC
    jne .fresh
    mov eax, [BUF + 4]
.fresh:
    inc eax
    mov [gen], eax
    mov edi, BUF
    xor eax, eax
    mov ecx, 128
    rep stosd
    mov dword [BUF], HMAGIC
    mov eax, [gen]
    mov [BUF + 4], eax
    mov eax, HDR_LBA
    mov ecx, 1
    xor bl, bl
    mov bh, 0x30                ; WRITE SECTORS
    call pio_write
    mov al, 0xe7
    call flush
    mov esi, s_gen
    call puts
    mov eax, [gen]
    call puthex
    mov al, 10
    call putc

    ; A seed that differs between runs of one generation too.
    rdtsc
    mov ecx, [gen]
    mov edx, 0x9e3779b9
    imul ecx, edx
    xor eax, ecx
    or eax, 1
    mov [rng], eax
    call rand
    xor edx, edx
    div dword [range]
    mov [seqpos], edx

batch:
    inc dword [seq]
    call rand
    and eax, MAX_CMDS - 1
    inc eax
    mov [ncmds], eax
    mov dword [cmdi], 0
.next:
    call pick_range             ; eax lba, ecx count
    mov ebx, [cmdi]
    mov [BATCH + ebx * 8], eax
    mov [BATCH + ebx * 8 + 4], ecx
    call fill
    call rand
    xor edx, edx
    mov ebx, 6
    div ebx
    mov ebx, [cmdi]
    mov eax, [BATCH + ebx * 8]
    mov ecx, [BATCH + ebx * 8 + 4]
    mov bl, [methods + edx * 2]       ; LBA48?
    mov bh, [methods + edx * 2 + 1]   ; the command
    cmp bh, 0xca
    je .dma
    cmp bh, 0x35
    je .dma
    call pio_write
    jmp .done
.dma:
    call dma_write
.done:
    inc dword [cmdi]
    mov eax, [cmdi]
    cmp eax, [ncmds]
    jb .next

    mov al, 0xe7                ; FLUSH CACHE, or FLUSH CACHE EXT every other batch
    test dword [seq], 1
    jz .flush
    mov al, 0xea
.flush:
    call flush

    ; Only now: the batch is durable.
    mov al, 'D'
    call putc
    mov al, ' '
    call putc
    mov eax, [gen]
    call puthex
    mov al, ' '
    call putc
    mov eax, [seq]
    call puthex
    xor ebx, ebx
.list:
    mov al, ' '
    call putc
    mov eax, [BATCH + ebx * 8]
    call puthex
    mov al, '+'
    call putc
    mov eax, [BATCH + ebx * 8 + 4]
    call puthex
    inc ebx
    cmp ebx, [ncmds]
    jb .list
    mov al, 10
    call putc
    jmp batch

; (LBA48, command) of the write methods, picked at random.
methods:
    db 0, 0x30                  ; WRITE SECTORS
    db 1, 0x34                  ; WRITE SECTORS EXT
    db 0, 0xc5                  ; WRITE MULTIPLE
    db 1, 0x39                  ; WRITE MULTIPLE EXT
    db 0, 0xca                  ; WRITE DMA
    db 1, 0x35                  ; WRITE DMA EXT

; -> eax first LBA, ecx count: a sequential run (half the commands), a
; random run or a random sector within the data range.
pick_range:
    call rand
    and eax, 3
    cmp eax, 2
    je .random
    ja .single
    call rand
    and eax, MAX_SEQ - 1
    lea ecx, [eax + 1]
    mov eax, [seqpos]
    lea edx, [eax + ecx]
    cmp edx, [range]
    jb .seq_ok
    xor eax, eax                ; wrap to the start of the range
    mov edx, ecx
.seq_ok:
    mov [seqpos], edx
    jmp .out
.random:
    call rand
    and eax, MAX_RAND - 1
    lea ecx, [eax + 1]
    jmp .at
.single:
    mov ecx, 1
.at:
    push ecx
    call rand
    xor edx, edx
    div dword [range]
    mov eax, edx
    pop ecx
.out:
    add eax, DATA_LBA
    ret

; Fill BUF with the records of ecx sectors from LBA eax.
fill:
    pushad
    mov edi, BUF
    mov edx, eax
.sector:
    xor ebx, ebx
.record:
    lea eax, [ebx + MAGIC]
    stosd
    mov eax, edx
    stosd
    mov eax, [gen]
    stosd
    mov eax, [seq]
    stosd
    inc ebx
    cmp ebx, 32
    jb .record
    inc edx
    loop .sector
    popad
    ret

    XORSHIFT32                  ; rand: eax = the next of rng (xorshift.inc)

; The task file for eax = LBA, ecx = count (1..256 for LBA28), bl = LBA48.
; LBA48 writes each register twice, high order byte first (ATA-6 6.2.1).
taskfile:
    push eax
    call select
    pop eax
    test bl, bl
    jz .low
    push eax
    mov dx, ATA + 2
    mov al, ch
    out dx, al
    mov dx, ATA + 3
    shr eax, 24
    out dx, al
    mov dx, ATA + 4
    xor al, al
    out dx, al
    mov dx, ATA + 5
    out dx, al
    pop eax
.low:
    mov dx, ATA + 2
    push eax
    mov al, cl
    out dx, al
    pop eax
    mov dx, ATA + 3
    out dx, al
    mov dx, ATA + 4
    shr eax, 8
    out dx, al
    mov dx, ATA + 5
    shr eax, 8
    out dx, al
    mov dx, ATA + 6
    shr eax, 8
    and al, 0x0f
    or al, 0xe0                 ; device 0, LBA; bits 3:0 LBA 27:24
    test bl, bl
    jz .dev
    mov al, 0x40                ; LBA48: LBA bit only
.dev:
    out dx, al
    ret

; Device 0, LBA mode, and wait until it is not busy.
select:
    mov dx, ATA + 6
    mov al, 0xe0
    out dx, al
    jmp wait_idle

; Command al.
command:
    mov [lastcmd], al
    mov dx, ATA + 7
    out dx, al
    ret

; Poll the alternate status until BSY clears; ERR fails.  -> al status
wait_idle:
    mov dx, ATA_CTL
.poll:
    in al, dx
    test al, ST_BSY
    jnz .poll
    test al, ST_ERR
    jnz err_ata
    ret

; ... until BSY clears and DRQ is set.
wait_drq:
    call wait_idle
    test al, ST_DRQ
    jz wait_drq
    ret

; ... until BSY and DRQ are both clear: the command ended.
wait_end:
    call wait_idle
    test al, ST_DRQ
    jnz wait_end
    mov dx, ATA + 7             ; the status register: clears INTRQ
    in al, dx
    ret

; FLUSH CACHE (EXT) al; returns when the device says it is done.
flush:
    push eax
    call select
    pop eax
    call command
    jmp wait_end

; PIO write of ecx sectors at eax from BUF: command bh, LBA48 bl.  WRITE
; MULTIPLE moves MULT sectors per DRQ block, the others one (ATA-6 9.8).
pio_write:
    pushad
    call taskfile
    mov al, bh
    call command
    mov esi, BUF
    mov ebx, 1
    mov al, [lastcmd]
    cmp al, 0xc5
    je .mult
    cmp al, 0x39
    jne .block
.mult:
    mov ebx, MULT
.block:
    mov edi, ecx                ; sectors left
.drq:
    call wait_drq
    mov ecx, ebx
    cmp ecx, edi
    jbe .n
    mov ecx, edi
.n:
    sub edi, ecx
    shl ecx, 8                  ; words
    mov dx, ATA
    rep outsw
    test edi, edi
    jnz .drq
    call wait_end
    popad
    ret

; DMA write of ecx sectors at eax from BUF: command bh, LBA48 bl.  The
; PRD table covers BUF in 4 KiB pieces, the last marked end of table
; (SFF-8038i 1.2).
dma_write:
    pushad
    mov edi, PRD_TABLE
    mov esi, BUF
    mov edx, ecx
    shl edx, 9
.prd:
    mov [edi], esi
    mov ebp, 4096
    cmp edx, ebp
    jae .piece
    mov ebp, edx
.piece:
    mov [edi + 4], ebp
    add esi, ebp
    sub edx, ebp
    jz .last
    add edi, 8
    jmp .prd
.last:
    or dword [edi + 4], 0x80000000
    push eax
    mov dx, BMI + 4
    mov eax, PRD_TABLE
    out dx, eax
    mov dx, BMI
    xor al, al                  ; stopped, direction: memory to device
    out dx, al
    mov dx, BMI + 2
    mov al, 0x06                ; clear Error and Interrupt (write 1)
    out dx, al
    pop eax
    call taskfile
    mov al, bh
    call command
    mov dx, BMI
    mov al, 0x01                ; start
    out dx, al
    call wait_end
    mov dx, BMI + 2
    in al, dx
    mov ah, al
    mov dx, BMI
    xor al, al
    out dx, al                  ; stop
    test ah, 0x02
    jnz err_dma
    popad
    ret

pci_read:
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    ret

pci_write:
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov eax, ecx
    out dx, eax
    ret

putc:
    push edx
    mov dx, DEBUGCON
    out dx, al
    pop edx
    ret

puts:
    lodsb
    test al, al
    jz .end
    call putc
    jmp puts
.end:
    ret

; eax as 8 hex digits
puthex:
    pushad
    mov edx, eax
    mov ecx, 8
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 15
    mov al, [hex + eax]
    call putc
    loop .digit
    popad
    ret

err_small:
    mov esi, s_small
    jmp fail
err_pci:
    mov esi, s_pci
    jmp fail
err_dma:
    mov esi, s_dma
    jmp fail
err_ata:
    mov esi, s_ata
fail:
    call puts
    mov al, [lastcmd]
    movzx eax, al
    call puthex
    mov al, ' '
    call putc
    mov dx, ATA_CTL
    in al, dx
    movzx eax, al
    call puthex
    mov al, ' '
    call putc
    mov dx, ATA + 1
    in al, dx
    movzx eax, al
    call puthex
    mov al, 10
    call putc
.hang:
    hlt
    jmp .hang

hex:     db "0123456789abcdef"
s_gen:   db "GEN ", 0
s_small: db "ERR disk-too-small ", 0
s_pci:   db "ERR no-piix3-ide ", 0
s_dma:   db "ERR dma ", 0
s_ata:   db "ERR ata ", 0

align 4
gen:     dd 0
seq:     dd 0
rng:     dd 0
range:   dd 0
seqpos:  dd 0
ncmds:   dd 0
cmdi:    dd 0
lastcmd: db 0

; A guest that throws random port and MMIO accesses at every device of the
; board (tests/functional/io-fuzz.py): sizes 1, 2 and 4, reads and writes,
; ports biased towards the ISA range, MMIO in the local APIC's page, the
; I/O APIC's window (often its IOREGSEL and IOWIN), the HPET's page
; (0xFED00000, where io-fuzz.py puts one on the pc board), the test
; device's memory, the VGA's window at 0xA0000-0xBFFFF (its ports are in
; the ISA range, its BARs move with the others) and unassigned space; and one access in eight to PCI
; configuration space through 0xCF8/0xCFC: every size, every register of
; the functions in slots 0-7 (and sometimes of any devfn), BARs moved onto
; each other, onto RAM, onto the APICs and the HPET.  It runs with interrupts off
; and an IDT whose handlers return, so that an NMI a device raises does no
; harm, then ends the emulator through isa-debug-exit (status 67).
;
; Left out, so that the run is not cut short: isa-debug-exit itself
; (0xf4-0xf7), fw_cfg (0x510-0x51b: its DMA would land on this code; its
; unit tests cover it), the reset control register at 0xcf9 of the
; i440FX boards (any write may reset), the PIIX4's PM1a_CNT at 0x604 and
; its base register (a write may power off), the reset bit of port 0x92 and the 8042 commands
; that reset the CPU (0xd1 output port writes, 0xf0-0xff pulses), and
; writes to the APIC's ICR, and LVT entries and I/O APIC redirection
; entries in INIT delivery mode (an INIT would restart the CPU into the
; firmware).
;
; The seed is the kernel command line after the kernel's file name, in hex
; (-append 1234abcd).  "SEED ide" is the IDE mode (below); "SEED blt" the
; BitBLT mode for the cirrus-vga (-vga cirrus): three accesses in four go
; to its sequencer and graphics controller (the BLT registers GR20-GR3F
; most of all), start BLTs, and write the window at 0xA0000 (CPU data of
; system-to-screen BLTs, the banks, write modes 4 and 5).  "SEED nic-rtl8139",
; "SEED nic-e1000" and "SEED nic-ne2k_pci" are the NIC modes (below): three
; accesses in four go to that card, at 00:05.0.
; Multiboot Specification 0.6.96, 3.1.1 (header with address fields) and
; 3.3 (EBX: the boot information, flags bit 2: cmdline at +16).  Loaded in
; conventional memory, so that the A20 gate the fuzz toggles does not move
; it.
bits 32
org 0x30000

ITERATIONS equ 300000
BMIBA    equ 0xc000     ; the IDE mode's bus-master registers
PRD_AREA equ 0x90000    ; ... and its PRD tables
NIC_CFG  equ 0x80002800 ; the NIC mode's card: 00:05.0 (io-fuzz.py's addr=5)
NIC_MMIO equ 0xe1000000 ; ... its memory BAR
NIC_IO   equ 0xd000     ; ... its I/O BAR (the NE2000's)
RING_AREA equ 0x200000  ; ... and 64 KiB of its rings, descriptors and buffers

%include "multiboot-header.inc"
    MULTIBOOT_HEADER start

start:
    cli
    mov esp, 0x40000
    ; the seed: hex digits of the command line
    mov esi, 0x2545f491
    test byte [ebx], 4
    jz .seeded
    mov edi, [ebx + 16]
    ; the command line is "KERNEL-FILE SEED" (Multiboot loaders put the
    ; kernel's file name first): skip to the word after the first space
.skip_name:
    mov al, [edi]
    inc edi
    test al, al
    jz .default_seed
    cmp al, ' '
    jne .skip_name
    xor esi, esi
.digit:
    movzx eax, byte [edi]
    inc edi
    sub al, '0'
    cmp al, 9
    jbe .add
    sub al, 'a' - '0' - 10
    cmp al, 10
    jb .digits_end
    cmp al, 15
    ja .digits_end
.add:
    shl esi, 4
    or esi, eax
    jmp .digit
.digits_end:
    ; "SEED ide": the IDE mode (below)
    cmp byte [edi - 1], ' '
    jne .seeded
    cmp byte [edi], 'n'     ; "nic-r...", "nic-e...", "nic-n...": card 0, 1, 2
    jne .not_nic
    mov al, [edi + 4]
    mov byte [nic_card], 0
    cmp al, 'r'
    je .nic_on
    mov byte [nic_card], 1
    cmp al, 'e'
    je .nic_on
    mov byte [nic_card], 2
.nic_on:
    mov byte [nic_mode], 1
    jmp .seeded
.not_nic:
    cmp byte [edi], 'b'
    jne .not_blt
    mov byte [blt_mode], 1
    jmp .seeded
.not_blt:
    cmp byte [edi], 'i'
    jne .seeded
    mov byte [ide_mode], 1
    jmp .seeded
.default_seed:
    mov esi, 0x2545f491
.seeded:
    test esi, esi
    jnz .idt
    inc esi             ; xorshift needs a non-zero state
.idt:
    IDT_ALL_TO idt, idtr, ignore

    cmp byte [ide_mode], 0
    je .no_ide
    call ide_setup
.no_ide:
    cmp byte [nic_mode], 0
    je .no_nic
    call nic_setup
.no_nic:
    cmp byte [blt_mode], 0
    je .fuzz
    mov dx, 0x3c4           ; unlock the extensions (CL-GD5446 TRM, SR6)
    mov ax, 0x1206
    out dx, ax
.fuzz:
    mov ebp, ITERATIONS
.next:
    cmp byte [blt_mode], 0
    je .not_blt_mode
    call rand
    test eax, 3 << 8    ; BLT mode: three in four accesses to the cirrus
    jnz blt_access
.not_blt_mode:
    cmp byte [nic_mode], 0
    je .not_nic_mode
    call rand
    test eax, 3 << 8    ; NIC mode: three in four accesses to the card
    jz .not_nic_mode
    call nic_access
    jmp .done_one
.not_nic_mode:
    cmp byte [ide_mode], 0
    je .any
    call rand
    test eax, 3 << 8    ; IDE mode: three in four accesses to the IDE ports
    jnz ide_access
.any:
    call rand
    mov ebx, eax        ; ebx: what to do
    call rand
    mov edi, eax        ; edi: the value
    mov ecx, ebx
    shr ecx, 18
    and ecx, 7
    test ebx, 7 << 21   ; one in eight: configuration space
    jz .pci
    cmp ecx, 6
    jae .mmio
    ; a port: full range, or biased to 0-0x3ff, or 0-0xff
    mov edx, ebx
    and edx, 0xffff
    test ebx, 1 << 16
    jz .port_narrow
    and edx, 0x3ff
.port_narrow:
    test ebx, 1 << 17
    jz .port_ok
    and edx, 0xff
.port_ok:
    ; In the IDE mode the bus master's registers are the IDE access's own
    ; (a PRD pointer from here could aim DMA at this code).
    cmp byte [ide_mode], 0
    je .not_bm
    lea eax, [edx + 3]
    cmp eax, BMIBA
    jb .not_bm
    cmp edx, BMIBA + 15
    jbe .done_one
.not_bm:
    ; An access of up to 4 bytes at DX covers DX..DX+3: those that touch a
    ; left-out port are skipped, or made a byte access that is safe.
    lea eax, [edx + 3]
    cmp eax, 0xf4
    jb .not_exit
    cmp edx, 0xf7
    jbe .done_one
.not_exit:
    cmp eax, 0x510
    jb .not_fwcfg
    cmp edx, 0x51b
    jbe .done_one
.not_fwcfg:
    cmp eax, 0xcf9
    jb .not_rc
    cmp edx, 0xcf9
    jbe .done_one
.not_rc:
    cmp eax, 0x604      ; PM1a_CNT of the pc board's PIIX4 (ACPI 4.7.3.2.1):
    jb .not_pm1cnt      ; SLP_EN with SLP_TYP 0 is S5, power off
    cmp edx, 0x605
    jbe .done_one
.not_pm1cnt:
    cmp eax, 0x92
    jb .not_92
    cmp edx, 0x92
    ja .not_92
    mov edx, 0x92
    and edi, ~1         ; never the reset bit
    jmp .byte_access
.not_92:
    cmp eax, 0x64
    jb .go
    cmp edx, 0x64
    ja .go
    mov edx, 0x64
    mov eax, edi
    cmp al, 0xd1        ; output port write: may drop the reset line
    je .done_one
    cmp al, 0xf0        ; pulse output lines (0xfe: reset)
    jae .done_one
.byte_access:
    cmp ecx, 3          ; a read stays a read, a write a write
    jb .as_inb
    mov ecx, 3
    jmp .go
.as_inb:
    xor ecx, ecx
.go:
    mov eax, edi
    jmp [ops + ecx * 4]
.inb:
    in al, dx
    jmp .done_one
.inw:
    in ax, dx
    jmp .done_one
.ind:
    in eax, dx
    jmp .done_one
.outb:
    out dx, al
    jmp .done_one
.outw:
    out dx, ax
    jmp .done_one
.outd:
    out dx, eax
    jmp .done_one

.pci:
    ; (none in the IDE and NIC modes: the IDE function's or the card's BARs
    ; and bus mastering stay as their setup left them)
    cmp byte [ide_mode], 0
    jne .done_one
    cmp byte [nic_mode], 0
    jne .done_one
    ; Configuration mechanism #1 (PCI 3.0, 3.2.2.3.2): CONFIG_ADDRESS =
    ; enable | devfn (ebx bits 31:24; bit 23 keeps it in slots 0-7, where
    ; the functions are) | the register's dword (ebx bits 7:2), then an
    ; access of the size ecx picks at 0xCFC + (ebx & 3).
    mov edx, ebx
    shr edx, 24
    test ebx, 1 << 23
    jz .pci_devfn
    and edx, 0x3f
.pci_devfn:
    shl edx, 8
    mov eax, ebx
    and eax, 0xfc
    or eax, edx
    or eax, 0x80000000
    mov [config_address], eax
    mov dx, 0xcf8
    out dx, eax
    mov edx, ebx
    and edx, 3
    add edx, 0xcfc
    cmp ecx, 6          ; 6, 7: writes too (dword, word)
    jb .pci_op
    sub ecx, 3
.pci_op:
    cmp ecx, 3
    jb .go              ; a read
    ; A write.  Not to the PIIX4 PM's base (00:01.3 0x40-0x43, 82371AB
    ; 3.4.2.1 PMBA): the PM block stays at 0x600, where the port fuzz
    ; leaves PM1a_CNT alone (a sleep to S5 would end the run).
    cmp dword [config_address], 0x80000b40
    je .done_one
    ; Never bus mastering (the command register's bit 2, PCI 3.0 6.2.2): a
    ; test device's DMA would land on this code.
    movzx eax, bl
    cmp eax, 4
    jne .pci_bar
    and edi, ~4
.pci_bar:
    ; The BARs (0x10-0x27) and the expansion ROM BAR (0x30): often an
    ; address where something else lives (ebx bit 22).
    test ebx, 1 << 22
    jz .go
    cmp eax, 0x30
    je .pci_pick
    cmp eax, 0x10
    jb .go
    cmp eax, 0x27
    ja .go
.pci_pick:
    mov eax, edi
    and eax, 15
    mov edi, [bar_targets + eax * 4]
    jmp .go

.mmio:
    ; the page: APIC, the test device's memory, the I/O APIC, the HPET, or
    ; unassigned space
    mov edx, ebx
    and edx, 0xffc
    test ebx, 1 << 16
    jz .m1
    add edx, 0xfee00000
    jmp .mpicked
.m1:
    test ebx, 1 << 17
    jz .m2
    add edx, 0xff000000
    jmp .mpicked
.m2:
    test ebx, 1 << 14
    jz .m3
    test ebx, 1 << 12   ; half of them to the HPET
    jz .m2ioapic
    add edx, 0xfed00000
    jmp .mpicked
.m2ioapic:
    test ebx, 1 << 13   ; half of these at IOREGSEL (0x00) or IOWIN (0x10)
    jz .m2page
    and edx, 0x1c
.m2page:
    add edx, 0xfec00000
    jmp .mpicked
.m3:
    test ebx, 1 << 13   ; half of these in the VGA's window at 0xA0000
    jz .m3pci
    mov edx, edi
    and edx, 0x1fffc
    add edx, 0xa0000
    jmp .mpicked
.m3pci:
    add edx, 0xe0000000
.mpicked:
    test ebx, 1 << 15   ; unaligned sometimes
    jz .aligned
    inc edx
.aligned:
    cmp ecx, 7
    je .mwrite
    mov eax, [edx]
    movzx eax, word [edx]
    jmp .done_one
.mwrite:
    mov eax, edx
    and eax, 0xfffffff0
    cmp eax, 0xfee00300   ; the APIC's ICR (low)
    je .done_one
    cmp eax, 0xfec00010   ; the I/O APIC's IOWIN: no INIT delivery mode (101b)
    je .no_init
    cmp eax, 0xfee00320   ; the LVT entries: no INIT delivery mode (101b)
    jb .store
    cmp eax, 0xfee00370
    ja .store
.no_init:
    and edi, ~(1 << 10)
.store:
    mov [edx], edi
.done_one:
    dec ebp
    jnz .next

    ; Every function's decoders off, so that nothing the fuzz moved (an I/O
    ; BAR, the PIIX4's PM or SMBus block) hides isa-debug-exit: the command
    ; register (6.2.2) of each function of bus 0, and the PIIX4 PM's I/O
    ; space enables (82371AB 3.4.2.13 PMREGMISC 0x80 bit 0; 3.4.2.21 SMBHSTCFG
    ; 0xD2 bit 0).
    xor ebx, ebx
.quiet:
    mov eax, ebx
    shl eax, 8
    or eax, 0x80000004
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    xor eax, eax
    out dx, ax
    inc ebx
    cmp ebx, 256
    jb .quiet
    mov eax, 0x80000b80     ; 00:01.3, 0x80
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    xor eax, eax
    out dx, al
    mov eax, 0x80000bd0     ; 00:01.3, 0xD2
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfe
    xor eax, eax
    out dx, al

    mov dx, 0xf4
    mov eax, 0x21
    out dx, eax
.hang:
    hlt
    jmp .hang

; ---- BLT mode ----
; One access to the cirrus-vga: a graphics controller register (the BLT's
; most of the time), a sequencer register, a start of the BLT (GR31: Start
; after a 0 write, with the autostart and reset bits at random), or a byte
; in the 64 KiB window.  The high bytes of the width and the height are
; mostly kept small so that a run stays short (the unit tests take the
; largest BLTs there are); the rest is random, addresses and pitches too.
blt_access:
    call rand
    mov ebx, eax
    call rand
    mov edi, eax
    mov ecx, ebx
    and ecx, 7
    cmp ecx, 4
    jb .gr
    cmp ecx, 6
    jb .window
    je .seq
    mov dx, 0x3ce
    mov al, 0x31
    out dx, al
    inc dx
    xor eax, eax
    out dx, al
    mov eax, edi
    and al, 0x84
    or al, 0x02
    out dx, al
    jmp start.done_one
.gr:
    mov eax, ebx
    shr eax, 8
    and eax, 0x3f
    test ebx, 1 << 16
    jz .gr_index
    or eax, 0x20
.gr_index:
    cmp eax, 0x21
    je .gr_small
    cmp eax, 0x23
    jne .gr_out
.gr_small:
    mov ecx, ebx            ; one in eight keeps its random value
    and ecx, 7 << 19
    cmp ecx, 7 << 19
    je .gr_out
    xor edi, edi
.gr_out:
    cmp eax, 0x32           ; the ROP: mostly one the engine knows
    jne .gr_port
    test ebx, 1 << 21
    jnz .gr_port
    mov ecx, edi
    and ecx, 15
    movzx edi, byte [blt_rops + ecx]
.gr_port:
    mov dx, 0x3ce
    out dx, al
    inc dx
    mov eax, edi
    test ebx, 1 << 20
    jz .gr_write
    in al, dx
    jmp start.done_one
.gr_write:
    out dx, al
    jmp start.done_one
.seq:
    mov eax, ebx
    shr eax, 8
    and eax, 0x1f
    mov dx, 0x3c4
    out dx, al
    inc dx
    cmp al, 6               ; the key stays unlocked
    mov eax, edi
    jne .seq_out
    mov al, 0x12
.seq_out:
    out dx, al
    jmp start.done_one
.window:
    mov edx, edi
    shr edx, 8
    and edx, 0xffff
    add edx, 0xa0000
    test ebx, 1 << 20
    jz .window_write
    mov al, [edx]
    jmp start.done_one
.window_write:
    mov [edx], bl
    jmp start.done_one

; ---- IDE mode ----
; The pc board's piix3-ide (00:01.1) gets its bus-master BAR (BAR4) at
; BMIBA with I/O decode and bus mastering on (the one function the fuzz
; lets master), and a 64 KiB area of PRD tables at PRD_AREA whose entries
; point at RAM above 1 MiB, at the area itself (a table DMA overwrites) or
; at unassigned space, with random counts (0: 64 KiB) and EOT bits.  Then
; most accesses go to the task files (1F0-1F7, 170-177), the control
; registers (3F6, 376) and the bus master, with commands, ATAPI opcodes and
; PRD pointers picked from what a driver would write.  Whatever the disks
; and the bus master do, DMA can only land in those places (the disk
; images hold zeroes and what was DMA'd from there), never on this code.
; On isapc the same ports reach the two isa-ide channels (PIO only).  The
; rest of the accesses are the usual fuzz, without configuration cycles
; and without the bus master's ports.

ide_setup:
    mov eax, 0x80000920     ; 00:01.1, BAR4 (PCI 3.0 6.2.5.1)
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov eax, BMIBA | 1
    out dx, eax
    mov eax, 0x80000904     ; the command register: I/O and bus master
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov ax, 5
    out dx, ax
    mov edi, PRD_AREA
.prd:
    call rand
    mov ebx, eax
    and eax, 0xfff0
    test ebx, 3 << 16
    jz .prd_self
    add eax, 0x100000       ; RAM above 1 MiB (most)
    test ebx, 1 << 18
    jz .prd_addr
    mov eax, 0xe0000000     ; unassigned
    jmp .prd_addr
.prd_self:
    add eax, PRD_AREA       ; the tables themselves
.prd_addr:
    mov [edi], eax
    call rand
    and eax, 0x8000fffe     ; EOT and the count (0: 64 KiB)
    test eax, 3 << 28
    jz .prd_count
    and eax, 0x0000fffe     ; EOT on one in four
.prd_count:
    mov [edi + 4], eax
    add edi, 8
    cmp edi, PRD_AREA + 0x10000
    jb .prd
    ret

ide_access:
    call rand
    mov ebx, eax
    call rand
    mov edi, eax
    mov eax, ebx
    and eax, 31
    movzx edx, word [ide_ports + eax * 2]
    test ebx, 1 << 5        ; half reads, half writes
    jz .ide_read
    mov eax, edx
    and eax, 0xfff7
    cmp eax, 0xc004         ; a PRD table pointer: inside the area
    jne .ide_cmd
    mov eax, edi
    and eax, 0xfffc
    add eax, PRD_AREA
    out dx, eax
    jmp start.done_one
.ide_cmd:
    mov eax, edx
    and eax, 0xff7f         ; 1F7 and 177: a command from the list (mostly)
    cmp eax, 0x177
    jne .ide_data
    test ebx, 3 << 6
    jz .ide_byte
    mov eax, edi
    and eax, 31
    mov al, [ide_cmds + eax]
    out dx, al
    jmp start.done_one
.ide_data:
    cmp eax, 0x170          ; the data ports: words, often an ATAPI opcode
    jne .ide_byte
    mov eax, edi
    test ebx, 1 << 6
    jz .ide_word
    mov ecx, edi
    shr ecx, 8
    and ecx, 15
    mov al, [atapi_ops + ecx]
.ide_word:
    test ebx, 1 << 7
    jz .ide_w16
    out dx, eax
    jmp start.done_one
.ide_w16:
    out dx, ax
    jmp start.done_one
.ide_byte:
    mov eax, edi
    out dx, al
    jmp start.done_one
.ide_read:
    test ebx, 1 << 6
    jz .ide_rb
    in ax, dx
    jmp start.done_one
.ide_rb:
    in al, dx
    jmp start.done_one

; ---- NIC mode ----
; One card (nic_card: 0 the rtl8139, 1 the e1000, 2 the ne2k_pci) at
; 00:05.0 with its registers at NIC_MMIO (rtl8139, e1000) or NIC_IO
; (ne2k_pci), bus mastering on, started as a driver would, on a netdev that
; hands every frame it sends back to it (io-fuzz.py: a UDP socket to
; itself).  Then: register accesses at random or at the registers that
; matter, random descriptors written into its rings, transmits and polls
; kicked, and on the NE2000 remote DMA bursts at addresses and counts past
; its 32 KiB of RAM.  Descriptors have zero, huge and random lengths, and
; point into the ring area, at the ring itself, at the card's own
; registers, at unassigned space and at the top of the 32-bit space; heads
; and tails go past their rings.  Every address the card is given to
; write to (its ring and buffer registers, the buffer addresses of its
; descriptors) is one of those, never below 1 MiB: whatever the card does
; with them, its DMA cannot land on this code.

nic_setup:
    mov eax, NIC_CFG | 0x10 ; BAR0 and BAR1 (PCI 3.0 6.2.5.1)
    mov dx, 0xcf8
    out dx, eax
    movzx ecx, byte [nic_card]
    mov eax, [nic_bar0 + ecx * 4]
    mov dx, 0xcfc
    out dx, eax
    mov eax, NIC_CFG | 0x14
    mov dx, 0xcf8
    out dx, eax
    mov eax, [nic_bar1 + ecx * 4]
    mov dx, 0xcfc
    out dx, eax
    mov eax, NIC_CFG | 0x04 ; the command register
    mov dx, 0xcf8
    out dx, eax
    mov ax, [nic_command + ecx * 2]
    mov dx, 0xcfc
    out dx, ax
    ; the ring area: descriptors all through
    mov edi, RING_AREA
.fill:
    push edi
    call nic_desc
    pop edi
    add edi, 16
    cmp edi, RING_AREA + 0x10000
    jb .fill
    ; fall through: the driver's start

; The driver's start: the card's (offset, size, value) triples until -1.
nic_init_run:
    push esi                ; (esi is rand's state)
    movzx ecx, byte [nic_card]
    mov esi, [nic_init + ecx * 4]
.init:
    mov ebx, [esi]
    cmp ebx, -1
    je .init_done
    mov ecx, [esi + 4]
    mov edi, [esi + 8]
    call nic_write
    add esi, 12
    jmp .init
.init_done:
    pop esi
    ret

; A write of edi at register ebx, ecx bytes wide, to the card.
nic_write:
    movzx eax, byte [nic_card]
    cmp eax, 2
    je .io
    lea edx, [ebx + NIC_MMIO]
    cmp ecx, 2
    jb .mb
    je .mw
    mov [edx], edi
    ret
.mb:
    mov eax, edi
    mov [edx], al
    ret
.mw:
    mov eax, edi
    mov [edx], ax
    ret
.io:
    lea edx, [ebx + NIC_IO]
    mov eax, edi
    cmp ecx, 2
    jb .ob
    je .ow
    out dx, eax
    ret
.ob:
    out dx, al
    ret
.ow:
    out dx, ax
    ret

; A read at register ebx, ecx bytes wide.
nic_read:
    movzx eax, byte [nic_card]
    cmp eax, 2
    je .io
    lea edx, [ebx + NIC_MMIO]
    mov eax, [edx]
    ret
.io:
    lea edx, [ebx + NIC_IO]
    cmp ecx, 2
    jb .ib
    in ax, dx
    ret
.ib:
    in al, dx
    ret

; eax: an address to give the card (see above).
nic_target:
    call rand
    mov edx, eax
    shr edx, 8
    and eax, 7
    jmp [.kinds + eax * 4]
.ring:
    and edx, 0xfff0
    lea eax, [edx + RING_AREA]
    ret
.self:
    mov eax, RING_AREA
    ret
.mmio:
    and edx, 0xfc
    lea eax, [edx + NIC_MMIO]
    ret
.unassigned:
    mov eax, 0xe0000000
    ret
.ram:
    and edx, 0xffff0
    lea eax, [edx + 0x100000]
    ret
.top:
    mov eax, 0xfffffff0
    ret
.last:
    mov eax, RING_AREA + 0x10000 - 16
    ret
align 4
.kinds:
    dd .ring, .ring, .self, .mmio, .unassigned, .ram, .top, .last

; eax: a random descriptor word with a zero, huge (0xffff) or random
; length in its low 16 bits.
nic_length_word:
    call rand
    mov edx, eax
    call rand
    test edx, 3
    jz .zero
    test edx, 2
    jz .done
    or eax, 0xffff
    ret
.zero:
    and eax, 0xffff0000
.done:
    ret

; eax: the high half of a 64-bit address: 0, or (one in eight) all ones,
; an address past anything (both above 1 MiB, whatever the low half).
nic_high:
    call rand
    test eax, 7 << 4
    jz .ones
    xor eax, eax
    ret
.ones:
    or eax, -1
    ret

; A descriptor at edi in the card's layout: the e1000's (buffer address in
; bytes 0-7, length and command in 8-15) or the rtl8139 C+ one's (command
; and length in 0-7, buffer address in 8-15).  The NE2000 has none: random
; bytes (it never reads host memory).
nic_desc:
    movzx eax, byte [nic_card]
    cmp eax, 1
    je .e1000
    ja .random
    call nic_length_word
    mov [edi], eax
    call rand
    mov [edi + 4], eax
    call nic_target
    mov [edi + 8], eax
    call nic_high
    mov [edi + 12], eax
    ret
.e1000:
    call nic_target
    mov [edi], eax
    call nic_high
    mov [edi + 4], eax
    call nic_length_word
    ; EOP (command bit 0) on one in eight: frames of many descriptors, and
    ; not a frame per descriptor of rings that run to 64K descriptors
    test eax, 7 << 28
    jz .eop
    and eax, ~(1 << 24)
.eop:
    mov [edi + 8], eax
    call rand
    mov [edi + 12], eax
    ret
.random:
    call rand
    mov [edi], eax
    mov [edi + 8], eax
    ret

; A software reset (the rtl8139's CR.RST, the e1000's CTRL.RST) zeroes the
; ring and buffer registers, and a receiver enabled later would write to
; address 0 and on, from descriptors read there: after every register
; write, a card whose RX ring or buffer register reads 0 is started again.
nic_guard:
    movzx eax, byte [nic_card]
    mov edx, [nic_guarded + eax * 4]
.next:
    mov eax, [edx]
    cmp eax, -1
    je .ok
    cmp dword [eax + NIC_MMIO], 0
    je nic_init_run
    add edx, 4
    jmp .next
.ok:
    ret

; Is the dword-aligned register ebx in the list at edx (ended by -1)?
nic_in_list:
    mov eax, ebx
    and eax, ~3
.next:
    cmp dword [edx], -1
    je .no
    cmp [edx], eax
    je .yes
    add edx, 4
    jmp .next
.yes:
    stc
    ret
.no:
    clc
    ret

; One access of the NIC mode.
nic_access:
    call rand
    mov ebx, eax
    call rand
    mov edi, eax
    movzx ecx, byte [nic_card]
    mov eax, ebx
    and eax, 7
    cmp eax, 4
    jb .reg
    cmp eax, 6
    jb .desc
    je .kick
    ; a read of a register that matters (interrupt status: acknowledges)
    mov eax, ebx
    shr eax, 9
    and eax, 15
    mov edx, [nic_hot + ecx * 4]
    mov ebx, [edx + eax * 4]
    mov ecx, 1
    jmp nic_read

.reg:
    ; the register: one that matters (half of the time) or any
    mov eax, ebx
    shr eax, 9
    test ebx, 1 << 8
    jz .any
    and eax, 15
    mov edx, [nic_hot + ecx * 4]
    mov eax, [edx + eax * 4]
    jmp .picked
.any:
    and eax, [nic_mask + ecx * 4]
.picked:
    ; the size (1, 2, 4), the offset aligned to it
    mov edx, ebx
    shr edx, 16
    and edx, 3
    mov ecx, [.sizes + edx * 4]
    mov edx, ecx
    dec edx
    not edx
    and eax, edx
    push ebx
    mov edx, ebx
    mov ebx, eax
    test edx, 3 << 18       ; one in four a read
    jz .read
    ; an address register takes an address, whole (a byte of one could
    ; make it point below 1 MiB); the high half of one 0 or all ones
    movzx eax, byte [nic_card]
    mov edx, [nic_addr_regs + eax * 4]
    call nic_in_list
    jnc .not_addr
    and ebx, ~3
    mov ecx, 4
    call nic_target
    mov edi, eax
    jmp .write
.not_addr:
    movzx eax, byte [nic_card]
    mov edx, [nic_high_regs + eax * 4]
    call nic_in_list
    jnc .write
    and ebx, ~3
    mov ecx, 4
    call nic_high
    mov edi, eax
.write:
    call nic_write
    call nic_guard
    pop ebx
    ret
.read:
    call nic_read
    pop ebx
    ret
align 4
.sizes:
    dd 1, 2, 4, 4

.desc:
    cmp ecx, 2
    je .remote_dma
    mov edi, ebx
    shr edi, 8
    and edi, 0xfff0
    add edi, RING_AREA
    jmp nic_desc
.remote_dma:
    ; An NE2000 remote DMA burst (DP8390 datasheet, "Remote DMA"): start
    ; address often near or past the end of its RAM, a random count, read
    ; or write, then data port accesses.
    mov ecx, 1
    mov edx, edi
    test ebx, 1 << 8
    jz .rsar
    or edx, 0xbf00          ; 0xbf00-0xffff: the end of the RAM and past it
.rsar:
    push edx
    mov eax, 0x22           ; page 0, started
    mov dx, NIC_IO
    out dx, al
    pop eax
    mov dx, NIC_IO + 8      ; RSAR0, RSAR1
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    mov eax, ebx
    shr eax, 12
    mov dx, NIC_IO + 10     ; RBCR0, RBCR1
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    mov al, 0x0a            ; remote read
    test ebx, 1 << 9
    jz .rd_cmd
    mov al, 0x12            ; remote write
.rd_cmd:
    mov dx, NIC_IO
    out dx, al
    mov ecx, 16
    mov dx, NIC_IO + 0x10
.burst:
    test ebx, 1 << 10
    jz .burst_in
    mov eax, edi
    out dx, ax
    jmp .burst_next
.burst_in:
    in ax, dx
.burst_next:
    ror edi, 3
    loop .burst
    ret

.kick:
    cmp ecx, 1
    je .kick_e1000
    ja .kick_ne2k
    ; rtl8139: TPPoll (C+: the normal or high priority ring), or a C mode
    ; TX of TSD2/TSD3 (0x18, 0x1c; TSD0 and TSD1 share their offsets with
    ; the C+ dump address DTCCR)
    test ebx, 1 << 8
    jz .tsd
    mov ebx, 0xd9
    mov ecx, 1
    mov edi, 0xc0
    jmp nic_write
.tsd:
    and edi, 0x1fff
    mov eax, ebx
    shr eax, 7
    and eax, 4
    lea ebx, [eax + 0x18]
    mov ecx, 4
    jmp nic_write
.kick_e1000:
    ; TDT or RDT: anywhere in 0-255, often past the ring's end
    and edi, 0xff
    mov eax, 0x3818
    test ebx, 1 << 8
    jz .e1000_tail
    mov eax, 0x2818
.e1000_tail:
    mov ebx, eax
    mov ecx, 4
    jmp nic_write
.kick_ne2k:
    ; a transmit: TPSR a random page, TBCR a random count, CR TXP
    mov eax, edi
    mov dx, NIC_IO + 4
    out dx, al
    mov dx, NIC_IO + 5
    mov al, ah
    out dx, al
    inc dx
    shr eax, 16
    and al, 0x3f
    out dx, al
    mov dx, NIC_IO
    mov al, 0x26
    out dx, al
    ret

; xorshift32 (Marsaglia, "Xorshift RNGs", 2003): 13, 17, 5.
rand:
    mov eax, esi
    shl eax, 13
    xor esi, eax
    mov eax, esi
    shr eax, 17
    xor esi, eax
    mov eax, esi
    shl eax, 5
    xor esi, eax
    mov eax, esi
    ret

ignore:
    iret

; What a BAR write takes in configuration mode: sizing, the APIC, the I/O
; APIC, the HPET, this code's RAM, RAM above 1 MiB, the PCI hole (two BARs
; on top of each other), I/O BARs onto the configuration ports, a PIIX4
; block and the serial port (never below 0x100: isa-debug-exit is at 0xF4),
; and the expansion ROM enabled (bit 0) over the APIC or this code.
align 4
config_address:
    dd 0
bar_targets:
    dd 0xffffffff, 0xfee00000, 0xfec00000, 0xfed00000
    dd 0x00030000, 0x00100000, 0xe0000000, 0xe0000000
    dd 0x0000c001, 0x0000c001, 0x00000cf9, 0x00000601
    dd 0x000003f9, 0xfee00001, 0x00030001, 0x00000000

ide_mode:
    db 0
blt_mode:
    db 0
nic_mode:
    db 0
nic_card:
    db 0

; The NIC mode's cards: 0 rtl8139, 1 e1000, 2 ne2k_pci.  BARs (the rtl8139's
; I/O BAR and the e1000's left off in the command register: their memory
; BARs are the way in), command registers (memory and bus mastering; the
; NE2000: I/O, it has no DMA), register window masks.
align 4
nic_bar0:
    dd NIC_IO | 1, NIC_MMIO, NIC_IO | 1
nic_bar1:
    dd NIC_MMIO, NIC_IO | 1, 0
nic_mask:
    dd 0xff, 0x7fff, 0x1f
nic_hot:
    dd rtl_hot, e1000_hot, ne2k_hot
nic_addr_regs:
    dd rtl_addr, e1000_addr, no_regs
nic_high_regs:
    dd rtl_high, e1000_high, no_regs
nic_init:
    dd rtl_init, e1000_init, ne2k_init
nic_guarded:
    dd rtl_guarded, e1000_guarded, no_regs
align 2
nic_command:
    dw 6, 6, 1
align 4
; The registers that matter (RTL8139C+ datasheet section 6; 82540EM SDM
; 13.4; DP8390 registers, page 0).
rtl_hot:
    dd 0x37, 0x38, 0x3c, 0x3e, 0x44, 0x40, 0x30, 0xd9
    dd 0xe0, 0xe4, 0x20, 0x18, 0x1c, 0x10, 0x50, 0x5c
e1000_hot:
    dd 0x0000, 0x00c0, 0x00c4, 0x00d0, 0x0100, 0x0400, 0x2800, 0x2808
    dd 0x2810, 0x2818, 0x2820, 0x3800, 0x3808, 0x3810, 0x3818, 0x5000
ne2k_hot:
    dd 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
    dd 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x10, 0x10, 0x1f
; Address registers (the low halves), the high halves of 64-bit ones: the
; rtl8139's DTCCR (0x10), TNPDS/TSAD0-1 (0x20), THPDS/TSAD2-3 (0x28),
; RBSTART (0x30), RDSAR (0xe4); the e1000's RDBAL/H and TDBAL/H.
rtl_addr:
    dd 0x10, 0x20, 0x28, 0x30, 0xe4, -1
rtl_high:
    dd 0x14, 0x24, 0x2c, 0xe8, -1
e1000_addr:
    dd 0x2800, 0x3800, -1
e1000_high:
    dd 0x2804, 0x3804, -1
no_regs:
    dd -1
; The RX ring and buffer registers nic_guard watches: RBSTART and RDSAR;
; RDBAL.
rtl_guarded:
    dd 0x30, 0xe4, -1
e1000_guarded:
    dd 0x2800, -1
; A driver's start: (register, size, value).
rtl_init:
    dd 0x37, 1, 0x10                ; CR: reset
    dd 0x30, 4, RING_AREA + 0x8000  ; RBSTART: the C mode ring
    dd 0x44, 4, 0x8f                ; RCR: all frames, WRAP
    dd 0x40, 4, 0x03000700          ; TCR
    dd 0x3c, 2, 0xffff              ; IMR
    dd 0xe4, 4, RING_AREA           ; RDSAR: the C+ RX ring
    dd 0xe8, 4, 0
    dd 0x37, 1, 0x0c                ; CR: RX and TX on
    dd -1
e1000_init:
    dd 0x2800, 4, RING_AREA         ; RDBAL, RDBAH, RDLEN (256), RDH, RDT
    dd 0x2804, 4, 0
    dd 0x2808, 4, 0x1000
    dd 0x2810, 4, 0
    dd 0x2818, 4, 0x80
    dd 0x3800, 4, RING_AREA + 0x4000 ; TDBAL, TDBAH, TDLEN (256), TDH, TDT
    dd 0x3804, 4, 0
    dd 0x3808, 4, 0x1000
    dd 0x3810, 4, 0
    dd 0x3818, 4, 0
    dd 0x00d0, 4, 0x1ffff           ; IMS: all
    dd 0x5000, 4, 0x300             ; RXCSUM: IP and TCP/UDP offload
    dd 0x0100, 4, 0x801e            ; RCTL: EN, SBP, UPE, MPE, BAM
    dd 0x0400, 4, 0x2               ; TCTL: EN
    dd -1
ne2k_init:
    dd 0x00, 1, 0x21                ; CR: stop, page 0 (as Linux's 8390 core)
    dd 0x0e, 1, 0x49                ; DCR: words
    dd 0x0a, 1, 0
    dd 0x0b, 1, 0
    dd 0x0c, 1, 0x1c                ; RCR: broadcast, multicast, promiscuous
    dd 0x0d, 1, 0
    dd 0x04, 1, 0x40                ; TPSR
    dd 0x01, 1, 0x4c                ; PSTART, BNRY, PSTOP
    dd 0x03, 1, 0x4c
    dd 0x02, 1, 0x80
    dd 0x07, 1, 0xff                ; ISR, IMR
    dd 0x0f, 1, 0x7f
    dd 0x00, 1, 0x61                ; page 1: CURR
    dd 0x07, 1, 0x4d
    dd 0x00, 1, 0x22                ; started, page 0
    dd -1
; The BLT raster operations (CL-GD5446 TRM, GR32).
blt_rops:
    db 0x00, 0x05, 0x06, 0x09, 0x0b, 0x0d, 0x0e, 0x50
    db 0x59, 0x6d, 0x90, 0x95, 0xad, 0xd0, 0xd6, 0xda
align 2
; Both channels' command blocks (the data port twice as often), control
; registers and bus-master registers.
ide_ports:
    dw 0x1f0, 0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x1f7, 0x3f6
    dw 0x170, 0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x177, 0x376
    dw BMIBA, BMIBA, BMIBA + 2, BMIBA + 4, BMIBA + 8, BMIBA + 8, BMIBA + 10, BMIBA + 12
    dw 0x1f6, 0x176
; ATA commands (ATA/ATAPI-6 chapter 8): reads and writes (PIO, multiple,
; DMA, 28/48-bit), IDENTIFY (PACKET), PACKET, SET FEATURES / MULTIPLE,
; INITIALIZE DEVICE PARAMETERS, diagnostics, flushes, verify, power.
ide_cmds:
    db 0x20, 0x24, 0x30, 0x34, 0xc4, 0xc5, 0x29, 0x39, 0xc8, 0xca, 0x25, 0x35
    db 0xec, 0xa1, 0xa0, 0xa0, 0xa0, 0xef, 0xc6, 0x91, 0x90, 0xe7, 0xea, 0x40
    db 0x42, 0x08, 0xe5, 0xe0, 0xe1, 0x70, 0xc8, 0x00
; Packet commands (MMC-3) as the first byte of a packet.
atapi_ops:
    db 0x00, 0x03, 0x12, 0x1b, 0x1e, 0x25, 0x28, 0xa8, 0xbe, 0x43, 0x46, 0x4a
    db 0x5a, 0xbd, 0x51, 0x28
align 4
ops:
    dd start.inb, start.inw, start.ind, start.outb, start.outw, start.outd
idtr:
    dw 256 * 8 - 1
    dd idt
align 8
idt:
    times 256 * 8 db 0

; cardcage's boot option ROM: starts a -kernel image after the firmware's
; POST (-boot kernel=firmware), as QEMU's linuxboot and multiboot ROMs do.
;
; The firmware (SeaBIOS) finds this ROM as the fw_cfg file
; "genroms/cardcage-boot.bin", runs its init at POST and, when it boots,
; calls its Bootstrap Entry Vector.  The BEV switches to flat 32-bit
; protected mode with the same GDT and selectors as cardcage's direct
; boot (core/boot/boot.c: code 0x10, data 0x18, GDT at 0x5000), copies the
; image the loader prepared from fw_cfg item FW_CFG_KERNEL_DATA (0x11)
; into RAM, loads the registers and jumps to the entry point.  The chunk
; data goes by fw_cfg DMA when the device offers it (a 36 MiB initramfs is
; one command instead of 36 M port reads); otherwise by REP INSB.
;
; The item (core/boot/boot-firmware.c), little-endian dwords:
;   "CCBT", entry, EAX ECX EDX EBX ESP EBP ESI EDI, chunk count,
;   then per chunk: address, data length, total length (zeros after the
;   data), the data.
;
; References: BIOS Boot Specification 1.01 (option ROM header, 3.1; PnP
; expansion header and BEV, 3.2 and appendix C), QEMU's docs/specs/
; fw_cfg.rst (ports 0x510/0x511, the DMA interface at 0x514), Intel SDM vol. 3A 9.9.1 (switching to
; protected mode).  Built with nasm; core/boot/rom/rom-to-c.py sets the
; checksums and makes it a C array.
;
; SPDX-License-Identifier: MIT
        bits    16
        org     0

FW_CFG_PORT_SEL  equ 0x510
FW_CFG_PORT_DATA equ 0x511
FW_CFG_DMA_HI    equ 0x514          ; DMA address, big-endian, high half
FW_CFG_DMA_LO    equ 0x518          ; low half: writing it runs the command
FW_CFG_ID        equ 0x01           ; feature bits: 1 = DMA (fw_cfg.rst)
FW_CFG_KERNEL_DATA equ 0x11
FW_CFG_DMA_READ_BE equ 0x02000000   ; control READ (bit 1) as stored big-endian
FW_CFG_DMA_ERR_BE  equ 0x01000000   ; control ERROR (bit 0) as stored big-endian
GDT_ADDR         equ 0x5000     ; BOOT_GDT_ADDR
FARPTR           equ 0x5020     ; the 32-bit far pointer of the mode switch
HDR              equ 0x5040     ; the item's header (44 bytes)
CHUNK            equ 0x5080     ; one chunk descriptor (12 bytes)
DMACMD           equ 0x50a0     ; a fw_cfg DMA command (16 bytes, big-endian)
CODE_SEL         equ 0x10
DATA_SEL         equ 0x18

rom:
        db      0x55, 0xaa              ; option ROM signature
        db      1                       ; size: one 512-byte block
        jmp     init                    ; offset 3: the init entry
        times   0x18 - ($ - $$) db 0
        dw      0                       ; no PCI data structure
        dw      pnp                     ; PnP expansion header

init:
        retf                            ; nothing to do at POST

bev:
        cli
        cld
        push    cs
        pop     ds
        xor     ax, ax
        mov     es, ax
        mov     si, gdt
        mov     di, GDT_ADDR
        mov     cx, (gdt_end - gdt) / 2
        rep     movsw
        ; far pointer to pm32: the ROM runs wherever the firmware put it
        mov     ax, cs
        movzx   eax, ax
        shl     eax, 4
        add     eax, pm32
        mov     [es:FARPTR], eax
        mov     word [es:FARPTR + 4], CODE_SEL
        ; A20 on through System Control Port A (bit 1), never bit 0 (reset)
        in      al, 0x92
        or      al, 2
        and     al, 0xfe
        out     0x92, al
        lgdt    [cs:gdtr]
        mov     eax, cr0
        or      al, 1                   ; PE
        mov     cr0, eax
        o32 jmp far [es:FARPTR]

        bits    32
pm32:
        mov     ax, DATA_SEL
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        ; esi = 2 when the device has the DMA interface (FW_CFG_ID bit 1)
        mov     dx, FW_CFG_PORT_SEL
        mov     ax, FW_CFG_ID
        out     dx, ax
        mov     dx, FW_CFG_PORT_DATA
        in      al, dx
        movzx   esi, al
        and     esi, 2
        mov     dx, FW_CFG_PORT_SEL
        mov     ax, FW_CFG_KERNEL_DATA
        out     dx, ax
        mov     dx, FW_CFG_PORT_DATA
        mov     edi, HDR
        mov     ecx, 44
        rep     insb
        cmp     dword [HDR], 'CCBT'
        jne     .fail
        mov     ebp, [HDR + 40]
.chunk:
        test    ebp, ebp
        jz      .start
        mov     dx, FW_CFG_PORT_DATA
        mov     edi, CHUNK
        mov     ecx, 12
        rep     insb
        mov     edi, [CHUNK]
        mov     ecx, [CHUNK + 4]
        mov     ebx, [CHUNK + 8]
        sub     ebx, ecx
        test    esi, esi
        jz      .pio
        jecxz   .fill
        ; DMA: control READ, length, address (all big-endian), then the
        ; command's address into the DMA register, low half last
        mov     dword [DMACMD], FW_CFG_DMA_READ_BE
        mov     eax, ecx
        bswap   eax
        mov     [DMACMD + 4], eax
        mov     dword [DMACMD + 8], 0
        mov     eax, edi
        bswap   eax
        mov     [DMACMD + 12], eax
        xor     eax, eax
        mov     dx, FW_CFG_DMA_HI
        out     dx, eax
        mov     eax, DMACMD
        bswap   eax
        mov     dx, FW_CFG_DMA_LO
        out     dx, eax
.wait:  ; the device clears control when done, leaving only ERROR on failure
        mov     eax, [DMACMD]
        test    eax, ~FW_CFG_DMA_ERR_BE
        jnz     .wait
        test    eax, eax
        jnz     .fail
        add     edi, ecx
        jmp     .fill
.pio:
        rep     insb                    ; the data
.fill:
        mov     ecx, ebx
        xor     eax, eax
        rep     stosb                   ; then zeros
        dec     ebp
        jmp     .chunk
.start:
        mov     ecx, [HDR + 12]
        mov     edx, [HDR + 16]
        mov     ebx, [HDR + 20]
        mov     esp, [HDR + 24]
        mov     ebp, [HDR + 28]
        mov     esi, [HDR + 32]
        mov     edi, [HDR + 36]
        mov     eax, [HDR + 8]
        jmp     [HDR + 4]
.fail:
        hlt
        jmp     .fail

        align   8
gdt:    ; null, null, 4 GiB code (0x10), 4 GiB data (0x18): SDM vol. 3A, 3.4.5
        dq      0
        dq      0
        dq      0x00cf9b000000ffff
        dq      0x00cf93000000ffff
gdt_end:
gdtr:
        dw      gdt_end - gdt - 1
        dd      GDT_ADDR

        align   16
pnp:    ; PnP expansion header (BIOS Boot Specification 1.01, appendix C)
        db      '$PnP'
        db      1                       ; structure revision
        db      2                       ; length in 16-byte units
        dw      0                       ; next header: none
        db      0                       ; reserved
        db      0                       ; checksum (rom-to-c.py)
        dd      0                       ; device identifier
        dw      manufacturer
        dw      product
        db      0, 0, 0                 ; device type code
        db      0x04                    ; device indicators: IPL device
        dw      0                       ; boot connection vector: none
        dw      0                       ; disconnect vector: none
        dw      bev                     ; bootstrap entry vector
        dw      0                       ; reserved
        dw      0                       ; static resource information

manufacturer:
        db      'cardcage', 0
product:
        db      'cardcage -kernel', 0

        times   511 - ($ - $$) db 0
        db      0                       ; ROM checksum (rom-to-c.py)

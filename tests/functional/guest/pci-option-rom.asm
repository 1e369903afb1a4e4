; A 2 KiB PCI option ROM for pci-testdev (1b36:0005): its initialisation
; entry prints a line on SeaBIOS's debug port (0x402) and returns.  The
; layout is the PCI Firmware Specification 3.0's: the 0x55 0xAA header
; with the size in 512-byte units and the entry at offset 3, the pointer to
; the PCI data structure at 0x18, and that structure ("PCIR") with the
; vendor and device the BIOS matches against the card.  The last byte is
; the checksum, which pci.py sets when it copies the image.
bits 16
org 0
    db 0x55, 0xaa, 4                ; signature, 4 * 512 bytes
    jmp init                        ; offset 3: the initialisation entry
    times 0x18-($-$$) db 0
    dw pcir                         ; offset 0x18: the PCI data structure
    dw 0                            ; no PnP expansion header
pcir:
    db 'PCIR'
    dw 0x1b36, 0x0005               ; vendor, device
    dw 0                            ; no vital product data
    dw 0x18                         ; structure length
    db 0                            ; structure revision
    db 0x00, 0xff, 0x00             ; class code: interface, subclass, class
    dw 4                            ; image length, 512-byte units
    dw 1                            ; code revision
    db 0                            ; code type: x86
    db 0x80                         ; last image
    dw 0
init:
    push si
    push ax
    push dx
    mov dx, 0x402
    mov si, msg
.next:
    cs lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    pop dx
    pop ax
    pop si
    retf
msg: db "pci-testdev option ROM ran", 10, 0
    times 2048-($-$$) db 0

; A Multiboot kernel for pc with -smp N (2 <= N <= 8): it starts the
; application processors with INIT-SIPI-SIPI (Intel SDM vol. 3A, 8.4.4.1;
; MP specification 1.4, B.4), then sends IPIs of each delivery mode and
; destination kind through the ICR (SDM vol. 3A, 10.6) and prints what
; every CPU counted to the debug console (port 0xE9), one line each:
;   SMP-CPUS n        the CPU count fw_cfg reports (FW_CFG_NB_CPUS)
;   SMP-APS n         APs that reached protected mode after the SIPIs
;   SMP-IDS mask      their APIC IDs, one bit each
;   SMP-FIXED c0..    fixed IPIs (vector 0x40) each CPU took:
;                     physical to each AP, logical flat to 0x0A (the APs
;                     whose logical bit is 1 or 3), all-excluding-self,
;                     all-including-self
;   SMP-SELF n        self IPIs (vector 0x42) the BSP took
;   SMP-NMI c0..      NMI IPI to APIC ID 2 (when there is one; else 1)
;   SMP-LOWEST c0..   one lowest-priority IPI to logical 0xFE (every AP)
;   SMP-XMOD a b      what AP 1 read from code the BSP rewrote in between
;                     (cross-modifying code, SDM vol. 3A, 8.1.3): 11111111
;                     before, 22222222 after
;   SMP-REINIT n      APs that came up, after INIT + SIPI to APIC ID 1 again
;   SMP-ICRBUSY n     sends whose ICR delivery status did not go idle
;   SMP-WAIT n        PAUSE loops the BSP spun waiting for the APs
; then ends through isa-debug-exit (status 1).  Numbers are hexadecimal.
bits 32
org 0x100000

%include "multiboot-header.inc"
%include "debug-exit.inc"
    MULTIBOOT_HEADER start

APIC     equ 0xfee00000
A_ID     equ 0x20
A_EOI    equ 0xb0
A_LDR    equ 0xd0
A_SVR    equ 0xf0
A_ICRLO  equ 0x300
A_ICRHI  equ 0x310
TRAMP    equ 0x8000         ; SIPI vector 0x08: the APs start at 0800:0000
GDT      equ 0x7e00
GDTR     equ 0x7f00
MAXCPU   equ 8

; ICR low words (SDM vol. 3A, figure 10-12): vector, delivery mode << 8,
; logical (bit 11), assert (bit 14), level (bit 15), shorthand << 18.
ICR_INIT_OTHERS   equ 0x000c4500
ICR_INIT_DEASSERT equ 0x000c8500
ICR_SIPI_OTHERS   equ 0x000c4600 | (TRAMP >> 12)
ICR_INIT          equ 0x00004500
ICR_SIPI          equ 0x00004600 | (TRAMP >> 12)
ICR_FIXED         equ 0x00004040
ICR_FIXED_LOGICAL equ 0x00004840
ICR_FIXED_OTHERS  equ 0x000c4040
ICR_FIXED_ALL     equ 0x00084040
ICR_SELF          equ 0x00044042
ICR_NMI           equ 0x00004400
ICR_LOWEST        equ 0x00004941
ICR_XMOD          equ 0x00004043

%macro SET_GATE 2
    mov eax, %2
    mov [idt + %1 * 8], ax
    mov word [idt + %1 * 8 + 2], 0x10
    mov word [idt + %1 * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + %1 * 8 + 6], ax
%endmacro

; SEND icr_lo, destination: write the ICR (high word first) and wait for
; its delivery status to go idle.
%macro SEND 2
    mov dword [APIC + A_ICRHI], (%2) << 24
    mov dword [APIC + A_ICRLO], %1
    call wait_icr
%endmacro

%macro PRINT_NUM 2
    mov esi, %1
    call puts
    mov eax, %2
    call puthex
    call newline
%endmacro

%macro PRINT_ARRAY 2
    mov esi, %1
    call puts
    mov esi, %2
    call put_array
    call newline
%endmacro

start:
    cli
    ; A GDT below 1 MiB that the APs' real-mode trampoline can load: null,
    ; null, flat code at 0x10, flat data at 0x18 (as the Multiboot loader's).
    mov edi, GDT
    xor eax, eax
    mov ecx, 4
    rep stosd
    mov dword [GDT + 16], 0x0000ffff
    mov dword [GDT + 20], 0x00cf9a00
    mov dword [GDT + 24], 0x0000ffff
    mov dword [GDT + 28], 0x00cf9200
    mov word [GDTR], 31
    mov dword [GDTR + 2], GDT
    lgdt [GDTR]
    jmp 0x10:.flat
.flat:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    IDT_ALL_TO idt, idtr, unexpected
    SET_GATE 2, nmi_handler
    SET_GATE 0x40, fixed_handler
    SET_GATE 0x41, lowest_handler
    SET_GATE 0x42, self_handler
    SET_GATE 0x43, xmod_handler
    mov esi, tramp_start
    mov edi, TRAMP
    mov ecx, tramp_end - tramp_start
    rep movsb
    ; The CPU count from fw_cfg (selector 0x0005 at port 0x510, data at
    ; 0x511, little-endian).
    mov dx, 0x510
    mov ax, 5
    out dx, ax
    inc dx
    in al, dx
    mov bl, al
    in al, dx
    mov bh, al
    movzx ebx, bx
    cmp ebx, MAXCPU
    jbe .count_ok
    mov ebx, MAXCPU
.count_ok:
    mov [ncpus], ebx
    PRINT_NUM s_cpus, [ncpus]

    mov dword [APIC + A_SVR], 0x1ff         ; software enable, spurious 0xFF
    mov dword [APIC + A_LDR], 0x01000000    ; logical ID: bit 0
    ; INIT, INIT level de-assert, then two SIPIs, to all but self.
    SEND ICR_INIT_OTHERS, 0
    SEND ICR_INIT_DEASSERT, 0
    SEND ICR_SIPI_OTHERS, 0
    SEND ICR_SIPI_OTHERS, 0
    mov eax, [ncpus]
    dec eax
    call wait_aps
    PRINT_NUM s_aps, [ap_ready]
    PRINT_NUM s_ids, [id_mask]

    ; Fixed, physical: each AP by its APIC ID.
    mov edi, 1
.phys:
    cmp edi, [ncpus]
    jae .phys_done
    mov eax, edi
    shl eax, 24
    mov [APIC + A_ICRHI], eax
    mov dword [APIC + A_ICRLO], ICR_FIXED
    call wait_icr
    inc edi
    jmp .phys
.phys_done:
    call settle
    ; Fixed, logical flat: logical IDs 1 and 3.
    SEND ICR_FIXED_LOGICAL, 0x0a
    call settle
    ; Shorthands: all excluding self, self, all including self.
    SEND ICR_FIXED_OTHERS, 0
    call settle
    sti
    SEND ICR_SELF, 0
    call settle
    SEND ICR_FIXED_ALL, 0
    call settle
    cli
    ; NMI to APIC ID 2, or to 1 on a 2-CPU machine.
    mov eax, 2
    cmp dword [ncpus], 2
    ja .nmi_dest
    mov eax, 1
.nmi_dest:
    shl eax, 24
    mov [APIC + A_ICRHI], eax
    mov dword [APIC + A_ICRLO], ICR_NMI
    call wait_icr
    call settle
    ; Lowest priority among every AP (logical 0xFE): exactly one takes it.
    SEND ICR_LOWEST, 0xfe
    call settle
    ; Cross-modifying code: AP 1 runs xmod_fn (which the BSP never runs),
    ; the BSP rewrites its immediate, AP 1 runs it again.
    SEND ICR_XMOD, 1
    call settle
    mov dword [xmod_fn + 1], 0x22222222
    SEND ICR_XMOD, 1
    call settle
    ; INIT and SIPI to APIC ID 1 again: it restarts in the trampoline.
    SEND ICR_INIT, 1
    SEND ICR_SIPI, 1
    mov eax, [ncpus]
    call wait_aps

    PRINT_ARRAY s_fixed, fixed_cnt
    PRINT_NUM s_self, [self_cnt]
    PRINT_ARRAY s_nmi, nmi_cnt
    PRINT_ARRAY s_lowest, lowest_cnt
    mov esi, s_xmod
    call puts
    mov eax, [xmod_result]
    call puthex
    mov al, ' '
    out 0xe9, al
    mov eax, [xmod_result + 4]
    call puthex
    call newline
    PRINT_NUM s_reinit, [ap_ready]
    PRINT_NUM s_busy, [icr_busy]
    PRINT_NUM s_wait, [wait_loops]
    DEBUG_EXIT_ZERO

; Wait (PAUSE, which lets the other CPUs run) until ap_ready >= eax.
wait_aps:
    mov ecx, 10000000
.w:
    cmp [ap_ready], eax
    jae .done
    pause
    inc dword [wait_loops]
    dec ecx
    jnz .w
.done:
    ret

; Let the other CPUs take what was sent.
settle:
    mov ecx, 2000
.l:
    pause
    dec ecx
    jnz .l
    ret

wait_icr:
    mov ecx, 100000
.l:
    test dword [APIC + A_ICRLO], 0x1000     ; delivery status: send pending
    jz .ok
    pause
    dec ecx
    jnz .l
    inc dword [icr_busy]
.ok:
    ret

; ---- interrupt handlers (every CPU) ----

; eax = this CPU's APIC ID
%macro MY_ID 0
    mov eax, [APIC + A_ID]
    shr eax, 24
    and eax, MAXCPU - 1
%endmacro

; A handler that counts in counter (an array by APIC ID, or one dword)
; and ends with an EOI.
%macro COUNTING_HANDLER 2
%1:
    pushad
    MY_ID
    lock inc dword [%2]
    mov dword [APIC + A_EOI], 0
    popad
    iret
%endmacro

    COUNTING_HANDLER fixed_handler, fixed_cnt + eax * 4
    COUNTING_HANDLER lowest_handler, lowest_cnt + eax * 4
    COUNTING_HANDLER self_handler, self_cnt

; Vector 0x43: run xmod_fn and keep what it returned, in the next slot.
xmod_handler:
    pushad
    call xmod_fn
    mov ecx, [xmod_runs]
    and ecx, 1
    mov [xmod_result + ecx * 4], eax
    inc dword [xmod_runs]
    mov dword [APIC + A_EOI], 0
    popad
    iret

xmod_fn:
    mov eax, 0x11111111         ; the BSP rewrites this immediate
    ret

nmi_handler:
    pushad
    MY_ID
    lock inc dword [nmi_cnt + eax * 4]
    popad
    iret

unexpected:
    mov esi, s_unexpected
    call puts
    DEBUG_EXIT_ZERO

; ---- the APs ----

bits 16
tramp_start:
    cli
    xor ax, ax
    mov ds, ax
    o32 lgdt [GDTR]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x10:ap_entry
tramp_end:
bits 32

ap_entry:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax
    MY_ID
    mov ebx, eax
    mov esp, ebx
    shl esp, 12
    add esp, 0x80000 + 0x1000
    lock bts [id_mask], ebx
    mov dword [APIC + A_SVR], 0x1ff
    mov ecx, ebx
    mov eax, 1
    shl eax, cl
    shl eax, 24
    mov [APIC + A_LDR], eax         ; flat logical ID: bit (APIC ID)
    lidt [idtr]
    lock inc dword [ap_ready]
    sti
.idle:
    hlt
    jmp .idle

; ---- output ----

puts:
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts
.done:
    ret

newline:
    mov al, 10
    out 0xe9, al
    ret

; eax in hexadecimal, no leading zeros.
puthex:
    pushad
    mov ecx, 8
    xor ebx, ebx            ; a digit printed yet
.d:
    rol eax, 4
    mov edx, eax
    and edx, 0xf
    dec ecx
    jz .last
    test edx, edx
    jnz .print
    test ebx, ebx
    jz .d
.print:
    mov ebx, 1
    push eax
    mov al, [hexdigits + edx]
    out 0xe9, al
    pop eax
    jmp .d
.last:
    mov al, [hexdigits + edx]
    out 0xe9, al
    popad
    ret

; The ncpus counters at esi, space-separated.
put_array:
    xor edi, edi
.n:
    cmp edi, [ncpus]
    jae .done
    mov al, ' '
    out 0xe9, al
    mov eax, [esi + edi * 4]
    call puthex
    inc edi
    jmp .n
.done:
    ret

hexdigits: db "0123456789abcdef"
s_cpus: db "SMP-CPUS ", 0
s_aps: db "SMP-APS ", 0
s_ids: db "SMP-IDS ", 0
s_fixed: db "SMP-FIXED", 0
s_self: db "SMP-SELF ", 0
s_nmi: db "SMP-NMI", 0
s_lowest: db "SMP-LOWEST", 0
s_reinit: db "SMP-REINIT ", 0
s_xmod: db "SMP-XMOD ", 0
s_busy: db "SMP-ICRBUSY ", 0
s_wait: db "SMP-WAIT ", 0
s_unexpected: db "SMP-UNEXPECTED-INTERRUPT", 10, 0

align 4
ncpus: dd 0
ap_ready: dd 0
id_mask: dd 0
self_cnt: dd 0
icr_busy: dd 0
wait_loops: dd 0
xmod_runs: dd 0
xmod_result: dd 0, 0
fixed_cnt: times MAXCPU dd 0
lowest_cnt: times MAXCPU dd 0
nmi_cnt: times MAXCPU dd 0
idtr:
    dw 256 * 8 - 1
    dd idt
align 8
idt: times 256 dq 0

#!/bin/bash
# Cross-check a guest test against another emulator: boot the test image
# from a floppy (a boot sector loads it at 1000:0000), collect the result
# dump the test prints on port 0xE9 at its end, and compare the ';! memNN[...]'
# expectations with it.  A development aid, not run by `meson test`.
#
#   ref-check.sh qemu|bochs TEST.bin TEST.asm
#
# QEMU_CPU (default pentium2) and BOCHS_CPU (default p2_klamath) pick the
# model, for tests that need more than the P6 set.
#
# SPDX-License-Identifier: MIT
set -e
EMU=$1; BIN=$2; SRC=$3
W=$(mktemp -d)
trap 'rm -rf $W' EXIT
cat > $W/boot.asm <<'B'
        bits 16
        org 0x7c00
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        mov ax, 0x1000
        mov es, ax
        xor bx, bx
        xor si, si
        mov cx, 2               ; cylinder 0, sector 2
        xor dh, dh
.next:  mov ax, 0x0201          ; INT 13h AH=2: read one sector
        int 0x13
        jc .next
        add bx, 512
        inc si
        cmp si, 128             ; 64 KiB
        je .go
        inc cl
        cmp cl, 19
        jb .next
        mov cl, 1
        inc dh
        cmp dh, 2
        jb .next
        xor dh, dh
        inc ch
        jmp .next
.go:    jmp 0x1000:0x0000
        times 510-($-$$) db 0
        dw 0xaa55
B
nasm -f bin -o $W/boot.bin $W/boot.asm
cat $W/boot.bin $BIN > $W/img
truncate -s 1474560 $W/img
case $EMU in
qemu)
    timeout 10 qemu-system-i386 -M isapc -cpu ${QEMU_CPU:-pentium2} -m 16 -fda $W/img -display none \
        -debugcon file:$W/out -no-reboot -boot a >/dev/null 2>&1 || true ;;
bochs)
    cat > $W/rc <<R
megs: 16
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/seabios/vgabios-stdvga.bin
floppya: 1_44=$W/img, status=inserted
boot: floppy
cpu: model=${BOCHS_CPU:-p2_klamath}
port_e9_hack: enabled=1
display_library: rfb, options="timeout=0"
sound: driver=dummy
speaker: enabled=0
log: /dev/null
R
    # Debian's bochs starts in its debugger: "c" continues.
    (cd $W && (echo c; sleep 12) | timeout 12 bochs -q -f $W/rc > $W/out 2>/dev/null) || true ;;
*) echo "usage: $0 qemu|bochs BIN SRC"; exit 2 ;;
esac
fails=0
while read -r line; do
    e=$(echo "$line" | sed -n 's/^;!\s*mem32\[\(0x[0-9a-fA-F]*\)\]\s*=\s*\([^ ]*\).*/\1 \2/p')
    [ -z "$e" ] && continue
    addr=$((${e% *})); want=${e#* }
    base=$(( addr & ~31 )); idx=$(( (addr & 31) / 4 + 2 ))
    got=$(grep -a "^$(printf %08x $base):" $W/out | head -1 | awk -v i=$idx '{print $i}')
    if [ -n "$got" ] && [ $((0x$got)) -eq $((want)) ]; then
        echo "$EMU ok   mem32[$(printf 0x%x $addr)] = 0x$got"
    else
        echo "$EMU DIFF mem32[$(printf 0x%x $addr)] = ${got:-none} expected $want"
        fails=$((fails + 1))
    fi
done < $SRC
echo "$EMU: $fails differences"

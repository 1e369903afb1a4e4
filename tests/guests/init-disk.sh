#!/bin/sh
# /init of the disk-test initramfs (tests/functional/ide.py builds it with
# the kernel's ATA/SCSI modules).  Kernel command line:
#   cardcage.ata=ata_piix|pata_legacy   the ATA host driver to load
#   cardcage.mb=N                       MiB for the dd speed runs (default 16)
#   cardcage.reads=N                    read those MiB back N times in the timed read
#                                       (default 1), so that a fast read spans many
#                                       ticks of the guest's 10 ms /proc/uptime clock
#   cardcage.cdchange=1                 only the medium change test: mount the ISO in
#                                       /dev/sr0 again and again, print its id file and
#                                       the md5 of its data.bin each time the id changes,
#                                       until id 2 (a second disc the host inserts) came
# It lists the block devices, then on every disk whose first 8 bytes read
# CCTARGET<id> (16 bytes) writes 1 MiB of "CARDCAGE-PATTERN-<id>" lines at
# 1 MiB, reads it back past the page cache, and on the first such disk
# times O_DIRECT dd runs of N MiB (zeroes) at 4 MiB; on sr0 it prints the
# md5 of the first 1 MiB of the disc.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
drv=ata_piix
mb=16
reads=1
cdchange=
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    cardcage.ata=*) drv=${arg#cardcage.ata=} ;;
    cardcage.mb=*) mb=${arg#cardcage.mb=} ;;
    cardcage.reads=*) reads=${arg#cardcage.reads=} ;;
    cardcage.cdchange=*) cdchange=1 ;;
    esac
done
echo "CARDCAGE-MARKER: userspace is up, kernel $(uname -r)"
for m in crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic \
         crc64-rocksoft t10-pi scsi_common scsi_mod sd_mod cdrom sr_mod isofs libata "$drv"; do
    insmod "/lib/modules/$m.ko" || echo "CARDCAGE-INSMOD-FAILED: $m"
done
# libata probes asynchronously: wait until the device list stops changing.
prev=x
for i in $(seq 1 40); do
    cur=$(ls /sys/block | tr '\n' ' ')
    [ "$cur" = "$prev" ] && [ "$i" -gt 4 ] && break
    prev=$cur
    sleep 0.25
done
for b in /sys/block/sd* /sys/block/sr*; do
    [ -e "$b" ] || continue
    echo "CARDCAGE-BLOCK: ${b##*/} sectors=$(cat "$b/size") model=$(cat "$b/device/model" | tr ' ' '_')"
done
for f in /sys/class/ata_device/*/xfer_mode; do
    [ -e "$f" ] || continue
    d=${f%/xfer_mode}
    echo "CARDCAGE-XFER: ${d##*/} $(cat "$f")"
done
dmesg | grep -E "ata[0-9]+(\.[0-9]+)?: " | sed 's/^/CARDCAGE-DMESG: /'
if [ -n "$cdchange" ]; then
    # Each mount opens the drive, which checks for a medium change (TEST
    # UNIT READY, GET EVENT STATUS) and locks the tray until umount; the
    # host ejects in between.  60 s at most.
    mkdir -p /mnt/cd
    last=
    for i in $(seq 1 600); do
        if mount -t iso9660 -o ro /dev/sr0 /mnt/cd 2>/dev/null; then
            id=$(cat /mnt/cd/id)
            if [ "$id" != "$last" ]; then
                sum=$(md5sum < /mnt/cd/data.bin)
                echo "CARDCAGE-CDFILE: $id ${sum%% *}"
                last=$id
            fi
            umount /mnt/cd
            [ "$id" = 2 ] && break
        fi
        sleep 0.1
    done
    echo "CARDCAGE-DONE"
    reboot -f
fi
up() { cut -d' ' -f1 /proc/uptime; }
timed=
for dev in /dev/sd?; do
    [ -b "$dev" ] || continue
    tag=$(dd if="$dev" bs=16 count=1 2>/dev/null)
    case "$tag" in CCTARGET*) ;; *) continue ;; esac
    id=${tag#CCTARGET}
    n=${dev##*/}
    yes "CARDCAGE-PATTERN-$id" | head -c 1048576 > /tmp/p
    want=$(md5sum < /tmp/p)
    dd if=/tmp/p of="$dev" bs=65536 seek=16 conv=fsync 2>/dev/null
    sync
    echo 3 > /proc/sys/vm/drop_caches
    got=$(dd if="$dev" bs=65536 skip=16 count=16 2>/dev/null | md5sum)
    if [ "$got" = "$want" ]; then r=ok; else r=bad; fi
    echo "CARDCAGE-READBACK: $n $id $r"
    [ -n "$timed" ] && continue
    timed=1
    echo "CARDCAGE-DD-BEGIN: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
    t0=$(up)
    dd if=/dev/zero of="$dev" bs=1048576 seek=4 count="$mb" oflag=direct 2>/dev/null
    t1=$(up)
    echo "CARDCAGE-DD-READ"
    i=0
    while [ "$i" -lt "$reads" ]; do
        dd if="$dev" of=/dev/null bs=1048576 skip=4 count="$mb" iflag=direct 2>/dev/null
        i=$((i + 1))
    done
    t2=$(up)
    echo "CARDCAGE-DD: $n $mb MiB write $t0..$t1 s read $t1..$t2 s x$reads"
done
if [ -b /dev/sr0 ]; then
    echo "CARDCAGE-CD: $(dd if=/dev/sr0 bs=2048 count=512 2>/dev/null | md5sum)"
fi
echo "CARDCAGE-DONE"
reboot -f

#!/bin/sh
# /init of the test initramfs.  The kernel command line chooses the test:
#   cardcage.test=workload (default)  marker, md5 of 64 MiB, shell loop, sleep 5, reboot
#   cardcage.test=shell               marker, then an interactive shell on the console
#   cardcage.test=keys                marker, then echo what the PS/2 keyboard types
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mode=workload
for arg in $(cat /proc/cmdline); do
    case "$arg" in cardcage.test=*) mode=${arg#cardcage.test=} ;; esac
done
up() { cut -d' ' -f1 /proc/uptime; }
echo "CARDCAGE-MARKER: userspace is up at $(up) s, kernel $(uname -r)"
case "$mode" in
shell)
    echo "CARDCAGE-SHELL-READY"
    exec setsid cttyhack sh
    ;;
keys)
    # Keys typed on the PS/2 keyboard arrive on the first virtual terminal.
    echo "CARDCAGE-KEYS-READY"
    while read -r line < /dev/tty1; do
        echo "CARDCAGE-KEYS: $line"
        [ "$line" = "quit" ] && break
    done
    ;;
*)
    t0=$(up)
    sum=$(dd if=/dev/zero bs=1048576 count=64 2>/dev/null | md5sum)
    t1=$(up)
    echo "CARDCAGE-MD5: ${sum%% *} in $t0..$t1 s"
    i=0
    while [ $i -lt 20000 ]; do i=$((i + 1)); done
    t2=$(up)
    echo "CARDCAGE-LOOP: 20000 iterations in $t1..$t2 s"
    echo "CARDCAGE-SLEEP-START"
    sleep 5
    echo "CARDCAGE-SLEEP-END"
    ;;
esac
echo "CARDCAGE-DONE"
reboot -f

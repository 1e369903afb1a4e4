#!/bin/sh
# /init of the test initramfs.  The kernel command line chooses the test:
#   cardcage.test=workload (default)  marker, md5 of 64 MiB, shell loop, sleep 5, reboot
#   cardcage.sleep=S                  (workload) sleep S seconds instead of 5
#   cardcage.kallsyms=1               first print the kernel's text symbols between
#                                     CARDCAGE-KALLSYMS-BEGIN/-END (bench/linux-boot/profile.py)
#   cardcage.test=shell               marker, then an interactive shell on the console
#   cardcage.test=keys                marker, then echo what the PS/2 keyboard types
#   cardcage.test=bench               marker, then the guest-timed workloads of
#                                     bench/guest-work (bench_test below), reboot
#   cardcage.test=net                 load the NIC drivers, bring eth0 up, then the
#                                     steps the cardcage.net.* arguments ask for:
#     cardcage.net.ip=A.B.C.D         a static address (/24) instead of DHCP (udhcpc)
#     cardcage.net.dns=NAME           look NAME up (nslookup) through the DHCP server's DNS
#     cardcage.net.get=URL            download URL (wget), print its md5
#     cardcage.net.serve=BYTES        serve a file of BYTES (KiB multiple) of random data
#                                     as /served.bin on port 80 (busybox httpd), print its md5
#     cardcage.net.tftp=FILE          fetch FILE by TFTP from the gateway, print its md5
#     cardcage.net.nc=HOST:PORT       connect to HOST:PORT (nc), print the first line it sends
#     cardcage.net.ping=A.B.C.D       ping A.B.C.D until it answers (at most 60 tries)
#     cardcage.net.hold=SECONDS       wait that long before rebooting (default 0)
#     cardcage.net.shell=1            then an interactive shell on the console instead
#                                     (bench/net types its commands there)
#   cardcage.test=disk                the storage test (get-disk-guests.sh's media, the
#                                     initramfs with modules): load the IDE drivers, list
#                                     the disks and CDs, md5 what they hold, write a
#                                     pattern to the data disk and read it back, reboot
#   cardcage.boot=hd|cd               (disk mode) what the boot loader booted from
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mode=workload
nap=5
net_ip= net_dns= net_get= net_serve= net_ping= net_tftp= net_nc= net_hold=0 net_shell=
boot=unknown
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    cardcage.test=*) mode=${arg#cardcage.test=} ;;
    cardcage.boot=*) boot=${arg#cardcage.boot=} ;;
    cardcage.sleep=*) nap=${arg#*=} ;;
    cardcage.kallsyms=1)
        echo "CARDCAGE-KALLSYMS-BEGIN"
        grep ' [tT] ' /proc/kallsyms
        echo "CARDCAGE-KALLSYMS-END"
        ;;
    cardcage.net.ip=*) net_ip=${arg#*=} ;;
    cardcage.net.dns=*) net_dns=${arg#*=} ;;
    cardcage.net.get=*) net_get=${arg#*=} ;;
    cardcage.net.serve=*) net_serve=${arg#*=} ;;
    cardcage.net.ping=*) net_ping=${arg#*=} ;;
    cardcage.net.tftp=*) net_tftp=${arg#*=} ;;
    cardcage.net.nc=*) net_nc=${arg#*=} ;;
    cardcage.net.hold=*) net_hold=${arg#*=} ;;
    cardcage.net.shell=*) net_shell=${arg#*=} ;;
    esac
done
up() { cut -d' ' -f1 /proc/uptime; }

# The block devices' count, waited on until it holds still for 2 s (disks
# appear as the SCSI scan runs, which may lag module loading).
settle() {
    last=-1 same=0 n=0
    while [ $n -lt 60 ] && [ $same -lt 4 ]; do
        now=$(ls /sys/block | wc -l)
        if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
        last=$now n=$((n + 1))
        sleep 0.5
    done
}

# What a test on the host checks, as CARDCAGE-* lines:
#   CARDCAGE-BOOTED-FROM: hd|cd
#   CARDCAGE-XFER: devN.M ata|atapi MODE        libata's transfer mode (PIO4, MWDMA2...)
#   CARDCAGE-BLOCK: NAME SECTORS ataP H:C:I:L MODEL
#                                                every disk and CD, its libata
#                                                port and SCSI address (I: master
#                                                0, slave 1)
#   CARDCAGE-READ: NAME MD5                      md5 of a disk's first 4 MiB
#   CARDCAGE-CD: NAME MD5                        md5 of cardcage/data.bin on a CD
#   CARDCAGE-CD-EMPTY: NAME                      a CD drive with no medium
#   CARDCAGE-DATA-WRITE: NAME MD5                the pattern written to the
#   CARDCAGE-DATA-READBACK: NAME MD5             data disk, and read back
# The data disk is the first sd disk with no partitions; the pattern is
# 2048 sectors from sector 2048 (1 MiB at 1 MiB), each sector the line
# "CARDCAGE-DATA sector %08d" padded with spaces to 511 bytes and a newline.
disk_test() {
    echo "CARDCAGE-BOOTED-FROM: $boot"
    for m in $(cat /lib/modules/order.common); do
        insmod "/lib/modules/$m.ko" || echo "CARDCAGE-ERROR: insmod $m failed"
    done
    # The PIIX's IDE function (class 01 01) or, with no PCI IDE
    # controller, the ISA ports 0x1F0/0x170.
    ide_pci=no
    for c in /sys/bus/pci/devices/*/class; do
        [ -e "$c" ] || continue
        case $(cat "$c") in 0x0101*) ide_pci=yes ;; esac
    done
    if [ $ide_pci = yes ]; then
        drivers="ata_piix ata_generic"
    else
        drivers=pata_legacy
    fi
    for m in $drivers; do
        insmod "/lib/modules/$m.ko" || echo "CARDCAGE-ERROR: insmod $m failed"
    done
    echo "CARDCAGE-DRIVERS: $drivers"
    settle
    for d in /sys/class/ata_device/*; do
        [ -e "$d/xfer_mode" ] || continue
        class=$(cat "$d/class")
        case $class in
        ata | atapi) echo "CARDCAGE-XFER: ${d##*/} $class $(cat "$d/xfer_mode")" ;;
        esac
    done
    data=""
    for b in /sys/block/sd* /sys/block/sr*; do
        [ -e "$b" ] || continue
        name=${b##*/}
        model=$(cat "$b/device/model" 2>/dev/null)
        # .../ataP/hostH/targetH:C:I/H:C:I:L/block/NAME: port P, device I
        path=$(readlink -f "$b")
        port=${path##*/ata}
        port=ata${port%%/*}
        addr=${path%/block/*}
        echo "CARDCAGE-BLOCK: $name $(cat "$b/size") $port ${addr##*/} $model"
        case $name in
        sd*)
            sum=$(dd if="/dev/$name" bs=65536 count=64 2>/dev/null | md5sum)
            echo "CARDCAGE-READ: $name ${sum%% *}"
            if [ -z "$data" ] && ! ls -d "$b/$name"* >/dev/null 2>&1; then
                data=$name
            fi
            ;;
        sr*)
            mkdir -p /mnt/cd
            if mount -t iso9660 -o ro "/dev/$name" /mnt/cd; then
                sum=$(md5sum < /mnt/cd/cardcage/data.bin)
                echo "CARDCAGE-CD: $name ${sum%% *}"
                umount /mnt/cd
            elif ! dd if="/dev/$name" of=/dev/null bs=2048 count=1 2>/dev/null; then
                echo "CARDCAGE-CD-EMPTY: $name"
            else
                echo "CARDCAGE-ERROR: cannot mount /dev/$name"
            fi
            ;;
        esac
    done
    if [ -n "$data" ]; then
        i=0
        while [ $i -lt 2048 ]; do
            printf 'CARDCAGE-DATA sector %08d%482s\n' $i ''
            i=$((i + 1))
        done > /tmp/pattern
        sum=$(md5sum < /tmp/pattern)
        echo "CARDCAGE-DATA-WRITE: $data ${sum%% *}"
        dd if=/tmp/pattern of="/dev/$data" bs=65536 seek=16 conv=fsync 2>/dev/null ||
            echo "CARDCAGE-ERROR: writing /dev/$data failed"
        sync
        # Read back from the disk, not the page cache.
        blockdev --flushbufs "/dev/$data"
        echo 3 > /proc/sys/vm/drop_caches
        sum=$(dd if="/dev/$data" bs=65536 skip=16 count=16 2>/dev/null | md5sum)
        echo "CARDCAGE-DATA-READBACK: $data ${sum%% *}"
    else
        echo "CARDCAGE-DATA: no data disk"
    fi
    echo "CARDCAGE-DISK-DONE"
}
# bench/guest-work's workloads, each timed by the guest's own clock
# (/proc/uptime, 10 ms ticks) and reported as
#   CARDCAGE-BENCH-START: NAME
#   CARDCAGE-BENCH: NAME T0 T1 RESULT
# where T0..T1 is the guest uptime around the work and RESULT a checksum
# of what it produced (so that a guest that skipped the work shows).  The
# START line lets the host time the same span on its own clock.  Inputs
# are made in tmpfs before the START line, untimed.
bench_run() {
    name=$1
    shift
    echo "CARDCAGE-BENCH-START: $name"
    t0=$(up)
    res=$("$@")
    t1=$(up)
    echo "CARDCAGE-BENCH: $name $t0 $t1 ${res%% *}"
}
bench_md5() { dd if=/dev/zero bs=1048576 count=32 2>/dev/null | md5sum; }
bench_loop() {
    i=0
    while [ $i -lt 20000 ]; do i=$((i + 1)); done
    echo $i
}
# The subshell is a fork(); in it ash execs its last command without
# forking again, and the path with a slash makes that an execve of the
# binary rather than busybox's applet run in-process.  (A plain /bin/true
# would be a vfork in busybox's ash.)
bench_fork() {
    i=0
    while [ $i -lt 200 ]; do (/bin/true); i=$((i + 1)); done
    echo $i
}
bench_gzip() { gzip -c /tmp/bench.txt | md5sum; }
# Compile-like: tokenize C-ish source (awk: field splitting, regular
# expressions, associative arrays), then sort and count the identifiers.
bench_compile() {
    awk '{ n = split($0, w, /[^A-Za-z0-9_]+/)
           for (i = 1; i <= n; i++) if (w[i] ~ /^[A-Za-z_]/) { seen[w[i]]++; print w[i] } }
         END { for (k in seen) t++; print t > "/tmp/bench.ids" }' /tmp/bench.c |
        sort | uniq -c | sort -rn | md5sum
}
bench_test() {
    # 1 MiB of text for gzip: decimal numbers, one a line.
    seq 1 200000 | head -c 1048576 > /tmp/bench.txt
    # About 120 KiB of C-like source for the compile-like workload.
    awk 'BEGIN { for (f = 0; f < 1000; f++) {
            printf "static int func_%d(int a%d, int b%d)\n{\n", f, f % 7, f % 11
            printf "    int r = a%d * %d + b%d;\n    if (r > limit_%d) r -= table[%d];\n", \
                f % 7, f, f % 11, f % 13, f % 17
            printf "    return r ^ func_%d(r, b%d);\n}\n", (f * 31) % 1000, f % 11 } }' \
        > /tmp/bench.c
    bench_run md5 bench_md5
    bench_run loop bench_loop
    bench_run fork bench_fork
    bench_run gzip bench_gzip
    bench_run compile bench_compile
    echo "CARDCAGE-BENCH-END"
}
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
net)
    # The NIC drivers get-linux.sh put in, dependencies first; a driver
    # finding no card of its own fails to load, quietly.  MODULE.PARAM=VALUE
    # on the kernel command line goes to insmod as PARAM=VALUE, as modprobe
    # would do (the ISA NE2000 driver "ne" needs ne.io=0x300 ne.irq=9).
    for m in $(cat /lib/modules/order.net 2>/dev/null); do
        params=
        for arg in $(cat /proc/cmdline); do
            case "$arg" in "$m".?*=*) params="$params ${arg#"$m".}" ;; esac
        done
        # shellcheck disable=SC2086
        insmod "/lib/modules/$m.ko" $params 2>/dev/null
    done
    ifconfig lo 127.0.0.1 up
    # udhcpc runs this with the lease in its environment.
    cat > /tmp/dhcp.sh <<'EOF'
#!/bin/sh
case "$1" in
bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    for r in $router; do route add default gw "$r" dev "$interface"; done
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "CARDCAGE-DHCP: ip=$ip router=$router dns=$dns"
    ;;
esac
EOF
    chmod +x /tmp/dhcp.sh
    if ! ifconfig eth0 up; then
        echo "CARDCAGE-NET-FAIL: no eth0"
    elif [ -n "$net_ip" ]; then
        ifconfig eth0 "$net_ip" netmask 255.255.255.0 up
        echo "CARDCAGE-NET-IP: $net_ip"
    else
        udhcpc -i eth0 -s /tmp/dhcp.sh -n -q -t 10 -T 2 || echo "CARDCAGE-NET-FAIL: no DHCP lease"
    fi
    if [ -n "$net_dns" ]; then
        nslookup "$net_dns" 2>&1 | while read -r line; do echo "CARDCAGE-DNS: $line"; done
    fi
    if [ -n "$net_get" ]; then
        if wget -q -O /tmp/got "$net_get"; then
            sum=$(md5sum < /tmp/got)
            echo "CARDCAGE-GET-MD5: ${sum%% *}"
        else
            echo "CARDCAGE-NET-FAIL: wget $net_get"
        fi
    fi
    if [ -n "$net_tftp" ]; then
        gw=$(route -n | grep '^0\.0\.0\.0' | tr -s ' ' | cut -d' ' -f2)
        if tftp -g -r "$net_tftp" -l /tmp/tftp "$gw"; then
            sum=$(md5sum < /tmp/tftp)
            echo "CARDCAGE-TFTP-MD5: ${sum%% *}"
        else
            echo "CARDCAGE-NET-FAIL: tftp $net_tftp"
        fi
    fi
    if [ -n "$net_nc" ]; then
        line=$(timeout 20 nc "${net_nc%:*}" "${net_nc##*:}" < /dev/null | head -n 1)
        echo "CARDCAGE-NC: $line"
    fi
    if [ -n "$net_serve" ]; then
        mkdir -p /www
        dd if=/dev/urandom of=/www/served.bin bs=1024 count=$((net_serve / 1024)) 2>/dev/null
        sum=$(md5sum < /www/served.bin)
        httpd -p 80 -h /www
        echo "CARDCAGE-SERVE-MD5: ${sum%% *}"
    fi
    if [ -n "$net_ping" ]; then
        i=0
        until ping -c 1 -W 1 "$net_ping" > /tmp/ping 2>&1; do
            i=$((i + 1))
            [ $i -ge 60 ] && break
        done
        if [ $i -lt 60 ]; then
            echo "CARDCAGE-PING-OK: $(grep -o 'time=[0-9.]* ms' /tmp/ping)"
        else
            echo "CARDCAGE-NET-FAIL: no answer from $net_ping"
        fi
    fi
    echo "CARDCAGE-NET-READY"
    if [ -n "$net_shell" ]; then
        echo "CARDCAGE-SHELL-READY"
        setsid cttyhack sh
    else
        sleep "$net_hold"
    fi
    ;;
disk)
    disk_test
    ;;
bench)
    bench_test
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
    sleep "$nap"
    echo "CARDCAGE-SLEEP-END"
    ;;
esac
echo "CARDCAGE-DONE"
reboot -f

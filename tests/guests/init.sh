#!/bin/sh
# /init of the test initramfs.  The kernel command line chooses the test:
#   cardcage.test=workload (default)  marker, md5 of 64 MiB, shell loop, sleep 5, reboot
#   cardcage.test=shell               marker, then an interactive shell on the console
#   cardcage.test=keys                marker, then echo what the PS/2 keyboard types
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
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mode=workload
net_ip= net_dns= net_get= net_serve= net_ping= net_tftp= net_nc= net_hold=0
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    cardcage.test=*) mode=${arg#cardcage.test=} ;;
    cardcage.net.ip=*) net_ip=${arg#*=} ;;
    cardcage.net.dns=*) net_dns=${arg#*=} ;;
    cardcage.net.get=*) net_get=${arg#*=} ;;
    cardcage.net.serve=*) net_serve=${arg#*=} ;;
    cardcage.net.ping=*) net_ping=${arg#*=} ;;
    cardcage.net.tftp=*) net_tftp=${arg#*=} ;;
    cardcage.net.nc=*) net_nc=${arg#*=} ;;
    cardcage.net.hold=*) net_hold=${arg#*=} ;;
    esac
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
net)
    for m in mii 8139cp 8139too 8390 ne2k-pci e1000; do
        [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko 2>/dev/null
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
    sleep "$net_hold"
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

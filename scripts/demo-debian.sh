#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo `make run MODE=debian` shows inside the QEMU host: a spawn on
# CPUs 2-3 with 512 MiB boots Debian (systemd) from its virtio disk,
# backed by the host's /dev/vda (build/debian.img, from make rootfs), and
# reaches the host over its virtio NIC. Exit status 0 when the spawn's
# systemd says "running", root logs in on hvc0 (mkctl console) and gets
# "running" from systemctl there, and the spawn answers pings.

NAME=deb
# Under TCG a systemd boot takes a minute or two.
BOOT_WAIT_S=600

step() { echo; echo "### $*"; }

[ -b /dev/vda ] || { echo "demo: no /dev/vda: QEMU was started without the Debian image"; exit 1; }

step "mkctl create $NAME --cpus 2-3 --memory 512M --offline --disk /dev/vda --net"
mkctl create $NAME --cpus 2-3 --memory 512M --offline --disk /dev/vda --net || exit 1
ip addr add 10.77.0.1/24 dev mk-$NAME && ip link set mk-$NAME up

step "mkctl load $NAME --kernel /boot/bzImage --cmdline 'console=hvc0 root=/dev/vda rw'"
mkctl load $NAME --kernel /boot/bzImage \
	--cmdline "console=hvc0 root=/dev/vda rw kunit.enable=0" || exit 1
step "mkctl start $NAME --wait"
start=$(date +%s)
mkctl start $NAME --wait || exit 1

i=0
while [ $i -lt $((BOOT_WAIT_S * 5)) ] &&
	! mkctl log $NAME | grep -q MKDEBIAN-STATE; do
	sleep 0.2
	i=$((i + 1))
done
state=$(mkctl log $NAME | sed -n 's/.*MKDEBIAN-STATE \([a-z-]*\).*/\1/p' | tail -n 1)
echo "MKDEBIAN-BOOT state=${state:-none} seconds=$(( $(date +%s) - start ))"
# The login prompt on hvc0 (serial-getty), what mkctl console shows.
i=0
while [ $i -lt 150 ] && ! mkctl log $NAME | grep -q 'login: *$'; do
	sleep 0.2
	i=$((i + 1))
done
mkctl log $NAME | grep -q 'login: *$' && login=1
echo "MKDEBIAN-LOGIN ${login:+yes}"

# wait_log TEXT: until the spawn's console shows TEXT (30 s at most).
wait_log() {
	i=0
	while [ $i -lt 150 ] && ! mkctl log $NAME | grep -q "$1"; do
		sleep 0.2
		i=$((i + 1))
	done
	mkctl log $NAME | grep -q "$1"
}

# Log in on hvc0 as root, as a user at mkctl console would, and ask
# systemd from that shell.
step "mkctl console $NAME: root, then systemctl is-system-running"
if [ -n "${login:-}" ]; then
	printf 'root\n' | mkctl console $NAME --timeout 2 >/dev/null
	wait_log 'root@mkspawn' &&
		printf 'echo MKDEBIAN-SHELL-$(systemctl is-system-running)\n' |
		mkctl console $NAME --timeout 2 >/dev/null &&
		wait_log 'MKDEBIAN-SHELL-running' && shell=1
fi
mkctl log $NAME | grep -E 'root@mkspawn|MKDEBIAN-SHELL' | tail -n 3
echo "MKDEBIAN-CONSOLE ${shell:+yes}"

step "mkctl log $NAME (last 15 lines)"
mkctl log $NAME | tail -n 15
step "ping -c 3 10.77.0.2 (the spawn's eth0, over shared memory)"
ping -c 3 -W 5 10.77.0.2 && pinged=1
step "mkctl status $NAME (disk)"
mkctl status $NAME | grep -E 'state|disk_(path|mode|reads|writes|bytes)'
echo
echo "### Debian runs on CPUs 2-3; 'mkctl console $NAME' logs in (root, no password)."
[ "$state" = running ] && [ -n "${pinged:-}" ] && [ -n "${shell:-}" ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkrootfs.sh OUT.img: a minimal Debian bookworm for a spawn's root file
# system on its virtio disk (root=/dev/vda): debootstrap's minbase plus
# systemd, udev, dbus, iproute2 and ping, as a 1 GiB ext4 image (sparse).
# Needs root and Debian's archive (DEBIAN_MIRROR, default deb.debian.org).
# Cached: rebuilt only when this script changes or OUT.img is missing.
#
# What the image is set up for:
#   - root logs in on the console (hvc0, mkctl console) without a password;
#   - eth0 gets 10.77.0.2/24 (systemd-networkd), the host's end of the
#     spawn's NIC is meant to be 10.77.0.1/24;
#   - once the boot is over, mk-report.service prints
#     "MKDEBIAN-STATE <systemctl is-system-running>" on the console, for
#     the demo and the test to wait for.
set -euo pipefail

out=$1
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
size=1G
packages=systemd-sysv,udev,dbus,iproute2,iputils-ping,procps
stamp=$out.stamp
want=$(sha256sum <"$0" | cut -d' ' -f1)

if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "rootfs: $out (cached)"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "rootfs: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "rootfs: run 'make deps'" >&2; exit 1; }

start=$SECONDS
dir=$(mktemp -d "$(dirname "$out")/rootfs.XXXXXX")
trap 'rm -rf "$dir" "$out.tmp"' EXIT
root=$dir/root
debootstrap --variant=minbase --include="$packages" "$suite" "$root" \
	"$mirror" >"$dir/debootstrap.log" 2>&1 || {
	tail -n 20 "$dir/debootstrap.log" >&2
	echo "rootfs: debootstrap failed" >&2
	exit 1
}

echo mkspawn >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmkspawn\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null

mkdir -p "$root/etc/systemd/network"
cat >"$root/etc/systemd/network/10-eth0.network" <<'EOF'
[Match]
Name=eth0

[Network]
Address=10.77.0.2/24
EOF

cat >"$root/etc/systemd/system/mk-report.service" <<'EOF'
[Unit]
Description=Tell the multikernel host's console how the boot went

[Service]
Type=simple
ExecStart=/bin/sh -c 'echo "MKDEBIAN-STATE $(systemctl is-system-running --wait)" >/dev/console'

[Install]
WantedBy=multi-user.target
EOF
chroot "$root" systemctl enable systemd-networkd mk-report >/dev/null 2>&1
chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists/"*

mkfs.ext4 -q -F -L mkroot -d "$root" "$out.tmp" "$size"
mv "$out.tmp" "$out"
echo "$want" >"$stamp"
echo "rootfs: $out ($suite, $(du -sh --apparent-size "$root" | cut -f1) in a $size image, $((SECONDS - start)) s)"

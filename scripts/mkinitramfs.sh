#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# [MK_SPAWN_BZIMAGE=FILE] [MK_HOST_BZIMAGE=FILE] mkinitramfs.sh OUT TOOLS_DIR SELFTESTS_DIR
#
# Build the host's initramfs: busybox-static, mkctl and its man page, the
# multikernel kselftests and the sysfs ABI document they check, the VM
# /init and the demo, plus what the host boots in its instances: the same
# bzImage (/boot/bzImage) and a small spawn initramfs (/boot/spawn.cpio.gz).
# Uses the kernel's gen_init_cpio, so no root is needed to create device
# nodes.
set -euo pipefail

out=$1 tools=$2 selftests=$3
top=$(cd "$(dirname "$0")/.." && pwd)
gen=$top/build/obj/usr/gen_init_cpio
busybox=/bin/busybox
vmdir=$top/tools/testing/selftests/multikernel/vm

[ -x "$gen" ] || { echo "mkinitramfs: $gen missing: run 'make kernel' first" >&2; exit 1; }
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing: run 'make deps'" >&2; exit 1; }

# /boot/bzImage is what most spawns boot (MK_SPAWN_BZIMAGE, by default
# the lean kernel), /boot/bzImage-host the host's own kernel (mk_test.h):
# the same file unless MK_HOST_BZIMAGE names another (the debug tier's,
# whose tests that want a debug spawn boot bzImage-host).
bzimage=${MK_SPAWN_BZIMAGE:-$top/build/obj/arch/x86/boot/bzImage}
host_bzimage=${MK_HOST_BZIMAGE:-}
list=$(mktemp)
spawn_list=$(mktemp)
spawn_cpio=$(dirname "$out")/spawn.cpio.gz
trap 'rm -f "$list" "$spawn_list"' EXIT

# base_list: what both the host and the spawns get.
base_list() {
	for d in /bin /dev /proc /sys /tmp /root /usr /usr/bin; do
		echo "dir $d 755 0 0"
	done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "slink /sbin bin 777 0 0"
	echo "slink /usr/sbin ../bin 777 0 0"
	echo "file /bin/busybox $busybox 755 0 0"
	for a in $("$busybox" --list); do
		[ "$a" = busybox ] || echo "slink /bin/$a busybox 777 0 0"
	done
	# The workload spawn_bench runs in the host and in a spawn.
	echo "file /bin/mk-work $vmdir/mk-work 755 0 0"
	# Both ends of the network tests' TCP transfers.
	echo "file /bin/mk-net $selftests/mk_net_tool 755 0 0"
	# The disk benchmark's load, on a host file and on a spawn's disk.
	echo "file /bin/mk-disk $selftests/mk_disk_tool 755 0 0"
}

# with_libs PATH [AS]: a dynamically linked program, installed as AS
# (default PATH), and the shared libraries (and loader) it needs, at the
# same paths as on this machine. Programs share libraries: the list is
# deduplicated below.
with_libs() {
	local f dirs=() libs

	libs=$(ldd "$1" | grep -o '/[^ ]*' || true)
	for f in "${2:-$1}" $libs; do
		f=$(dirname "$f")
		while [ "$f" != / ]; do
			dirs+=("$f")
			f=$(dirname "$f")
		done
	done
	# Parents sort before their children; base_list made these three.
	printf '%s\n' "${dirs[@]}" | sort -u | while read -r d; do
		case $d in /bin|/usr|/usr/bin) ;; *) echo "dir $d 755 0 0" ;; esac
	done
	echo "file ${2:-$1} $(readlink -f "$1") 755 0 0"
	for f in $libs; do
		echo "file $f $(readlink -f "$f") 755 0 0"
	done
}

{
	base_list
	echo "file /init $vmdir/spawn-init 755 0 0"
} >"$spawn_list"
"$gen" "$spawn_list" | gzip -9 >"$spawn_cpio.tmp"
mv "$spawn_cpio.tmp" "$spawn_cpio"

{
	base_list
	echo "dir /selftests 755 0 0"
	echo "dir /boot 755 0 0"
	echo "file /boot/bzImage $bzimage 644 0 0"
	if [ -n "$host_bzimage" ]; then
		echo "file /boot/bzImage-host $host_bzimage 644 0 0"
	else
		echo "slink /boot/bzImage-host bzImage 777 0 0"
	fi
	echo "file /boot/spawn.cpio.gz $spawn_cpio 644 0 0"
	echo "file /bin/mkctl $tools/install/usr/sbin/mkctl 755 0 0"
	echo "file /init $vmdir/init 755 0 0"
	echo "file /demo.sh $top/scripts/demo.sh 755 0 0"
	echo "file /demo-debian.sh $top/scripts/demo-debian.sh 755 0 0"
	# dtc shows instances/NAME/handover in the device-handover tests.
	with_libs /usr/bin/dtc
	# kexec-tools for the kexec test (/sbin is a link to /bin here).
	with_libs /sbin/kexec /bin/kexec
	echo "file /kexec-test $vmdir/kexec-test 755 0 0"
	# socat: vsock_test checks that the usual tool talks AF_VSOCK.
	with_libs /usr/bin/socat
	# iproute2's ip for net_bench's veth pair between two namespaces
	# (busybox's ip, /bin/ip and first in PATH, has neither).
	with_libs /usr/bin/ip
	# ethtool: net_test checks mk-NAME's driver info, offloads and counters.
	with_libs /usr/sbin/ethtool
	# mkctl(8) where tools/multikernel's "make install" put it (mkctl too,
	# above), and the sysfs ABI file pool_test checks the kernel against.
	for d in /usr/share /usr/share/man /usr/share/man/man8 /usr/share/doc \
		 /usr/share/doc/multikernel; do
		echo "dir $d 755 0 0"
	done
	echo "file /usr/share/man/man8/mkctl.8 $tools/install/usr/share/man/man8/mkctl.8 644 0 0"
	echo "file /usr/share/doc/multikernel/sysfs-kernel-multikernel $top/Documentation/ABI/testing/sysfs-kernel-multikernel 644 0 0"
	for t in "$selftests"/*; do
		[ -x "$t" ] && echo "file /selftests/$(basename "$t") $t 755 0 0"
	done
} | awk '!seen[$0]++' >"$list"

"$gen" "$list" | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1))"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT TOOLS_DIR SELFTESTS_DIR
#
# Build the host's initramfs: busybox-static, mkctl, the multikernel
# kselftests, the VM /init and the demo. Uses the kernel's gen_init_cpio,
# so no root is needed to create device nodes.
set -euo pipefail

out=$1 tools=$2 selftests=$3
top=$(cd "$(dirname "$0")/.." && pwd)
gen=$top/build/obj/usr/gen_init_cpio
busybox=/bin/busybox
vmdir=$top/tools/testing/selftests/multikernel/vm

[ -x "$gen" ] || { echo "mkinitramfs: $gen missing: run 'make kernel' first" >&2; exit 1; }
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing: run 'make deps'" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	for d in /bin /dev /proc /sys /tmp /selftests /root /usr /usr/bin; do
		echo "dir $d 755 0 0"
	done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "slink /sbin bin 777 0 0"
	echo "slink /usr/sbin ../bin 777 0 0"
	echo "file /bin/busybox $busybox 755 0 0"
	for a in $("$busybox" --list); do
		[ "$a" = busybox ] || echo "slink /bin/$a busybox 777 0 0"
	done
	echo "file /bin/mkctl $tools/mkctl 755 0 0"
	echo "file /init $vmdir/init 755 0 0"
	echo "file /demo.sh $top/scripts/demo.sh 755 0 0"
	for t in "$selftests"/*; do
		[ -x "$t" ] && echo "file /selftests/$(basename "$t") $t 755 0 0"
	done
} >"$list"

"$gen" "$list" | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1))"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-configs.sh SRC: build the lean QEMU kernel with CONFIG_MULTIKERNEL=n
# in build/obj-n, and check that none of our code was built into it: the
# hooks in existing files must compile away to their stubs.
set -euo pipefail

src=$1
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj-n
frag=$top/build/multikernel-n.config
jobs=$(( $(nproc) + 1 ))

mkdir -p "$top/build"
{
	grep -v 'MULTIKERNEL' "$top/configs/qemu-x86_64.config"
	echo "CONFIG_MULTIKERNEL=n"
} >"$frag"
"$top/scripts/configure.sh" "$src" "$obj" "$frag"
make -s -C "$src" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$jobs" bzImage

found=$(find "$obj/kernel/multikernel" "$obj/arch/x86/kernel/multikernel" \
	-name '*.o' 2>/dev/null | head -n 1 || true)
if [ -n "$found" ] || grep -q multikernel "$obj/System.map"; then
	echo "check-configs: multikernel code in a CONFIG_MULTIKERNEL=n kernel" >&2
	exit 1
fi
echo "check-configs: CONFIG_MULTIKERNEL=n builds, and without any multikernel code"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-distro.sh SRC MKCTL_TOOLS SELFTESTS [build]: a distro kernel as
# host and spawn. Builds Debian's cloud-amd64 config (linux-config-6.12)
# plus CONFIG_MULTIKERNEL=y as a bzImage in build/obj-distro (ccache; about
# 32 minutes cold on 2 cores), puts it into a test initramfs as the
# spawns' kernel, boots it as the QEMU host with KASLR on, and runs there:
# the lifecycle, mailbox and device-handover selftests, then 50 starts of
# a 2-CPU spawn and 20 of a 3-CPU spawn (vm/restarts). Passes only when
# every test passes, no start crashes and no host or spawn log has a
# kernel splat. With "build" it stops after the build. Not part of make
# test; make check-distro runs it. Logs: build/test-logs/distro*.log.
#
# Changes to Debian's config, and why:
#   MULTIKERNEL, MULTIKERNEL_TEST_HOOKS  the feature; the selftests need
#       the hooks (debugfs scan, hostile-spawn switches)
#   DEBUG_INFO_NONE     no pahole for BTF; DWARF only slows the build
#   SYSTEM_TRUSTED_KEYS, SYSTEM_REVOCATION_KEYS ""  Debian's key files are
#       not in linux-source
#   VIRTIO_BLK, VIRTIO_NET, VIRTIO_PCI =y  the host has no modules: the
#       handover test's disk needs its driver built in
set -euo pipefail

src=$(realpath "$1")
tools=$2
selftests=$3
mode=${4:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj-distro
logs=$top/build/test-logs
distro_config=/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz
bzimage=$obj/arch/x86/boot/bzImage
initramfs=$top/build/initramfs-distro.cpio.gz
jobs=$(( $(nproc) + 1 ))
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
kmake=(make -C "$src" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$jobs")
mkdir -p "$obj" "$logs"

configure() {
	xz -dc "$distro_config" >"$obj/.config.mk"
	"$src/scripts/config" --file "$obj/.config.mk" \
		--disable DEBUG_INFO_BTF \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 \
		--enable DEBUG_INFO_NONE \
		--set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS "" \
		--enable VIRTIO_PCI --enable VIRTIO_BLK --enable VIRTIO_NET \
		--enable MULTIKERNEL --enable MULTIKERNEL_TEST_HOOKS
	"${kmake[@]}" -s KCONFIG_CONFIG=.config.mk olddefconfig
	# Replace .config only when it changed: a rerun rebuilds nothing.
	cmp -s "$obj/.config.mk" "$obj/.config" || mv "$obj/.config.mk" "$obj/.config"
	rm -f "$obj/.config.mk"
}

start=$SECONDS
configure
# Warnings from our files or about our symbols (objtool's too) fail the
# check; the kernel's own are Debian's business.
"${kmake[@]}" -s bzImage 2>&1 | tee "$logs/distro-build.log"
echo "check-distro: $bzimage built in $((SECONDS - start)) s"
if grep -E 'warning|error' "$logs/distro-build.log" | grep -E 'multikernel|mk_'; then
	echo "check-distro: FAIL: warnings in our code (log: $logs/distro-build.log)"
	exit 1
fi
[ "$mode" = build ] && exit 0

# The test initramfs, with the distro kernel as the spawns' kernel.
MK_SPAWN_BZIMAGE=$bzimage "$top/scripts/mkinitramfs.sh" "$initramfs" \
	"$tools" "$selftests"

# The handover test's disk and second UART, as in make test.
disk=$logs/distro-disk.img
com2=$logs/distro-com2.log
# (yes ends on SIGPIPE, which pipefail would count)
{ echo "MKDISK-PATTERN-1"; yes "multikernel handover test disk"; } |
	head -c 4194304 >"$disk" || true
rm -f "$com2"

# KASLR on; 4G of RAM so that a randomly placed kernel always leaves a
# 1G piece for the pool.
binaries=lifecycle_test,mailbox_test,device_test,restart_test
log=$logs/distro.log
vm_start=$SECONDS
rc=0
"$top/tools/testing/selftests/multikernel/run_vm.sh" -k "$bzimage" \
	-i "$initramfs" -m 4G -t "${DISTRO_VM_TIMEOUT:-5400}" -l "$log" \
	-d "$disk" -c "$com2" \
	-a "multikernel_pool=1G mktest.run=$binaries mktest.restarts=${DISTRO_RESTARTS:-50}" \
	>/dev/null || rc=$?
echo "check-distro: QEMU exit $rc after $((SECONDS - vm_start)) s"

count=$top/scripts/tap-count.py
fail=0
for args in "selftests --between MKTEST-BEGIN MKTEST-END --no-skip --binaries $binaries" \
	    "splats --splats"; do
	# shellcheck disable=SC2086
	out=$("$count" ${args%% *} "$log" ${args#* })
	grep -v '^COUNTS ' <<<"$out" || true
	read -r _ p f s < <(grep '^COUNTS ' <<<"$out")
	echo "check-distro: ${args%% *}: $p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ] || fail=1
done
grep -h 'spawn: [0-9]* of [0-9]* starts failed' "$log" || fail=1
tail -n 5 "$log" | grep -q 'reboot: Power down' || {
	echo "check-distro: the host did not power off at the end"
	fail=1
}
[ "$rc" -eq 0 ] || fail=1
echo "check-distro: $([ $fail -eq 0 ] && echo PASS || echo FAIL) in $((SECONDS - start)) s (log: $log)"
exit $fail

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh BZIMAGE INITRAMFS TOOLS_DIR
#
# Run every test tier and end with one line "N passed, N failed, N skipped".
# Exit status is non-zero on any failure, including a QEMU that crashed or
# hit its timeout (its serial log tail is printed).
#
# Tiers:
#   mkctl     mkctl's own tests against a fake sysfs, on this machine
#   kunit     KUnit suites built into the kernel, run at boot (KTAP)
#   selftests kselftests inside the QEMU host (TAP)
#   configs   CONFIG_MULTIKERNEL=n builds and boots as before (build/obj-n);
#             Debian's cloud config + MULTIKERNEL=y compiles our objects
#             without warnings (build/obj-cloud); sparse (check-configs.sh)
#   series    make series: git am on pristine 6.12 gives the same tree, every
#             patch builds, checkpatch --strict is clean (check-series.sh)
#   badparam  boots with bad multikernel_pool= values
#   initfail  boots whose CPU online veto or host side setup fails (test
#             hook multikernel.test_fail_init=): instances are refused
#   kaslr     three KASLR boots with multikernel_pool=1G@512M: the pool is
#             there every time, and the kernel moved
#   kexec     plain kexec -s -l/-e into the same bzImage with an instance
#             loaded, proven by a second boot (vm/kexec-test)
#   debian    a spawn boots Debian (systemd) from a virtio disk backed by
#             the host's /dev/vda (make rootfs), to "running" and a login
#   mce       a CPU a killed instance gave back takes an uncorrected
#             machine check (injected through QEMU's monitor) without
#             taking the machine down (mce_test); MK_TEST_MCE=0 skips it
#   debug     KUnit and a subset of the selftests again with the debug
#             kernel (configs/debug.config: lockdep, KASAN, UBSAN,
#             kmemleak...) as host and spawns; no splat, and kmemleak
#             reports nothing of ours
#   splats    per QEMU run with selftests: no kernel splat in the host's log
#             or in any spawn's console
#   qemu      every QEMU run exited 0 after its own power off
set -uo pipefail

bzimage=$1 initramfs=$2 tools=$3
# The debug tier's kernel and initramfs (make test passes them).
debug_bzimage=${DEBUG_BZIMAGE:-}
debug_initramfs=${DEBUG_INITRAMFS:-}
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/test-logs
runvm=$top/tools/testing/selftests/multikernel/run_vm.sh
# Pinned, whatever else is first in PATH.
py=/usr/bin/python3
count=$top/scripts/tap-count.py
# TCG speed differs between machines of the same kind by 2.5x (the host
# reached /init in 1.5 s on one, 3.8 s on another, same kernel): the
# timeouts leave room for the slow ones.
VM_TIMEOUT=${VM_TIMEOUT:-1800}
DEBUG_VM_TIMEOUT=${DEBUG_VM_TIMEOUT:-1800}
# The debug tier: pool_test, lifecycle_test and bad_input_test, long
# loops cut to a quarter (mktest.quick=1), on a debug host. Its spawns
# boot the lean kernel, except the tests that boot MK_HOST_KERNEL (the
# debug kernel, mk_test.h) to check the spawn side too: a debug spawn
# costs about 45 s a start under TCG (20 s to /init, a zstd load under
# KASAN), and with every spawn a debug one this tier took 1450 s to
# 1680 s, the largest part of CI's budget. The other selftests add the
# least there (net_test took 300 s to 400 s more, mailbox_test with
# concurrency_test 1500 s). DEBUG_SELFTESTS=... runs more (README).
debug_selftests=${DEBUG_SELFTESTS:-pool_test,lifecycle_test,bad_input_test}
POOL=1G

mkdir -p "$logs"
total_pass=0 total_fail=0 total_skip=0

# tally NAME LOG [tap-count args]: count a log, add to the totals.
tally() {
	local name=$1 log=$2 out p f s
	shift 2
	out=$("$count" "$name" "$log" "$@")
	grep -v '^COUNTS ' <<<"$out"
	read -r _ p f s < <(grep '^COUNTS ' <<<"$out")
	printf '%-10s %3d passed, %d failed, %d skipped   (%s)\n' "$name" "$p" "$f" "$s" "$log"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
}

# method_check NAME LOG METHOD: lifecycle_test started a spawn of a kernel
# compressed with METHOD (the lean kernel is gzip, configs/debug.config
# zstd: the two methods the host decompresses at load time).
method_check() {
	local name=$1 log=$2 method=$3
	# Not grep -q in a pipe: under pipefail its early exit fails the pipe.
	if grep -aq ":one_cpu_spawn_runs_and_sees_only_its_cpu_and_memory:$method-compressed kernel: nproc=1" "$log"; then
		echo "ok 1 spawn_of_a_${method}_kernel_decompressed_at_load"
	else
		echo "not ok 1 spawn_of_a_${method}_kernel_decompressed_at_load # no such start in $log"
	fi | { echo "1..1"; cat; } >"$log.$method.tap"
	tally "$name" "$log.$method.tap" --no-skip
}

# The disk the device-handover tests give to spawns: a known pattern, made
# afresh for every run since the tests write to it.
disk=$top/build/test-logs/handover-disk.img
disk_size=4194304
{ echo "MKDISK-PATTERN-1"; yes "multikernel handover test disk"; } |
	head -c "$disk_size" >"$disk"

# COM2 of the host VM: the UART handover test writes to it from a spawn,
# then from the host.
com2=$top/build/test-logs/com2.log
rm -f "$com2"

# vm NAME ARGS [run_vm.sh options]: boot the host kernel; a timeout adds a
# line the counter sees. Every run's exit status and whether the machine
# powered off by itself are kept for the qemu tier. VM_KERNEL and
# VM_INITRAMFS boot another kernel (the debug tier's).
qemu_runs=()
vm() {
	local name=$1 args=$2 start rc
	shift 2
	start=$(date +%s)
	"$runvm" -k "${VM_KERNEL:-$bzimage}" -i "${VM_INITRAMFS:-$initramfs}" \
		-t "$VM_TIMEOUT" -l "$logs/$name.log" -a "$args" "$@" >/dev/null
	rc=$?
	[ "$rc" -eq 124 ] && echo "QEMU killed after ${VM_TIMEOUT}s timeout" >>"$logs/$name.log"
	echo "vm $name: exit $rc after $(( $(date +%s) - start ))s" >&2
	# How long each test binary ran (vm/init), for the time budget.
	tr -d '\r' <"$logs/$name.log" | sed -n 's/^# \([a-z_]*\): ran from \(.*\) of uptime$/  \1: \2/p' >&2
	qemu_runs+=("$name:$rc")
}

# qemu_tap: one result per QEMU run: exit status 0 and a clean power off
# at the end (a panic after the last test would also end QEMU with 0).
qemu_tap() {
	local run name rc n=0
	echo "1..${#qemu_runs[@]}"
	for run in "${qemu_runs[@]}"; do
		name=${run%:*} rc=${run##*:}
		n=$((n + 1))
		if [ "$rc" -ne 0 ]; then
			echo "not ok $n qemu_$name # exit status $rc"
		elif ! tail -n 5 "$logs/$name.log" | grep -q 'reboot: Power down'; then
			echo "not ok $n qemu_$name # did not power off at the end"
		elif [ -f "$logs/$name.log.qemu-abort" ]; then
			echo "ok $n qemu_$name # second run: QEMU aborted the first on its own TCG race (run_vm.sh)"
		else
			echo "ok $n qemu_$name"
		fi
	done
}

MKCTL="$tools/mkctl" "$top/tools/multikernel/tests/mkctl_test.sh" >"$logs/mkctl.log" 2>&1
tally mkctl "$logs/mkctl.log" --no-skip

# nokaslr: a randomly placed kernel can split 2G of RAM so that no 1G
# piece is left for the pool (about 1 boot in 20); the kexec tier below
# keeps KASLR, with a smaller pool.
selftests=pool_test,lifecycle_test,bad_input_test,mailbox_test,hostile_test,concurrency_test,restart_test,net_test,vsock_test,disk_test
vm host "multikernel_pool=$POOL nokaslr kunit.filter_glob=multikernel* mktest.run=$selftests"
tally kunit "$logs/host.log" --between "KTAP version 1" "MKTEST-BEGIN" --no-skip
# The host has all the selftests need: a skip there is a broken run. Each
# binary must run to its plan; no kernel splat in the host or any spawn.
tally selftests "$logs/host.log" --between "MKTEST-BEGIN" "MKTEST-END" --no-skip \
	--binaries "$selftests"
tally splats "$logs/host.log" --splats
method_check selftests "$logs/host.log" gzip

# The device handover tests, in a machine of their own with the disk and
# COM2, on single-threaded TCG. Handing a PCI function over resets it
# (FLR) and remaps its BARs a hundred times a run; with multi-threaded
# TCG, QEMU 10.0 aborts now and then when that races with a vCPU that
# executes an instruction alone (cpu_exec_step_atomic(), which runs
# without the RCU read lock and so can use a freed address-space
# dispatch): "iotlb_to_section: Assertion `section_index <
# d->map.sections_nb' failed" or "msix_table_mmio_write: Assertion `addr +
# size <= dev->msix_entries_nr * PCI_MSIX_ENTRY_SIZE' failed", about one
# run of device_test in ten on this machine. One TCG thread runs the
# vCPUs in turn and has no such race; the guest sees the same machine.
ACCEL=${ACCEL:-tcg,thread=single} vm devices "multikernel_pool=$POOL nokaslr kunit.enable=0 mktest.run=device_test" \
	-d "$disk" -c "$com2"
tally devices "$logs/devices.log" --between "MKTEST-BEGIN" "MKTEST-END" --no-skip \
	--binaries device_test
tally splats "$logs/devices.log" --splats

# What device_test wrote to COM2 left the machine, the spawn's line first.
uart_order=$(grep -o 'MKUART-[A-Z]*' "$com2" 2>/dev/null | tr '\n' ' ')
if [ "$uart_order" = "MKUART-SPAWN MKUART-HOST " ]; then
	echo "ok 1 com2_got_the_spawn_line_then_the_host_line"
else
	echo "not ok 1 com2_got_the_spawn_line_then_the_host_line # got '$uart_order'"
fi | { echo "1..1"; cat; } >"$logs/uart.tap"
tally uart "$logs/uart.tap" --no-skip

# The hooks in existing kernel files must build away without the feature,
# our code must build in a distro config, and sparse must be quiet.
start=$SECONDS
"$top/scripts/check-configs.sh" "$top/build/linux" >"$logs/configs.tap" 2>"$logs/configs.log"
echo "configs: $((SECONDS - start))s" >&2
tally configs "$logs/configs.tap" --no-skip
grep -q '^not ok' "$logs/configs.tap" &&
	{ grep '^#' "$logs/configs.tap"; tail -n 30 "$logs/configs.log"; } | sed 's/^/    | /'

# The format-patch series: applies, gives the same tree, each patch builds.
start=$SECONDS
"$top/scripts/check-series.sh" "$top/build/linux" >"$logs/series.tap" 2>"$logs/series.log"
echo "series: $((SECONDS - start))s" >&2
tally series "$logs/series.tap" --no-skip
grep -q '^not ok' "$logs/series.tap" && grep '^#' "$logs/series.tap" | head -n 30 | sed 's/^/    | /'

for bad in 1G@1M 64G; do
	vm "badparam-$bad" "multikernel_pool=$bad kunit.enable=0 mktest.run=pool_param_test"
	tally "badparam" "$logs/badparam-$bad.log" --between "MKTEST-BEGIN" "MKTEST-END" \
		--no-skip --binaries pool_param_test
	tally splats "$logs/badparam-$bad.log" --splats
done

# A host whose setup fails at boot refuses instances (init_fail_test).
for step in veto host; do
	vm "initfail-$step" "multikernel_pool=$POOL nokaslr kunit.enable=0 multikernel.test_fail_init=$step mktest.run=init_fail_test"
	tally initfail "$logs/initfail-$step.log" --between "MKTEST-BEGIN" "MKTEST-END" \
		--no-skip --binaries init_fail_test
	tally splats "$logs/initfail-$step.log" --splats
done

# KASLR and a pool at a fixed offset: the decompressor keeps the kernel
# out of the range (patches/0009). Without that, about one boot in two
# would put the kernel there and lose the pool; pool_test checks the pool
# and prints where the kernel is, which must move between the boots.
kaslr_at=()
for i in 1 2 3; do
	vm "kaslr-$i" "multikernel_pool=1G@512M kunit.enable=0 mktest.run=pool_test"
	tally kaslr "$logs/kaslr-$i.log" --between "MKTEST-BEGIN" "MKTEST-END" --no-skip \
		--binaries pool_test
	tally splats "$logs/kaslr-$i.log" --splats
	kaslr_at+=("$(tr -d '\r' <"$logs/kaslr-$i.log" |
		sed -n 's/^# kernel code at \(0x[0-9a-f]*\),.*/\1/p' | head -n 1)")
done
moved=$(printf '%s\n' "${kaslr_at[@]}" | grep . | sort -u | wc -l)
if [ "$moved" -ge 2 ]; then
	echo "ok 1 kaslr_moved_the_kernel_between_boots # ${kaslr_at[*]}"
else
	echo "not ok 1 kaslr_moved_the_kernel_between_boots # kernel code at: '${kaslr_at[*]}'"
fi | { echo "1..1"; cat; } >"$logs/kaslr.tap"
tally kaslr "$logs/kaslr.tap" --no-skip

# Plain kexec into the same bzImage, two boots per QEMU run: with an
# instance loaded, and with its spawn running (the host kills its spawns
# before kexec -e). A 512M pool: with KASLR a 1G pool in 2G of RAM fails
# to fit in about 1 boot in 20, and both boots must reserve it.
for mode in ${KEXEC_MODES:-loaded running}; do
	vm "kexec-$mode" "multikernel_pool=512M kunit.enable=0 mktest.kexec=$mode" -t 300
	tally kexec "$logs/kexec-$mode.log" --between "MKTEST-BEGIN" "MKTEST-END" --no-skip
done

# A Debian spawn: make rootfs (debootstrap bookworm minbase with systemd,
# about 40 s when new, cached in build/debian.img) gives the QEMU host a
# copy of the image as its /dev/vda; the demo (scripts/demo-debian.sh)
# boots a 2-CPU, 512 MiB spawn with root=/dev/vda on a virtio disk backed
# by that block device, and a virtio NIC. systemd in the spawn must say
# "running", hvc0 offer a login where root (through mkctl console) gets
# "running" from systemctl, the spawn answer pings, and mkctl stop power
# it off through systemd. About 40 s: it is in make test.
debian_img=$logs/debian-test.img
if [ -f "${ROOTFS:-}" ] && cp --sparse=always "$ROOTFS" "$debian_img"; then
	vm debian "multikernel_pool=$POOL nokaslr kunit.enable=0 mkdemo=debian" \
		-d "$debian_img" -t 900
	tr -d '\r' <"$logs/debian.log" >"$logs/debian.txt"
	{
		echo "1..5"
		grep -q '^MKDEBIAN-BOOT state=running' "$logs/debian.txt" &&
			echo "ok 1 debian_systemd_is_running # $(grep -o 'seconds=[0-9]*' "$logs/debian.txt")" ||
			echo "not ok 1 debian_systemd_is_running # $(grep '^MKDEBIAN-BOOT' "$logs/debian.txt")"
		grep -q '^MKDEBIAN-LOGIN yes' "$logs/debian.txt" &&
			echo "ok 2 debian_login_prompt_on_hvc0" ||
			echo "not ok 2 debian_login_prompt_on_hvc0"
		grep -q '^3 packets transmitted, 3 packets received' "$logs/debian.txt" &&
			echo "ok 3 debian_answers_pings_over_its_nic" ||
			echo "not ok 3 debian_answers_pings_over_its_nic"
		grep -q '^deb stopped (poweroff)' "$logs/debian.txt" &&
			echo "ok 4 debian_stop_powers_off_through_systemd" ||
			echo "not ok 4 debian_stop_powers_off_through_systemd"
		grep -q '^MKDEBIAN-CONSOLE yes' "$logs/debian.txt" &&
			echo "ok 5 debian_root_logs_in_on_mkctl_console_and_systemctl_answers" ||
			echo "not ok 5 debian_root_logs_in_on_mkctl_console_and_systemctl_answers"
	} >"$logs/debian.tap"
	rm -f "$debian_img"
else
	printf '1..1\nnot ok 1 debian_image # no ROOTFS image (make rootfs)\n' >"$logs/debian.tap"
fi
tally debian "$logs/debian.tap" --no-skip
tally splats "$logs/debian.log" --splats

# A machine check on a CPU an instance gave back: mce_test prints its
# marker, and this injects an uncorrected error into that CPU through the
# QEMU monitor. A CPU left waiting for SIPI with CR4.MCE clear would take
# the whole machine down (QEMU resets it, and -no-reboot ends the run);
# the host takes every CPU it gets back through its own bring-up and
# offline paths first (mk_cpus_return()), which this tier proves.
inject_mce() {
	local log=$1 sock=$2 i
	for ((i = 0; i < VM_TIMEOUT * 2; i++)); do
		if [ -S "$sock" ] && [ -f "$log" ] && grep -q 'MKMCE-INJECT cpu=3' "$log"; then
			"$py" - "$sock" <<-'PY'
			import socket, sys, time
			s = socket.socket(socket.AF_UNIX)
			s.connect(sys.argv[1])
			s.settimeout(5)
			time.sleep(0.5)
			# CPU 3, bank 1: valid, uncorrected, enabled; MCG: RIPV, MCIP.
			s.sendall(b"mce 3 1 0xb000000000000000 0x5 0 0\n")
			time.sleep(1)
			try:
			    print(s.recv(4096).decode(errors="replace"))
			except OSError:
			    pass
			print("mce injected into CPU 3")
			PY
			return
		fi
		sleep 0.5
	done
	echo "mce: no marker in $log"
}
if [ "${MK_TEST_MCE:-1}" = 1 ]; then
	rm -f "$logs/mce.sock" "$logs/mce.log"
	inject_mce "$logs/mce.log" "$logs/mce.sock" >"$logs/mce-inject.log" 2>&1 &
	injector=$!
	vm mce "multikernel_pool=$POOL nokaslr kunit.enable=0 mktest.run=mce_test" -M "$logs/mce.sock"
	kill "$injector" 2>/dev/null
	wait "$injector" 2>/dev/null
	tally mce "$logs/mce.log" --between "MKTEST-BEGIN" "MKTEST-END" --no-skip --binaries mce_test
	# QEMU took the command and had nothing to say: the error reached the CPU
	# (no "reporting disabled", no "raising triple fault").
	inject_said=$(tr -d '\033' <"$logs/mce-inject.log" | grep -ai 'disabled\|triple\|error\|mce:' | head -n 1)
	if grep -q 'mce injected into CPU 3' "$logs/mce-inject.log" && [ -z "$inject_said" ]; then
		echo "ok 1 mce_reached_the_cpu_while_it_was_offline"
	else
		echo "not ok 1 mce_reached_the_cpu_while_it_was_offline # $(tail -n 1 "$logs/mce-inject.log") $inject_said"
	fi | { echo "1..1"; cat; } >"$logs/mce.tap"
	tally mce "$logs/mce.tap" --no-skip
	tally splats "$logs/mce.log" --splats
fi

# The debug kernel, host and spawns: the selftests again, with lockdep,
# KASAN, UBSAN and kmemleak watching; any report fails the splats line.
# The disk gets its known pattern again, for a DEBUG_SELFTESTS with
# device_test (then on single-threaded TCG, see the devices run above).
if [ -n "$debug_bzimage" ] && [ -n "$debug_initramfs" ]; then
	{ echo "MKDISK-PATTERN-1"; yes "multikernel handover test disk"; } |
		head -c "$disk_size" >"$disk"
	rm -f "$com2"
	debug_accel=${ACCEL:-tcg}
	case ",$debug_selftests," in
	*,device_test,*) debug_accel=${ACCEL:-tcg,thread=single} ;;
	esac
	ACCEL=$debug_accel VM_KERNEL=$debug_bzimage VM_INITRAMFS=$debug_initramfs VM_TIMEOUT=$DEBUG_VM_TIMEOUT \
		vm debug "multikernel_pool=$POOL nokaslr kunit.filter_glob=multikernel* mktest.run=$debug_selftests mktest.kmemleak=1 mktest.quick=1" \
		-d "$disk" -c "$com2"
	# The KUnit suites at its boot, then the selftests.
	tally debug "$logs/debug.log" --between "KTAP version 1" "MKTEST-BEGIN" --no-skip
	tally debug "$logs/debug.log" --between "MKTEST-BEGIN" "MKTEST-END" --no-skip \
		--binaries "$debug_selftests"
	tally splats "$logs/debug.log" --splats
	method_check debug "$logs/debug.log" zstd
else
	echo "1..1" >"$logs/debug.tap"
	echo "not ok 1 debug_tier_ran # no DEBUG_BZIMAGE/DEBUG_INITRAMFS (run make test)" >>"$logs/debug.tap"
	tally debug "$logs/debug.tap"
fi

# Every QEMU run ended as it should.
qemu_tap >"$logs/qemu.tap"
tally qemu "$logs/qemu.tap" --no-skip

echo "test.sh: $SECONDS s in all" >&2
line="$total_pass passed, $total_fail failed"
[ "$total_skip" -gt 0 ] && line="$line, $total_skip skipped"
echo "$line"
[ "$total_fail" -eq 0 ]

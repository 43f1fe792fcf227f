#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel + initramfs in QEMU (q35, TCG) with the serial console on
# stdout, and kill it after a timeout.
#
#   run_vm.sh -k bzImage -i initramfs [-a "kernel args"] [-t seconds]
#             [-s cpus] [-m memory] [-l logfile] [-d disk.img] [-c file]
#             [-M socket] [-I]
#
# -d adds a raw disk as a virtio-blk PCI function (serial "mkdisk") behind
# its own PCIe root port, where it has a function-level reset: the
# device-handover tests give it to spawns. -c adds a second serial port
# (COM2, ttyS1) whose output goes to a file, for the UART handover test.
# -M puts QEMU's monitor (HMP) on a Unix socket, for a test that injects
# a machine check from outside.
# -I keeps stdin attached for an interactive console. ACCEL=kvm uses KVM
# where it works (it does not on machines with nested virtualisation).
# MK_QEMU_ARGS adds QEMU options, split at spaces, for debugging (say
# "-trace memory_region_ops_write -D /tmp/trace.log").
# Exit status: QEMU's, or 124 when the timeout hit, or 3 for a QEMU older
# than 8.1: its TCG can run stale code after live text patching (jump
# labels), which panics spawns now and then (MK_OLD_QEMU=1 runs it anyway,
# to study that).
set -u

qemu_version=$(qemu-system-x86_64 --version |
	sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r qemu_major qemu_minor <<<"${qemu_version:-0 0}"
if [ "$qemu_major" -lt 8 ] ||
	{ [ "$qemu_major" -eq 8 ] && [ "$qemu_minor" -lt 1 ]; }; then
	if [ "${MK_OLD_QEMU:-0}" != 1 ]; then
		echo "run_vm.sh: QEMU $qemu_major.$qemu_minor is older than 8.1:" \
			"its TCG can run stale translated code after a jump" \
			"label is patched (fixed by QEMU commit deba78709ae8);" \
			"'make deps' installs a newer one" >&2
		exit 3
	fi
fi

kernel= initrd= append= timeout=600 smp=4 mem=2G log=/dev/null interactive=0
disk= com2= monitor=
while getopts "k:i:a:t:s:m:l:d:c:M:I" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	a) append=$OPTARG ;;
	t) timeout=$OPTARG ;;
	s) smp=$OPTARG ;;
	m) mem=$OPTARG ;;
	l) log=$OPTARG ;;
	d) disk=$OPTARG ;;
	c) com2=$OPTARG ;;
	M) monitor=$OPTARG ;;
	I) interactive=1 ;;
	*) echo "usage: $0 -k bzImage -i initramfs [-a args] [-t s] [-s cpus]" \
		"[-m mem] [-l log] [-d disk] [-c file] [-M socket] [-I]" >&2
	   exit 2 ;;
	esac
done
[ -n "$kernel" ] && [ -n "$initrd" ] || { echo "run_vm.sh: -k and -i are required" >&2; exit 2; }
# A test run that has not ended this long before the timeout dumps its
# blocked tasks and logs and powers off (vm/init, mktest.deadline=):
# a hung run says where it hung instead of being cut off mid-test.
DEADLINE_MARGIN_S=120
case " $append " in
*" mktest.run="*)
	[ "$timeout" -gt $((2 * DEADLINE_MARGIN_S)) ] &&
		append="$append mktest.deadline=$((timeout - DEADLINE_MARGIN_S))" ;;
esac

qemu=(qemu-system-x86_64 -machine q35 -cpu max -accel "${ACCEL:-tcg}"
      -smp "$smp" -m "$mem" -nographic -no-reboot -nic none -vga none
      -kernel "$kernel" -initrd "$initrd"
      -append "console=ttyS0 panic=-1 log_buf_len=8M $append")
if [ -n "$com2" ]; then
	# An explicit -serial replaces -nographic's default COM1 on stdio.
	qemu+=(-serial mon:stdio -serial "file:$com2")
fi
if [ -n "$monitor" ]; then
	qemu+=(-monitor "unix:$monitor,server=on,wait=off")
fi
if [ -n "$disk" ]; then
	qemu+=(-device pcie-root-port,id=mkport,chassis=1,slot=1
	       -drive "if=none,id=mkdisk,format=raw,file=$disk"
	       -device virtio-blk-pci,drive=mkdisk,bus=mkport,serial=mkdisk,disable-legacy=on)
fi

if [ -n "${MK_QEMU_ARGS:-}" ]; then
	read -r -a extra <<<"$MK_QEMU_ARGS"
	qemu+=("${extra[@]}")
fi

if [ "$interactive" = 1 ]; then
	exec "${qemu[@]}"
fi
# QEMU 10.0's multi-threaded TCG has a race of its own: a vCPU that runs
# one instruction alone (cpu_exec_step_atomic(), without the RCU read
# lock) can use an address-space dispatch freed by a BAR remap on another
# vCPU, and QEMU aborts on one of these assertions. It strikes at any
# boot's PCI enumeration (now and then: kaslr-3 in one CI run) and while a
# PCI function is handed over. Such a run, and only such a run, runs
# once more; its log is kept as LOG.qemu-abort and the new log says so.
QEMU_RACE='qemu-system-x86_64: .*(iotlb_to_section: Assertion .section_index < d->map.sections_nb'
QEMU_RACE+='|msix_table_mmio_write: Assertion .addr \+ size <= dev->msix_entries_nr)'
first=
[ "$log" != /dev/null ] && rm -f "$log.qemu-abort"
for attempt in 1 2; do
	timeout --foreground -k 5 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	[ "$attempt" = 1 ] && [ "$rc" = 134 ] && [ "$log" != /dev/null ] || break
	first=$(tail -n 20 "$log" | grep -E "$QEMU_RACE" | head -n 1)
	[ -n "$first" ] || break
	mv "$log" "$log.qemu-abort"
	echo "run_vm.sh: QEMU aborted on its own TCG race, running again: $first" >&2
done
[ -n "$first" ] && [ "$attempt" = 2 ] &&
	echo "run_vm.sh: second run; QEMU aborted the first on its own TCG race" \
		"($log.qemu-abort): $first" >>"$log"
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkctl's own tests: run mkctl against a fake /sys/kernel/multikernel
# (MKCTL_SYSFS) and a fake /dev (MKCTL_DEV) on the build machine, no
# kernel needed. Prints TAP.
#
#   MKCTL=path/to/mkctl ./mkctl_test.sh

set -u
MKCTL=${MKCTL:-$(dirname "$0")/../mkctl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	shift
	for l in "$@"; do echo "# $l"; done
}

# run NAME EXPECTED_STATUS CMD...: run CMD, keep stdout/stderr in $out/$err.
run() {
	local name=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
	if [ "$status" -ne "$want" ]; then
		not_ok "$name" "exit status $status, expected $want" "stdout: $out" "stderr: $err"
		return 1
	fi
	return 0
}

# expect NAME CONDITION-DESCRIPTION: the last run passed and CONDITION holds.
check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name" "check failed: $*" "stdout: $out" "stderr: $err"
	fi
}
contains() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }
err_is() { [ "$err" = "$1" ]; }
out_is() { [ "$out" = "$1" ]; }
one_line() { [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }

fake_sysfs() {
	local root=$TMP/sys
	rm -rf "$root"
	mkdir -p "$root/pool" "$root/instances"
	echo 1 >"$root/version"
	: >"$root/create"
	: >"$root/destroy"
	echo "$1" >"$root/pool/memory_total"
	echo "$2" >"$root/pool/memory_free"
	echo "$3" >"$root/pool/cpus"
	echo "$root"
}

json_get() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' \
		"$1" <<<"$out"
}
# json_ok EXPR...: the last output is JSON and each Python EXPR on it (d) holds.
json_ok() {
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])
sys.exit(not all(eval(e) for e in sys.argv[2:]))' "$out" "$@"
}

PANIC='Kernel panic - not syncing: oops'
# fake_instance NAME ID STATE CPUS MEMORY: what the kernel shows of one.
fake_instance() {
	local d=$MKCTL_SYSFS/instances/$1
	mkdir -p "$d"
	echo "$2" >"$d/id"
	echo "$3" >"$d/state"
	echo "$4" >"$d/cpus"
	echo "$5" >"$d/memory"
	: >"$d/control"
	printf 'boot line 1\nboot line 2\n' >"$d/console"
	cat >"$d/stats" <<-EOF
	starts 2
	state $3
	uptime_ms 1500
	ready_ms 420
	init_ms 610
	exit_reason none yet
	panic_message $PANIC
	console_bytes 24
	heartbeats 12
	frobs 7
	EOF
}

# fake_cpus ONLINE...: CPUs 0-7 under $MKCTL_CPU_SYSFS, offline but for
# CPU 0 (which has no online file, as on x86) and those listed.
fake_cpus() {
	local cpu
	rm -rf "$MKCTL_CPU_SYSFS"
	for cpu in 0 1 2 3 4 5 6 7; do
		mkdir -p "$MKCTL_CPU_SYSFS/cpu$cpu"
		[ "$cpu" -eq 0 ] || echo 0 >"$MKCTL_CPU_SYSFS/cpu$cpu/online"
	done
	for cpu in "$@"; do
		echo 1 >"$MKCTL_CPU_SYSFS/cpu$cpu/online"
	done
}

# fake_pci: PCI functions under $MKCTL_PCI_SYSFS, as /sys/bus/pci/devices
# shows them: two that can be handed over, one without a reset method and
# a bridge.
fake_pci() {
	local root=$MKCTL_PCI_SYSFS
	rm -rf "$root"
	mkdir -p "$root/0000:01:00.0" "$root/0000:02:00.0" "$root/0000:03:00.0" \
		"$root/0000:00:01.0"
	echo 0x020000 >"$root/0000:01:00.0/class"
	echo 0x010802 >"$root/0000:02:00.0/class"
	echo 0x0c0330 >"$root/0000:03:00.0/class"
	echo 0x060400 >"$root/0000:00:01.0/class"
	echo flr >"$root/0000:01:00.0/reset_method"
	echo "flr bus" >"$root/0000:02:00.0/reset_method"
	echo bus >"$root/0000:00:01.0/reset_method"
}

# A write to a regular file cannot fail as the kernel's create and control
# do: fail_writes.py ERRNO CMD... runs CMD under a seccomp filter that fails
# every write(2) to a file descriptor above 2 (stdout and stderr still work)
# with ERRNO. It exits with 125 where no filter can be set.
FAIL_WRITES=$TMP/fail_writes.py
cat >"$FAIL_WRITES" <<'PYTHON'
import ctypes, errno, os, platform, struct, sys

# AUDIT_ARCH_* and the number of write(2)
ARCHES = {"x86_64": (0xc000003e, 1), "aarch64": (0xc00000b7, 64)}
LD_W_ABS, JEQ_K, JGT_K, RET_K = 0x20, 0x15, 0x25, 0x06
ALLOW, ERRNO = 0x7fff0000, 0x00050000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER, PR_SET_NO_NEW_PRIVS = 22, 2, 38

if platform.machine() not in ARCHES:
    sys.exit(125)
arch, nr_write = ARCHES[platform.machine()]
# struct seccomp_data: nr at 0, arch at 4, args[0] (the fd) at 16
prog = [(LD_W_ABS, 0, 0, 4), (JEQ_K, 0, 4, arch),
        (LD_W_ABS, 0, 0, 0), (JEQ_K, 0, 2, nr_write),
        (LD_W_ABS, 0, 0, 16), (JGT_K, 1, 0, 2),
        (RET_K, 0, 0, ALLOW),
        (RET_K, 0, 0, ERRNO | getattr(errno, sys.argv[1]))]
insns = ctypes.create_string_buffer(
    b"".join(struct.pack("HBBI", *i) for i in prog))
fprog = ctypes.create_string_buffer(
    struct.pack("HxxxxxxP", len(prog), ctypes.addressof(insns)))
libc = ctypes.CDLL(None, use_errno=True)
if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or
        libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0)):
    sys.exit(125)
os.execvp(sys.argv[2], sys.argv[2:])
PYTHON
SECCOMP=
python3 "$FAIL_WRITES" EBUSY true 2>/dev/null && SECCOMP=yes

# errno_run NAME STATUS ERRNO CMD...: run(), with writes to sysfs failing
# with ERRNO; where that cannot be done, a skipped test.
errno_run() {
	local name=$1 want=$2 errno=$3
	shift 3
	if [ -z "$SECCOMP" ]; then
		n=$((n + 1))
		echo "ok $n $name # SKIP no seccomp filter to fail writes"
		return 1
	fi
	run "$name" "$want" python3 "$FAIL_WRITES" "$errno" "$@"
}

# holds FILE CONTENT: FILE holds exactly CONTENT (a trailing newline aside).
holds() { [ "$(cat "$1")" = "$2" ]; }
# holds_bytes FILE CONTENT: FILE holds exactly CONTENT, byte for byte.
holds_bytes() { printf '%s' "$2" | cmp -s "$1" -; }
# set_stat FILE KEY VALUE: change one line of a fake stats file.
set_stat() { sed -i "s/^$2 .*/$2 $3/" "$1"; }

echo "TAP version 13"
echo "1..187"

export MKCTL_SYSFS
MKCTL_SYSFS=$(fake_sysfs 1073741824 805306368 "2-3,5")

run pool_prints_memory_and_cpus 0 "$MKCTL" pool &&
	check pool_prints_memory_and_cpus contains "$out" "768 MiB free of 1024 MiB"
run pool_prints_cpulist 0 "$MKCTL" pool &&
	check pool_prints_cpulist contains "$out" "2-3,5"

run pool_json_is_valid 0 "$MKCTL" pool --json &&
	check pool_json_is_valid python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out"
run pool_json_has_sizes 0 "$MKCTL" pool --json &&
	check pool_json_has_sizes \
		json_ok 'd["memory_total"] == 1073741824 and d["memory_free"] == 805306368'
run pool_json_expands_cpu_list 0 "$MKCTL" --json pool &&
	check pool_json_expands_cpu_list [ "$(json_get '["cpu_list"]')" = "[2, 3, 5]" ]
run pool_pretty_json_is_indented 0 "$MKCTL" pool --pretty &&
	check pool_pretty_json_is_indented contains "$out" '  "version": 1'

MKCTL_SYSFS=$(fake_sysfs 0 0 "")
run pool_without_reservation_says_so 0 "$MKCTL" pool &&
	check pool_without_reservation_says_so contains "$out" "none reserved"
run pool_json_empty_cpu_list 0 "$MKCTL" pool --json &&
	check pool_json_empty_cpu_list [ "$(json_get '["cpu_list"]')" = "[]" ]

MKCTL_SYSFS=$TMP/nonexistent
run missing_sysfs_fails_with_one_line 1 "$MKCTL" pool &&
	check missing_sysfs_fails_with_one_line one_line "$err"
run missing_sysfs_names_the_cause 1 "$MKCTL" pool &&
	check missing_sysfs_names_the_cause contains "$err" "mkctl: pool: $TMP/nonexistent"

MKCTL_SYSFS=$(fake_sysfs garbage 0 "")
run garbage_in_sysfs_fails_cleanly 1 "$MKCTL" pool &&
	check garbage_in_sysfs_fails_cleanly one_line "$err"

run unknown_command_is_usage_error 2 "$MKCTL" frobnicate &&
	check unknown_command_is_usage_error contains "$err" "unknown command 'frobnicate'"
run unknown_option_is_usage_error 2 "$MKCTL" pool --bogus &&
	check unknown_option_is_usage_error one_line "$err"
run extra_argument_is_usage_error 2 "$MKCTL" pool extra &&
	check extra_argument_is_usage_error contains "$err" "unexpected argument 'extra'"
run help_lists_commands 0 "$MKCTL" --help &&
	check help_lists_commands contains "$out" "pool"
run pool_help_exits_zero 0 "$MKCTL" pool --help &&
	check pool_help_exits_zero contains "$out" "Usage: mkctl pool"

# Instances: a fake tree with two instances and CPUs 0-7.
export MKCTL_CPU_SYSFS=$TMP/cpu
MKCTL_SYSFS=$(fake_sysfs 1073741824 805306368 "5-7")
fake_cpus 3
fake_instance db 2 crashed 4 1048576
fake_instance web 1 running 1-2 268435456
SYS=$MKCTL_SYSFS
WEB=$SYS/instances/web

run create_writes_the_create_line 0 "$MKCTL" create new --cpus 5-6 --memory 256M &&
	check create_writes_the_create_line holds "$SYS/create" "new cpus=5-6 memory=268435456"
run create_takes_memory_in_bytes 0 "$MKCTL" create new --cpus 5 --memory 1048576 &&
	check create_takes_memory_in_bytes holds "$SYS/create" "new cpus=5 memory=1048576"
run create_is_quiet 0 "$MKCTL" create new --cpus 5 --memory 1G &&
	check create_is_quiet [ -z "$out$err" ]

: >"$SYS/create"
run create_refuses_online_cpu 1 "$MKCTL" create web2 --cpus 3 --memory 1G &&
	check create_refuses_online_cpu err_is \
		"mkctl: create web2: CPU 3 is online (offline it or pass --offline)"
check create_online_cpu_writes_nothing holds "$SYS/create" ""
check create_online_cpu_stays_online holds "$MKCTL_CPU_SYSFS/cpu3/online" 1
run create_refuses_cpu0 1 "$MKCTL" create web2 --cpus 0-1 --memory 1G &&
	check create_refuses_cpu0 err_is \
		"mkctl: create web2: CPU 0 is the boot CPU and cannot be given away"
run create_refuses_missing_cpu 1 "$MKCTL" create web2 --cpus 9 --memory 1G &&
	check create_refuses_missing_cpu [ "$err" = "mkctl: create web2: CPU 9 does not exist" ]
check refused_creates_write_nothing holds "$SYS/create" ""

run create_offline_offlines_online_cpus 0 "$MKCTL" create web2 --cpus 3,5 --memory 64M --offline &&
	check create_offline_offlines_online_cpus holds "$MKCTL_CPU_SYSFS/cpu3/online" 0
check create_offline_then_creates holds "$SYS/create" "web2 cpus=3,5 memory=67108864"
check create_offline_leaves_offline_cpus holds "$MKCTL_CPU_SYSFS/cpu5/online" 0

run create_bad_memory_is_usage_error 2 "$MKCTL" create web2 --cpus 5 --memory 12Q &&
	check create_bad_memory_is_usage_error contains "$err" "--memory '12Q'"
run create_zero_memory_is_usage_error 2 "$MKCTL" create web2 --cpus 5 --memory 0 &&
	check create_zero_memory_is_usage_error one_line "$err"
run create_bad_cpus_is_usage_error 2 "$MKCTL" create web2 --cpus 5-x --memory 1G &&
	check create_bad_cpus_is_usage_error contains "$err" "--cpus '5-x'"
run create_without_cpus_is_usage_error 2 "$MKCTL" create web2 --memory 1G &&
	check create_without_cpus_is_usage_error contains "$err" "missing --cpus LIST"
run create_bad_name_is_usage_error 2 "$MKCTL" create ../etc --cpus 5 --memory 1G &&
	check create_bad_name_is_usage_error contains "$err" "invalid name '../etc'"
run create_without_name_is_usage_error 2 "$MKCTL" create &&
	check create_without_name_is_usage_error contains "$err" "missing NAME"
check usage_errors_write_nothing holds "$SYS/create" "web2 cpus=3,5 memory=67108864"

# Virtio devices: net and vsock keys, and the I/O window they share.
run create_writes_net_and_vsock_keys 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--net --net=02:00:00:00:00:07 --vsock --iowin 16M &&
	check create_writes_net_and_vsock_keys holds "$SYS/create" \
		"new cpus=5 memory=1048576 net net=02:00:00:00:00:07 vsock iowin=16777216"
run create_writes_mtu 0 "$MKCTL" create new --cpus 5 --memory 1M --net \
	--mtu 9000 &&
	check create_writes_mtu holds "$SYS/create" \
		"new cpus=5 memory=1048576 net mtu=9000"
run create_vsock_alone_takes_iowin 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--vsock --iowin 8M &&
	check create_vsock_alone_takes_iowin holds "$SYS/create" \
		"new cpus=5 memory=1048576 vsock iowin=8388608"
: >"$SYS/create"
run create_vsock_past_four_devices_is_usage_error 2 "$MKCTL" create new --cpus 5 \
	--memory 1M --net --net --net --net --vsock &&
	check create_vsock_past_four_devices_is_usage_error contains "$err" \
		"4 virtio devices at most"
run create_iowin_without_virtio_is_usage_error 2 "$MKCTL" create new --cpus 5 \
	--memory 1M --iowin 8M &&
	check create_iowin_without_virtio_is_usage_error contains "$err" \
		"--iowin is only for instances with --net, --vsock or --disk"
run create_mtu_without_net_is_usage_error 2 "$MKCTL" create new --cpus 5 \
	--memory 1M --vsock --mtu 1500 &&
	check create_mtu_without_net_is_usage_error contains "$err" \
		"--mtu is only for instances with --net"
for bad in 67 9001 -1 1500x ""; do
	run "create_mtu_${bad:-empty}_is_usage_error" 2 "$MKCTL" create new \
		--cpus 5 --memory 1M --net --mtu "$bad" &&
		check "create_mtu_${bad:-empty}_is_usage_error" contains "$err" \
			"is not a number from 68 to 9000"
done
check virtio_usage_errors_write_nothing holds "$SYS/create" ""

# Virtio disks: an absolute path for the kernel, ",ro" for read-only.
DISKS=$(realpath "$TMP")/disks
mkdir -p "$DISKS"
: >"$DISKS/a.img"
: >"$DISKS/b.img"
ln -sf a.img "$DISKS/link.img"
run create_writes_disk_keys 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--disk "$DISKS/a.img" --disk "$DISKS/b.img:ro" &&
	check create_writes_disk_keys holds "$SYS/create" \
		"new cpus=5 memory=1048576 disk=$DISKS/a.img disk=$DISKS/b.img,ro"
run create_disk_path_made_absolute 0 sh -c "cd '$DISKS' && '$(realpath "$MKCTL")' create new \
	--cpus 5 --memory 1M --disk link.img:ro --iowin 16M" &&
	check create_disk_path_made_absolute holds "$SYS/create" \
		"new cpus=5 memory=1048576 disk=$DISKS/a.img,ro iowin=16777216"
: >"$SYS/create"
run create_missing_disk_is_usage_error 2 "$MKCTL" create new --cpus 5 \
	--memory 1M --disk "$DISKS/none.img" &&
	check create_missing_disk_is_usage_error contains "$err" \
		"mkctl: create: --disk $DISKS/none.img: No such file or directory"
: >"$DISKS/with space.img"
run create_disk_path_with_a_space_is_usage_error 2 "$MKCTL" create new \
	--cpus 5 --memory 1M --disk "$DISKS/with space.img" &&
	check create_disk_path_with_a_space_is_usage_error contains "$err" \
		"over 255 characters, or spaces"
run create_disk_past_four_devices_is_usage_error 2 "$MKCTL" create new \
	--cpus 5 --memory 1M --net --net --vsock --disk "$DISKS/a.img" \
	--disk "$DISKS/b.img" &&
	check create_disk_past_four_devices_is_usage_error contains "$err" \
		"4 virtio devices at most (--net, --vsock, --disk)"
check disk_usage_errors_write_nothing holds "$SYS/create" ""

# PCI device handover: device= keys on the create line.
export MKCTL_PCI_SYSFS=$TMP/pci
fake_pci
run create_writes_a_device_key 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 0000:01:00.0 &&
	check create_writes_a_device_key holds "$SYS/create" \
		"new cpus=5 memory=1048576 device=0000:01:00.0"
run create_adds_the_segment 0 "$MKCTL" create new --cpus 5 --memory 1M --device 01:00.0 &&
	check create_adds_the_segment holds "$SYS/create" \
		"new cpus=5 memory=1048576 device=0000:01:00.0"
run create_normalises_devices 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--device ABCD:F:1F.7 &&
	check create_normalises_devices holds "$SYS/create" \
		"new cpus=5 memory=1048576 device=abcd:0f:1f.7"
run create_takes_a_device_list 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 01:00.0,0000:02:00.0 &&
	check create_takes_a_device_list holds "$SYS/create" \
		"new cpus=5 memory=1048576 device=0000:01:00.0 device=0000:02:00.0"
run create_takes_repeated_devices 0 "$MKCTL" create new --device 2:0.0 --cpus 5 \
	--memory 1M --device 1:0.0 &&
	check create_takes_repeated_devices holds "$SYS/create" \
		"new cpus=5 memory=1048576 device=0000:02:00.0 device=0000:01:00.0"
run create_takes_four_devices 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 1:0.0,1:0.1 --device 1:0.2,1:0.3 &&
	check create_takes_four_devices contains "$(cat "$SYS/create")" \
		"device=0000:01:00.1 device=0000:01:00.2 device=0000:01:00.3"
run create_writes_a_uart_key 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--device ttyS1,01:00.0 &&
	check create_writes_a_uart_key holds "$SYS/create" \
		"new cpus=5 memory=1048576 device=ttyS1 device=0000:01:00.0"
run create_with_a_device_is_quiet 0 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 01:00.0 &&
	check create_with_a_device_is_quiet [ -z "$out$err" ]

: >"$SYS/create"
for bad in 01:00 01:00.8 01:20.0 1:2:3:00.0 12345:00:00.0 100:00.0 0x1:00.0 \
	" 01:00.0" 01:00.0x ttyS ttyS01 ttyS256 ttyS-1 ttyUSB0; do
	name="create_device_${bad// /_}_is_usage_error"
	run "$name" 2 "$MKCTL" create new --cpus 5 --memory 1M --device "$bad" &&
		check "$name" err_is \
			"mkctl: create: --device '$bad': neither a PCI function like 01:00.0 nor a UART like ttyS1 (see 'mkctl create --help')"
done
run create_names_the_bad_device_of_a_list 2 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 01:00.0,zz:00.0 &&
	check create_names_the_bad_device_of_a_list contains "$err" "--device 'zz:00.0'"
run create_device_empty_entry_is_usage_error 2 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 01:00.0, &&
	check create_device_empty_entry_is_usage_error contains "$err" \
		"--device '01:00.0,' has an empty entry"
run create_device_twice_is_usage_error 2 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 01:00.0 --device 0000:1:0.0 &&
	check create_device_twice_is_usage_error contains "$err" \
		"--device 0000:01:00.0 is given twice"
run create_five_devices_is_usage_error 2 "$MKCTL" create new --cpus 5 --memory 1M \
	--device 1:0.0,1:0.1,1:0.2 --device 1:0.3,1:0.4 &&
	check create_five_devices_is_usage_error contains "$err" "at most 4 devices"
run create_device_without_value_is_usage_error 2 "$MKCTL" create new --cpus 5 \
	--memory 1M --device &&
	check create_device_without_value_is_usage_error contains "$err" "needs an argument"
run run_bad_device_is_usage_error 2 "$MKCTL" run new --cpus 5 --memory 1M \
	--kernel "$TMP/no-such-bzImage" --device 01:00 &&
	check run_bad_device_is_usage_error contains "$err" "mkctl: run: --device '01:00'"
check bad_devices_write_nothing holds "$SYS/create" ""

# instances/NAME/devices; db has none (a kernel without the file).
printf 'pci 0000:01:00.0 instance\npci 0000:02:00.0 host\n' >"$WEB/devices"
run status_prints_devices 0 "$MKCTL" status web &&
	check status_prints_devices [ "$(grep '^devices:' "$TMP/out" | tr -s ' ')" = \
		"devices: 0000:01:00.0 (instance), 0000:02:00.0 (host)" ]
run status_without_devices_file_says_none 0 "$MKCTL" status db &&
	check status_without_devices_file_says_none \
		[ "$(grep '^devices:' "$TMP/out" | tr -s ' ')" = "devices: none" ]
: >"$SYS/instances/db/devices"
run status_without_devices_says_none 0 "$MKCTL" status db &&
	check status_without_devices_says_none \
		[ "$(grep '^devices:' "$TMP/out" | tr -s ' ')" = "devices: none" ]
run status_json_lists_devices 0 "$MKCTL" status web --json &&
	check status_json_lists_devices json_ok 'd["devices"] == [
	{"bus": "pci", "address": "0000:01:00.0", "holder": "instance"},
	{"bus": "pci", "address": "0000:02:00.0", "holder": "host"}]'
run status_json_without_devices_is_empty 0 "$MKCTL" status db --json &&
	check status_json_without_devices_is_empty json_ok 'd["devices"] == []'
rm "$SYS/instances/db/devices"
run status_json_without_devices_file_is_empty 0 "$MKCTL" status db --pretty &&
	check status_json_without_devices_file_is_empty json_ok 'd["devices"] == []'

# What mkctl says when the kernel refuses a create line with devices.
run_create() { errno_run "$1" 1 "$2" "$MKCTL" create new --cpus 5 --memory 1M "${@:3}"; }
run_create create_enodev_names_the_function ENODEV --device 04:00.0 &&
	check create_enodev_names_the_function err_is \
		"mkctl: create new: no PCI function 0000:04:00.0"
run_create create_enodev_of_a_uart ENODEV --device ttyS3 &&
	check create_enodev_of_a_uart err_is \
		"mkctl: create new: ttyS3 is not a legacy UART (ttyS0-3 at its ISA port) the host drives"
run_create create_enodev_finds_the_missing_function ENODEV --device 01:00.0,4:0.0 &&
	check create_enodev_finds_the_missing_function err_is \
		"mkctl: create new: no PCI function 0000:04:00.0"
run_create create_enodev_of_several_functions ENODEV --device 01:00.0,02:00.0 &&
	check create_enodev_of_several_functions err_is \
		"mkctl: create new: one of 0000:01:00.0, 0000:02:00.0 does not exist (see dmesg)"
run_create create_ebusy_names_the_instance_given_it EBUSY --device 03:00.0,02:00.0 &&
	check create_ebusy_names_the_instance_given_it err_is \
		"mkctl: create new: 0000:02:00.0 is given to instance 'web'"
errno_run create_ebusy_names_the_instance_with_the_cpu 1 EBUSY "$MKCTL" create new \
	--cpus 2 --memory 1M --device 03:00.0 &&
	check create_ebusy_names_the_instance_with_the_cpu err_is \
		"mkctl: create new: CPU 2 belongs to instance 'web'"
IN_USE="(a mounted or open disk, an up network interface, an open tty or the console)"
run_create create_ebusy_says_in_use_by_the_host EBUSY --device 03:00.0 &&
	check create_ebusy_says_in_use_by_the_host err_is \
		"mkctl: create new: 0000:03:00.0 is in use by the host $IN_USE, or a CPU is online or belongs to another instance (see dmesg)"
run_create create_ebusy_without_devices_blames_cpus EBUSY &&
	check create_ebusy_without_devices_blames_cpus err_is \
		"mkctl: create new: a CPU is online or belongs to another instance"
echo "virtio1_disk_path $DISKS/b.img" >>"$WEB/stats"
run_create create_ebusy_names_the_instance_with_the_disk EBUSY \
	--disk "$DISKS/b.img:ro" &&
	check create_ebusy_names_the_instance_with_the_disk err_is \
		"mkctl: create new: disk $DISKS/b.img is given to instance 'web'"
run_create create_ebusy_of_a_free_disk_says_it_may_be_mounted EBUSY \
	--disk "$DISKS/a.img" &&
	check create_ebusy_of_a_free_disk_says_it_may_be_mounted err_is \
		"mkctl: create new: a CPU or a --disk is busy: a disk may be mounted or open for writing here (see dmesg)"
sed -i '/_disk_path /d' "$WEB/stats"
run_create create_eopnotsupp_names_the_function EOPNOTSUPP --device 01:00.0 &&
	check create_eopnotsupp_names_the_function err_is \
		"mkctl: create new: 0000:01:00.0 cannot be handed over (no reset method or no ECAM; see dmesg)"
run_create create_eopnotsupp_finds_no_reset_method EOPNOTSUPP --device 01:00.0,03:00.0 &&
	check create_eopnotsupp_finds_no_reset_method err_is \
		"mkctl: create new: 0000:03:00.0 cannot be handed over (no reset method)"
run_create create_einval_names_a_bridge EINVAL --device 01:00.0,00:01.0 &&
	check create_einval_names_a_bridge err_is \
		"mkctl: create new: 0000:00:01.0 is a bridge, not a function that can be handed over"
run_create create_einval_points_to_dmesg EINVAL --device 01:00.0 &&
	check create_einval_points_to_dmesg err_is \
		"mkctl: create new: the kernel refused 'new cpus=5 memory=1048576 device=0000:01:00.0' (a bridge? see the kernel log (dmesg))"
run_create create_einval_without_devices_is_unchanged EINVAL &&
	check create_einval_without_devices_is_unchanged err_is \
		"mkctl: create new: the kernel refused 'new cpus=5 memory=1048576' (see dmesg)"
run_create create_eexist_with_a_device_is_unchanged EEXIST --device 01:00.0 &&
	check create_eexist_with_a_device_is_unchanged err_is \
		"mkctl: create new: an instance named 'new' exists"
run_create create_enospc_with_a_device_is_unchanged ENOSPC --device 01:00.0 &&
	check create_enospc_with_a_device_is_unchanged contains "$err" "no free instance slot"

# start: a device given back to the host while stopped is in use there.
echo stopped >"$WEB/state"
errno_run start_ebusy_says_the_device_is_in_use 1 EBUSY "$MKCTL" start web &&
	check start_ebusy_says_the_device_is_in_use err_is \
		"mkctl: start web: 0000:02:00.0 is in use by the host (a mounted or open disk, an up network interface, an open tty or the console; see dmesg)"
printf 'pci 0000:01:00.0 host\npci 0000:02:00.0 host\n' >"$WEB/devices"
errno_run restart_ebusy_says_one_of_the_devices 1 EBUSY "$MKCTL" restart web &&
	check restart_ebusy_says_one_of_the_devices contains "$err" \
		"restart web: one of 0000:01:00.0, 0000:02:00.0 is in use by the host"
errno_run kill_ebusy_is_unchanged 1 EBUSY "$MKCTL" kill web &&
	check kill_ebusy_is_unchanged err_is "mkctl: kill web: instance is already stopped"
# kill: a CPU that did not confirm it stopped leaves the instance lost.
echo "unconfirmed_cpu 3" >>"$WEB/stats"
errno_run kill_etimedout_says_lost_and_names_the_cpu 1 ETIMEDOUT "$MKCTL" kill web &&
	check kill_etimedout_says_lost_and_names_the_cpu err_is \
		"mkctl: kill web: CPU 3 did not confirm it stopped: the instance is lost and keeps its CPUs, memory and devices (run 'mkctl kill web' again)"
sed -i '/^unconfirmed_cpu /d' "$WEB/stats"
errno_run start_enodev_says_being_destroyed 1 ENODEV "$MKCTL" start web &&
	check start_enodev_says_being_destroyed err_is \
		"mkctl: start web: instance is being created or destroyed"
echo running >"$WEB/state"
errno_run start_ebusy_running_is_unchanged 1 EBUSY "$MKCTL" start web &&
	check start_ebusy_running_is_unchanged err_is \
		"mkctl: start web: instance is already running"
printf 'pci 0000:01:00.0 instance\npci 0000:02:00.0 host\n' >"$WEB/devices"

run list_prints_a_header 0 "$MKCTL" list &&
	check list_prints_a_header \
		[ "$(head -n1 "$TMP/out" | tr -s ' ')" = "NAME ID STATE CPUS MEMORY" ]
run list_prints_rows_by_id 0 "$MKCTL" list &&
	check list_prints_rows_by_id \
		[ "$(sed -n 2,3p "$TMP/out" | tr -s ' ')" = "web 1 running 1-2 256 MiB
db 2 crashed 4 1 MiB" ]
run list_aligns_columns 0 "$MKCTL" list &&
	check list_aligns_columns \
		[ "$(awk '{ print index($0, $3) }' "$TMP/out" | sort -u | wc -l)" -eq 1 ]
WEB_JSON='{"name": "web", "id": 1, "state": "running", "cpus": "1-2",'
WEB_JSON+=' "cpu_list": [1, 2], "memory": 268435456}'
run list_json_describes_instances 0 "$MKCTL" list --json &&
	check list_json_describes_instances json_ok "d['instances'][0] == $WEB_JSON"
run list_json_lists_all 0 "$MKCTL" --json list &&
	check list_json_lists_all json_ok '[i["name"] for i in d["instances"]] == ["web", "db"]'
run list_pretty_json_is_valid 0 "$MKCTL" list --pretty &&
	check list_pretty_json_is_valid json_ok 'len(d["instances"]) == 2'

run status_prints_fields 0 "$MKCTL" status web &&
	check status_prints_fields \
		[ "$(grep -E '^(state|cpus|memory):' "$TMP/out" | tr -s ' ')" = "state: running
cpus: 1-2
memory: 256 MiB" ]
STATS_RE='^(starts|uptime_ms|ready_ms|init_ms|exit_reason|console_bytes|frobs):'
run status_prints_every_stat 0 "$MKCTL" status web &&
	check status_prints_every_stat [ "$(grep -cE "$STATS_RE" "$TMP/out")" -eq 7 ]
run status_keeps_stat_values_whole 0 "$MKCTL" status web &&
	check status_keeps_stat_values_whole contains "$out" "none yet"
run status_json_has_fields 0 "$MKCTL" status web --json &&
	check status_json_has_fields json_ok 'd["name"] == "web"' 'd["id"] == 1' \
		'd["cpu_list"] == [1, 2]' 'd["memory"] == 268435456'
run status_json_has_typed_stats 0 "$MKCTL" status web --json &&
	check status_json_has_typed_stats json_ok 'd["stats"]["uptime_ms"] == 1500' \
		'd["stats"]["exit_reason"] == "none yet"' 'd["stats"]["frobs"] == 7'
run status_prints_the_panic_message 0 "$MKCTL" status web &&
	check status_prints_the_panic_message contains "$out" "panic_message: $PANIC"
run status_json_panic_message_is_a_string 0 "$MKCTL" status web --json &&
	check status_json_panic_message_is_a_string json_ok \
		"d['stats']['panic_message'] == '$PANIC'" 'd["stats"]["heartbeats"] == 12'
set_stat "$SYS/instances/db/stats" panic_message 42
run status_json_numeric_panic_message_stays_text 0 "$MKCTL" status db --json &&
	check status_json_numeric_panic_message_stays_text \
		json_ok 'd["stats"]["panic_message"] == "42"'

run start_writes_start 0 "$MKCTL" start web &&
	check start_writes_start holds "$WEB/control" start
run start_wait_returns_when_running 0 "$MKCTL" start web --wait=1 &&
	check start_wait_returns_when_running [ -z "$err" ]
sed -i '/^init_ms /d' "$WEB/stats"
run start_wait_waits_for_init 1 "$MKCTL" start web --wait=1 &&
	check start_wait_waits_for_init err_is \
		"mkctl: start web: running but /init not started after 1 s (see 'mkctl log web')"
(sleep 0.3 && echo "init_ms 700" >>"$WEB/stats") &
run start_wait_sees_init_ready 0 "$MKCTL" start web --wait=5 &&
	check start_wait_sees_init_ready [ -z "$err" ]
wait
echo crashed >"$WEB/state"
run start_wait_fails_on_crash 1 "$MKCTL" start web --wait=1 &&
	check start_wait_fails_on_crash err_is \
		"mkctl: start web: crashed while starting (see 'mkctl log web')"
echo stopped >"$WEB/state"
run start_wait_fails_on_stop 1 "$MKCTL" start web --wait=1 &&
	check start_wait_fails_on_stop contains "$err" "stopped before it was ready"
echo starting >"$WEB/state"
run start_wait_times_out 1 "$MKCTL" start web --wait=1 &&
	check start_wait_times_out err_is \
		"mkctl: start web: still starting after 1 s (see 'mkctl log web')"
run start_bad_wait_is_usage_error 2 "$MKCTL" start web --wait=soon &&
	check start_bad_wait_is_usage_error one_line "$err"

echo running >"$WEB/state"
run kill_writes_kill 0 "$MKCTL" kill web &&
	check kill_writes_kill holds "$WEB/control" kill
run restart_writes_restart 0 "$MKCTL" restart web &&
	check restart_writes_restart holds "$WEB/control" restart
# The kernel kills the instance after --timeout; mkctl waits 5 s more.
echo stopping >"$WEB/state"
run stop_fails_when_it_stays_stopping 1 "$MKCTL" stop web --timeout 1 &&
	check stop_fails_when_it_stays_stopping err_is \
		"mkctl: stop web: still stopping after 6 s (force it with 'mkctl kill web')"
check stop_timeout_writes_stop_seconds holds "$WEB/control" "stop 1"
echo stopped >"$WEB/state"
set_stat "$WEB/stats" exit_reason poweroff
run stop_writes_stop 0 "$MKCTL" stop web &&
	check stop_writes_stop holds "$WEB/control" stop
run stop_prints_the_exit_reason 0 "$MKCTL" stop web &&
	check stop_prints_the_exit_reason [ "$out" = "web stopped (poweroff)" ]
set_stat "$WEB/stats" exit_reason stop-timeout
run stop_says_when_it_was_killed 0 "$MKCTL" stop web &&
	check stop_says_when_it_was_killed out_is \
		"web stopped (stop-timeout: killed after 10 s)"
run stop_says_the_timeout_it_gave 0 "$MKCTL" stop web --timeout 3 &&
	check stop_says_the_timeout_it_gave out_is \
		"web stopped (stop-timeout: killed after 3 s)"
echo crashed >"$WEB/state"
set_stat "$WEB/stats" exit_reason panic
run stop_fails_on_crash 1 "$MKCTL" stop web &&
	check stop_fails_on_crash err_is \
		"mkctl: stop web: crashed while stopping (panic: $PANIC; see 'mkctl log web')"
run stop_zero_timeout_is_usage_error 2 "$MKCTL" stop web --timeout 0 &&
	check stop_zero_timeout_is_usage_error contains "$err" "--timeout must be 1 to 3600 seconds"
echo stopped >"$WEB/state"
run destroy_writes_the_name 0 "$MKCTL" destroy web &&
	check destroy_writes_the_name holds "$SYS/destroy" web

run log_prints_the_console 0 "$MKCTL" log web &&
	check log_prints_the_console [ "$out" = "boot line 1
boot line 2" ]
run log_follow_ends_when_stopped 0 "$MKCTL" log web -f &&
	check log_follow_ends_when_stopped [ "$out" = "boot line 1
boot line 2" ]
echo running >"$WEB/state"
(
	sleep 0.5
	printf 'boot line 3\n' >>"$WEB/console"
	sed -i 's/^console_bytes .*/console_bytes 36/' "$WEB/stats"
	sleep 0.5
	echo crashed >"$WEB/state"
) &
run log_follow_prints_new_output_once 0 "$MKCTL" log web --follow &&
	check log_follow_prints_new_output_once [ "$out" = "boot line 1
boot line 2
boot line 3" ]
wait

for cmd in start status log console destroy; do
	run "${cmd}_unknown_instance_fails" 1 "$MKCTL" "$cmd" nope &&
		check "${cmd}_unknown_instance_fails" err_is \
			"mkctl: $cmd nope: no instance named 'nope'"
done

run load_without_kernel_is_usage_error 2 "$MKCTL" load web &&
	check load_without_kernel_is_usage_error contains "$err" "missing --kernel FILE"
run load_missing_file_fails 1 "$MKCTL" load web --kernel "$TMP/no-such-bzImage" &&
	check load_missing_file_fails err_is \
		"mkctl: load web: cannot open $TMP/no-such-bzImage: No such file or directory"
: >"$SYS/create"
run run_missing_file_fails_first 1 "$MKCTL" run new --cpus 3 --memory 64M \
	--kernel "$TMP/no-such-bzImage" &&
	check run_missing_file_fails_first holds "$SYS/create" ""
# The fake kernel never makes instances/new, so load fails after create.
fake_cpus 3
: >"$SYS/destroy"
echo kernel >"$TMP/bzImage"
run run_undoes_create_on_failure 1 "$MKCTL" run new --cpus 3 --memory 64M \
	--kernel "$TMP/bzImage" --offline &&
	check run_undoes_create_on_failure holds "$SYS/destroy" new
check run_created_before_failing holds "$SYS/create" "new cpus=3 memory=67108864"
check run_brings_offlined_cpus_back holds "$MKCTL_CPU_SYSFS/cpu3/online" 1
fake_cpus 3
run run_passes_devices_on 1 "$MKCTL" run new --cpus 5 --memory 64M --kernel "$TMP/bzImage" \
	--device 01:00.0 --device 3:0.0 &&
	check run_passes_devices_on holds "$SYS/create" \
		"new cpus=5 memory=67108864 device=0000:01:00.0 device=0000:03:00.0"

# Message devices: a fake /dev where mk-NAME is a regular file or a FIFO.
export MKCTL_DEV=$TMP/dev
DEV=$MKCTL_DEV
mkdir -p "$DEV"
: >"$DEV/mk-web"
run send_writes_the_bytes 0 "$MKCTL" send web 'hello  world' &&
	check send_writes_the_bytes holds_bytes "$DEV/mk-web" 'hello  world'
run send_is_quiet 0 "$MKCTL" send web x &&
	check send_is_quiet [ -z "$out$err" ]
printf 'line 1\nline 2\n' >"$TMP/msg"
run send_reads_stdin 0 "$MKCTL" send web - <"$TMP/msg" &&
	check send_reads_stdin cmp -s "$DEV/mk-web" "$TMP/msg"
run send_dashdash_data 0 "$MKCTL" send web -- --json &&
	check send_dashdash_data holds_bytes "$DEV/mk-web" --json
run send_to_missing_device_fails 1 "$MKCTL" send db hi &&
	check send_to_missing_device_fails err_is \
		"mkctl: send db: $DEV/mk-db does not exist (a kernel without message devices?)"
run send_too_long_is_usage_error 2 "$MKCTL" send web "$(head -c 8193 /dev/zero | tr '\0' x)" &&
	check send_too_long_is_usage_error contains "$err" "DATA is 8193 bytes long"
head -c 8193 /dev/zero >"$TMP/msg"
run send_too_long_stdin_fails 1 "$MKCTL" send web - <"$TMP/msg" &&
	check send_too_long_stdin_fails one_line "$err"
run send_empty_is_usage_error 2 "$MKCTL" send web '' &&
	check send_empty_is_usage_error contains "$err" "DATA is empty"
run send_without_data_is_usage_error 2 "$MKCTL" send web &&
	check send_without_data_is_usage_error contains "$err" "missing DATA"

printf 'pong' >"$DEV/mk-web"
run recv_prints_the_message 0 "$MKCTL" recv web &&
	check recv_prints_the_message holds_bytes "$TMP/out" 'pong
'
printf 'two\nlines\n' >"$DEV/mk-web"
run recv_adds_no_second_newline 0 "$MKCTL" recv web --timeout 1 &&
	check recv_adds_no_second_newline holds_bytes "$TMP/out" 'two
lines
'
: >"$DEV/mk-web"
run recv_at_the_end_says_not_running 1 "$MKCTL" recv web &&
	check recv_at_the_end_says_not_running [ "$err" = "mkctl: recv web: web is not running" ]
# A FIFO with a writer held open: poll() waits as on an empty device.
mkfifo "$DEV/mk-db"
exec 3<>"$DEV/mk-db"
run recv_times_out 1 "$MKCTL" recv db --timeout 1 &&
	check recv_times_out [ "$err" = "mkctl: recv db: no message within 1 s" ]
printf 'from fifo' >&3
run recv_reads_a_fifo 0 "$MKCTL" recv db --timeout 1 &&
	check recv_reads_a_fifo [ "$out" = "from fifo" ]
exec 3>&-
run recv_bad_timeout_is_usage_error 2 "$MKCTL" recv db --timeout soon &&
	check recv_bad_timeout_is_usage_error one_line "$err"

run ping_on_a_regular_file_fails 1 "$MKCTL" ping web -c 3 &&
	check ping_on_a_regular_file_fails err_is \
		"mkctl: ping web: $DEV/mk-web is not a multikernel message device"
check ping_failing_prints_nothing [ -z "$out" ]
run ping_zero_count_is_usage_error 2 "$MKCTL" ping web -c 0 &&
	check ping_zero_count_is_usage_error contains "$err" "-c needs a count from 1 to"
run ping_unknown_instance_fails 1 "$MKCTL" ping nope &&
	check ping_unknown_instance_fails [ "$err" = "mkctl: ping nope: no instance named 'nope'" ]

# console: input through the ioctl, output from instances/NAME/console.
run console_not_running_fails 1 "$MKCTL" console db </dev/null &&
	check console_not_running_fails err_is \
		"mkctl: console db: db is not running (state crashed)"
echo running >"$WEB/state"
run console_on_a_regular_file_fails 1 "$MKCTL" console web --timeout 1 <<<"ls" &&
	check console_on_a_regular_file_fails err_is \
		"mkctl: console web: $DEV/mk-web is not a multikernel message device"
run console_bad_escape_is_usage_error 2 "$MKCTL" console web --escape xy </dev/null &&
	check console_bad_escape_is_usage_error contains "$err" "--escape needs ^X"
run console_prints_no_history 0 "$MKCTL" console web --timeout 1 </dev/null &&
	check console_prints_no_history [ -z "$out$err" ]
(
	sleep 0.3
	printf 'boot line 4\n' >>"$WEB/console"
	set_stat "$WEB/stats" console_bytes 48
	sleep 0.3
	echo stopped >"$WEB/state"
) &
# --timeout 30: it must end because the instance stopped, not time out.
start=$(date +%s)
run console_prints_new_output_until_stopped 0 "$MKCTL" console web --timeout 30 </dev/null &&
	took=$(($(date +%s) - start)) &&
	check console_prints_new_output_until_stopped \
		[ "$out" = "boot line 4" -a "$took" -lt 10 ]
wait
echo running >"$WEB/state"
printf 'login: ' >>"$WEB/console"
set_stat "$WEB/stats" console_bytes 55
run console_starts_with_the_last_line 0 "$MKCTL" console web --timeout 0 </dev/null &&
	check console_starts_with_the_last_line holds_bytes "$TMP/out" 'login: '

for cmd in create load unload start run stop kill restart destroy list status \
	log console send recv ping; do
	run "${cmd}_help_exits_zero" 0 "$MKCTL" "$cmd" --help &&
		check "${cmd}_help_exits_zero" contains "$out" "Usage: mkctl $cmd"
done
run create_help_describes_device 0 "$MKCTL" create --help &&
	check create_help_describes_device contains "$out" "--device BDF"
run run_help_describes_device 0 "$MKCTL" run --help &&
	check run_help_describes_device contains "$out" "[--device BDF[,BDF...]]"
run create_unknown_option_is_usage_error 2 "$MKCTL" create web --cpus 5 --memory 1G --bogus &&
	check create_unknown_option_is_usage_error contains "$err" "unknown option '--bogus'"
run start_without_name_is_usage_error 2 "$MKCTL" start &&
	check start_without_name_is_usage_error contains "$err" "missing NAME"
run kill_extra_argument_is_usage_error 2 "$MKCTL" kill web db &&
	check kill_extra_argument_is_usage_error contains "$err" "unexpected argument 'db'"
run stop_without_timeout_value_is_usage_error 2 "$MKCTL" stop web --timeout &&
	check stop_without_timeout_value_is_usage_error contains "$err" "needs an argument"
run list_extra_argument_is_usage_error 2 "$MKCTL" list web &&
	check list_extra_argument_is_usage_error one_line "$err"

[ "$failed" -eq 0 ]

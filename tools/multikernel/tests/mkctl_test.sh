#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkctl's own tests: run mkctl against a fake /sys/kernel/multikernel
# (MKCTL_SYSFS) on the build machine, no kernel needed. Prints TAP.
#
#   MKCTL=path/to/mkctl ./mkctl_test.sh

set -u
MKCTL=${MKCTL:-$(dirname "$0")/../mkctl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "# $l"; done; }

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
	if "$@"; then ok "$name"; else not_ok "$name" "check failed: $*" "stdout: $out" "stderr: $err"; fi
}
contains() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }
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
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1" <<<"$out"
}
# json_ok EXPR: the last output is JSON and the Python EXPR on it (d) holds.
json_ok() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$out" "$1"
}

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
	printf 'starts 2\nstate %s\nuptime_ms 1500\nready_ms 420\nexit_reason none yet\nconsole_bytes 24\nfrobs 7\n' \
		"$3" >"$d/stats"
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

# holds FILE CONTENT: FILE holds exactly CONTENT (a trailing newline aside).
holds() { [ "$(cat "$1")" = "$2" ]; }

echo "TAP version 13"
echo "1..87"

export MKCTL_SYSFS
MKCTL_SYSFS=$(fake_sysfs 1073741824 805306368 "2-3,5")

run pool_prints_memory_and_cpus 0 "$MKCTL" pool &&
	check pool_prints_memory_and_cpus contains "$out" "768 MiB free of 1024 MiB"
run pool_prints_cpulist 0 "$MKCTL" pool &&
	check pool_prints_cpulist contains "$out" "2-3,5"

run pool_json_is_valid 0 "$MKCTL" pool --json &&
	check pool_json_is_valid python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out"
run pool_json_has_sizes 0 "$MKCTL" pool --json &&
	check pool_json_has_sizes [ "$(json_get '["memory_total"]')/$(json_get '["memory_free"]')" = "1073741824/805306368" ]
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
	check create_refuses_online_cpu [ "$err" = "mkctl: create web2: CPU 3 is online (offline it or pass --offline)" ]
check create_online_cpu_writes_nothing holds "$SYS/create" ""
check create_online_cpu_stays_online holds "$MKCTL_CPU_SYSFS/cpu3/online" 1
run create_refuses_cpu0 1 "$MKCTL" create web2 --cpus 0-1 --memory 1G &&
	check create_refuses_cpu0 [ "$err" = "mkctl: create web2: CPU 0 is the boot CPU and cannot be given away" ]
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

run list_prints_a_header 0 "$MKCTL" list &&
	check list_prints_a_header [ "$(printf '%s\n' "$out" | head -n1 | tr -s ' ')" = "NAME ID STATE CPUS MEMORY" ]
run list_prints_rows_by_id 0 "$MKCTL" list &&
	check list_prints_rows_by_id [ "$(printf '%s\n' "$out" | sed -n 2,3p | tr -s ' ')" = "web 1 running 1-2 256 MiB
db 2 crashed 4 1 MiB" ]
run list_aligns_columns 0 "$MKCTL" list &&
	check list_aligns_columns [ "$(printf '%s\n' "$out" | awk '{ print index($0, $3) }' | sort -u | wc -l)" -eq 1 ]
run list_json_describes_instances 0 "$MKCTL" list --json &&
	check list_json_describes_instances json_ok 'd["instances"][0] == {"name": "web", "id": 1, "state": "running", "cpus": "1-2", "cpu_list": [1, 2], "memory": 268435456}'
run list_json_lists_all 0 "$MKCTL" --json list &&
	check list_json_lists_all json_ok '[i["name"] for i in d["instances"]] == ["web", "db"]'
run list_pretty_json_is_valid 0 "$MKCTL" list --pretty &&
	check list_pretty_json_is_valid json_ok 'len(d["instances"]) == 2'

run status_prints_fields 0 "$MKCTL" status web &&
	check status_prints_fields [ "$(printf '%s\n' "$out" | grep -E '^(state|cpus|memory):' | tr -s ' ')" = "state: running
cpus: 1-2
memory: 256 MiB" ]
run status_prints_every_stat 0 "$MKCTL" status web &&
	check status_prints_every_stat [ "$(printf '%s\n' "$out" | grep -cE '^(starts|uptime_ms|ready_ms|exit_reason|console_bytes|frobs):')" -eq 6 ]
run status_keeps_stat_values_whole 0 "$MKCTL" status web &&
	check status_keeps_stat_values_whole contains "$out" "none yet"
run status_json_has_fields 0 "$MKCTL" status web --json &&
	check status_json_has_fields json_ok 'd["name"] == "web" and d["id"] == 1 and d["cpu_list"] == [1, 2] and d["memory"] == 268435456'
run status_json_has_typed_stats 0 "$MKCTL" status web --json &&
	check status_json_has_typed_stats json_ok 'd["stats"]["uptime_ms"] == 1500 and d["stats"]["exit_reason"] == "none yet" and d["stats"]["frobs"] == 7'

run start_writes_start 0 "$MKCTL" start web &&
	check start_writes_start holds "$WEB/control" start
run start_wait_returns_when_running 0 "$MKCTL" start web --wait=1 &&
	check start_wait_returns_when_running [ -z "$err" ]
echo crashed >"$WEB/state"
run start_wait_fails_on_crash 1 "$MKCTL" start web --wait=1 &&
	check start_wait_fails_on_crash [ "$err" = "mkctl: start web: crashed while starting (see 'mkctl log web')" ]
echo stopped >"$WEB/state"
run start_wait_fails_on_stop 1 "$MKCTL" start web --wait=1 &&
	check start_wait_fails_on_stop contains "$err" "stopped before it was ready"
echo starting >"$WEB/state"
run start_wait_times_out 1 "$MKCTL" start web --wait=1 &&
	check start_wait_times_out [ "$err" = "mkctl: start web: still starting after 1 s (see 'mkctl log web')" ]
run start_bad_wait_is_usage_error 2 "$MKCTL" start web --wait=soon &&
	check start_bad_wait_is_usage_error one_line "$err"

echo running >"$WEB/state"
run kill_writes_kill 0 "$MKCTL" kill web &&
	check kill_writes_kill holds "$WEB/control" kill
run restart_writes_restart 0 "$MKCTL" restart web &&
	check restart_writes_restart holds "$WEB/control" restart
run stop_times_out_while_running 1 "$MKCTL" stop web --timeout 1 &&
	check stop_times_out_while_running contains "$err" "still running after 1 s"
echo stopped >"$WEB/state"
run stop_writes_stop 0 "$MKCTL" stop web &&
	check stop_writes_stop holds "$WEB/control" stop
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

for cmd in start status log destroy; do
	run "${cmd}_unknown_instance_fails" 1 "$MKCTL" "$cmd" nope &&
		check "${cmd}_unknown_instance_fails" [ "$err" = "mkctl: $cmd nope: no instance named 'nope'" ]
done

run load_without_kernel_is_usage_error 2 "$MKCTL" load web &&
	check load_without_kernel_is_usage_error contains "$err" "missing --kernel FILE"
run load_missing_file_fails 1 "$MKCTL" load web --kernel "$TMP/no-such-bzImage" &&
	check load_missing_file_fails [ "$err" = "mkctl: load web: cannot open $TMP/no-such-bzImage: No such file or directory" ]
: >"$SYS/create"
run run_missing_file_fails_first 1 "$MKCTL" run new --cpus 3 --memory 64M --kernel "$TMP/no-such-bzImage" &&
	check run_missing_file_fails_first holds "$SYS/create" ""
# The fake kernel never makes instances/new, so load fails after create.
fake_cpus 3
: >"$SYS/destroy"
echo kernel >"$TMP/bzImage"
run run_undoes_create_on_failure 1 "$MKCTL" run new --cpus 3 --memory 64M --kernel "$TMP/bzImage" --offline &&
	check run_undoes_create_on_failure holds "$SYS/destroy" new
check run_created_before_failing holds "$SYS/create" "new cpus=3 memory=67108864"
check run_brings_offlined_cpus_back holds "$MKCTL_CPU_SYSFS/cpu3/online" 1

for cmd in create load unload start run stop kill restart destroy list status log; do
	run "${cmd}_help_exits_zero" 0 "$MKCTL" "$cmd" --help &&
		check "${cmd}_help_exits_zero" contains "$out" "Usage: mkctl $cmd"
done
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

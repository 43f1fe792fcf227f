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
	echo "$1" >"$root/pool/memory_total"
	echo "$2" >"$root/pool/memory_free"
	echo "$3" >"$root/pool/cpus"
	echo "$root"
}

json_get() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1" <<<"$out"
}

echo "TAP version 13"
echo "1..16"

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

[ "$failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh BZIMAGE INITRAMFS: boot the QEMU host and run the benchmarks;
# print their numbers. Benchmarks live apart from tests: they report,
# they do not judge (QEMU TCG timings are relative, not absolute).
set -uo pipefail
# nokaslr, as in make test: with KASLR a 1G pool does not always fit in
# the 2G guest (Documentation/multikernel.rst, "Limitations").

bzimage=$1 initramfs=$2
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/test-logs/bench.log
mkdir -p "$(dirname "$log")"

"$top/tools/testing/selftests/multikernel/run_vm.sh" -k "$bzimage" \
	-i "$initramfs" -t 900 -l "$log" \
	-a "multikernel_pool=1G nokaslr kunit.enable=0 mktest.run=spawn_bench,net_bench,disk_bench" >/dev/null
rc=$?
sed -n '/^MKTEST-BEGIN/,/^MKTEST-END/p' "$log" | tr -d '\r' | grep -v '^MKTEST-\|^# selftests'
if [ "$rc" -ne 0 ] || ! grep -q "start -> running" "$log" ||
   ! grep -q "TCP stream host -> spawn" "$log" ||
   ! grep -q "4 KiB random read" "$log"; then
	echo "bench: failed (QEMU exit $rc); log in $log" >&2
	exit 1
fi

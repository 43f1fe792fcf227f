#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh TREE: scripts/checkpatch.pl --strict on every file we own
# (the overlay) and on every patch in patches/. Fails on any finding.
set -uo pipefail

tree=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cp="$tree/scripts/checkpatch.pl"
opts=(--strict --terse --no-summary --show-types --quiet)
status=0

mapfile -t files < <(cd "$top" && git ls-files --cached --others --exclude-standard \
	'Documentation/*' 'arch/*' 'drivers/*' 'include/*' 'kernel/*' 'lib/*' 'tools/*' |
	grep -E '\.(c|h|S)$|Kconfig|/Makefile$')
n=0
for f in "${files[@]}"; do
	[ -f "$top/$f" ] || continue
	n=$((n + 1))
	out=$(cd "$tree" && "$cp" "${opts[@]}" -f "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	fi
done
for p in "$top"/patches/*.patch; do
	n=$((n + 1))
	out=$(cd "$tree" && "$cp" "${opts[@]}" "$p" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "checkpatch: $n files clean"
exit "$status"

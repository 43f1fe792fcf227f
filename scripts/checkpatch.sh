#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh TREE: scripts/checkpatch.pl --strict on every file we own
# (the overlay) and on every patch in patches/, then the documentation:
# scripts/kernel-doc on our C files and headers, the sysfs ABI file
# (scripts/get_abi.pl validate), the guide (docutils) and mkctl.8 (groff
# and man warnings). Fails on any finding.
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

# finding WHAT CMD...: run a documentation check; any output is a finding.
finding() {
	local what=$1 out
	shift
	out=$("$@" 2>&1) || out="${out:-$what failed}"
	if [ -n "$out" ]; then
		echo "$what:"
		echo "$out"
		status=1
	fi
}

mapfile -t cfiles < <(printf '%s\n' "${files[@]}" | grep -E '\.[ch]$')
finding kernel-doc bash -c 'cd "$1" && shift && scripts/kernel-doc -none "$@"' \
	- "$tree" "${cfiles[@]}"
abi=$(mktemp -d)
cp "$top/Documentation/ABI/testing/sysfs-kernel-multikernel" "$abi/"
finding get_abi.pl "$tree/scripts/get_abi.pl" --dir "$abi" validate
rm -rf "$abi"
finding docutils /usr/bin/python3 -m docutils --halt=warning \
	"$top/Documentation/multikernel.rst" /dev/null
finding groff groff -man -ww -z "$top/tools/multikernel/mkctl.8"
finding man bash -c 'LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null' \
	- "$top/tools/multikernel/mkctl.8"
[ "$status" -eq 0 ] && echo "docs: kernel-doc, ABI, guide and man page clean"
exit "$status"

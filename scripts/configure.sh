#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# configure.sh SRC OBJ FRAGMENT...
#
# Write OBJ/.config as allnoconfig plus the fragments, and fail naming
# every option of a fragment that did not get its value (a typo, or a
# dependency the fragment forgot). Does nothing when the fragments have
# not changed since the last run: Kconfig changes in the tree are picked
# up by the kernel's own syncconfig.
set -euo pipefail

src=$1 obj=$2
shift 2
mkdir -p "$obj"
merged=$obj/.mk-fragment
cat "$@" >"$merged.new"
if [ -f "$obj/.config" ] && cmp -s "$merged.new" "$merged"; then
	rm -f "$merged.new"
	exit 0
fi
mv "$merged.new" "$merged"

echo "configure: allnoconfig + $*"
make -s -C "$src" O="$(realpath "$obj")" KCONFIG_ALLCONFIG="$(realpath "$merged")" allnoconfig

bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%=n}
		if grep -q "^$opt=" "$obj/.config"; then
			echo "configure: $opt is set, fragment says n" >&2
			bad=1
		fi ;;
	CONFIG_*) if ! grep -qxF "$line" "$obj/.config"; then
			echo "configure: wanted $line, got: $(grep "^${line%%=*}=" "$obj/.config" || echo 'not set')" >&2
			bad=1
		fi ;;
	esac
done <"$merged"
if [ "$bad" -ne 0 ]; then
	rm -f "$merged"
	exit 1
fi

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-series.sh [REF [CHECK...]]: make the git format-patch series
# afresh (scripts/mkseries.py, build/series/) and check it. REF is the
# tree prepare-tree.py made (build/linux by default). One TAP line per
# check on stdout, with the time each step took as a comment; mkseries
# and git output on stderr, build logs in build/test-logs/series-N.log.
# generate and apply always run; the CHECKs are all of the others by
# default:
#
#   generate    mkseries.py cuts the overlay and patches/ into the series
#   apply       git am applies every patch to the pristine 6.12 tree
#               (a worktree of build/series-base, build/series-check)
#   identical   the result is byte for byte REF: every file, nothing
#               left out (empty directories aside, which git cannot hold),
#               and the same files are executable
#   checkpatch  scripts/checkpatch.pl --strict finds nothing in a patch,
#               one line per patch
#   builds      after each patch, what it adds or changes compiles without
#               a warning, one line per patch: its kernel objects with the
#               lean QEMU config (build/obj-series), the uapi header, mkctl, the kselftests; the list
#               comes from "mkseries.py --plan". CONFIG_MULTIKERNEL cannot
#               be enabled before the patch that lets x86 select it (so
#               every step links, the feature being off): for the patches
#               before, the worktree defines ARCH_SUPPORTS_MULTIKERNEL for
#               the compile. No kernel file may change after that patch:
#               the build of the final tree is the link test.
#
# checkpatch runs with the flags of scripts/checkpatch.sh and one type
# ignored: FILE_PATH_CHANGES ("does MAINTAINERS need updating?") fires for
# every patch that adds a file without touching MAINTAINERS, although the
# first patch adds a section whose directory entries cover them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ref=$(realpath "${1:-$top/build/linux}")
checks=" ${*:2} "
[ -n "${checks// /}" ] || checks=" identical checkpatch builds "
for c in $checks; do
	case $c in
	identical | checkpatch | builds) ;;
	*) echo "check-series: unknown check '$c' (identical, checkpatch, builds)" >&2
	   exit 2 ;;
	esac
done
base=$top/build/series-base
wt=$top/build/series-check
obj=$top/build/obj-series
tools=$top/build/series-tools
out=$top/build/series
frag=$top/build/series.config
logs=$top/build/test-logs
jobs=$(( $(nproc) + 1 ))
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# git am needs a committer; the patches carry their author.
export GIT_COMMITTER_NAME=check-series GIT_COMMITTER_EMAIL=check-series@localhost
# The machine is shared with QEMU runs and other builds.
renice -n 10 -p $$ >/dev/null 2>&1 || true
kmake=(make -C "$wt" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$jobs" -s)
cpopts=(--strict --terse --no-summary --show-types --quiet
	--ignore FILE_PATH_CHANGES)

# One at a time, and no "make series" while this one checks the series.
mkdir -p "$logs"
exec 9>"$top/build/series-base.lock"
flock 9
export MKSERIES_LOCKED=1

# result OK NAME [COMMENT]: one TAP line (scripts/tap-result.sh).
. "$top/scripts/tap-result.sh"

# elapsed START: seconds since START (a $SECONDS value), as "N s".
elapsed() {
	echo "$((SECONDS - $1)) s"
}

# warnings LOG: the compiler and tool warnings and errors in LOG.
warnings() {
	grep -E '(warning|error)[:[]' "$1" || true
}

# ---- generate --------------------------------------------------------

t=$SECONDS
if "$top/scripts/mkseries.py" >&2; then
	patches=()
	for p in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
		[[ $p == */0000-cover-letter.patch ]] || patches+=("$p")
	done
	patches_cp=("${patches[@]}")
	result 0 series_generated "${#patches[@]} patches, $(elapsed "$t")"
else
	result 1 series_generated "$(elapsed "$t")"
	echo "1..$n"
	exit 1
fi
plan=$("$top/scripts/mkseries.py" --plan)

# ---- apply -----------------------------------------------------------

t=$SECONDS
if git -C "$wt" rev-parse -q --verify pristine >/dev/null 2>&1; then
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	git -C "$wt" checkout -q -f --detach pristine
	git -C "$wt" clean -q -f -d -x
else
	rm -rf "$wt"
	git -C "$base" worktree prune
	git -C "$base" worktree add -q -f --detach "$wt" pristine
fi
applied=0
if git -C "$wt" am -q "${patches[@]}" >&2; then
	applied=1
	result 0 series_applies_with_git_am "$(elapsed "$t")"
else
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	result 1 series_applies_with_git_am "$(elapsed "$t")"
fi

# ---- identical -------------------------------------------------------

# Only in A: B lines for empty directories are not differences.
real_differences() {
	local l dir

	while IFS= read -r l; do
		if [[ $l =~ ^Only\ in\ (.*):\ (.*)$ ]]; then
			dir=${BASH_REMATCH[1]}/${BASH_REMATCH[2]}
			if [ -d "$dir" ] && [ ! -L "$dir" ] &&
			   [ -z "$(find "$dir" ! -type d -print -quit)" ]; then
				continue
			fi
		fi
		echo "$l"
	done
}

t=$SECONDS
if [[ $checks != *" identical "* ]]; then
	:
elif [ "$applied" -eq 1 ]; then
	# .multikernel/ is prepare-tree.py's state, .checkpatch-camelcase.*
	# checkpatch's cache: neither is part of the tree.
	diffs=$(diff -rq --no-dereference -x .git -x .multikernel \
		-x '.checkpatch-camelcase.*' "$ref" "$wt" 2>&1 | real_differences || true)
	# diff does not look at modes: the executable bits must match too.
	diffs+=$(diff <(cd "$ref" && find . -path ./.multikernel -prune -o \
			-type f -perm /111 -print | sort) \
		<(cd "$wt" && find . -path ./.git -prune -o -type f -perm /111 -print | sort) |
		sed -n 's/^\([<>]\) \(.*\)/executable only in \1 \2/p' |
		sed 's/only in </only in REF:/; s/only in >/only in the series:/' || true)
	if [ -z "$diffs" ]; then
		result 0 tree_after_series_is_identical_to_prepared_tree "$(elapsed "$t")"
	else
		sed 's/^/# /' <<<"$diffs" | head -n 40 || true
		result 1 tree_after_series_is_identical_to_prepared_tree "$(elapsed "$t")"
	fi
else
	result skip tree_after_series_is_identical_to_prepared_tree
fi

# ---- checkpatch ------------------------------------------------------

t=$SECONDS
[[ $checks == *" checkpatch "* ]] || patches_cp=()
for p in "${patches_cp[@]}"; do
	name=$(basename "$p" .patch)
	s=$SECONDS
	if [ "$applied" -ne 1 ]; then
		result skip "checkpatch_${name}"
		continue
	fi
	# /usr/bin first: spdxcheck.py needs the system python3 with ply.
	found=$(cd "$wt" && PATH=/usr/bin:/bin scripts/checkpatch.pl "${cpopts[@]}" "$p" 2>&1) || true
	if [ -z "$found" ]; then
		result 0 "checkpatch_${name}" "$(elapsed "$s")"
	else
		sed 's/^/# /' <<<"$found"
		result 1 "checkpatch_${name}" "$(elapsed "$s")"
	fi
done
[ ${#patches_cp[@]} -eq 0 ] || echo "# checkpatch, all patches: $(elapsed "$t")"

# ---- builds ----------------------------------------------------------

# fragment: the lean config without the options the tree at this point
# does not define yet (configure.sh would refuse them).
fragment() {
	git -C "$wt" grep -h -E '^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+' \
		-- '*Kconfig*' | awk '{ print "CONFIG_" $2 }' | sort -u >"$frag.defined" &&
	awk 'NR == FNR { ok[$1] = 1; next }
	     /^CONFIG_/ { split($0, kv, "="); if (!(kv[1] in ok)) next }
	     { print }' "$frag.defined" "$top/configs/qemu-x86_64.config" >"$frag"
}

# build_patch N: build what patch N adds or changes; log on stdout.
build_patch() {
	local num=$1 kind arg objs=() rc=0 sym file

	# Before the patch that lets an architecture enable CONFIG_MULTIKERNEL
	# the option cannot be set: define what it depends on here, in this
	# worktree only, to compile-test the patches before.
	while read -r _ _ sym file; do
		printf '\n# check-series.sh, compile test only\nconfig %s\n\tdef_bool y\n' \
			"$sym" >>"$wt/$file"
		echo "check-series: $sym defined in $file for the compile test"
	done < <(awk -v n="$num" '$1 == n && $2 == "force"' <<<"$plan")
	fragment || return 1
	# Kconfig's own chatter is not the patch's: kept apart.
	"$top/scripts/configure.sh" "$wt" "$obj" "$frag" >"$log.config" 2>&1 || {
		cat "$log.config"
		return 1
	}
	while read -r _ kind arg; do
		case $kind in
		obj) objs+=("$arg") ;;
		uapi)
			"${kmake[@]}" headers || rc=1
			echo "#include <$arg>" |
				gcc -fsyntax-only -Wall -isystem "$obj/usr/include" -xc - || rc=1
			;;
		mkctl)
			mkdir -p "$tools/mkctl"
			make -s -C "$wt/$arg" OUTPUT="$tools/mkctl/" CC="ccache gcc" || rc=1
			;;
		selftests)
			"${kmake[@]}" headers || rc=1
			mkdir -p "$tools/selftests"
			make -s -C "$wt/$arg" OUTPUT="$tools/selftests" CC="ccache gcc" \
				KHDR_INCLUDES="-isystem $obj/usr/include" || rc=1
			;;
		kernel-final)
			# What links is tested by building the final tree.
			git -C "$wt" diff --stat --exit-code HEAD "${commits[-1]}" -- \
				. ':!Documentation' ':!tools' ':!MAINTAINERS' || {
				echo "error: kernel files change after the patch that enables CONFIG_MULTIKERNEL"
				rc=1
			}
			;;
		none | force) ;;
		esac
	done < <(awk -v n="$num" '$1 == n' <<<"$plan")
	if [ ${#objs[@]} -gt 0 ]; then
		"${kmake[@]}" "${objs[@]}" || rc=1
	fi
	return "$rc"
}

t=$SECONDS
mapfile -t commits < <(git -C "$wt" rev-list --reverse pristine..HEAD)
mkdir -p "$tools"
built=("${!patches[@]}")
[[ $checks == *" builds "* ]] || built=()
for i in "${built[@]}"; do
	num=$((i + 1))
	name=$(basename "${patches[$i]}" .patch)
	s=$SECONDS
	if [ "$applied" -ne 1 ] || [ "${#commits[@]}" -ne "${#patches[@]}" ]; then
		result skip "builds_after_${name}"
		continue
	fi
	git -C "$wt" checkout -q -f --detach "${commits[$i]}"
	log=$logs/series-$num.log
	# Objects whose sources did not change are not rebuilt, and their
	# warnings would not show: start from the objects of this patch.
	awk -v n="$num" '$1 == n && $2 == "obj" { print $3 }' <<<"$plan" |
		while read -r o; do rm -f "$obj/$o"; done
	forced=$(awk -v n="$num" '$1 == n && $2 == "force" { printf " with %s defined", $3 }' <<<"$plan")
	if build_patch "$num" >"$log" 2>&1 && [ -z "$(warnings "$log")" ]; then
		result 0 "builds_after_${name}" "$(elapsed "$s")$forced"
	else
		warnings "$log" | head -n 20 | sed 's/^/# /' || true
		tail -n 20 "$log" | sed 's/^/# /'
		result 1 "builds_after_${name}" "$(elapsed "$s"), see $log"
	fi
done
if [ ${#built[@]} -gt 0 ]; then
	[ "${#commits[@]}" -eq 0 ] || git -C "$wt" checkout -q -f --detach "${commits[-1]}"
	echo "# builds, all patches: $(elapsed "$t")"
fi

echo "1..$n"
exit "$failed"

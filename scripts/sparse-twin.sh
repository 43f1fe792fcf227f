#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse-twin.sh SPARSE-ARGS... FILE: kbuild's CHECK for check-configs.sh.
# Runs sparse on FILE as kbuild asks. When FILE is an existing kernel
# file our patches change, it also runs sparse on its pristine twin (the
# same file with the patches reverted, under $MK_PRISTINE), and prints
# that run's messages prefixed "pristine: ", so that warnings the file
# already had in 6.12 can be told from new ones.
#
# The twin run sees pristine copies of every file the patches touch:
# each -I directory of the tree gets its pristine counterpart in front of
# it, and the twin's own directory comes first for #include "...".
set -uo pipefail

file=${!#}
sparse "$@"
rc=$?

rel=${file#"$MK_SRC"/}
twin=$MK_PRISTINE/$rel
[ "$rel" != "$file" ] && [ -f "$twin" ] || exit "$rc"

args=()
for a in "${@:1:$#-1}"; do
	case $a in
	# No dependency file from the twin: kbuild's is the real one.
	-Wp,-MMD,*|-Wp,-MD,*) continue ;;
	-I"$MK_SRC"/*) args+=("-I$MK_PRISTINE/${a#-I"$MK_SRC"/}") ;;
	esac
	args+=("$a")
done
# Paths as in the real run, so that the two can be compared.
sparse "${args[@]}" "$twin" 2>&1 | sed "s|$MK_PRISTINE/|$MK_SRC/|g; s|^|pristine: |" >&2
exit "$rc"

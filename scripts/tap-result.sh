# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the check scripts: TAP output, one line a check.
#
# result OK NAME [COMMENT]: the next TAP line; OK is 0 for a pass, 1 for a
# failure (which also sets failed=1), skip when an earlier step failed and
# NAME could not be checked (that step reported the failure).
n=0 failed=0

result() {
	n=$((n + 1))
	case $1 in
	0) echo "ok $n $2${3:+ # $3}" ;;
	skip) echo "ok $n $2 # SKIP ${3:-an earlier step failed}" ;;
	*) echo "not ok $n $2${3:+ # $3}"; failed=1 ;;
	esac
}

# checked NAME COMMAND...: run COMMAND and report NAME by its status. A
# failing COMMAND is a failed check, never the end of a set -e script.
checked() {
	local name=$1

	shift
	if "$@"; then
		result 0 "$name"
	else
		result 1 "$name"
	fi
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-check.sh [COMMAND]: prove that a fresh Debian 12 passes
# "make deps && make test" (or COMMAND), with nothing from this machine.
#
# debootstraps a minimal bookworm (minbase, plus make and git, which every
# machine of this kind has, and the bookworm, -updates and -security
# archives of a standard install) into build/fresh/root once, clones this
# repository's HEAD into it afresh, and runs the command there as root in
# a chroot with /dev, /proc and /sys mounted, an empty ccache and
# PATH=/usr/sbin:/usr/bin:/sbin:/bin. Nothing of the build machine's
# packages, Python or caches is visible inside. Not part of "make test":
# it downloads the packages and builds everything cold (about 35 min on 2
# cores, "make test" then about 55 min more). Needs root and the Debian
# archive.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fresh=$top/build/fresh
root=$fresh/root
cmd=${1:-make deps && make test}
mirror=http://deb.debian.org/debian

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends debootstrap
fi

mkdir -p "$fresh"
if [ ! -x "$root/usr/bin/make" ]; then
	rm -rf "$root"
	echo "fresh-check: debootstrap bookworm into $root"
	debootstrap --variant=minbase --include=make,git,ca-certificates \
		bookworm "$root" "$mirror" >"$fresh/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$fresh/debootstrap.log"; exit 1; }
fi

mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT
for m in dev proc sys; do
	mountpoint -q "$root/$m" || { mount --rbind "/$m" "$root/$m"; mounts+=("$root/$m"); }
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The archives a standard bookworm install uses: linux-source-6.12 comes
# from bookworm-security (debootstrap itself only sets up main).
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF

# A fresh clone of what is committed, and no cache from earlier checks.
rm -rf "$root/work" "$root/root/.cache"
git clone -q "$top" "$root/work/main"
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c "cd /work/main && $cmd" 2>&1 | tee "$fresh/run.log"
rc=${PIPESTATUS[0]}
set -e
echo "fresh-check: '$cmd' exited $rc after $(( $(date +%s) - start )) s" \
	"(log: $fresh/run.log)"
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package the project needs. Idempotent: runs
# apt-get update/install only when something is missing.
set -euo pipefail

PKGS=(
	linux-source-6.12 linux-config-6.12
	qemu-system-x86 busybox-static kexec-tools device-tree-compiler
	gcc make flex bison bc libelf-dev libssl-dev cpio xz-utils ccache
	python3 perl rsync kmod sparse
	python3-docutils groff-base man-db
	python3-ply python3-git patch git zstd socat iproute2 ethtool
	debootstrap e2fsprogs
)

# QEMU before 8.1 (bookworm has 7.2) can keep running guest code that
# another vCPU has already rewritten: with multi-threaded TCG a vCPU reads
# guest code for a translation block without the page lock, so a block
# made from the old bytes can be linked after the writer's invalidation
# and stay (QEMU commit deba78709ae8, "accel/tcg: Always lock pages
# before translation"). Guests that patch their text at run time (jump
# labels, static calls) then hit an INT3 that is no longer there, about
# one spawn start in 25 (issue 17). bookworm-backports has a fixed QEMU.
QEMU_MIN=1:8.1
BACKPORTS=/etc/apt/sources.list.d/multikernel-bookworm-backports.sources

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

qemu_fixed() {
	installed qemu-system-x86 &&
		dpkg --compare-versions "$(dpkg-query -W -f='${Version}' qemu-system-x86)" ge "$QEMU_MIN"
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! qemu_fixed; then
	. /etc/os-release
	if [ "${VERSION_CODENAME:-}" != bookworm ]; then
		echo "deps: qemu-system-x86 older than $QEMU_MIN and no backports for ${VERSION_CODENAME:-this release}" >&2
		exit 1
	fi
	echo "deps: qemu-system-x86 from bookworm-backports (7.2 runs stale guest code, see deps.sh)"
	printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" \
		"Suites: bookworm-backports" "Components: main" \
		"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
		$SUDO tee "$BACKPORTS" >/dev/null
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86
	qemu_fixed || { echo "deps: still no qemu-system-x86 >= $QEMU_MIN" >&2; exit 1; }
fi
[ ${#missing[@]} -gt 0 ] || echo "deps: all ${#PKGS[@]} packages present"

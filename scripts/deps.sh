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
	python3-ply python3-git patch git
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

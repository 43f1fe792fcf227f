#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-demo.sh BZIMAGE INITRAMFS [DEBIAN_IMAGE]
#
# Boot the multikernel host in QEMU and run the demo. With a terminal on
# stdin the demo ends in a shell (Ctrl-A x or 'poweroff -f' quits);
# without one it powers off after the demo. With DEBIAN_IMAGE (make run
# MODE=debian) the image is the host's /dev/vda and the demo boots a
# Debian spawn from it.
set -euo pipefail

bzimage=$1 initramfs=$2 image=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
# nokaslr: with KASLR the kernel can land so that 2G of RAM has no 1G
# piece left for the pool (about 1 boot in 20).
args="multikernel_pool=1G nokaslr quiet"

script=script shell=shell disk=()
if [ -n "$image" ]; then
	script=debian shell=debian-shell disk=(-d "$image")
fi
if [ -t 0 ]; then
	exec "$top/tools/testing/selftests/multikernel/run_vm.sh" -I \
		-k "$bzimage" -i "$initramfs" "${disk[@]}" -a "$args mkdemo=$shell"
fi
exec "$top/tools/testing/selftests/multikernel/run_vm.sh" -t 900 \
	-k "$bzimage" -i "$initramfs" "${disk[@]}" -a "$args mkdemo=$script"

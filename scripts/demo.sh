#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo `make run` shows inside the QEMU host: the host spawns a second
# Linux kernel on CPUs 2-3 with 256 MiB and shows what it printed.

step() { echo; echo "### $*"; }

step "mkctl pool"
mkctl pool

step "mkctl run demo --cpus 2-3 --memory 256M --kernel /boot/bzImage --initrd /boot/spawn.cpio.gz --offline --wait"
mkctl run demo --cpus 2-3 --memory 256M --kernel /boot/bzImage \
	--initrd /boot/spawn.cpio.gz --cmdline "console=hvc0 kunit.enable=0" \
	--offline --wait || exit 1

# Give the spawn's /init a moment to print its line.
i=0
while [ $i -lt 50 ] && ! mkctl log demo | grep -q MKSPAWN-IDLE; do
	sleep 0.2
	i=$((i + 1))
done

step "mkctl list"
mkctl list
step "mkctl status demo"
mkctl status demo
step "mkctl log demo (last 25 lines)"
mkctl log demo | tail -n 25
echo
echo "### The spawn runs on CPUs 2-3; this shell runs on the host (CPUs 0-1)."

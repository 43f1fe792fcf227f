#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo `make run` shows inside the QEMU host: the multikernel pool,
# before and after a CPU is taken offline for instances.

step() { echo; echo "### $*"; }

step "mkctl pool"
mkctl pool
step "grep -i multikernel /proc/iomem"
grep -i multikernel /proc/iomem
step "echo 0 > /sys/devices/system/cpu/cpu3/online; mkctl pool"
echo 0 >/sys/devices/system/cpu/cpu3/online
mkctl pool
step "mkctl pool --pretty"
mkctl pool --pretty
echo 1 >/sys/devices/system/cpu/cpu3/online

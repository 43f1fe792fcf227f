/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Multikernel: user-space ABI.
 *
 * The sysfs interface under /sys/kernel/multikernel/ is described in
 * Documentation/ABI/testing/sysfs-kernel-multikernel; this header carries
 * the constants user space needs to talk to it.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_H
#define _UAPI_LINUX_MULTIKERNEL_H

/* Value of /sys/kernel/multikernel/version. Bumped on incompatible changes. */
#define MULTIKERNEL_ABI_VERSION		1

#endif /* _UAPI_LINUX_MULTIKERNEL_H */

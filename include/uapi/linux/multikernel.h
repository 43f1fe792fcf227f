/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Multikernel: user-space ABI.
 *
 * The sysfs interface under /sys/kernel/multikernel/ is described in
 * Documentation/ABI/testing/sysfs-kernel-multikernel; this header carries
 * the constants user space needs to talk to it and to load a kernel into
 * an instance with kexec_file_load(2).
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_H
#define _UAPI_LINUX_MULTIKERNEL_H

/* Value of /sys/kernel/multikernel/version. Bumped on incompatible changes. */
#define MULTIKERNEL_ABI_VERSION		1

/* Longest instance name, without the terminating NUL. */
#define MULTIKERNEL_NAME_MAX		31

/*
 * kexec_file_load(kernel_fd, initrd_fd, cmdline_len, cmdline, flags) with
 * KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id) in flags loads the kernel
 * into instance @id (instances/NAME/id) instead of replacing this kernel.
 * KEXEC_FILE_UNLOAD and KEXEC_FILE_NO_INITRAMFS keep their meaning; other
 * kexec flags are refused with -EINVAL.
 */
#define KEXEC_FILE_MULTIKERNEL		0x80000000UL
#define KEXEC_FILE_MK_ID_SHIFT		16
#define KEXEC_FILE_MK_ID_MASK		(0xffUL << KEXEC_FILE_MK_ID_SHIFT)
#define KEXEC_FILE_MK_ID(id)		\
	(((unsigned long)(id) << KEXEC_FILE_MK_ID_SHIFT) & KEXEC_FILE_MK_ID_MASK)

#endif /* _UAPI_LINUX_MULTIKERNEL_H */

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

#include <linux/ioctl.h>
#include <linux/types.h>

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

/*
 * Message devices: /dev/mk-NAME on the host for instance NAME, /dev/mk-host
 * in a spawn. Root only. Each write() sends one message of 1 to
 * MULTIKERNEL_MSG_MAX bytes to the other kernel (EINVAL for 0); each read() returns one
 * whole message (EMSGSIZE, message kept, if the buffer is too small).
 * write() fails with EPIPE when the other kernel is not running, and with
 * EAGAIN (O_NONBLOCK) while the ring is full; read() returns 0 once the
 * other kernel is gone and nothing is left. poll() works.
 */
#define MULTIKERNEL_MSG_MAX		8192

/**
 * struct multikernel_ping - MULTIKERNEL_IOC_PING: one round trip
 * @ns:	time from sending a ping until its echo came back, in ns
 *
 * The other kernel echoes pings itself: this measures the mailbox, not
 * a process on the other side. ETIMEDOUT after one second.
 */
struct multikernel_ping {
	__u64 ns;
};

/* Most bytes one MULTIKERNEL_IOC_CONSOLE_INPUT carries. */
#define MULTIKERNEL_CONSOLE_INPUT_MAX	256

/**
 * struct multikernel_console_input - MULTIKERNEL_IOC_CONSOLE_INPUT
 * @len:	bytes in @data, 1..MULTIKERNEL_CONSOLE_INPUT_MAX
 * @data:	what was typed; the spawn's hvc0 reads it as keyboard input
 *
 * Output of hvc0 is the console ring: instances/NAME/console.
 * EAGAIN while the ring is full, EPIPE when the spawn is not running.
 */
struct multikernel_console_input {
	__u32 len;
	__u8 data[MULTIKERNEL_CONSOLE_INPUT_MAX];
};

#define MULTIKERNEL_IOC_MAGIC		0xbc
#define MULTIKERNEL_IOC_PING		_IOR(MULTIKERNEL_IOC_MAGIC, 1, \
					     struct multikernel_ping)
#define MULTIKERNEL_IOC_CONSOLE_INPUT	_IOW(MULTIKERNEL_IOC_MAGIC, 2, \
					     struct multikernel_console_input)

#endif /* _UAPI_LINUX_MULTIKERNEL_H */

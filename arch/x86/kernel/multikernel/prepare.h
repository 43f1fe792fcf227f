/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel, x86: where a bzImage keeps its compressed kernel.
 */
#ifndef _ARCH_X86_KERNEL_MULTIKERNEL_PREPARE_H
#define _ARCH_X86_KERNEL_MULTIKERNEL_PREPARE_H

#include <linux/types.h>

/**
 * struct mk_bzimage - the parts of a bzImage the loader lays out
 * @pm:		its protected-mode part (what kexec loads as the kernel)
 * @pm_len:	bytes in @pm
 * @payload:	the compressed kernel, inside @pm
 * @payload_len: bytes in @payload, the size word at its end included
 * @out_len:	bytes the payload decompresses to, as the build recorded
 * @pref_address: the physical address the kernel was linked to run at
 */
struct mk_bzimage {
	const u8 *pm;
	size_t pm_len;
	const u8 *payload;
	size_t payload_len;
	size_t out_len;
	u64 pref_address;
};

int mk_bzimage_parse(const u8 *file, size_t len, struct mk_bzimage *bz);

#endif /* _ARCH_X86_KERNEL_MULTIKERNEL_PREPARE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: boot further Linux kernels on CPUs and memory that the
 * running kernel has set aside, and live beside them.
 *
 * This header is the in-kernel API. Callers in generic kernel code do not
 * need #ifdef CONFIG_MULTIKERNEL: every hook has a stub below.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/types.h>
#include <uapi/linux/multikernel.h>

#ifdef CONFIG_MULTIKERNEL

void __init multikernel_reserve_pool(void);

phys_addr_t mk_memory_alloc(u64 size);
void mk_memory_free(phys_addr_t base, u64 size);
u64 mk_memory_total(void);
u64 mk_memory_available(void);

#else /* !CONFIG_MULTIKERNEL */

static inline void multikernel_reserve_pool(void) { }

#endif /* CONFIG_MULTIKERNEL */

#endif /* _LINUX_MULTIKERNEL_H */

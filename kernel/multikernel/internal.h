/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel core: declarations shared by the files of kernel/multikernel/.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/cpumask.h>
#include <linux/sizes.h>
#include <linux/types.h>

/*
 * Pool memory is handed out in 2 MiB granules: large enough to map an
 * instance with large pages and to keep the allocator bitmap tiny.
 */
#define MK_POOL_GRANULE		SZ_2M

/* Lowest physical address an automatically placed pool may start at. */
#define MK_POOL_MIN_ADDR	SZ_16M

/**
 * struct mk_pool_param - a parsed multikernel_pool= boot parameter
 * @size:	bytes to reserve, a non-zero multiple of %MK_POOL_GRANULE
 * @base:	physical start address, only meaningful when @fixed_base
 * @fixed_base:	true when the parameter named an @OFFSET
 */
struct mk_pool_param {
	u64 size;
	u64 base;
	bool fixed_base;
};

int mk_pool_param_parse(const char *arg, struct mk_pool_param *param,
			const char **why);

/**
 * struct mk_pool - bookkeeping for one contiguous range of physical memory
 * @chunks:	allocator over [@base, @base + @size), in %MK_POOL_GRANULE units
 * @base:	first physical address of the range
 * @size:	length of the range in bytes
 *
 * Only the bookkeeping: a pool never touches the memory it manages.
 * The allocator is lock-free, so callers need no lock of their own.
 */
struct mk_pool {
	struct gen_pool *chunks;
	phys_addr_t base;
	u64 size;
};

int mk_pool_init(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_destroy(struct mk_pool *pool);
phys_addr_t mk_pool_alloc(struct mk_pool *pool, u64 size);
void mk_pool_release(struct mk_pool *pool, phys_addr_t base, u64 size);
u64 mk_pool_avail(struct mk_pool *pool);

void mk_cpus_available(struct cpumask *mask);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */

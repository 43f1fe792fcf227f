// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the memory pool.
 *
 * multikernel_pool=SIZE[@OFFSET] reserves one physically contiguous range
 * at boot, before the page allocator takes over memory, the way
 * crashkernel= does. The range is listed in /proc/iomem as
 * "Multikernel pool" and carved into instances in 2 MiB granules.
 * Memory is zeroed when an instance gives it back, so nothing one
 * instance wrote is ever seen by the next; memory taken for the first
 * time since boot is zeroed then, so no instance sees what firmware or
 * an earlier kernel left in it.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/bitmap.h>
#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/multikernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "internal.h"

static char *mk_pool_arg __initdata;

static struct resource mk_pool_res = {
	.name	= "Multikernel pool",
	.flags	= IORESOURCE_MEM | IORESOURCE_BUSY,
	.desc	= IORES_DESC_RESERVED,
};

static struct mk_pool mk_system_pool;

/**
 * mk_pool_init() - set up the bookkeeping for a range of physical memory
 * @pool:	the pool to initialise
 * @base:	first physical address, %MK_POOL_GRANULE aligned, not zero
 * @size:	length in bytes, a multiple of %MK_POOL_GRANULE
 *
 * Return: 0 on success, -EINVAL for a misaligned or empty range, -ENOMEM
 * when the allocator could not be set up.
 */
int mk_pool_init(struct mk_pool *pool, phys_addr_t base, u64 size)
{
	int ret;

	if (!base || !size || !IS_ALIGNED(base, MK_POOL_GRANULE) ||
	    !IS_ALIGNED(size, MK_POOL_GRANULE))
		return -EINVAL;

	pool->chunks = gen_pool_create(ilog2(MK_POOL_GRANULE), NUMA_NO_NODE);
	if (!pool->chunks)
		return -ENOMEM;

	ret = gen_pool_add(pool->chunks, base, size, NUMA_NO_NODE);
	if (ret) {
		gen_pool_destroy(pool->chunks);
		pool->chunks = NULL;
		return ret;
	}

	pool->base = base;
	pool->size = size;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_init);

/**
 * mk_pool_destroy() - tear down a pool set up by mk_pool_init()
 * @pool:	the pool; everything allocated from it must have been released
 */
void mk_pool_destroy(struct mk_pool *pool)
{
	if (pool->chunks)
		gen_pool_destroy(pool->chunks);
	pool->chunks = NULL;
	pool->size = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_destroy);

/**
 * mk_pool_alloc() - take a physically contiguous range from a pool
 * @pool:	the pool
 * @size:	bytes wanted; rounded up to a multiple of %MK_POOL_GRANULE
 *
 * Return: the physical base of the range, or 0 when @size is zero or no
 * free range of that size is left.
 */
phys_addr_t mk_pool_alloc(struct mk_pool *pool, u64 size)
{
	if (!pool->chunks || !size || size > pool->size)
		return 0;

	return gen_pool_alloc(pool->chunks, round_up(size, MK_POOL_GRANULE));
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_alloc);

/**
 * mk_pool_release() - give a range taken with mk_pool_alloc() back
 * @pool:	the pool
 * @base:	what mk_pool_alloc() returned
 * @size:	the size passed to mk_pool_alloc()
 *
 * Only the bookkeeping: the caller clears the memory first if needed.
 */
void mk_pool_release(struct mk_pool *pool, phys_addr_t base, u64 size)
{
	u64 len = round_up(size, MK_POOL_GRANULE);

	if (WARN_ON_ONCE(!pool->chunks || !size || base < pool->base ||
			 len > pool->size ||
			 base - pool->base > pool->size - len))
		return;

	gen_pool_free(pool->chunks, base, len);
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_release);

/**
 * mk_pool_avail() - bytes of a pool not handed out
 * @pool:	the pool
 *
 * Return: free bytes; 0 for a pool that was never set up.
 */
u64 mk_pool_avail(struct mk_pool *pool)
{
	return pool->chunks ? gen_pool_avail(pool->chunks) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_avail);

/**
 * mk_pool_reserved() - did this kernel reserve a pool at boot?
 *
 * Return: true once multikernel_pool= has been honoured.
 */
bool mk_pool_reserved(void)
{
	return mk_pool_res.end;
}

/*
 * Granules of the boot-time pool not cleared since boot, one bit each;
 * bits are only cleared, under the pool allocator's ownership of the
 * granule (it was just handed out).
 */
static unsigned long *mk_pool_unclean;

static void mk_clear_range(phys_addr_t base, u64 len)
{
	phys_addr_t pa;

	for (pa = base; pa < base + len; pa += PAGE_SIZE) {
		clear_page(phys_to_virt(pa));
		if (IS_ALIGNED(pa + PAGE_SIZE, MK_POOL_GRANULE))
			cond_resched();
	}
}

/**
 * mk_memory_alloc() - take memory for an instance from the boot-time pool
 * @size:	bytes wanted; rounded up to 2 MiB
 *
 * The memory is zero: it is cleared whenever it is given back, and the
 * first time it is taken after boot. May sleep.
 *
 * Return: physical base address, or 0 if the pool cannot satisfy @size.
 */
phys_addr_t mk_memory_alloc(u64 size)
{
	phys_addr_t base = mk_pool_alloc(&mk_system_pool, size), pa;
	u64 len = round_up(size, MK_POOL_GRANULE);

	for (pa = base; base && pa < base + len; pa += MK_POOL_GRANULE)
		if (test_and_clear_bit((pa - mk_system_pool.base) /
				       MK_POOL_GRANULE, mk_pool_unclean))
			mk_clear_range(pa, MK_POOL_GRANULE);
	return base;
}

/**
 * mk_memory_free() - clear memory taken with mk_memory_alloc() and give it back
 * @base:	what mk_memory_alloc() returned
 * @size:	the size passed to mk_memory_alloc()
 *
 * May sleep: clearing hundreds of MiB takes a while.
 */
void mk_memory_free(phys_addr_t base, u64 size)
{
	mk_clear_range(base, round_up(size, MK_POOL_GRANULE));
	mk_pool_release(&mk_system_pool, base, size);
}

/**
 * mk_memory_total() - size of the boot-time pool
 *
 * Return: bytes reserved by multikernel_pool=, 0 if none.
 */
u64 mk_memory_total(void)
{
	return mk_system_pool.size;
}

/**
 * mk_memory_base() - physical start of the boot-time pool
 *
 * Return: the address, 0 if no pool was reserved.
 */
phys_addr_t mk_memory_base(void)
{
	return mk_system_pool.base;
}

/**
 * mk_memory_available() - bytes of the boot-time pool not given to instances
 *
 * Return: free bytes, 0 if no pool was reserved.
 */
u64 mk_memory_available(void)
{
	return mk_pool_avail(&mk_system_pool);
}

/**
 * mk_pool_requested() - was multikernel_pool= given at all?
 *
 * Return: true if the parameter is on the command line, valid or not.
 */
bool __init mk_pool_requested(void)
{
	return mk_pool_arg;
}

static int __init mk_pool_setup(char *arg)
{
	/* Parsed later, in multikernel_reserve_pool(), when memblock is up. */
	mk_pool_arg = arg ? arg : "";
	return 0;
}
early_param("multikernel_pool", mk_pool_setup);

/**
 * multikernel_reserve_pool() - reserve the pool asked for on the command line
 *
 * Called by the architecture's setup code once memblock knows all memory
 * and before the page allocator starts. A bad value or a range that is not
 * free RAM is reported and nothing is reserved: the low-memory slots
 * reserved earlier for instances are freed again.
 */
void __init multikernel_reserve_pool(void)
{
	struct mk_pool_param param;
	const char *why;
	phys_addr_t base;

	if (!mk_pool_arg)
		return;

	if (mk_pool_param_parse(mk_pool_arg, &param, &why)) {
		pr_err("ignoring multikernel_pool=%s: %s\n", mk_pool_arg, why);
		goto out_no_pool;
	}

	if (param.fixed_base)
		base = memblock_phys_alloc_range(param.size, MK_POOL_GRANULE,
						 param.base,
						 param.base + param.size);
	else
		base = memblock_phys_alloc_range(param.size, MK_POOL_GRANULE,
						 MK_POOL_MIN_ADDR,
						 MEMBLOCK_ALLOC_ACCESSIBLE);
	if (!base) {
		pr_err("ignoring multikernel_pool=%s: cannot reserve %llu MiB%s\n",
		       mk_pool_arg, param.size >> 20,
		       param.fixed_base ? " there (not free RAM)" :
					  " of contiguous RAM");
		goto out_no_pool;
	}

	mk_pool_res.start = base;
	mk_pool_res.end = base + param.size - 1;
	pr_info("reserved %llu MiB for the pool at %pa\n", param.size >> 20,
		&base);
	return;

out_no_pool:
	/* No instances without a pool: their low-memory slots go back too. */
	mk_arch_release_low_slots();
}

static int __init mk_pool_late_init(void)
{
	u64 size = resource_size(&mk_pool_res);
	int ret;

	if (!mk_pool_res.end)
		return 0;

	insert_resource(&iomem_resource, &mk_pool_res);

	mk_pool_unclean = bitmap_zalloc(size / MK_POOL_GRANULE, GFP_KERNEL);
	if (!mk_pool_unclean) {
		ret = -ENOMEM;
		goto fail;
	}
	bitmap_fill(mk_pool_unclean, size / MK_POOL_GRANULE);
	ret = mk_pool_init(&mk_system_pool, mk_pool_res.start, size);
	if (!ret)
		return 0;
	bitmap_free(mk_pool_unclean);
	mk_pool_unclean = NULL;
fail:
	pr_err("pool allocator setup failed (%d): pool unusable\n", ret);
	return ret;
}
subsys_initcall(mk_pool_late_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: debugfs test hooks, /sys/kernel/debug/multikernel/.
 *
 *   scan	write "pool PATTERN" or "NAME PATTERN"; read back how often
 *		PATTERN occurs in the whole pool or in instance NAME's RAM.
 *
 * Lets the selftests check that memory a spawn wrote is cleared before
 * the pool hands it out again, from outside any spawn.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

#define MK_SCAN_PATTERN_MAX	64
#define MK_SCAN_LINE_MAX	(MULTIKERNEL_NAME_MAX + MK_SCAN_PATTERN_MAX + 2)

static DEFINE_MUTEX(mk_scan_lock);
static u64 mk_scan_matches;

static u64 mk_scan_range(phys_addr_t base, u64 size, const char *pat,
			 size_t len)
{
	const char *start = phys_to_virt(base), *end = start + size, *p;
	u64 matches = 0;

	for (p = start; p + len <= end; p++) {
		if (*p == pat[0] && !memcmp(p, pat, len))
			matches++;
		if (IS_ALIGNED((unsigned long)p, SZ_2M))
			cond_resched();
	}
	return matches;
}

static ssize_t mk_scan_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char *line, *target, *pattern;
	struct mk_instance *inst;
	ssize_t ret = count;

	if (count > MK_SCAN_LINE_MAX)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	pattern = strim(line);
	target = strsep(&pattern, " ");
	if (!pattern || !*pattern || strlen(pattern) > MK_SCAN_PATTERN_MAX) {
		ret = -EINVAL;
		goto out;
	}

	mutex_lock(&mk_scan_lock);
	if (!strcmp(target, "pool")) {
		mk_scan_matches = mk_scan_range(mk_memory_base(),
						mk_memory_total(), pattern,
						strlen(pattern));
	} else {
		inst = mk_instance_get(target, 0);
		if (inst) {
			mutex_lock(&inst->lock);
			mk_scan_matches = mk_scan_range(inst->mem_base,
							inst->mem_size, pattern,
							strlen(pattern));
			mutex_unlock(&inst->lock);
			mk_instance_put(inst);
		} else {
			ret = -ENOENT;
		}
	}
	mutex_unlock(&mk_scan_lock);
out:
	kfree(line);
	return ret;
}

static ssize_t mk_scan_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[32];
	int len;

	mutex_lock(&mk_scan_lock);
	len = scnprintf(buf, sizeof(buf), "%llu\n", mk_scan_matches);
	mutex_unlock(&mk_scan_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations mk_scan_fops = {
	.owner	= THIS_MODULE,
	.read	= mk_scan_read,
	.write	= mk_scan_write,
	.llseek	= default_llseek,
};

static int __init mk_debugfs_init(void)
{
	struct dentry *dir;

	if (!mk_pool_reserved())
		return 0;
	dir = debugfs_create_dir("multikernel", NULL);
	debugfs_create_file("scan", 0600, dir, NULL, &mk_scan_fops);
	return 0;
}
late_initcall(mk_debugfs_init);

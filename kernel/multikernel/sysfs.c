// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: /sys/kernel/multikernel/, the interface mkctl drives.
 *
 * Every file is described in
 * Documentation/ABI/testing/sysfs-kernel-multikernel.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct kobject *mk_kobj;
static struct kobject *mk_pool_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", MULTIKERNEL_ABI_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *mk_top_attrs[] = {
	&version_attr.attr,
	NULL
};

static const struct attribute_group mk_top_group = {
	.attrs = mk_top_attrs,
};

static ssize_t cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	cpumask_var_t mask;
	ssize_t len;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	mk_cpus_available(mask);
	len = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(mask));
	free_cpumask_var(mask);
	return len;
}

static struct kobj_attribute cpus_attr = __ATTR_RO(cpus);

static ssize_t memory_total_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_memory_total());
}

static struct kobj_attribute memory_total_attr = __ATTR_RO(memory_total);

static ssize_t memory_free_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_memory_available());
}

static struct kobj_attribute memory_free_attr = __ATTR_RO(memory_free);

static struct attribute *mk_pool_attrs[] = {
	&cpus_attr.attr,
	&memory_total_attr.attr,
	&memory_free_attr.attr,
	NULL
};

static const struct attribute_group mk_pool_group = {
	.attrs = mk_pool_attrs,
};

static int __init mk_sysfs_init(void)
{
	int ret;

	mk_kobj = kobject_create_and_add("multikernel", kernel_kobj);
	if (!mk_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(mk_kobj, &mk_top_group);
	if (ret)
		goto out_put_top;

	mk_pool_kobj = kobject_create_and_add("pool", mk_kobj);
	if (!mk_pool_kobj) {
		ret = -ENOMEM;
		goto out_put_top;
	}

	ret = sysfs_create_group(mk_pool_kobj, &mk_pool_group);
	if (ret)
		goto out_put_pool;

	return 0;

out_put_pool:
	kobject_put(mk_pool_kobj);
out_put_top:
	kobject_put(mk_kobj);
	pr_err("cannot create /sys/kernel/multikernel (%d)\n", ret);
	return ret;
}
late_initcall(mk_sysfs_init);

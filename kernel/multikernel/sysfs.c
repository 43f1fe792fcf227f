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
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct kobject *mk_kobj;
static struct kobject *mk_pool_kobj;
static struct kobject *mk_instances_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", MULTIKERNEL_ABI_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static ssize_t create_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int ret = mk_instance_create(buf);

	return ret ? ret : count;
}

static struct kobj_attribute create_attr = __ATTR_WO(create);

static ssize_t destroy_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int ret = mk_instance_destroy(buf);

	return ret ? ret : count;
}

static struct kobj_attribute destroy_attr = __ATTR_WO(destroy);

static struct attribute *mk_top_attrs[] = {
	&version_attr.attr,
	&create_attr.attr,
	&destroy_attr.attr,
	NULL
};

static const struct attribute_group mk_top_group = {
	.attrs = mk_top_attrs,
};

static ssize_t pool_cpus_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
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

static struct kobj_attribute pool_cpus_attr =
	__ATTR(cpus, 0444, pool_cpus_show, NULL);

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
	&pool_cpus_attr.attr,
	&memory_total_attr.attr,
	&memory_free_attr.attr,
	NULL
};

static const struct attribute_group mk_pool_group = {
	.attrs = mk_pool_attrs,
};

/* instances/NAME/: one directory per instance. */

static struct mk_instance *to_instance(struct kobject *kobj)
{
	return container_of(kobj, struct mk_instance, kobj);
}

static ssize_t id_show(struct kobject *kobj, struct kobj_attribute *attr,
		       char *buf)
{
	return sysfs_emit(buf, "%u\n", to_instance(kobj)->id);
}

static struct kobj_attribute id_attr = __ATTR_RO(id);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mk_state_name(READ_ONCE(to_instance(kobj)->state)));
}

static struct kobj_attribute state_attr = __ATTR_RO(state);

static ssize_t instance_cpus_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pbl\n",
			  cpumask_pr_args(&to_instance(kobj)->cpus));
}

static struct kobj_attribute instance_cpus_attr =
	__ATTR(cpus, 0444, instance_cpus_show, NULL);

static ssize_t memory_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_instance(kobj)->mem_size);
}

static struct kobj_attribute memory_attr = __ATTR_RO(memory);

static ssize_t control_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int ret = mk_instance_control(to_instance(kobj), buf);

	return ret ? ret : count;
}

static struct kobj_attribute control_attr = __ATTR_WO(control);

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct mk_instance *inst = to_instance(kobj);
	u64 now = ktime_get_ns();
	int len;

	mutex_lock(&inst->lock);
	len = sysfs_emit(buf, "state %s\nstarts %u\n",
			 mk_state_name(inst->state), inst->starts);
	if (inst->state == MK_STATE_RUNNING)
		len += sysfs_emit_at(buf, len, "uptime_ms %llu\n",
				     (now - inst->start_ns) / NSEC_PER_MSEC);
	if (inst->ready_ns)
		len += sysfs_emit_at(buf, len, "ready_ms %llu\n",
				     (inst->ready_ns - inst->start_ns) /
				     NSEC_PER_MSEC);
	if (READ_ONCE(inst->ready_init_ns))
		len += sysfs_emit_at(buf, len, "init_ms %llu\n",
				     (inst->ready_init_ns - inst->start_ns) /
				     NSEC_PER_MSEC);
	if (inst->image)
		len += sysfs_emit_at(buf, len, "kernel_image %s %s\n",
				     inst->image->decompressed ? "decompressed" :
				     "compressed", inst->image->method);
	if (inst->image)
		len += sysfs_emit_at(buf, len, "kernel_image_in_place %d\n",
				     inst->image_in_place);
	if (inst->image && inst->starts)
		len += sysfs_emit_at(buf, len, "kernel_image_restored %zu at %s\n",
				     inst->start_restored_bytes,
				     mk_image_source_name(inst->start_image_from));
	len = mk_boot_phases_show(&inst->boot, mk_arch_tsc_khz(), buf, len);
	len += sysfs_emit_at(buf, len, "exit_reason %s\n",
			     mk_exit_reason_name(inst->exit_reason));
	if (inst->panic_msg[0])
		len += sysfs_emit_at(buf, len, "panic_message %s\n",
				     inst->panic_msg);
	if (inst->unconfirmed_cpu >= 0)
		len += sysfs_emit_at(buf, len, "unconfirmed_cpu %d\n",
				     inst->unconfirmed_cpu);
	if (inst->stalled_cpu >= 0)
		len += sysfs_emit_at(buf, len, "stalled_cpu %d\n",
				     inst->stalled_cpu);
	len += sysfs_emit_at(buf, len, "console_bytes %llu\n",
			     inst->starts ? mk_console_bytes(inst) : 0);
	len += sysfs_emit_at(buf, len,
			     "heartbeats %llu\nmsgs_sent %llu\nmsgs_received %llu\n"
			     "doorbells %llu\nring_full %llu\nuser_dropped %llu\n",
			     inst->heartbeat, inst->chan.stats.sent,
			     inst->chan.stats.received,
			     inst->chan.stats.doorbells, inst->chan.stats.full,
			     inst->msgdev.dropped);
	len += mk_vdevs_show(inst, buf + len, PAGE_SIZE - len);
	mutex_unlock(&inst->lock);
	return len;
}

static struct kobj_attribute stats_attr = __ATTR_RO(stats);

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct mk_instance *inst = to_instance(kobj);
	ssize_t len;

	mutex_lock(&inst->lock);
	len = mk_devices_show(inst, buf);
	mutex_unlock(&inst->lock);
	return len;
}

static struct kobj_attribute devices_attr = __ATTR_RO(devices);

static struct attribute *mk_instance_attrs[] = {
	&id_attr.attr,
	&state_attr.attr,
	&instance_cpus_attr.attr,
	&memory_attr.attr,
	&control_attr.attr,
	&stats_attr.attr,
	&devices_attr.attr,
	NULL
};

static ssize_t console_read(struct file *file, struct kobject *kobj,
			    struct bin_attribute *attr, char *buf, loff_t off,
			    size_t count)
{
	struct mk_instance *inst = to_instance(kobj);
	ssize_t ret = 0;

	mutex_lock(&inst->lock);
	if (inst->starts)
		ret = mk_console_read(inst, buf, off, count);
	mutex_unlock(&inst->lock);
	return ret;
}

static BIN_ATTR_ADMIN_RO(console, MK_CONSOLE_DATA_SIZE);

static ssize_t handover_read(struct file *file, struct kobject *kobj,
			     struct bin_attribute *attr, char *buf, loff_t off,
			     size_t count)
{
	struct mk_instance *inst = to_instance(kobj);
	ssize_t ret = 0;

	mutex_lock(&inst->lock);
	if (off < inst->handover_size) {
		ret = min_t(size_t, count, inst->handover_size - off);
		memcpy(buf, inst->handover + off, ret);
	}
	mutex_unlock(&inst->lock);
	return ret;
}

static BIN_ATTR_ADMIN_RO(handover, MK_SHARED_FDT_MAX);

static struct bin_attribute *mk_instance_bin_attrs[] = {
	&bin_attr_console,
	&bin_attr_handover,
	NULL
};

static const struct attribute_group mk_instance_group = {
	.attrs = mk_instance_attrs,
	.bin_attrs = mk_instance_bin_attrs,
};
__ATTRIBUTE_GROUPS(mk_instance);

static void mk_instance_release(struct kobject *kobj)
{
	struct mk_instance *inst = to_instance(kobj);

	kfree(inst->handover);
	kfree(inst);
}

const struct kobj_type mk_instance_ktype = {
	.release	= mk_instance_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= mk_instance_groups,
};

/**
 * mk_sysfs_add_instance() - show a new instance as instances/NAME
 * @inst:	the instance, its kobject initialised with mk_instance_ktype
 *
 * Return: 0 or a negative errno.
 */
int mk_sysfs_add_instance(struct mk_instance *inst)
{
	int ret;

	if (!mk_instances_kobj)
		return -ENODEV;
	ret = kobject_add(&inst->kobj, mk_instances_kobj, "%s", inst->name);
	if (ret)
		return ret;
	inst->state_kn = sysfs_get_dirent(inst->kobj.sd, "state");
	return 0;
}

/**
 * mk_sysfs_remove_instance() - remove instances/NAME
 * @inst:	the instance; the caller still holds its reference
 */
void mk_sysfs_remove_instance(struct mk_instance *inst)
{
	mutex_lock(&inst->lock);
	sysfs_put(inst->state_kn);
	inst->state_kn = NULL;
	mutex_unlock(&inst->lock);
	kobject_del(&inst->kobj);
}

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

	mk_instances_kobj = kobject_create_and_add("instances", mk_kobj);
	if (!mk_instances_kobj) {
		ret = -ENOMEM;
		goto out_put_pool;
	}
	return 0;

out_put_pool:
	kobject_put(mk_pool_kobj);
out_put_top:
	kobject_put(mk_kobj);
	pr_err("cannot create /sys/kernel/multikernel (%d)\n", ret);
	return ret;
}
late_initcall(mk_sysfs_init);

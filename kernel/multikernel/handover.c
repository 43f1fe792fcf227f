// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the handover FDT, modelled on mainline KHO.
 *
 * The host builds one FDT per start and the spawn reads it very early in
 * boot. The schema (Documentation/multikernel.rst, "Handover FDT"):
 *
 *	/ {
 *		compatible = "multikernel,handover-v1";
 *		instance {
 *			id = <u32>;
 *			instance-name = "string";
 *			cpus = <u32 apic-id>...;	first: boot CPU
 *			memory = <u64 base u64 size>;
 *			shared-area = <u64 base u64 size>;
 *			tsc-khz = <u32>;
 *			lapic-khz = <u32>;
 *			host-realtime-ns = <u64>;
 *			host-doorbell = <u32>;	mailbox IPI target
 *		};
 *		devices { ... };		see device_fdt.c
 *	};
 *
 * The instance node is written here; every other node by the subsystem
 * that owns it, registered with mk_handover_register().
 *
 * The major version is in the compatible string: a spawn refuses any other
 * major version. Minor, compatible additions are new properties, which an
 * older spawn ignores.
 */

#include <linux/errno.h>
#include <linux/libfdt.h>
#include <linux/list.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "internal.h"

#define MK_HANDOVER_COMPAT_PREFIX	"multikernel,handover-v"
#define MK_HANDOVER_MAJOR		1
#define MK_HANDOVER_COMPAT		MK_HANDOVER_COMPAT_PREFIX "1"
/* The longest compatible string built: the prefix and a u32. */
#define MK_HANDOVER_COMPAT_MAX		(sizeof(MK_HANDOVER_COMPAT_PREFIX) + 10)

/* The nodes after "instance", in registration order. */
static LIST_HEAD(mk_handover_nodes);
static DEFINE_MUTEX(mk_handover_lock);

/**
 * mk_handover_register() - add a node to every handover FDT built
 * @node:	its name and builder; must stay allocated
 *
 * The builder is called with the node begun, to add properties and
 * subnodes; the node is written, empty if need be, into every FDT.
 */
void mk_handover_register(struct mk_handover_node *node)
{
	mutex_lock(&mk_handover_lock);
	list_add_tail(&node->list, &mk_handover_nodes);
	mutex_unlock(&mk_handover_lock);
}

/* The registered nodes; libfdt errors pass through. */
static int mk_handover_build_nodes(struct mk_instance *inst, void *buf)
{
	struct mk_handover_node *node;
	int err = 0;

	mutex_lock(&mk_handover_lock);
	list_for_each_entry(node, &mk_handover_nodes, list) {
		err = fdt_begin_node(buf, node->name);
		err = err ?: node->build(inst, buf);
		err = err ?: fdt_end_node(buf);
		if (err)
			break;
	}
	mutex_unlock(&mk_handover_lock);
	return err;
}

static int mk_fdt_u64_pair(void *fdt, const char *name, u64 a, u64 b)
{
	fdt64_t val[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };

	return fdt_property(fdt, name, val, sizeof(val));
}

/**
 * mk_handover_build() - write the handover FDT for the next start
 * @inst:	the instance; apic_ids must be filled in
 * @buf:	where to build it
 * @size:	bytes available at @buf
 *
 * Return: the FDT's size, or -ENOSPC when @buf is too small, -EINVAL for
 * any other libfdt failure.
 */
int mk_handover_build(struct mk_instance *inst, void *buf, size_t size)
{
	unsigned int nr = cpumask_weight(&inst->cpus), i;
	char compat[MK_HANDOVER_COMPAT_MAX];
	fdt32_t cpus[MK_SPAWN_MAX_CPUS];
	int err;

	for (i = 0; i < nr; i++)
		cpus[i] = cpu_to_fdt32(inst->apic_ids[i]);

	err = fdt_create(buf, size);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	snprintf(compat, sizeof(compat), MK_HANDOVER_COMPAT_PREFIX "%u",
		 mk_test_handover_major() ?: MK_HANDOVER_MAJOR);
	err = err ?: fdt_property_string(buf, "compatible", compat);
	err = err ?: fdt_begin_node(buf, "instance");
	err = err ?: fdt_property_u32(buf, "id", inst->id);
	err = err ?: fdt_property_string(buf, "instance-name", inst->name);
	err = err ?: fdt_property(buf, "cpus", cpus, nr * sizeof(cpus[0]));
	err = err ?: mk_fdt_u64_pair(buf, "memory", inst->mem_base,
				     inst->mem_size);
	err = err ?: mk_fdt_u64_pair(buf, "shared-area", inst->shared_base,
				     MK_SHARED_SIZE);
	err = err ?: fdt_property_u32(buf, "tsc-khz", mk_arch_tsc_khz());
	err = err ?: fdt_property_u32(buf, "lapic-khz", mk_arch_lapic_khz());
	err = err ?: fdt_property_u64(buf, "host-realtime-ns",
				      ktime_get_real_ns());
	err = err ?: fdt_property_u32(buf, "host-doorbell",
				      mk_arch_host_doorbell_id());
	err = err ?: fdt_end_node(buf);
	err = err ?: mk_handover_build_nodes(inst, buf);
	if (inst->nr_vdevs) {
		err = err ?: fdt_begin_node(buf, "virtio");
		err = err ?: mk_virtio_fdt_build(inst, buf);
		err = err ?: fdt_end_node(buf);
	}
	err = err ?: fdt_end_node(buf);
	err = err ?: fdt_finish(buf);
	if (err)
		return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	return fdt_totalsize(buf);
}

/**
 * mk_prop_u32() - read a u32 property of a handover FDT node
 * @fdt:	the blob
 * @node:	the node's offset
 * @name:	the property
 * @val:	gets its value
 *
 * Return: 0, or -EINVAL when it is missing or not exactly one cell.
 */
int mk_prop_u32(const void *fdt, int node, const char *name, u32 *val)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	if (!p || len != sizeof(*p))
		return -EINVAL;
	*val = fdt32_to_cpu(*p);
	return 0;
}

static int mk_prop_u64(const void *fdt, int node, const char *name, u64 *val,
		       int count)
{
	const fdt64_t *p;
	int len, i;

	p = fdt_getprop(fdt, node, name, &len);
	if (!p || len != count * sizeof(*p))
		return -EINVAL;
	for (i = 0; i < count; i++)
		val[i] = fdt64_to_cpu(p[i]);
	return 0;
}

static bool mk_range_ok(u64 base, u64 size)
{
	u64 end;

	return size && IS_ALIGNED(base, SZ_4K) && IS_ALIGNED(size, SZ_4K) &&
	       !check_add_overflow(base, size, &end);
}

static int mk_parse_compatible(const void *fdt, const char **why)
{
	const char *compat;
	int len;

	compat = fdt_getprop(fdt, 0, "compatible", &len);
	if (!compat || len < 1 || strnlen(compat, len) != len - 1) {
		*why = "no compatible string";
		return -EINVAL;
	}
	if (!strcmp(compat, MK_HANDOVER_COMPAT))
		return 0;
	if (str_has_prefix(compat, MK_HANDOVER_COMPAT_PREFIX)) {
		*why = "unsupported handover major version (this kernel knows v1)";
		return -EPROTONOSUPPORT;
	}
	*why = "not a multikernel handover FDT";
	return -EINVAL;
}

static int mk_parse_instance(const void *fdt, int node,
			     struct mk_spawn_info *info, const char **why)
{
	const fdt32_t *cpus;
	const char *name;
	u64 range[2];
	int len, i;

	if (mk_prop_u32(fdt, node, "id", &info->id) || !info->id) {
		*why = "bad instance id";
		return -EINVAL;
	}

	name = fdt_getprop(fdt, node, "instance-name", &len);
	if (!name || len < 2 || len > sizeof(info->name) ||
	    strnlen(name, len) != len - 1 || !mk_name_valid(name)) {
		*why = "bad instance name";
		return -EINVAL;
	}
	memcpy(info->name, name, len);

	cpus = fdt_getprop(fdt, node, "cpus", &len);
	if (!cpus || len <= 0 || len % sizeof(*cpus) ||
	    len / sizeof(*cpus) > MK_SPAWN_MAX_CPUS) {
		*why = "bad cpus list";
		return -EINVAL;
	}
	info->nr_cpus = len / sizeof(*cpus);
	for (i = 0; i < info->nr_cpus; i++)
		info->apic_ids[i] = fdt32_to_cpu(cpus[i]);

	if (mk_prop_u64(fdt, node, "memory", range, 2) ||
	    !mk_range_ok(range[0], range[1])) {
		*why = "bad memory range";
		return -EINVAL;
	}
	info->mem_base = range[0];
	info->mem_size = range[1];

	if (mk_prop_u64(fdt, node, "shared-area", range, 2) ||
	    !mk_range_ok(range[0], range[1]) || range[1] < MK_SHARED_SIZE) {
		*why = "bad shared-area range";
		return -EINVAL;
	}
	info->shared_base = range[0];
	info->shared_size = range[1];

	if (mk_prop_u32(fdt, node, "tsc-khz", &info->tsc_khz) ||
	    mk_prop_u32(fdt, node, "lapic-khz", &info->lapic_khz) ||
	    mk_prop_u64(fdt, node, "host-realtime-ns", &info->realtime_ns, 1) ||
	    mk_prop_u32(fdt, node, "host-doorbell", &info->host_doorbell)) {
		*why = "missing clock or doorbell properties";
		return -EINVAL;
	}
	return 0;
}

/**
 * mk_handover_parse() - check and read a handover FDT
 * @fdt:	the blob, which may be anything at all
 * @size:	bytes readable at @fdt
 * @info:	filled in on success; may be partly written on failure
 * @why:	on failure, a short reason for the boot log
 *
 * Return: 0, -EPROTONOSUPPORT for another major version, -EINVAL for a
 * blob that is not a valid v1 handover FDT, or whose devices or virtio
 * node is malformed.
 */
int mk_handover_parse(const void *fdt, size_t size, struct mk_spawn_info *info,
		      const char **why)
{
	int node, ret;

	if (size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > size) {
		*why = "not a valid FDT";
		return -EINVAL;
	}
	ret = mk_parse_compatible(fdt, why);
	if (ret)
		return ret;

	node = fdt_subnode_offset(fdt, 0, "instance");
	if (node < 0) {
		*why = "no instance node";
		return -EINVAL;
	}
	memset(info, 0, sizeof(*info));
	ret = mk_parse_instance(fdt, node, info, why);
	if (ret)
		return ret;

	/* Optional: a host without devices to give may leave it out. */
	node = fdt_subnode_offset(fdt, 0, "devices");
	if (node >= 0) {
		ret = mk_devices_fdt_parse(fdt, node, info, why);
	} else if (node != -FDT_ERR_NOTFOUND) {
		*why = "bad devices node";
		ret = -EINVAL;
	}
	if (ret)
		return ret;

	/* Optional too: only an instance with virtio devices has it. */
	node = fdt_subnode_offset(fdt, 0, "virtio");
	if (node == -FDT_ERR_NOTFOUND)
		return 0;
	if (node < 0) {
		*why = "bad virtio node";
		return -EINVAL;
	}
	return mk_virtio_fdt_parse(fdt, node, info, why);
}
EXPORT_SYMBOL_IF_KUNIT(mk_handover_parse);

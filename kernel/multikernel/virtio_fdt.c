// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the "virtio" node of the handover FDT, written by the host
 * for the virtio devices it serves an instance and read by the spawn.
 *
 *	virtio {
 *		io-window = <u64 base u64 size>;	all rings and buffers
 *		device@INDEX {				(hex)
 *			compatible = "multikernel,virtio";
 *			index = <u32>;			its control block
 *			device-id = <u32>;		VIRTIO_ID_*
 *			features = <u64>;		offered
 *			queues = <u32>;
 *			queue-size-max = <u32>;
 *			config-size = <u32>;
 *		};
 *	};
 *
 * The node is left out for an instance without virtio devices. A spawn
 * skips device nodes of other compatibles and refuses to boot on a
 * malformed one: the I/O window is memory it must not use as RAM.
 */

#include <linux/errno.h>
#include <linux/libfdt.h>
#include <linux/log2.h>
#include <linux/multikernel.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

#define MK_VIRTIO_COMPAT	"multikernel,virtio"
/* The virtio spec's largest split virtqueue. */
#define MK_VIRTIO_QUEUE_SIZE_LIMIT	32768

static int mk_virtio_node_build(const struct mk_virtio_handover *v, void *fdt)
{
	char name[32];
	int err;

	snprintf(name, sizeof(name), "device@%x", v->index);
	err = fdt_begin_node(fdt, name);
	err = err ?: fdt_property_string(fdt, "compatible", MK_VIRTIO_COMPAT);
	err = err ?: fdt_property_u32(fdt, "index", v->index);
	err = err ?: fdt_property_u32(fdt, "device-id", v->device_id);
	err = err ?: fdt_property_u64(fdt, "features", v->features);
	err = err ?: fdt_property_u32(fdt, "queues", v->num_queues);
	err = err ?: fdt_property_u32(fdt, "queue-size-max", v->queue_size_max);
	err = err ?: fdt_property_u32(fdt, "config-size", v->config_size);
	return err ?: fdt_end_node(fdt);
}

/**
 * mk_virtio_fdt_build() - write the "virtio" node's contents
 * @inst:	the instance being started
 * @fdt:	the blob, inside the node
 *
 * Return: 0 or a libfdt error.
 */
int mk_virtio_fdt_build(struct mk_instance *inst, void *fdt)
{
	fdt64_t win[2] = { cpu_to_fdt64(inst->iowin_base),
			   cpu_to_fdt64(inst->iowin_size) };
	struct mk_virtio_handover v;
	unsigned int i;
	int err;

	err = fdt_property(fdt, "io-window", win, sizeof(win));
	for (i = 0; !err && i < inst->nr_vdevs; i++) {
		mk_vdev_describe(inst->vdevs[i], &v);
		err = mk_virtio_node_build(&v, fdt);
	}
	return err;
}

static int mk_virtio_node_parse(const void *fdt, int node,
				const struct mk_spawn_info *info,
				struct mk_virtio_handover *v)
{
	const fdt64_t *features;
	unsigned int i;
	int len;

	if (mk_prop_u32(fdt, node, "index", &v->index) ||
	    mk_prop_u32(fdt, node, "device-id", &v->device_id) ||
	    mk_prop_u32(fdt, node, "queues", &v->num_queues) ||
	    mk_prop_u32(fdt, node, "queue-size-max", &v->queue_size_max) ||
	    mk_prop_u32(fdt, node, "config-size", &v->config_size))
		return -EINVAL;
	features = fdt_getprop(fdt, node, "features", &len);
	if (!features || len != sizeof(*features))
		return -EINVAL;
	v->features = fdt64_to_cpu(*features);

	if (v->index >= MK_VIRTIO_MAX_DEVICES || !v->device_id ||
	    !v->num_queues || v->num_queues > MK_VIRTIO_MAX_QUEUES ||
	    !is_power_of_2(v->queue_size_max) ||
	    v->queue_size_max > MK_VIRTIO_QUEUE_SIZE_LIMIT ||
	    v->config_size > MK_VIRTIO_CONFIG_MAX)
		return -EINVAL;
	for (i = 0; i < info->nr_virtio; i++)
		if (info->virtio[i].index == v->index)
			return -EINVAL;
	return 0;
}

static bool mk_ranges_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

static int mk_virtio_parse_window(const void *fdt, int node,
				  struct mk_spawn_info *info)
{
	const fdt64_t *p;
	u64 base, size, end;
	int len;

	p = fdt_getprop(fdt, node, "io-window", &len);
	if (!p || len != 2 * sizeof(*p))
		return -EINVAL;
	base = fdt64_to_cpu(p[0]);
	size = fdt64_to_cpu(p[1]);
	if (!base || !size || !IS_ALIGNED(base, SZ_4K) ||
	    !IS_ALIGNED(size, SZ_4K) || check_add_overflow(base, size, &end) ||
	    mk_ranges_overlap(base, size, info->mem_base, info->mem_size) ||
	    mk_ranges_overlap(base, size, info->shared_base, info->shared_size))
		return -EINVAL;
	info->iowin_base = base;
	info->iowin_size = size;
	return 0;
}

/**
 * mk_virtio_fdt_parse() - read the "virtio" node of a handover FDT
 * @fdt:	the blob, already checked by fdt_check_header()
 * @node:	offset of the virtio node
 * @info:	its instance part already parsed; gets the I/O window and
 *		the devices
 * @why:	on failure, a short reason for the boot log
 *
 * Return: 0, or -EINVAL for a malformed window (also one overlapping the
 * spawn's RAM or shared area) or a malformed, duplicate or excess device.
 */
int mk_virtio_fdt_parse(const void *fdt, int node, struct mk_spawn_info *info,
			const char **why)
{
	int child;

	if (mk_virtio_parse_window(fdt, node, info)) {
		*why = "bad I/O window";
		return -EINVAL;
	}
	fdt_for_each_subnode(child, fdt, node) {
		if (fdt_node_check_compatible(fdt, child, MK_VIRTIO_COMPAT)) {
			info->nr_unknown_devices++;
			continue;
		}
		if (info->nr_virtio >= MK_VIRTIO_MAX_DEVICES) {
			*why = "too many virtio devices";
			return -EINVAL;
		}
		if (mk_virtio_node_parse(fdt, child, info,
					 &info->virtio[info->nr_virtio])) {
			*why = "bad or duplicate virtio device node";
			return -EINVAL;
		}
		info->nr_virtio++;
	}
	if (child != -FDT_ERR_NOTFOUND) {
		*why = "bad virtio node";
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_virtio_fdt_parse);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: devices handed over to instances, whatever their kind.
 *
 * A device named at create is assigned to the instance until it is
 * destroyed; no other instance can have it meanwhile. While the instance
 * may run (from create, and again from each start, until it halts) the
 * host has given the device up; when the instance halts for any reason
 * the device is stopped and goes back to the host's driver. How is up to
 * each kind: device_pci.c, device_uart.c.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/sysfs.h>

#include "internal.h"

static int mk_device_assign(struct mk_instance *inst,
			    const struct mk_device_addr *addr,
			    struct mk_device *dev)
{
	dev->kind = addr->kind;
	if (addr->kind == MK_DEV_UART)
		return mk_uart_assign(inst, addr->uart_line, dev);
	return mk_pci_assign(inst, &addr->pci, dev);
}

static int mk_device_take(struct mk_instance *inst, struct mk_device *dev)
{
	if (dev->kind == MK_DEV_UART)
		return mk_uart_take(inst, dev);
	return mk_pci_take(inst, dev);
}

static void mk_device_give_back(struct mk_instance *inst,
				struct mk_device *dev)
{
	if (!dev->owned)
		return;
	if (dev->kind == MK_DEV_UART)
		mk_uart_give_back(inst, dev);
	else
		mk_pci_give_back(inst, dev);
}

/**
 * mk_devices_assign() - give the devices of a create request to an instance
 * @inst:	the instance being created
 * @req:	the parsed create line
 *
 * Return: 0, or -ENODEV (no such device), -EINVAL (a PCI bridge),
 * -EOPNOTSUPP (a device that cannot be handed over), -EBUSY (in use by
 * the host or given to another instance). On failure nothing is assigned.
 */
int mk_devices_assign(struct mk_instance *inst,
		      const struct mk_create_req *req)
{
	int ret = 0;

	while (inst->nr_devices < req->nr_devices) {
		ret = mk_device_assign(inst, &req->devices[inst->nr_devices],
				       &inst->devices[inst->nr_devices]);
		if (ret)
			break;
		inst->nr_devices++;
	}
	if (ret)
		mk_devices_unassign(inst);
	return ret;
}

/**
 * mk_devices_unassign() - give back and forget every device of an instance
 * @inst:	an instance that is not running
 */
void mk_devices_unassign(struct mk_instance *inst)
{
	struct mk_device *dev;

	while (inst->nr_devices) {
		dev = &inst->devices[--inst->nr_devices];
		mk_device_give_back(inst, dev);
		if (dev->kind == MK_DEV_UART)
			mk_uart_unassign(dev);
		else
			mk_pci_unassign(dev);
	}
}

/**
 * mk_devices_take() - take an instance's devices from the host again
 * @inst:	an instance about to start
 *
 * Return: 0, or the error of the first device that could not be taken;
 * then every device is back with the host.
 */
int mk_devices_take(struct mk_instance *inst)
{
	unsigned int i;
	int ret;

	for (i = 0; i < inst->nr_devices; i++) {
		if (inst->devices[i].owned)
			continue;
		ret = mk_device_take(inst, &inst->devices[i]);
		if (ret) {
			mk_devices_give_back(inst);
			return ret;
		}
	}
	return 0;
}

/**
 * mk_devices_give_back() - stop an instance's devices and return them
 * @inst:	an instance whose CPUs are stopped
 */
void mk_devices_give_back(struct mk_instance *inst)
{
	unsigned int i;

	for (i = 0; i < inst->nr_devices; i++)
		mk_device_give_back(inst, &inst->devices[i]);
}

/**
 * mk_devices_show() - instances/NAME/devices: one line per device
 * @inst:	the instance
 * @buf:	a sysfs page
 *
 * Return: bytes written.
 */
ssize_t mk_devices_show(struct mk_instance *inst, char *buf)
{
	const char *holder;
	struct mk_device *dev;
	unsigned int i;
	int len = 0;

	for (i = 0; i < inst->nr_devices; i++) {
		dev = &inst->devices[i];
		holder = dev->owned ? "instance" : "host";
		if (dev->kind == MK_DEV_UART)
			len += sysfs_emit_at(buf, len, "uart ttyS%u %s\n",
					     dev->host_uart.line, holder);
		else
			len += sysfs_emit_at(buf, len, "pci %s %s\n",
					     mk_pci_dev_name(dev), holder);
	}
	return len;
}

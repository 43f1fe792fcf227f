// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: PCI functions handed over to instances.
 *
 * A function named at create is assigned to the instance until it is
 * destroyed; no other instance can have it meanwhile. While the instance
 * may run (from create, and again from each start, until it halts) the
 * host has given the function up: its driver is unbound, no driver may
 * bind (match_driver is cleared, which beats driver_override and the
 * bind file), and it has been reset. When the instance halts for any
 * reason the function is reset again, which stops any DMA into the
 * spawn's memory, and the host's driver binds to it again.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>

#include "internal.h"

/* Every function assigned to some instance, under mk_devices_lock. */
static struct pci_dev *mk_assigned[MK_MAX_INSTANCES * MK_MAX_DEVICES];
static DEFINE_MUTEX(mk_devices_lock);

static bool mk_dev_below(struct device *dev, struct device *ancestor)
{
	for (; dev; dev = dev->parent)
		if (dev == ancestor)
			return true;
	return false;
}

/* An open block device (mounted, or held by a process) below @pdev. */
static bool mk_pci_block_busy(struct pci_dev *pdev, char *what, size_t len)
{
	struct class_dev_iter iter;
	struct device *dev;
	bool busy = false;

	class_dev_iter_init(&iter, &block_class, NULL, NULL);
	while ((dev = class_dev_iter_next(&iter))) {
		if (!mk_dev_below(dev, &pdev->dev) ||
		    !atomic_read(&dev_to_bdev(dev)->bd_openers))
			continue;
		snprintf(what, len, "/dev/%s is open or mounted", dev_name(dev));
		busy = true;
		break;
	}
	class_dev_iter_exit(&iter);
	return busy;
}

/* A network interface below @pdev that is up. */
static bool mk_pci_net_busy(struct pci_dev *pdev, char *what, size_t len)
{
	struct net_device *ndev;
	bool busy = false;

	if (!IS_ENABLED(CONFIG_NET))
		return false;
	rtnl_lock();
	for_each_netdev(&init_net, ndev) {
		if (!(ndev->flags & IFF_UP) ||
		    !mk_dev_below(&ndev->dev, &pdev->dev))
			continue;
		snprintf(what, len, "network interface %s is up", ndev->name);
		busy = true;
		break;
	}
	rtnl_unlock();
	return busy;
}

static void mk_pci_describe(struct pci_dev *pdev, struct mk_pci_handover *d)
{
	struct resource *res;
	struct mk_pci_bar *bar;
	int i;

	d->nr_bars = 0;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		res = pci_resource_n(pdev, i);
		if (!resource_size(res) || !(res->flags & IORESOURCE_SIZEALIGN))
			continue;
		bar = &d->bars[d->nr_bars++];
		bar->index = i;
		bar->start = res->start;
		bar->size = resource_size(res);
		bar->flags = 0;
		if (res->flags & IORESOURCE_IO)
			bar->flags |= MK_PCI_BAR_IO;
		if (res->flags & IORESOURCE_MEM_64)
			bar->flags |= MK_PCI_BAR_64;
		if (res->flags & IORESOURCE_PREFETCH)
			bar->flags |= MK_PCI_BAR_PREFETCH;
	}
}

/* Can @pdev be handed over at all? Checked once, at create. */
static int mk_pci_check(struct mk_instance *inst, struct pci_dev *pdev,
			struct mk_pci_handover *desc)
{
	const char *name = pci_name(pdev);
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL ||
	    (pdev->class >> 8) == PCI_CLASS_BRIDGE_HOST) {
		pr_warn_ratelimited("create %s: %s is a bridge, not a function that can be handed over\n",
				    inst->name, name);
		return -EINVAL;
	}
	/* pci_reset_supported(), which is private to drivers/pci/ */
	if (!pdev->reset_methods[0]) {
		pr_warn_ratelimited("create %s: %s has no reset method, so it could not be taken back\n",
				    inst->name, name);
		return -EOPNOTSUPP;
	}
	ret = mk_arch_pci_ecam(pci_domain_nr(pdev->bus), pdev->bus->number,
			       &desc->ecam_base);
	if (ret) {
		pr_warn_ratelimited("create %s: no ECAM (MMCONFIG) space covers %s\n",
				    inst->name, name);
		return ret;
	}
	desc->segment = pci_domain_nr(pdev->bus);
	desc->bus = pdev->bus->number;
	desc->devfn = pdev->devfn;
	return 0;
}

/**
 * mk_pci_take() - take a function from the host for an instance
 * @inst:	the instance, for messages
 * @dev:	the function, assigned to @inst
 *
 * Refuse if the host uses it, then unbind its driver, keep any driver
 * from binding, reset it and describe it in @dev->desc.
 *
 * Return: 0, -EBUSY (in use) or the reset's error; then the host keeps it.
 */
int mk_pci_take(struct mk_instance *inst, struct mk_device *dev)
{
	struct pci_dev *pdev = dev->pdev;
	char what[64];
	int ret;

	if (mk_pci_block_busy(pdev, what, sizeof(what)) ||
	    mk_pci_net_busy(pdev, what, sizeof(what))) {
		pr_warn_ratelimited("%s: %s is in use by the host: %s\n",
				    inst->name, pci_name(pdev), what);
		return -EBUSY;
	}

	device_lock(&pdev->dev);
	pdev->match_driver = false;
	device_unlock(&pdev->dev);
	device_release_driver(&pdev->dev);

	ret = pci_reset_function(pdev);
	if (ret) {
		pr_warn_ratelimited("%s: cannot reset %s (%d)\n", inst->name,
				    pci_name(pdev), ret);
		goto out_give_back;
	}
	mk_pci_describe(pdev, &dev->desc);
	dev->owned = true;
	pr_info("%s: %s handed over\n", inst->name, pci_name(pdev));
	return 0;

out_give_back:
	pdev->match_driver = true;
	if (device_attach(&pdev->dev) < 0)
		pci_warn(pdev, "host driver did not bind again\n");
	return ret;
}

/**
 * mk_pci_give_back() - reset a function, so it stops touching the
 * spawn's memory, and give it back to the host's driver
 * @inst:	the instance, for messages
 * @dev:	the function; nothing happens unless the instance owns it
 */
void mk_pci_give_back(struct mk_instance *inst, struct mk_device *dev)
{
	struct pci_dev *pdev = dev->pdev;
	int ret;

	if (!dev->owned)
		return;
	ret = pci_reset_function(pdev);
	if (ret) {
		/* At least no more DMA into memory that goes back to the pool. */
		pci_clear_master(pdev);
		pci_warn(pdev, "reset failed (%d), bus mastering turned off\n",
			 ret);
	}
	dev->owned = false;
	pdev->match_driver = true;
	ret = device_attach(&pdev->dev);
	pr_info("%s: %s given back to the host%s\n", inst->name,
		pci_name(pdev), ret > 0 ? ", driver bound" : "");
}

static int mk_assign_locked(struct pci_dev *pdev)
{
	int i, free = -1;

	for (i = 0; i < ARRAY_SIZE(mk_assigned); i++) {
		if (mk_assigned[i] == pdev)
			return -EBUSY;
		if (!mk_assigned[i] && free < 0)
			free = i;
	}
	if (free < 0)
		return -ENOSPC;
	mk_assigned[free] = pdev;
	return 0;
}

static void mk_unassign_pdev(struct pci_dev *pdev)
{
	int i;

	mutex_lock(&mk_devices_lock);
	for (i = 0; i < ARRAY_SIZE(mk_assigned); i++)
		if (mk_assigned[i] == pdev)
			mk_assigned[i] = NULL;
	mutex_unlock(&mk_devices_lock);
}

/**
 * mk_pci_assign() - assign the function at @addr to an instance
 * @inst:	the instance being created
 * @addr:	where the function is
 * @dev:	filled in on success
 *
 * Return: 0, or -ENODEV (no such function), -EINVAL (a bridge),
 * -EOPNOTSUPP (no reset method or no ECAM), -EBUSY (in use by the host or
 * given to another instance). On failure nothing is assigned.
 */
int mk_pci_assign(struct mk_instance *inst, const struct mk_pci_addr *addr,
		  struct mk_device *dev)
{
	struct pci_dev *pdev;
	int ret;

	pdev = pci_get_domain_bus_and_slot(addr->segment, addr->bus,
					   addr->devfn);
	if (!pdev) {
		pr_warn_ratelimited("create %s: no PCI function %04x:%02x:%02x.%d\n",
				    inst->name, addr->segment, addr->bus,
				    PCI_SLOT(addr->devfn), PCI_FUNC(addr->devfn));
		return -ENODEV;
	}
	ret = mk_pci_check(inst, pdev, &dev->desc);
	if (ret)
		goto out_put;

	mutex_lock(&mk_devices_lock);
	ret = mk_assign_locked(pdev);
	mutex_unlock(&mk_devices_lock);
	if (ret) {
		pr_warn_ratelimited("create %s: %s is already given to an instance\n",
				    inst->name, pci_name(pdev));
		goto out_put;
	}
	dev->pdev = pdev;
	ret = mk_pci_take(inst, dev);
	if (ret) {
		dev->pdev = NULL;
		mk_unassign_pdev(pdev);
		goto out_put;
	}
	return 0;

out_put:
	pci_dev_put(pdev);
	return ret;
}

/**
 * mk_pci_unassign() - give a function back for good and forget it
 * @dev:	a function of an instance that is not running
 */
void mk_pci_unassign(struct mk_device *dev)
{
	mk_unassign_pdev(dev->pdev);
	pci_dev_put(dev->pdev);
	dev->pdev = NULL;
}

/**
 * mk_pci_dev_name() - the address of an assigned function, as lspci
 * @dev:	the function
 *
 * Return: "0000:01:00.0", say.
 */
const char *mk_pci_dev_name(const struct mk_device *dev)
{
	return pci_name(dev->pdev);
}

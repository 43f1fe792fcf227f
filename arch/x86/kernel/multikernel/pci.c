// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel, x86: PCI configuration space for handed-over functions.
 *
 * The host tells a spawn where the ECAM (MMCONFIG) space of each function
 * it gives is. The spawn maps exactly those 4 KiB windows and nothing
 * else: its config accessors answer "no device" for every other function
 * without touching the hardware, never use the 0xcf8 ports, and it scans
 * only the buses its functions sit on. A function has no INTx (the
 * IOAPIC stays with the host): drivers must use MSI or MSI-X, which the
 * spawn aims at its own CPUs like any x86 kernel.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/multikernel.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <asm/pci_x86.h>
#include <asm/x86_init.h>

#include "../../../../kernel/multikernel/internal.h"

#define MK_ECAM_FN_SIZE		SZ_4K
#define MK_ECAM_BUS_SHIFT	20
#define MK_ECAM_DEVFN_SHIFT	12

/**
 * mk_arch_pci_ecam() - where the host finds ECAM space for a bus
 * @segment:	PCI segment
 * @bus:	bus number
 * @base:	set to the physical address of the segment's bus 0
 *
 * Return: 0, or -EOPNOTSUPP when no MMCONFIG region covers @bus.
 */
int mk_arch_pci_ecam(u16 segment, u8 bus, u64 *base)
{
	struct pci_mmcfg_region *cfg;
	int ret = -EOPNOTSUPP;

	if (!IS_ENABLED(CONFIG_PCI_MMCONFIG))
		return ret;
	rcu_read_lock();
	cfg = pci_mmconfig_lookup(segment, bus);
	if (cfg) {
		*base = cfg->address;
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

/* A function this spawn owns, and its mapped config space. */
struct mk_spawn_fn {
	const struct mk_pci_handover *desc;
	void __iomem *cfg;
};

static struct mk_spawn_fn mk_fns[MK_MAX_DEVICES] __ro_after_init;
static unsigned int mk_nr_fns __ro_after_init;
static const struct mk_spawn_info *mk_pci_info __ro_after_init;

/*
 * Where register @reg (@len bytes) of an owned function is, in *@addr.
 * Returns a PCIBIOS_* code: functions the spawn does not own are absent.
 */
static int mk_cfg_addr(unsigned int seg, unsigned int bus, unsigned int devfn,
		       int reg, int len, void __iomem **addr)
{
	const struct mk_pci_handover *d;
	unsigned int i;

	for (i = 0; i < mk_nr_fns; i++) {
		d = mk_fns[i].desc;
		if (d->segment != seg || d->bus != bus || d->devfn != devfn)
			continue;
		if ((len != 1 && len != 2 && len != 4) || reg < 0 ||
		    reg + len > MK_ECAM_FN_SIZE || !IS_ALIGNED(reg, len))
			return PCIBIOS_BAD_REGISTER_NUMBER;
		*addr = mk_fns[i].cfg + reg;
		return PCIBIOS_SUCCESSFUL;
	}
	return PCIBIOS_DEVICE_NOT_FOUND;
}

static int mk_pci_read(unsigned int seg, unsigned int bus, unsigned int devfn,
		       int reg, int len, u32 *val)
{
	void __iomem *addr;
	int ret = mk_cfg_addr(seg, bus, devfn, reg, len, &addr);

	PCI_SET_ERROR_RESPONSE(val);
	if (ret)
		return ret;
	if (len == 1)
		*val = readb(addr);
	else if (len == 2)
		*val = readw(addr);
	else
		*val = readl(addr);
	return PCIBIOS_SUCCESSFUL;
}

static int mk_pci_write(unsigned int seg, unsigned int bus,
			unsigned int devfn, int reg, int len, u32 val)
{
	void __iomem *addr;
	int ret = mk_cfg_addr(seg, bus, devfn, reg, len, &addr);

	if (ret)
		return ret;
	if (len == 1)
		writeb(val, addr);
	else if (len == 2)
		writew(val, addr);
	else
		writel(val, addr);
	return PCIBIOS_SUCCESSFUL;
}

static const struct pci_raw_ops mk_spawn_pci_ops = {
	.read	= mk_pci_read,
	.write	= mk_pci_write,
};

/* x86_init.pci.arch_init: map the owned functions' config space. */
static int __init mk_spawn_pci_arch_init(void)
{
	const struct mk_pci_handover *d;
	phys_addr_t pa;
	u32 i;

	for (i = 0; i < mk_pci_info->nr_pci; i++) {
		d = &mk_pci_info->pci[i];
		if (d->segment) {
			pr_err("PCI %04x:%02x:%02x.%d: only segment 0 is supported\n",
			       d->segment, d->bus, PCI_SLOT(d->devfn),
			       PCI_FUNC(d->devfn));
			continue;
		}
		pa = d->ecam_base + ((u64)d->bus << MK_ECAM_BUS_SHIFT) +
		     ((u64)d->devfn << MK_ECAM_DEVFN_SHIFT);
		mk_fns[mk_nr_fns].cfg = ioremap(pa, MK_ECAM_FN_SIZE);
		if (!mk_fns[mk_nr_fns].cfg) {
			pr_err("cannot map the config space of 0000:%02x:%02x.%d\n",
			       d->bus, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
			continue;
		}
		mk_fns[mk_nr_fns++].desc = d;
	}
	raw_pci_ops = &mk_spawn_pci_ops;
	raw_pci_ext_ops = &mk_spawn_pci_ops;
	/* 0: no BIOS and no port probing after us. */
	return 0;
}

/* The BARs must be where the host said: nobody moved them meanwhile. */
static void __init mk_spawn_pci_check_bars(const struct mk_pci_handover *d)
{
	struct pci_dev *pdev;
	struct resource *res;
	u32 i;

	pdev = pci_get_domain_bus_and_slot(0, d->bus, d->devfn);
	if (!pdev) {
		pr_err("PCI 0000:%02x:%02x.%d was handed over but does not answer\n",
		       d->bus, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
		return;
	}
	for (i = 0; i < d->nr_bars; i++) {
		res = pci_resource_n(pdev, d->bars[i].index);
		if (res->start != d->bars[i].start ||
		    resource_size(res) != d->bars[i].size)
			pci_warn(pdev, "BAR %u is %pR, the host said %#llx size %#llx\n",
				 d->bars[i].index, res, d->bars[i].start,
				 d->bars[i].size);
	}
	pci_info(pdev, "handed over by the host\n");
	pci_dev_put(pdev);
}

/* x86_init.pci.init: scan the buses of the owned functions, no others. */
static int __init mk_spawn_pci_init(void)
{
	unsigned int i, j;

	for (i = 0; i < mk_nr_fns; i++) {
		for (j = 0; j < i; j++)
			if (mk_fns[j].desc->bus == mk_fns[i].desc->bus)
				break;
		if (j == i)
			pcibios_scan_root(mk_fns[i].desc->bus);
	}
	for (i = 0; i < mk_nr_fns; i++)
		mk_spawn_pci_check_bars(mk_fns[i].desc);
	/* 0: no legacy scan of bus 0. */
	return 0;
}

/* pcibios_enable_irq: no INTx, only MSI and MSI-X. */
static int mk_spawn_pci_no_intx(struct pci_dev *pdev)
{
	if (pdev->pin)
		pci_info(pdev, "no INTx in a spawn: MSI or MSI-X only\n");
	pdev->irq = 0;
	return 0;
}

/**
 * mk_arch_spawn_pci_setup() - let a spawn use the PCI functions it was given
 * @info:	the handover; must stay valid until the PCI scan is done
 *
 * Called from the spawn platform's setup, after the default "no PCI"
 * hooks are in place; with no functions handed over it changes nothing.
 */
void __init mk_arch_spawn_pci_setup(const struct mk_spawn_info *info)
{
	if (!info->nr_pci)
		return;
	mk_pci_info = info;
	x86_init.pci.arch_init = mk_spawn_pci_arch_init;
	x86_init.pci.init = mk_spawn_pci_init;
	pcibios_enable_irq = mk_spawn_pci_no_intx;
}

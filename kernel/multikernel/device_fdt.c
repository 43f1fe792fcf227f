// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the "devices" node of the handover FDT, written by the
 * host for the devices an instance owns and read by the spawn.
 *
 *	devices {
 *		pci@SEGMENT,BUS,DEVFN {			(hex)
 *			compatible = "multikernel,pci-function";
 *			segment = <u32>;
 *			bus = <u32>;
 *			devfn = <u32>;
 *			ecam-base = <u64>;		bus 0 of the segment
 *			bars = <u64 index u64 flags u64 start u64 size>...;
 *		};
 *		uart@IOPORT {				(hex)
 *			compatible = "multikernel,uart-16550";
 *			io-port = <u32>;		0x3f8, 0x2f8, 0x3e8, 0x2e8
 *			clock-frequency = <u32>;	Hz
 *		};
 *	};
 *
 * A spawn skips nodes of other compatibles (device kinds it does not
 * know) and refuses to boot on a malformed node it does know: it could
 * not tell what it owns.
 */

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/libfdt.h>
#include <linux/log2.h>
#include <linux/multikernel.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

#define MK_PCI_COMPAT		"multikernel,pci-function"
#define MK_UART_COMPAT		"multikernel,uart-16550"
/* u64 cells per BAR in "bars": index, flags, start, size. */
#define MK_BAR_CELLS		4
#define MK_BAR_FLAGS_KNOWN	(MK_PCI_BAR_IO | MK_PCI_BAR_64 | \
				 MK_PCI_BAR_PREFETCH)
/* Config space of one function; ECAM gives each bus 1 MiB. */
#define MK_ECAM_FN_SIZE		SZ_4K
#define MK_ECAM_BUS_SHIFT	20
#define MK_ECAM_DEVFN_SHIFT	12
#define MK_IO_PORT_END		0x10000

static int mk_pci_node_build(const struct mk_pci_handover *d, void *fdt)
{
	fdt64_t bars[MK_PCI_MAX_BARS * MK_BAR_CELLS];
	char name[32];
	unsigned int i;
	int err;

	for (i = 0; i < d->nr_bars; i++) {
		bars[i * MK_BAR_CELLS] = cpu_to_fdt64(d->bars[i].index);
		bars[i * MK_BAR_CELLS + 1] = cpu_to_fdt64(d->bars[i].flags);
		bars[i * MK_BAR_CELLS + 2] = cpu_to_fdt64(d->bars[i].start);
		bars[i * MK_BAR_CELLS + 3] = cpu_to_fdt64(d->bars[i].size);
	}
	snprintf(name, sizeof(name), "pci@%x,%x,%x", d->segment, d->bus,
		 d->devfn);
	err = fdt_begin_node(fdt, name);
	err = err ?: fdt_property_string(fdt, "compatible", MK_PCI_COMPAT);
	err = err ?: fdt_property_u32(fdt, "segment", d->segment);
	err = err ?: fdt_property_u32(fdt, "bus", d->bus);
	err = err ?: fdt_property_u32(fdt, "devfn", d->devfn);
	err = err ?: fdt_property_u64(fdt, "ecam-base", d->ecam_base);
	err = err ?: fdt_property(fdt, "bars", bars,
				  d->nr_bars * MK_BAR_CELLS * sizeof(bars[0]));
	return err ?: fdt_end_node(fdt);
}

static int mk_uart_node_build(const struct mk_uart_handover *u, void *fdt)
{
	char name[32];
	int err;

	snprintf(name, sizeof(name), "uart@%x", u->io_port);
	err = fdt_begin_node(fdt, name);
	err = err ?: fdt_property_string(fdt, "compatible", MK_UART_COMPAT);
	err = err ?: fdt_property_u32(fdt, "io-port", u->io_port);
	err = err ?: fdt_property_u32(fdt, "clock-frequency", u->clock);
	return err ?: fdt_end_node(fdt);
}

/* Write one subnode per device @inst owns; libfdt errors pass through. */
static int mk_devices_fdt_build(struct mk_instance *inst, void *fdt)
{
	struct mk_device *dev;
	unsigned int i;
	int err;

	for (i = 0; i < inst->nr_devices; i++) {
		dev = &inst->devices[i];
		if (!dev->owned)
			continue;
		if (dev->kind == MK_DEV_UART)
			err = mk_uart_node_build(&dev->uart, fdt);
		else
			err = mk_pci_node_build(&dev->desc, fdt);
		if (err)
			return err;
	}
	return 0;
}

static struct mk_handover_node mk_devices_node = {
	.name	= "devices",
	.build	= mk_devices_fdt_build,
};

static int __init mk_devices_fdt_init(void)
{
	mk_handover_register(&mk_devices_node);
	return 0;
}
core_initcall(mk_devices_fdt_init);

static int mk_fdt_u32(const void *fdt, int node, const char *name, u32 max,
		      u32 *val)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	if (!p || len != sizeof(*p) || fdt32_to_cpu(*p) > max)
		return -EINVAL;
	*val = fdt32_to_cpu(*p);
	return 0;
}

static bool mk_bar_valid(const struct mk_pci_bar *bar, u32 seen)
{
	u64 end;

	if (bar->index >= MK_PCI_MAX_BARS || (seen & BIT(bar->index)) ||
	    (bar->flags & ~MK_BAR_FLAGS_KNOWN) || !is_power_of_2(bar->size) ||
	    !IS_ALIGNED(bar->start, bar->size) ||
	    check_add_overflow(bar->start, bar->size, &end))
		return false;
	if (bar->flags & MK_PCI_BAR_IO)
		return !(bar->flags & ~MK_PCI_BAR_IO) && end <= MK_IO_PORT_END;
	return true;
}

static int mk_pci_parse_bars(const void *fdt, int node,
			     struct mk_pci_handover *d)
{
	const fdt64_t *p;
	struct mk_pci_bar *bar;
	u32 seen = 0;
	int len, i;

	p = fdt_getprop(fdt, node, "bars", &len);
	if (!p || len % (MK_BAR_CELLS * sizeof(*p)) ||
	    len / (MK_BAR_CELLS * sizeof(*p)) > MK_PCI_MAX_BARS)
		return -EINVAL;
	d->nr_bars = len / (MK_BAR_CELLS * sizeof(*p));
	for (i = 0; i < d->nr_bars; i++, p += MK_BAR_CELLS) {
		bar = &d->bars[i];
		if (fdt64_to_cpu(p[0]) >= MK_PCI_MAX_BARS ||
		    fdt64_to_cpu(p[1]) > U32_MAX)
			return -EINVAL;
		bar->index = fdt64_to_cpu(p[0]);
		bar->flags = fdt64_to_cpu(p[1]);
		bar->start = fdt64_to_cpu(p[2]);
		bar->size = fdt64_to_cpu(p[3]);
		if (!mk_bar_valid(bar, seen))
			return -EINVAL;
		seen |= BIT(bar->index);
	}
	return 0;
}

static int mk_pci_node_parse(const void *fdt, int node,
			     struct mk_pci_handover *d)
{
	u32 segment, bus, devfn;
	const fdt64_t *ecam;
	u64 cfg, end;
	int len;

	if (mk_fdt_u32(fdt, node, "segment", U16_MAX, &segment) ||
	    mk_fdt_u32(fdt, node, "bus", U8_MAX, &bus) ||
	    mk_fdt_u32(fdt, node, "devfn", U8_MAX, &devfn))
		return -EINVAL;
	d->segment = segment;
	d->bus = bus;
	d->devfn = devfn;

	ecam = fdt_getprop(fdt, node, "ecam-base", &len);
	if (!ecam || len != sizeof(*ecam))
		return -EINVAL;
	d->ecam_base = fdt64_to_cpu(*ecam);
	cfg = d->ecam_base + ((u64)bus << MK_ECAM_BUS_SHIFT) +
	      ((u64)devfn << MK_ECAM_DEVFN_SHIFT);
	if (!d->ecam_base || !IS_ALIGNED(d->ecam_base, SZ_1M) ||
	    cfg < d->ecam_base ||
	    check_add_overflow(cfg, (u64)MK_ECAM_FN_SIZE, &end))
		return -EINVAL;
	return mk_pci_parse_bars(fdt, node, d);
}

/* The ISA ports a spawn's 8250 driver can be told to use. */
static bool mk_uart_port_ok(u32 port)
{
	return port == 0x3f8 || port == 0x2f8 || port == 0x3e8 || port == 0x2e8;
}

static int mk_uart_node_parse(const void *fdt, int node,
			      const struct mk_spawn_info *info,
			      struct mk_uart_handover *u)
{
	u32 i;

	if (mk_fdt_u32(fdt, node, "io-port", U16_MAX, &u->io_port) ||
	    mk_fdt_u32(fdt, node, "clock-frequency", U32_MAX, &u->clock) ||
	    !mk_uart_port_ok(u->io_port) || !u->clock)
		return -EINVAL;
	for (i = 0; i < info->nr_uart; i++)
		if (info->uart[i].io_port == u->io_port)
			return -EINVAL;
	return 0;
}

static bool mk_pci_duplicate(const struct mk_spawn_info *info,
			     const struct mk_pci_handover *d)
{
	u32 i;

	for (i = 0; i < info->nr_pci; i++)
		if (info->pci[i].segment == d->segment &&
		    info->pci[i].bus == d->bus &&
		    info->pci[i].devfn == d->devfn)
			return true;
	return false;
}

/**
 * mk_devices_fdt_parse() - read the "devices" node of a handover FDT
 * @fdt:	the blob, already checked by fdt_check_header()
 * @node:	offset of the devices node
 * @info:	gets the devices; nr_pci, nr_uart and nr_unknown_devices
 *		count them
 * @why:	on failure, a short reason for the boot log
 *
 * Return: 0, or -EINVAL for a malformed, duplicate or excess device.
 */
int mk_devices_fdt_parse(const void *fdt, int node, struct mk_spawn_info *info,
			 const char **why)
{
	struct mk_pci_handover *d;
	bool is_uart;
	int child;

	fdt_for_each_subnode(child, fdt, node) {
		is_uart = !fdt_node_check_compatible(fdt, child, MK_UART_COMPAT);
		if (!is_uart &&
		    fdt_node_check_compatible(fdt, child, MK_PCI_COMPAT)) {
			info->nr_unknown_devices++;
			continue;
		}
		if (info->nr_pci + info->nr_uart >= MK_MAX_DEVICES) {
			*why = "too many devices";
			return -EINVAL;
		}
		if (is_uart) {
			if (mk_uart_node_parse(fdt, child, info,
					       &info->uart[info->nr_uart])) {
				*why = "bad or duplicate UART node";
				return -EINVAL;
			}
			info->nr_uart++;
			continue;
		}
		d = &info->pci[info->nr_pci];
		if (mk_pci_node_parse(fdt, child, d)) {
			*why = "bad PCI function node";
			return -EINVAL;
		}
		if (mk_pci_duplicate(info, d)) {
			*why = "PCI function listed twice";
			return -EINVAL;
		}
		info->nr_pci++;
	}
	if (child != -FDT_ERR_NOTFOUND) {
		*why = "bad devices node";
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_devices_fdt_parse);

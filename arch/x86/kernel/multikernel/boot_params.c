// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel, x86: the boot_params a spawn starts with.
 *
 * The bzImage loader fills boot_params from the host's; for an instance
 * everything that describes the machine is replaced by what the spawn
 * owns: the e820 map lists its low-memory slot and its RAM as usable and
 * the shared area as reserved, nothing else. No ACPI, EFI, EDD or video
 * information is passed on: the spawn must not find the host's firmware
 * tables. The first setup_data is the multikernel record in the shared
 * area, rewritten by the host at every start; it links to the entries
 * the bzImage loader made (RNG seed, IMA measurement log).
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/string.h>
#include <asm/bootparam.h>
#include <asm/e820/types.h>

#include "../../../../kernel/multikernel/internal.h"

static void mk_e820_add(struct boot_params *params, u64 addr, u64 size,
			u32 type)
{
	struct boot_e820_entry *e = &params->e820_table[params->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

/**
 * multikernel_setup_boot_params() - describe only the instance to the spawn
 * @image:	a KEXEC_TYPE_MULTIKERNEL image being loaded
 * @params:	the boot_params the bzImage loader built from the host's
 *
 * Return: 0.
 */
int multikernel_setup_boot_params(struct kimage *image,
				  struct boot_params *params)
{
	struct mk_instance *inst = mk_loader_instance(image);

	memset(&params->screen_info, 0, sizeof(params->screen_info));
	memset(&params->efi_info, 0, sizeof(params->efi_info));
	memset(params->eddbuf, 0, sizeof(params->eddbuf));
	params->eddbuf_entries = 0;
	params->edd_mbr_sig_buf_entries = 0;
	params->acpi_rsdp_addr = 0;
	params->alt_mem_k = 0;
	params->hdr.hardware_subarch = X86_SUBARCH_PC;

	/* In address order: slot (< 1 MiB), then RAM and shared area. */
	params->e820_entries = 0;
	mk_e820_add(params, inst->low_base, inst->low_size, E820_TYPE_RAM);
	if (inst->shared_base < inst->mem_base)
		mk_e820_add(params, inst->shared_base, MK_SHARED_SIZE,
			    E820_TYPE_RESERVED);
	mk_e820_add(params, inst->mem_base, inst->mem_size, E820_TYPE_RAM);
	if (inst->shared_base > inst->mem_base)
		mk_e820_add(params, inst->shared_base, MK_SHARED_SIZE,
			    E820_TYPE_RESERVED);
	/* RAM, so that it is mapped; the spawn keeps it for virtio DMA. */
	if (inst->iowin_size)
		mk_e820_add(params, inst->iowin_base, inst->iowin_size,
			    E820_TYPE_RAM);

	/*
	 * The loader may have chained setup_data (RNG seed, IMA log) in
	 * this buffer: the multikernel record goes first and links to it.
	 */
	mk_loader_set_boot_data(image, params->hdr.setup_data);
	params->hdr.setup_data = inst->shared_base + MK_SHARED_HANDOVER;
	return 0;
}

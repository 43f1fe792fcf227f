// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel, x86 host side: low-memory slots, starting a spawn with
 * INIT-SIPI-SIPI and resetting its CPUs with INIT.
 *
 * A CPU leaves INIT in real mode and can only be started at a 4 KiB
 * aligned address below 1 MiB, so every instance gets a slot there,
 * reserved at boot before the host's own real-mode trampoline takes its
 * share. The spawn reuses the slot for its own trampoline later.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/memblock.h>
#include <linux/multikernel.h>
#include <linux/sizes.h>
#include <asm/apic.h>
#include <asm/cpu_device_id.h>
#include <asm/desc_defs.h>
#include <asm/intel-family.h>
#include <asm/irq.h>
#include <asm/irq_vectors.h>
#include <asm/pgtable_types.h>
#include <asm/setup.h>
#include <asm/tsc.h>

#include "../../../../kernel/multikernel/internal.h"
#include "trampoline.h"

/*
 * INIT must be held this long before it is released on the processors
 * the MultiProcessor Specification was written for (up to the Pentium).
 */
#define MK_INIT_ASSERT_US	10000
/* The first families that need no such wait (see mk_init_assert_us()). */
#define MK_AMD_FAMILY_NO_INIT_WAIT	0x0f
#define MK_HYGON_FAMILY_NO_INIT_WAIT	0x18
/* Time a target CPU gets to accept each STARTUP IPI. */
#define MK_SIPI_DELAY_US	200
#define MK_SIPI_COUNT		2

/* Flat descriptors: 32-bit code, data, 64-bit code. */
#define MK_GDT_CS32		0x00cf9a000000ffffULL
#define MK_GDT_DS		0x00cf92000000ffffULL
#define MK_GDT_CS64		0x00af9a000000ffffULL

#define MK_PT_ENTRIES		512
#define MK_TABLE_FLAGS		(_PAGE_PRESENT | _PAGE_RW)
#define MK_LARGE_PAGE_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_PSE)

static phys_addr_t mk_low_slots[MK_MAX_INSTANCES];

/**
 * multikernel_reserve_low_memory() - reserve the instances' slots below 1 MiB
 *
 * Called from setup_arch() before the real-mode trampoline is placed.
 * Does nothing unless the kernel was booted with multikernel_pool=.
 */
void __init multikernel_reserve_low_memory(void)
{
	int i;

	if (!mk_pool_requested())
		return;
	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		mk_low_slots[i] = memblock_phys_alloc_range(MK_LOW_SLOT_SIZE,
							    PAGE_SIZE, SZ_64K,
							    SZ_1M);
		if (!mk_low_slots[i]) {
			pr_warn("only %d low-memory slots: at most %d instances\n",
				i, i);
			break;
		}
	}
}

/**
 * mk_arch_release_low_slots() - free the slots again: there is no pool
 *
 * Called from multikernel_reserve_pool() when the pool could not be
 * reserved, so that a refused multikernel_pool= reserves nothing at all.
 */
void __init mk_arch_release_low_slots(void)
{
	int i;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		if (mk_low_slots[i])
			memblock_phys_free(mk_low_slots[i], MK_LOW_SLOT_SIZE);
		mk_low_slots[i] = 0;
	}
}

/**
 * mk_arch_claim_low_slot() - give an instance the low-memory slot of its id
 * @inst:	the instance, id set
 *
 * Return: 0, or -ENOSPC when no slot was reserved for that id.
 */
int mk_arch_claim_low_slot(struct mk_instance *inst)
{
	phys_addr_t slot = mk_low_slots[inst->id - 1];

	if (!slot)
		return -ENOSPC;
	inst->low_base = slot;
	inst->low_size = MK_LOW_SLOT_SIZE;
	return 0;
}

/**
 * mk_arch_cpu_hw_id() - the id another kernel knows a CPU by
 * @cpu:	host logical CPU number
 *
 * Return: the CPU's physical APIC id.
 */
u32 mk_arch_cpu_hw_id(unsigned int cpu)
{
	return cpu_physical_id(cpu);
}

/**
 * mk_arch_tsc_khz() - TSC frequency for the handover FDT
 *
 * Return: the host's calibrated TSC frequency in kHz.
 */
u32 mk_arch_tsc_khz(void)
{
	return tsc_khz;
}

/**
 * mk_arch_stamp() - the counter that boot stamps are taken with
 *
 * Return: this CPU's TSC, ordered against the loads and stores around it.
 */
u64 mk_arch_stamp(void)
{
	return rdtsc_ordered();
}

/**
 * mk_arch_lapic_khz() - local APIC timer frequency for the handover FDT
 *
 * Return: the host's calibrated APIC timer frequency in kHz, so that a
 * spawn, which has no reference timer, need not calibrate.
 */
u32 mk_arch_lapic_khz(void)
{
	return lapic_timer_period * HZ / MSEC_PER_SEC;
}

/* Identity-map the 2 MiB page at @pa in the slot's page tables. */
static int mk_map_large_page(u64 *pt_base, phys_addr_t slot, phys_addr_t pa,
			     unsigned int *nr_pd)
{
	u64 *pml4 = pt_base + MK_TR_PML4 / sizeof(u64);
	u64 *pdpt = pt_base + MK_TR_PDPT / sizeof(u64);
	unsigned int pdpt_i = (pa >> PUD_SHIFT) % MK_PT_ENTRIES;
	u64 *pd;

	if (pa >> P4D_SHIFT)
		return -ERANGE;
	pml4[0] = (slot + MK_TR_PDPT) | MK_TABLE_FLAGS;
	if (!pdpt[pdpt_i]) {
		if (*nr_pd == MK_TR_MAX_PD)
			return -E2BIG;
		pdpt[pdpt_i] = (slot + MK_TR_PD + *nr_pd * PAGE_SIZE) |
			       MK_TABLE_FLAGS;
		(*nr_pd)++;
	}
	pd = pt_base + ((pdpt[pdpt_i] & PAGE_MASK) - slot) / sizeof(u64);
	pd[(pa >> PMD_SHIFT) % MK_PT_ENTRIES] = (pa & PMD_MASK) |
						 MK_LARGE_PAGE_FLAGS;
	return 0;
}

static int mk_map_range(u64 *pt_base, phys_addr_t slot, phys_addr_t start,
			u64 size, unsigned int *nr_pd)
{
	phys_addr_t pa;
	int ret;

	for (pa = start & PMD_MASK; pa < start + size; pa += PMD_SIZE) {
		ret = mk_map_large_page(pt_base, slot, pa, nr_pd);
		if (ret)
			return ret;
	}
	return 0;
}

/* Write the trampoline and its identity map into the slot. */
static int mk_write_trampoline(struct mk_instance *inst)
{
	phys_addr_t slot = inst->low_base;
	u8 *base = phys_to_virt(slot);
	u64 *gdt = (u64 *)(base + MK_TR_GDT);
	unsigned int nr_pd = 0;
	int ret;

	/*
	 * The whole slot: the spawn had it as RAM, and the next instance
	 * with this id must not find what the last one left there.
	 */
	memset(base, 0, inst->low_size);
	memcpy(base, mk_trampoline, mk_trampoline_end - mk_trampoline);

	gdt[1] = MK_GDT_CS32;
	gdt[2] = MK_GDT_DS;
	gdt[3] = MK_GDT_CS64;
	*(u16 *)(base + MK_TR_GDT_DESC) = 4 * sizeof(u64) - 1;
	*(u32 *)(base + MK_TR_GDT_DESC + 2) = slot + MK_TR_GDT;
	*(u32 *)(base + MK_TR_PM_JUMP) = slot + mk_trampoline_pm_offset;
	*(u16 *)(base + MK_TR_PM_JUMP + 4) = MK_TR_CS32;
	*(u32 *)(base + MK_TR_LM_JUMP) = slot + mk_trampoline_lm_offset;
	*(u16 *)(base + MK_TR_LM_JUMP + 4) = MK_TR_CS64;
	*(u32 *)(base + MK_TR_CR3) = slot + MK_TR_PML4;
	*(u64 *)(base + MK_TR_ENTRY) = inst->image->entry;
	*(u64 *)(base + MK_TR_BOOT_PARAMS) = inst->image->boot_params;
	BUILD_BUG_ON(MK_TR_PARK_REQUEST != MK_PARK_REQUEST);
	*(u64 *)(base + MK_TR_PARK) = inst->shared_base + MK_SHARED_HEADER +
				      offsetof(struct mk_shared_header,
					       park_request);
	*(u64 *)(base + MK_TR_STAMP) = inst->shared_base + MK_SHARED_HEADER +
				       offsetof(struct mk_shared_header,
						boot_stamp[MK_STAMP_TRAMPOLINE]);

	ret = mk_map_range((u64 *)base, slot, 0, PMD_SIZE, &nr_pd);
	ret = ret ?: mk_map_range((u64 *)base, slot, inst->mem_base,
				  inst->mem_size, &nr_pd);
	ret = ret ?: mk_map_range((u64 *)base, slot, inst->shared_base,
				  MK_SHARED_SIZE, &nr_pd);
	if (ret)
		pr_warn_ratelimited("%s: memory too far apart for the start trampoline (%d)\n",
				    inst->name, ret);
	return ret;
}

/*
 * The x86 boot record in the shared area: a setup_data for the FDT, first
 * in the chain that boot_params points to.
 */
static void mk_write_setup_data(struct mk_instance *inst)
{
	struct setup_data *sd = phys_to_virt(inst->shared_base +
					     MK_SHARED_HANDOVER);
	struct mk_setup_data *payload = (void *)sd->data;

	BUILD_BUG_ON(sizeof(*sd) + sizeof(*payload) >
		     MK_SHARED_FDT - MK_SHARED_HANDOVER);
	/* Then what the bzImage loader chained: RNG seed, IMA log. */
	sd->next = inst->image->boot_data;
	sd->type = SETUP_MULTIKERNEL;
	sd->len = sizeof(*payload);
	payload->fdt_addr = cpu_to_le64(inst->shared_base + MK_SHARED_FDT);
	payload->fdt_size = cpu_to_le64(inst->handover_size);
}

/*
 * Write the ICR once the previous IPI from this CPU was accepted: an
 * xAPIC drops a command written while one is still pending (an x2APIC
 * needs no wait, and apic_wait_icr_idle() does nothing there).
 */
static void mk_icr_write(u32 low, u32 apicid)
{
	apic_wait_icr_idle();
	apic_icr_write(low, apicid);
}

/*
 * Newer processors need no wait while INIT is asserted: Intel from the
 * Pentium Pro, AMD from family 0Fh, Hygon from 18h. These are the CPUs
 * the kernel's own bring-up sends INIT to without a delay
 * (smp_quirk_init_udelay(), whose result is private to smpboot.c). With
 * the image already in place, the 10 ms were nearly all of the host's
 * part of a start.
 */
static unsigned int mk_init_assert_us(void)
{
	const struct cpuinfo_x86 *c = &boot_cpu_data;

	if ((c->x86_vendor == X86_VENDOR_INTEL &&
	     c->x86_vfm >= INTEL_PENTIUM_PRO) ||
	    (c->x86_vendor == X86_VENDOR_HYGON &&
	     c->x86 >= MK_HYGON_FAMILY_NO_INIT_WAIT) ||
	    (c->x86_vendor == X86_VENDOR_AMD &&
	     c->x86 >= MK_AMD_FAMILY_NO_INIT_WAIT))
		return 0;
	return MK_INIT_ASSERT_US;
}

static void mk_send_init(u32 apicid)
{
	unsigned long flags;

	local_irq_save(flags);
	mk_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT,
		     apicid);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);

	udelay(mk_init_assert_us());

	local_irq_save(flags);
	mk_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

static int mk_send_startup(u32 apicid, phys_addr_t start)
{
	unsigned long flags;
	u32 status = 0;
	int i;

	for (i = 0; i < MK_SIPI_COUNT && !status; i++) {
		local_irq_save(flags);
		mk_icr_write(APIC_DM_STARTUP | (start >> PAGE_SHIFT), apicid);
		status = safe_apic_wait_icr_idle();
		local_irq_restore(flags);
		udelay(MK_SIPI_DELAY_US);
	}
	return status ? -EIO : 0;
}

/**
 * mk_arch_start() - start an instance's boot CPU in its loaded image
 * @inst:	the instance: image installed, handover FDT built
 *
 * Return: 0 once the STARTUP IPIs went out, or a negative errno.
 */
int mk_arch_start(struct mk_instance *inst)
{
	int ret;

	ret = mk_write_trampoline(inst);
	if (ret)
		return ret;
	mk_write_setup_data(inst);

	mk_send_init(inst->apic_ids[0]);
	/* Before the CPU can run: its first stamp must come later. */
	inst->boot.host[MK_HSTAMP_IPI] = mk_arch_stamp();
	ret = mk_send_startup(inst->apic_ids[0], inst->low_base);
	if (ret)
		pr_err("%s: STARTUP IPI to APIC %u not delivered\n", inst->name,
		       inst->apic_ids[0]);
	return ret;
}

/**
 * mk_arch_reset_cpus() - INIT every CPU of an instance
 * @inst:	the instance
 *
 * INIT resets a CPU whatever it is doing, interrupts off or not; it then
 * waits for a STARTUP IPI, which is also the state the host brings an
 * offline CPU online from.
 */
void mk_arch_reset_cpus(struct mk_instance *inst)
{
	unsigned int cpu;

	for_each_cpu(cpu, &inst->cpus) {
		mk_send_init(cpu_physical_id(cpu));
		/*
		 * Test hook: play a CPU that takes the start's STARTUP IPI
		 * only after this INIT, with the start trampoline still in
		 * the slot, as it is when a kill comes that early.
		 */
		if (mk_test_late_sipi() && !mk_write_trampoline(inst))
			mk_send_startup(cpu_physical_id(cpu), inst->low_base);
	}
}

/**
 * mk_arch_park_cpu() - ask a CPU of an instance to park itself
 * @cpu:	host logical CPU number
 *
 * An NMI: it reaches the spawn whatever it does with interrupts, and its
 * handler leaves VMX/SVM operation and halts when the shared header asks
 * for that. Only for CPUs that run spawn code.
 */
void mk_arch_park_cpu(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	mk_icr_write(APIC_DM_NMI, cpu_physical_id(cpu));
	local_irq_restore(flags);
}

/**
 * mk_arch_doorbell_init() - take the platform IPI vector for the mailbox
 * @handler:	called in interrupt context when a doorbell rings here
 *
 * The mailbox uses X86_PLATFORM_IPI_VECTOR, which only a few exotic
 * platforms (SGI UV, NumaChip) use otherwise.
 *
 * Return: 0, or -EBUSY when the vector already has a user.
 */
int mk_arch_doorbell_init(void (*handler)(void))
{
	if (cmpxchg(&x86_platform_ipi_callback, NULL, handler)) {
		pr_err("the platform IPI vector is taken: no mailbox\n");
		return -EBUSY;
	}
	return 0;
}

/**
 * mk_arch_doorbell() - ring the mailbox doorbell of another kernel
 * @hw_id:	physical APIC id of the CPU to interrupt
 */
void mk_arch_doorbell(u32 hw_id)
{
	unsigned long flags;

	local_irq_save(flags);
	mk_icr_write(APIC_DM_FIXED | X86_PLATFORM_IPI_VECTOR, hw_id);
	local_irq_restore(flags);
}

/**
 * mk_arch_host_doorbell_id() - where spawns ring the host's doorbell
 *
 * Return: physical APIC id of the host's boot CPU, which never goes
 * offline.
 */
u32 mk_arch_host_doorbell_id(void)
{
	return cpu_physical_id(0);
}

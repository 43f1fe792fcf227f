// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: which CPUs an instance may have, and keeping them.
 *
 * A CPU is available when the host has taken it offline through the
 * normal hotplug path (so its interrupts and tasks have moved away) and
 * it is not the boot CPU, which the host can never give up. While an
 * instance owns a CPU the host refuses to bring it online: onlining sends
 * INIT to the CPU, which would reset the kernel running there.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/printk.h>

#include "internal.h"

/* The CPU the host booted on: x86 always numbers it 0. */
#define MK_BOOT_CPU	0

/*
 * CPUs owned by instances. Written with the CPU hotplug lock held for
 * reading and mk_cpus_lock held; read by the hotplug callback, which runs
 * with the hotplug lock held for writing.
 */
static struct cpumask mk_owned_cpus;
static DEFINE_MUTEX(mk_cpus_lock);

/**
 * mk_cpus_available() - the CPUs an instance could be given now
 * @mask:	filled with present, offline, unowned CPUs other than the
 *		boot CPU
 */
void mk_cpus_available(struct cpumask *mask)
{
	cpus_read_lock();
	mutex_lock(&mk_cpus_lock);
	cpumask_andnot(mask, cpu_present_mask, cpu_online_mask);
	cpumask_andnot(mask, mask, &mk_owned_cpus);
	mutex_unlock(&mk_cpus_lock);
	cpus_read_unlock();
	cpumask_clear_cpu(MK_BOOT_CPU, mask);
}

/**
 * mk_cpus_claim() - take CPUs for an instance
 * @cpus:	the CPUs
 * @who:	instance name, for the message on failure
 *
 * All or nothing: either every CPU in @cpus is now owned, or none is.
 *
 * Return: 0, -EINVAL for the boot CPU or a CPU that does not exist,
 * -EBUSY for a CPU that is online or owned by another instance.
 */
int mk_cpus_claim(const struct cpumask *cpus, const char *who)
{
	unsigned int cpu;
	int ret = 0;

	cpus_read_lock();
	mutex_lock(&mk_cpus_lock);
	for_each_cpu(cpu, cpus) {
		if (cpu == MK_BOOT_CPU) {
			pr_warn_ratelimited("%s: CPU %u is the boot CPU and cannot be given away\n",
					    who, cpu);
			ret = -EINVAL;
		} else if (cpu >= nr_cpu_ids || !cpu_present(cpu)) {
			pr_warn_ratelimited("%s: CPU %u does not exist\n", who, cpu);
			ret = -EINVAL;
		} else if (cpu_online(cpu)) {
			pr_warn_ratelimited("%s: CPU %u is online (offline it first)\n",
					    who, cpu);
			ret = -EBUSY;
		} else if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
			pr_warn_ratelimited("%s: CPU %u belongs to another instance\n",
					    who, cpu);
			ret = -EBUSY;
		}
		if (ret)
			break;
	}
	if (!ret)
		cpumask_or(&mk_owned_cpus, &mk_owned_cpus, cpus);
	mutex_unlock(&mk_cpus_lock);
	cpus_read_unlock();
	return ret;
}

/**
 * mk_cpus_release() - give CPUs back to the host
 * @cpus:	CPUs claimed with mk_cpus_claim(); reset by the caller first
 *
 * Afterwards the host may bring them online again.
 */
void mk_cpus_release(const struct cpumask *cpus)
{
	cpus_read_lock();
	mutex_lock(&mk_cpus_lock);
	cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, cpus);
	mutex_unlock(&mk_cpus_lock);
	cpus_read_unlock();
}

/* Hotplug "prepare" step of onlining: veto CPUs that run another kernel. */
static int mk_cpu_online_prepare(unsigned int cpu)
{
	if (!cpumask_test_cpu(cpu, &mk_owned_cpus))
		return 0;
	pr_warn_ratelimited("refusing to online CPU %u: a multikernel instance owns it\n",
			    cpu);
	return -EBUSY;
}

/**
 * multikernel_no_ipi_shorthand() - must this kernel address every IPI?
 *
 * An APIC "all" or "all but self" shorthand reaches every CPU in the
 * machine, including those that run another kernel. A spawn never uses
 * them, nor does a host that reserved a pool.
 *
 * Return: true when IPI shorthands must not be used.
 */
bool multikernel_no_ipi_shorthand(void)
{
	return multikernel_is_spawn() || mk_pool_reserved();
}

/* The hotplug state that vetoes onlining owned CPUs is in place. */
static bool mk_online_veto;

/**
 * mk_cpus_online_veto_active() - may CPUs be given to instances at all?
 *
 * Return: true once the hotplug callback that refuses to bring owned CPUs
 * online is registered. Without it no instance may be created.
 */
bool mk_cpus_online_veto_active(void)
{
	return READ_ONCE(mk_online_veto);
}

static int __init mk_cpu_init(void)
{
	int ret;

	if (!mk_pool_reserved())
		return 0;
	/* Test hook: as if no dynamic hotplug state were left. */
	ret = mk_test_fail_init("veto") ? -ENOSPC :
	      cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"multikernel:online",
					mk_cpu_online_prepare, NULL);
	if (ret < 0) {
		pr_err("cannot register the CPU online veto (%d)\n", ret);
		return ret;
	}
	WRITE_ONCE(mk_online_veto, true);
	return 0;
}
subsys_initcall(mk_cpu_init);

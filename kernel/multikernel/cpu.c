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
#include <linux/device.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/sched.h>

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
/* The task taking owned CPUs through the host's offline state, or NULL. */
static struct task_struct *mk_returning_task;

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

/**
 * mk_cpus_return() - park reset CPUs where the host keeps offline CPUs
 * @cpus:	CPUs an instance still owns, just reset with INIT
 *
 * After INIT a CPU waits for a STARTUP IPI with CR4.MCE clear, and a
 * machine check that reaches it there shuts the whole machine down; x86
 * Linux never leaves a CPU that has booted once in that state (see
 * cpus_booted_once_mask). So the host brings each CPU up and at once
 * down again: it then rests in the host's own offline loop, with machine
 * checks enabled, like any CPU the host took offline. The device hotplug
 * lock keeps user space from onlining or offlining it meanwhile, and the
 * instance still owns it, so no other instance can claim it; the online
 * veto lets only this task through. Skipped while the host shuts down or
 * kexecs: the next kernel brings its CPUs up itself.
 */
void mk_cpus_return(const struct cpumask *cpus)
{
	struct device *dev;
	unsigned int cpu;
	int ret;

	if (system_state != SYSTEM_RUNNING)
		return;
	lock_device_hotplug();
	WRITE_ONCE(mk_returning_task, current);
	for_each_cpu(cpu, cpus) {
		dev = get_cpu_device(cpu);
		if (!dev || cpu_online(cpu))
			continue;
		ret = device_online(dev);
		if (ret) {
			pr_warn("CPU %u: cannot bring it up to park it (%d): until it is, a machine check on it stops the machine\n",
				cpu, ret);
			continue;
		}
		ret = device_offline(dev);
		if (ret)
			pr_warn("CPU %u: cannot take it down again (%d): it stays online\n",
				cpu, ret);
	}
	WRITE_ONCE(mk_returning_task, NULL);
	unlock_device_hotplug();
}

/* Hotplug "prepare" step of onlining: veto CPUs that run another kernel. */
static int mk_cpu_online_prepare(unsigned int cpu)
{
	if (!cpumask_test_cpu(cpu, &mk_owned_cpus) ||
	    READ_ONCE(mk_returning_task) == current)
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

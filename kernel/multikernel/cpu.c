// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: which CPUs may be given to an instance.
 *
 * A CPU is available when the host has taken it offline through the
 * normal hotplug path (so its interrupts and tasks have moved away) and
 * it is not the boot CPU, which the host can never give up.
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>

#include "internal.h"

/* The CPU the host booted on: x86 always numbers it 0. */
#define MK_BOOT_CPU	0

/**
 * mk_cpus_available() - the CPUs an instance could be given now
 * @mask:	filled with present, offline CPUs other than the boot CPU
 */
void mk_cpus_available(struct cpumask *mask)
{
	cpus_read_lock();
	cpumask_andnot(mask, cpu_present_mask, cpu_online_mask);
	cpus_read_unlock();
	cpumask_clear_cpu(MK_BOOT_CPU, mask);
}

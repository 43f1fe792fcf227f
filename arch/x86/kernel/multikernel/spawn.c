// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel, x86 spawn platform: what a kernel does differently when a
 * multikernel host started it.
 *
 * Found through a SETUP_MULTIKERNEL setup_data entry, which points to the
 * handover FDT. Like a Jailhouse cell, a spawn then touches no hardware it
 * does not own: its CPUs come from the FDT instead of ACPI or MP tables;
 * there is no PIC, IOAPIC, PIT, HPET or RTC, and no PCI function or legacy
 * UART but those handed over (pci.c); the local APIC timer and the TSC
 * run at the frequencies the host measured; and reboot, poweroff, halt
 * and panic tell the host and park the CPU instead of resetting the
 * machine. A parked CPU has left VMX/SVM operation and says so in the
 * shared header, so that the host knows its INIT will reset it; the
 * host's kill parks every CPU with an NMI first.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/acpi.h>
#include <linux/console.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/multikernel.h>
#include <linux/nmi.h>
#include <linux/panic.h>
#include <linux/reboot.h>
#include <linux/serial_8250.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/cmdline.h>
#include <asm/cpu.h>
#include <asm/hypervisor.h>
#include <asm/i8259.h>
#include <asm/pci_x86.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/x86_init.h>

#include "../../../../kernel/multikernel/internal.h"

/* Longest setup_data chain walked looking for ours. */
#define MK_SETUP_DATA_MAX_ENTRIES	32

static struct mk_spawn_info mk_info __ro_after_init;
static u64 mk_setup_data_pa __initdata;

static u64 __init mk_find_setup_data(void)
{
	u64 pa = boot_params.hdr.setup_data, next;
	struct setup_data *sd;
	u32 type;
	int i;

	for (i = 0; pa && i < MK_SETUP_DATA_MAX_ENTRIES; i++) {
		sd = early_memremap(pa, sizeof(*sd));
		if (!sd)
			return 0;
		type = sd->type;
		next = sd->next;
		early_memunmap(sd, sizeof(*sd));
		if (type == SETUP_MULTIKERNEL)
			return pa;
		pa = next;
	}
	return 0;
}

static u32 __init mk_spawn_detect(void)
{
	mk_setup_data_pa = mk_find_setup_data();
	/* Whatever else the CPU claims to run on, this decides. */
	return mk_setup_data_pa ? U32_MAX : 0;
}

static unsigned long mk_spawn_tsc_khz(void)
{
	return mk_info.tsc_khz;
}

static void __init mk_spawn_timer_init(void)
{
	lapic_timer_period = mk_info.lapic_khz * MSEC_PER_SEC / HZ;
}

static void mk_spawn_get_wallclock(struct timespec64 *now)
{
	*now = ns_to_timespec64(mk_info.realtime_ns);
}

static int mk_spawn_set_wallclock(const struct timespec64 *now)
{
	return -ENODEV;
}

static void __init mk_spawn_x2apic_init(void)
{
	if (!IS_ENABLED(CONFIG_X86_X2APIC) || !x2apic_enabled())
		return;
	/* No interrupt remapping here: x2APIC must use physical mode. */
	x2apic_phys = 1;
	/* Empty OEM ids: only the physical x2APIC driver accepts them. */
	default_acpi_madt_oem_check("", "");
}

static void __init mk_spawn_parse_smp_cfg(void)
{
	unsigned int i;

	mk_spawn_x2apic_init();
	register_lapic_address(APIC_DEFAULT_PHYS_BASE);
	for (i = 0; i < mk_info.nr_cpus; i++)
		topology_register_apic(mk_info.apic_ids[i], CPU_ACPIID_INVALID,
				       true);
	smp_found_config = 1;
}

/* No PCI until devices are handed over: nothing to probe or route. */
static int __init mk_spawn_pci_none(void)
{
	return 0;
}

/*
 * Leave VMX/SVM operation (which would hold INIT pending), tell the host,
 * and only halt from now on: the host's INIT is then sure to reset this
 * CPU. Interrupts off; NMIs may come and go.
 */
static void __noreturn mk_spawn_park_cpu(void)
{
	cpu_emergency_disable_virtualization();
	mk_spawn_mark_parked();
	for (;;)
		native_halt();
}

/**
 * mk_arch_spawn_park_this_cpu() - park the calling CPU for good
 *
 * For a CPU that comes online while the host kills the spawn. Does not
 * return (listed in objtool's noreturns.h).
 */
void __noreturn mk_arch_spawn_park_this_cpu(void)
{
	local_irq_disable();
	mk_spawn_park_cpu();
}

/* The host's kill: every CPU of the spawn gets this NMI, then INIT. */
static int mk_spawn_park_nmi(unsigned int type, struct pt_regs *regs)
{
	if (!mk_spawn_park_requested())
		return NMI_DONE;
	if (mk_test_ignore_park())
		return NMI_HANDLED;
	mk_spawn_park_cpu();
}

/*
 * A CPU the spawn takes offline ignores NMIs from then on: it says it is
 * parked before it goes dead, with VMX/SVM off, so that the host's kill
 * need not ask it. Bringing it up again clears that first.
 */
static void mk_spawn_play_dead(void)
{
	cpu_emergency_disable_virtualization();
	mk_spawn_mark_parked();
	native_play_dead();
}

/**
 * mk_arch_spawn_park_init() - let the host's kill park this spawn's CPUs
 *
 * Called once the shared area is mapped, before any CPU's heartbeat
 * starts: the host only waits for the CPUs that beat.
 *
 * Return: 0 or what registering the NMI handler failed with.
 */
int __init mk_arch_spawn_park_init(void)
{
	smp_ops.play_dead = mk_spawn_play_dead;
	return register_nmi_handler(NMI_LOCAL, mk_spawn_park_nmi, 0,
				    "multikernel_park");
}

static void __noreturn mk_spawn_park(enum mk_spawn_state state,
				     enum mk_exit_reason reason)
{
	mk_spawn_report(state, reason);
	local_irq_disable();
	mk_spawn_park_cpu();
}

static void mk_spawn_restart(char *cmd)
{
	pr_notice("reboot: handing the CPUs back to the host\n");
	mk_spawn_park(MK_SPAWN_HALTED, MK_EXIT_REBOOT);
}

static void mk_spawn_halt(void)
{
	pr_notice("halt: handing the CPUs back to the host\n");
	mk_spawn_park(MK_SPAWN_HALTED, MK_EXIT_HALT);
}

static void mk_spawn_power_off(void)
{
	pr_notice("power off: handing the CPUs back to the host\n");
	mk_spawn_park(MK_SPAWN_HALTED, MK_EXIT_POWEROFF);
}

static int mk_spawn_sys_off(struct sys_off_data *data)
{
	mk_spawn_power_off();
	return NOTIFY_DONE;
}

/* Let "poweroff" be a power off, not a halt: there is a way to do it. */
static int __init mk_spawn_register_power_off(void)
{
	if (!multikernel_is_spawn())
		return 0;
	return PTR_ERR_OR_ZERO(register_sys_off_handler(SYS_OFF_MODE_POWER_OFF,
							 SYS_OFF_PRIO_PLATFORM,
							 mk_spawn_sys_off,
							 NULL));
}
arch_initcall(mk_spawn_register_power_off);

static void mk_spawn_emergency_restart(void)
{
	if (panic_in_progress())
		mk_spawn_park(MK_SPAWN_PANICKED, MK_EXIT_PANIC);
	mk_spawn_park(MK_SPAWN_HALTED, MK_EXIT_REBOOT);
}

#ifdef CONFIG_SERIAL_8250
/*
 * The legacy UARTs belong to the host: never probe them, but for those
 * handed over, which the spawn polls (the IOAPIC is the host's).
 */
static void mk_spawn_serial_fixup(int port, struct uart_port *up,
				  u32 *capabilities)
{
	u32 i;

	for (i = 0; i < mk_info.nr_uart; i++) {
		if (up->iobase == mk_info.uart[i].io_port) {
			up->irq = 0;
			up->uartclk = mk_info.uart[i].clock;
			return;
		}
	}
	up->iobase = 0;
}

static void __init mk_spawn_serial_init(void)
{
	serial8250_set_isa_configurator(mk_spawn_serial_fixup);
}
#else
static inline void mk_spawn_serial_init(void) { }
#endif

/* Longest console= value looked at: only whether there is one counts. */
#define MK_CONSOLE_ARG_MAX	32

static void __init mk_spawn_console_init(u64 shared_base)
{
	struct mk_console_ring *ring;
	char arg[MK_CONSOLE_ARG_MAX];

	/*
	 * Without console= the kernel would pick the first console that
	 * registers, the dummy VT, and the ring would go quiet after early
	 * boot: make the ring (hvc0) the default, as Xen does for its own.
	 */
	if (cmdline_find_option(boot_command_line, "console", arg,
				sizeof(arg)) < 0)
		add_preferred_console("hvc", 0, NULL);

	ring = early_memremap(shared_base + MK_SHARED_CONSOLE,
			      sizeof(*ring) + MK_CONSOLE_DATA_SIZE);
	if (ring)
		mk_spawn_console_early(ring);
}

/*
 * Refuse to boot, before the shared area is mapped: tell the host why
 * through the header at its fixed place, then park.
 */
static void __noreturn __init mk_spawn_refuse(const char *why, int ret)
{
	struct mk_shared_header *hdr;

	pr_emerg("refusing to boot: %s (%d)\n", why, ret);
	hdr = early_memremap(mk_setup_data_pa - MK_SHARED_HANDOVER +
			     MK_SHARED_HEADER, sizeof(*hdr));
	if (hdr) {
		strscpy_pad(hdr->panic_msg, why, sizeof(hdr->panic_msg));
		WRITE_ONCE(hdr->exit_reason, cpu_to_le32(MK_EXIT_PANIC));
		/* Pairs with the acquire in the host's watch. */
		smp_store_release(&hdr->spawn_state,
				  cpu_to_le32(MK_SPAWN_PANICKED));
		early_memunmap(hdr, sizeof(*hdr));
	}
	mk_spawn_park(MK_SPAWN_PANICKED, MK_EXIT_PANIC);
}

static void __init mk_spawn_read_handover(void)
{
	struct mk_shared_header *hdr;
	struct mk_setup_data *payload;
	u64 fdt_addr, fdt_size;
	const char *why = "no handover record";
	void *fdt;
	int ret = -EINVAL;

	payload = early_memremap(mk_setup_data_pa + sizeof(struct setup_data),
				 sizeof(*payload));
	if (!payload)
		goto refuse;
	fdt_addr = le64_to_cpu(payload->fdt_addr);
	fdt_size = le64_to_cpu(payload->fdt_size);
	early_memunmap(payload, sizeof(*payload));

	why = "handover FDT too large";
	if (!fdt_size || fdt_size > MK_SHARED_FDT_MAX)
		goto refuse;
	fdt = early_memremap(fdt_addr, fdt_size);
	why = "cannot map the handover FDT";
	if (!fdt)
		goto refuse;
	ret = mk_handover_parse(fdt, fdt_size, &mk_info, &why);
	early_memunmap(fdt, fdt_size);
	if (ret)
		goto refuse;
	if (mk_info.shared_base + MK_SHARED_HANDOVER != mk_setup_data_pa) {
		why = "handover record outside the shared area";
		goto refuse;
	}
	hdr = early_memremap(mk_info.shared_base + MK_SHARED_HEADER,
			     sizeof(*hdr));
	why = "cannot map the shared area header";
	if (!hdr)
		goto refuse;
	ret = mk_shared_header_check(hdr, &why);
	early_memunmap(hdr, sizeof(*hdr));
	if (ret)
		goto refuse;
	return;

refuse:
	/* Without a valid handover this kernel cannot know what it owns. */
	mk_spawn_refuse(why, ret);
}

static void __init mk_spawn_init_platform(void)
{
	/* The setup_data record sits at a fixed offset in the shared area. */
	mk_spawn_console_init(mk_setup_data_pa - MK_SHARED_HANDOVER);
	mk_spawn_read_handover();

	x86_init.irqs.pre_vector_init		= x86_init_noop;
	x86_init.timers.timer_init		= mk_spawn_timer_init;
	x86_init.mpparse.find_mptable		= x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg	= x86_init_noop;
	x86_init.mpparse.parse_smp_cfg		= mk_spawn_parse_smp_cfg;
	x86_init.resources.probe_roms		= x86_init_noop;
	x86_init.pci.arch_init			= mk_spawn_pci_none;
	x86_init.pci.init			= mk_spawn_pci_none;
	x86_init.pci.init_irq			= x86_init_noop;

	x86_platform.calibrate_cpu		= mk_spawn_tsc_khz;
	x86_platform.calibrate_tsc		= mk_spawn_tsc_khz;
	x86_platform.get_wallclock		= mk_spawn_get_wallclock;
	x86_platform.set_wallclock		= mk_spawn_set_wallclock;
	x86_platform.legacy.rtc			= 0;
	x86_platform.legacy.warm_reset		= 0;
	x86_platform.legacy.i8042		= X86_LEGACY_I8042_PLATFORM_ABSENT;

	legacy_pic				= &null_legacy_pic;

	machine_ops.restart			= mk_spawn_restart;
	machine_ops.halt			= mk_spawn_halt;
	machine_ops.power_off			= mk_spawn_power_off;
	machine_ops.emergency_restart		= mk_spawn_emergency_restart;
	/* CPUs stopped by reboot or panic are parked for the host too. */
	smp_ops.stop_this_cpu			= mk_spawn_park_cpu;

	setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	pci_probe = 0;
	disable_acpi();
	mk_spawn_serial_init();
	mk_arch_spawn_pci_setup(&mk_info);
	mk_spawn_init(&mk_info);
}

static bool __init mk_spawn_x2apic_available(void)
{
	/* The host chose the APIC mode; a spawn cannot switch it. */
	return x2apic_enabled();
}

const struct hypervisor_x86 x86_hyper_multikernel __refconst = {
	.name			= "Multikernel spawn",
	.type			= X86_HYPER_MULTIKERNEL,
	.detect			= mk_spawn_detect,
	.init.init_platform	= mk_spawn_init_platform,
	.init.x2apic_available	= mk_spawn_x2apic_available,
	.ignore_nopv		= true,
};

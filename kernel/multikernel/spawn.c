// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel, spawn side, architecture independent: telling the host how
 * this kernel is doing, and the console ring writer.
 *
 * The architecture's spawn platform finds the handover data early in boot
 * and calls mk_spawn_init(). Until the shared area can be mapped for good
 * (an early initcall), the console writes through an early mapping. Then
 * the mailbox opens: the spawn says "ready" twice (kernel booted, /init
 * about to run), beats its heartbeat in the shared header (one for the
 * kernel, and one per CPU from a timer pinned to that CPU), powers off
 * when the host asks, and leaves its panic message in the header.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/console.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/init.h>
#include <linux/reboot.h>
#include <linux/timer.h>
#include <linux/io.h>
#include <linux/memblock.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/spinlock.h>

#include "internal.h"

const struct mk_spawn_info *multikernel_spawn __ro_after_init;

/* How often to look whether the kernel has started /init. */
#define MK_INIT_POLL_MS		5

static void *mk_shared;
static struct mk_channel mk_chan;
static struct mk_msgdev mk_dev;
static struct timer_list mk_heartbeat_timer;
static DEFINE_PER_CPU(struct timer_list, mk_cpu_beat_timer);
static struct delayed_work mk_init_watch;
static struct mk_console_ring *mk_ring;
static struct mk_console_ring *mk_early_ring;
/* Serialises console writers and the switch to the final mapping. */
static DEFINE_RAW_SPINLOCK(mk_ring_lock);

static void mk_ring_write_current(const char *buf, size_t len)
{
	struct mk_console_ring *ring = READ_ONCE(mk_ring);

	if (ring)
		mk_console_ring_write(ring, buf, len);
}

/**
 * mk_spawn_console_write() - write text to this spawn's console ring
 * @buf:	text
 * @len:	bytes
 *
 * Callable from any context, including NMI-free panic paths; while an
 * oops is in progress it does not wait for the lock.
 */
void mk_spawn_console_write(const char *buf, size_t len)
{
	unsigned long flags;

	if (likely(!oops_in_progress)) {
		raw_spin_lock_irqsave(&mk_ring_lock, flags);
		mk_ring_write_current(buf, len);
		raw_spin_unlock_irqrestore(&mk_ring_lock, flags);
		return;
	}
	/*
	 * An oops or panic may have stopped the CPU that held the lock:
	 * then write anyway, as the serial consoles do, rather than lose
	 * the last words.
	 */
	if (raw_spin_trylock_irqsave(&mk_ring_lock, flags)) {
		mk_ring_write_current(buf, len);
		raw_spin_unlock_irqrestore(&mk_ring_lock, flags);
		return;
	}
	mk_ring_write_current(buf, len);
}

static void mk_early_console_write(struct console *con, const char *buf,
				   unsigned int len)
{
	mk_spawn_console_write(buf, len);
}

static struct console mk_early_console = {
	.name	= "mkearly",
	.write	= mk_early_console_write,
	.flags	= CON_PRINTBUFFER | CON_BOOT | CON_ANYTIME,
	.index	= -1,
};

/**
 * mk_spawn_console_early() - start the console before memory is set up
 * @ring:	the console ring through an early_memremap() mapping of
 *		sizeof(*ring) + %MK_CONSOLE_DATA_SIZE bytes
 *
 * Registers a boot console so that the host sees this kernel's output
 * from its first messages on.
 */
void __init mk_spawn_console_early(struct mk_console_ring *ring)
{
	mk_early_ring = ring;
	mk_ring = ring;
	register_console(&mk_early_console);
}

/* When this kernel found its handover, kept until the header is mapped. */
static u64 mk_kernel_stamp __initdata;

/* A boot stamp: the counter the host reads, as the test hook skews it. */
static u64 mk_spawn_stamp_now(void)
{
	return mk_arch_stamp() - mk_test_stamp_skew();
}

static void mk_spawn_stamp(enum mk_boot_stamp step, u64 stamp)
{
	struct mk_shared_header *hdr = mk_shared + MK_SHARED_HEADER;

	if (mk_shared)
		WRITE_ONCE(hdr->boot_stamp[step], cpu_to_le64(stamp));
}

/**
 * mk_spawn_init() - record that this kernel is a spawn
 * @info:	what the handover FDT said; must stay valid for good
 */
void __init mk_spawn_init(const struct mk_spawn_info *info)
{
	mk_kernel_stamp = mk_spawn_stamp_now();
	multikernel_spawn = info;
	/* RAM in the memory map, but only ever for virtio buffers. */
	if (info->iowin_size)
		memblock_reserve(info->iowin_base, info->iowin_size);
	pr_info("spawn '%s' (instance %u): %u CPUs, %llu MiB at %#llx\n",
		info->name, info->id, info->nr_cpus, info->mem_size >> 20,
		info->mem_base);
}

/*
 * Send from a dying kernel: other CPUs may have been stopped holding the
 * lock, so give up rather than wait. The header has said it already.
 */
static void mk_spawn_try_send(enum mk_msg_type type, const void *buf, u32 len)
{
	mk_channel_try_send(&mk_chan, type, buf, len);
}

/**
 * mk_shared_header_check() - can this kernel use the shared area it was given
 * @hdr:	the header at the start of the shared area, written by the host
 * @why:	set to the reason on failure
 *
 * The layout of the shared area (header, console ring, mailbox rings) is
 * versioned apart from the handover FDT: a host and a spawn of different
 * kernel versions must agree on both before the spawn writes anything but
 * its refusal into the area.
 *
 * Return: 0, or -EPROTO when the magic or the version is not this
 * kernel's.
 */
int mk_shared_header_check(const struct mk_shared_header *hdr,
			   const char **why)
{
	if (le32_to_cpu(READ_ONCE(hdr->magic)) != MK_SHARED_MAGIC) {
		*why = "no shared area header";
		return -EPROTO;
	}
	if (le32_to_cpu(READ_ONCE(hdr->version)) != MK_SHARED_VERSION) {
		*why = "unsupported shared area version";
		return -EPROTO;
	}
	return 0;
}

/**
 * mk_spawn_report() - tell the host what state this kernel is in
 * @state:	%MK_SPAWN_READY, %MK_SPAWN_HALTED or %MK_SPAWN_PANICKED
 * @reason:	why it halted, %MK_EXIT_NONE otherwise
 *
 * The host watches the shared header and acts on the change.
 */
void mk_spawn_report(enum mk_spawn_state state, enum mk_exit_reason reason)
{
	struct mk_shared_header *hdr = mk_shared;
	__le32 val = cpu_to_le32(reason);

	if (!hdr)
		return;
	WRITE_ONCE(hdr->exit_reason, cpu_to_le32(reason));
	/* Pairs with the acquire in the host's watch: reason, then state. */
	smp_store_release(&hdr->spawn_state, cpu_to_le32(state));
	if (state == MK_SPAWN_HALTED)
		mk_spawn_try_send(MK_MSG_HALTED, &val, sizeof(val));
}

/**
 * mk_spawn_header() - the shared area header this spawn reports through
 *
 * Return: the header, or NULL before it is mapped or in a host.
 */
struct mk_shared_header *mk_spawn_header(void)
{
	return READ_ONCE(mk_shared);
}

/**
 * mk_spawn_virtio_ctrl() - the control block of one of this spawn's
 *	virtio devices
 * @index:	its index, below %MK_VIRTIO_MAX_DEVICES
 *
 * Return: the block in shared memory (written by the host: untrusted),
 * or NULL before the shared area is mapped or in a host.
 */
struct mk_virtio_ctrl *mk_spawn_virtio_ctrl(unsigned int index)
{
	void *shared = READ_ONCE(mk_shared);

	if (!shared || index >= MK_VIRTIO_MAX_DEVICES)
		return NULL;
	return shared + MK_SHARED_VIRTIO + index * MK_VIRTIO_CTRL_SIZE;
}
EXPORT_SYMBOL_GPL(mk_spawn_virtio_ctrl);

/**
 * mk_spawn_channel() - this spawn's mailbox to its host
 *
 * Return: the channel, or NULL when this kernel is not a spawn.
 */
struct mk_channel *mk_spawn_channel(void)
{
	return multikernel_spawn ? &mk_chan : NULL;
}

static int mk_spawn_panic(struct notifier_block *nb, unsigned long event,
			  void *msg)
{
	struct mk_shared_header *hdr = mk_shared;

	if (hdr)
		strscpy_pad(hdr->panic_msg, msg ? msg : "",
			    sizeof(hdr->panic_msg));
	mk_spawn_report(MK_SPAWN_PANICKED, MK_EXIT_PANIC);
	if (hdr)
		mk_spawn_try_send(MK_MSG_PANIC, hdr->panic_msg,
				  strnlen(hdr->panic_msg, MK_PANIC_MSG_MAX));
	return NOTIFY_DONE;
}

/* Where @cpu is in the handover FDT's CPU list, or -1. */
static int mk_spawn_cpu_index(unsigned int cpu)
{
	const struct mk_spawn_info *info = multikernel_spawn;
	u32 hw_id = mk_arch_cpu_hw_id(cpu), i;

	for (i = 0; i < info->nr_cpus; i++)
		if (info->apic_ids[i] == hw_id)
			return i;
	return -1;
}

/* This CPU's heartbeat in the shared header, or NULL if it is not listed. */
static __le64 *mk_cpu_beat_slot(unsigned int cpu)
{
	struct mk_shared_header *hdr = mk_shared;
	int i = mk_spawn_cpu_index(cpu);

	return i < 0 ? NULL : &hdr->cpu_beat[i];
}

/**
 * mk_spawn_park_requested() - does the host want this spawn's CPUs parked?
 *
 * Return: true once the host asked, before it resets them with INIT.
 */
bool mk_spawn_park_requested(void)
{
	struct mk_shared_header *hdr = READ_ONCE(mk_shared);

	return hdr && le32_to_cpu(READ_ONCE(hdr->park_request)) ==
		      MK_PARK_REQUEST;
}

/**
 * mk_spawn_mark_parked() - tell the host this CPU is parked for good
 *
 * Called with interrupts off by a CPU that has left VMX/SVM operation
 * and will only halt from now on, so that INIT is sure to reset it.
 */
void mk_spawn_mark_parked(void)
{
	struct mk_shared_header *hdr = READ_ONCE(mk_shared);
	int i;

	if (!hdr)
		return;
	i = mk_spawn_cpu_index(smp_processor_id());
	if (i < 0)
		return;
	/* Pairs with the acquire in the host's wait: all of the above first. */
	smp_store_release(&hdr->cpu_parked[i], cpu_to_le32(MK_CPU_PARKED));
}

static void mk_set_cpu_beat(unsigned int cpu, u64 beat)
{
	__le64 *slot = mk_cpu_beat_slot(cpu);

	if (slot)
		WRITE_ONCE(*slot, cpu_to_le64(beat));
}

/* Runs on the CPU it beats for: a CPU that stops, stops beating. */
static void mk_spawn_cpu_beat(struct timer_list *t)
{
	__le64 *slot = mk_cpu_beat_slot(smp_processor_id());

	if (slot)
		WRITE_ONCE(*slot, cpu_to_le64(le64_to_cpu(READ_ONCE(*slot)) + 1));
	mod_timer(t, jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS));
}

/*
 * Before a CPU comes (back) up, on the CPU that brings it up: it is not
 * parked any more, whatever it said when it went down.
 */
static int mk_spawn_cpu_prepare(unsigned int cpu)
{
	struct mk_shared_header *hdr = mk_shared;
	int i = mk_spawn_cpu_index(cpu);

	if (i >= 0)
		WRITE_ONCE(hdr->cpu_parked[i], 0);
	return 0;
}

static int mk_spawn_cpu_online(unsigned int cpu)
{
	struct timer_list *t = per_cpu_ptr(&mk_cpu_beat_timer, cpu);

	/* Up while the host kills us: park at once. */
	if (mk_spawn_park_requested())
		mk_arch_spawn_park_this_cpu();
	mk_set_cpu_beat(cpu, 1);
	timer_setup(t, mk_spawn_cpu_beat, TIMER_PINNED);
	t->expires = jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS);
	add_timer_on(t, cpu);
	return 0;
}

/* Taken down on purpose: the host stops expecting its beat. */
static int mk_spawn_cpu_offline(unsigned int cpu)
{
	timer_delete_sync(per_cpu_ptr(&mk_cpu_beat_timer, cpu));
	mk_set_cpu_beat(cpu, MK_CPU_BEAT_OFFLINE);
	return 0;
}

static void mk_spawn_heartbeat(struct timer_list *t)
{
	struct mk_shared_header *hdr = mk_shared;

	WRITE_ONCE(hdr->heartbeat,
		   cpu_to_le64(le64_to_cpu(hdr->heartbeat) + 1));
	mod_timer(t, jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS));
}

static void mk_spawn_doorbell(void)
{
	mk_channel_kick(&mk_chan);
}

static void mk_spawn_on_shutdown(struct mk_channel *ch, u16 type,
				 const void *payload, u32 len)
{
	pr_info("host asks for shutdown\n");
	/* Safe in interrupt context: it only schedules the work. */
	orderly_poweroff(true);
}

static void mk_spawn_send_ready(enum mk_ready_stage stage)
{
	__le32 val = cpu_to_le32(stage);

	if (mk_channel_send(&mk_chan, MK_MSG_READY, &val, sizeof(val)))
		pr_warn("cannot tell the host we are ready (stage %d)\n", stage);
}

/* The kernel is about to exec /init once the system state says running. */
static void mk_spawn_watch_init(struct work_struct *work)
{
	if (system_state != SYSTEM_RUNNING) {
		schedule_delayed_work(&mk_init_watch,
				      msecs_to_jiffies(MK_INIT_POLL_MS));
		return;
	}
	mk_spawn_stamp(MK_STAMP_INIT, mk_spawn_stamp_now());
	mk_spawn_send_ready(MK_READY_INIT);
}

static struct notifier_block mk_spawn_panic_nb = {
	.notifier_call	= mk_spawn_panic,
	/* Run last, after every other notifier had its say. */
	.priority	= INT_MIN,
};

static int __init mk_spawn_map_shared(void)
{
	const struct mk_spawn_info *info = multikernel_spawn;
	unsigned long flags;

	if (!info)
		return 0;
	mk_channel_init(&mk_chan, "host");
	mk_shared = memremap(info->shared_base, info->shared_size,
			     MEMREMAP_WB);
	if (!mk_shared) {
		pr_err("cannot map the shared area: the host will not see us\n");
		return -ENOMEM;
	}

	raw_spin_lock_irqsave(&mk_ring_lock, flags);
	mk_ring = mk_shared + MK_SHARED_CONSOLE;
	raw_spin_unlock_irqrestore(&mk_ring_lock, flags);
	if (mk_early_ring) {
		unregister_console(&mk_early_console);
		early_memunmap(mk_early_ring,
			       sizeof(*mk_early_ring) + MK_CONSOLE_DATA_SIZE);
		mk_early_ring = NULL;
	}

	mk_spawn_stamp(MK_STAMP_KERNEL, mk_kernel_stamp);
	atomic_notifier_chain_register(&panic_notifier_list,
				       &mk_spawn_panic_nb);

	mk_channel_connect(&mk_chan, mk_shared + MK_SHARED_RING_S2H,
			   mk_shared + MK_SHARED_RING_H2S, info->host_doorbell,
			   false);
	mk_msg_register_handler(MK_MSG_SHUTDOWN, mk_spawn_on_shutdown);
	if (mk_arch_doorbell_init(mk_spawn_doorbell))
		pr_err("no doorbell: messages from the host will be late\n");

	/* On the boot CPU, which a spawn cannot take offline. */
	timer_setup(&mk_heartbeat_timer, mk_spawn_heartbeat, TIMER_PINNED);
	mod_timer(&mk_heartbeat_timer,
		  jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS));
	/* Before any CPU beats: the host only waits for CPUs that beat. */
	if (mk_arch_spawn_park_init())
		pr_err("no park NMI handler: the host cannot confirm a kill\n");
	if (cpuhp_setup_state(CPUHP_BP_PREPARE_DYN, "multikernel/spawn:unpark",
			      mk_spawn_cpu_prepare, NULL) < 0 ||
	    cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "multikernel/spawn:beat",
			      mk_spawn_cpu_online, mk_spawn_cpu_offline) < 0)
		pr_err("no per-CPU heartbeats: the host cannot tell a wedged CPU\n");
	return 0;
}
early_initcall(mk_spawn_map_shared);

static int __init mk_spawn_msgdev_init(void)
{
	if (!multikernel_spawn || !mk_shared)
		return 0;
	return mk_msgdev_register(&mk_dev, &mk_chan, "host", NULL);
}
device_initcall(mk_spawn_msgdev_init);

/* All built-in drivers are up: say so, then watch for /init. */
static int __init mk_spawn_ready(void)
{
	if (!multikernel_spawn || !mk_shared)
		return 0;
	if (mk_test_never_ready()) {
		pr_warn("test hook: not telling the host we are ready\n");
		return 0;
	}
	mk_spawn_stamp(MK_STAMP_READY, mk_spawn_stamp_now());
	mk_spawn_report(MK_SPAWN_READY, MK_EXIT_NONE);
	mk_spawn_send_ready(MK_READY_KERNEL);
	INIT_DELAYED_WORK(&mk_init_watch, mk_spawn_watch_init);
	schedule_delayed_work(&mk_init_watch, 0);
	return 0;
}
late_initcall_sync(mk_spawn_ready);

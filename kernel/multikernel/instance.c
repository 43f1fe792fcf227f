// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: instances and their lifecycle.
 *
 *   empty --load--> loaded --start--> starting --ready--> running
 *   starting/running --poweroff/reboot in the spawn, or kill--> stopped
 *   running --stop--> stopping --poweroff, or stop timeout--> stopped
 *   starting/running --panic, boot timeout, heartbeat lost,
 *                      protocol error--> crashed
 *   stopped/crashed --start/restart--> starting (same image, no reload)
 *   any of these --a CPU does not confirm it stopped--> lost
 *   (lost) --kill, every CPU confirms--> stopped
 *
 * An instance owns its memory (RAM and shared area, from the pool) from
 * create to destroy, and its CPUs from create until it stops and again
 * from each start. Whenever it stops, for whatever reason, each of its
 * CPUs must confirm that it is parked (an NMI asks those that do not say
 * so already), and then gets INIT before anything is given back, so
 * nothing of the spawn keeps running. An instance with a CPU that does
 * not confirm is lost: it keeps its CPUs, memory and devices, which are
 * never reused, until a kill gets the confirmation.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kobject.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* How often the host looks at a running spawn's shared header. */
#define MK_WATCH_INTERVAL_MS	20
/* How long a spawn may take from start to "ready". */
#define MK_BOOT_TIMEOUT_MS	(120 * MSEC_PER_SEC)
/* A running spawn whose heartbeat stands still this long is dead. */
#define MK_HEARTBEAT_TIMEOUT_MS	(5 * MSEC_PER_SEC)
/* How long the CPUs of a spawn get to confirm they are parked. */
#define MK_PARK_TIMEOUT_MS	1000
#define MK_PARK_POLL_US		100
/* Default time a spawn gets to shut down after "stop". */
#define MK_STOP_TIMEOUT_S	10
#define MK_STOP_TIMEOUT_MAX_S	3600
/*
 * A spawn rings the host's doorbell only after it sent a record, and not
 * while the host drains anyway; the host cannot tell who sent an IPI, so
 * it compares each spawn's count of doorbells with the records it took
 * from it. The spawn may be ahead by the records still in the ring, at
 * most this many (the smallest record is a bare header); beyond that its
 * doorbells announce nothing and it is stopped before they wear the host
 * down.
 */
#define MK_DOORBELL_SLACK	(MK_RING_DATA_SIZE / sizeof(struct mk_msg_hdr))

/* Running instances' mailboxes, for the doorbell interrupt. */
static struct mk_channel __rcu *mk_host_channels[MK_MAX_INSTANCES];

static LIST_HEAD(mk_instances);
/* Protects mk_instances and the uniqueness of names and ids. */
static DEFINE_MUTEX(mk_instances_lock);

static const char * const mk_state_names[] = {
	[MK_STATE_EMPTY]	= "empty",
	[MK_STATE_LOADED]	= "loaded",
	[MK_STATE_STARTING]	= "starting",
	[MK_STATE_RUNNING]	= "running",
	[MK_STATE_STOPPING]	= "stopping",
	[MK_STATE_STOPPED]	= "stopped",
	[MK_STATE_CRASHED]	= "crashed",
	[MK_STATE_LOST]		= "lost",
};

static const char * const mk_exit_reason_names[] = {
	[MK_EXIT_NONE]		= "none",
	[MK_EXIT_POWEROFF]	= "poweroff",
	[MK_EXIT_REBOOT]	= "reboot",
	[MK_EXIT_HALT]		= "halt",
	[MK_EXIT_PANIC]		= "panic",
	[MK_EXIT_KILLED]	= "killed",
	[MK_EXIT_BOOT_TIMEOUT]	= "boot-timeout",
	[MK_EXIT_PROTOCOL]	= "protocol-error",
	[MK_EXIT_HEARTBEAT]	= "heartbeat-lost",
	[MK_EXIT_STOP_TIMEOUT]	= "stop-timeout",
	[MK_EXIT_DOORBELL_FLOOD] = "doorbell-flood",
};

/**
 * mk_state_name() - the sysfs name of a state
 * @state:	the state
 *
 * Return: a constant string.
 */
const char *mk_state_name(enum mk_state state)
{
	return mk_state_names[state];
}

/**
 * mk_exit_reason_name() - the name of an exit reason, as shown in stats
 * @reason:	the reason
 *
 * Return: a constant string.
 */
const char *mk_exit_reason_name(enum mk_exit_reason reason)
{
	return mk_exit_reason_names[reason];
}

static bool mk_state_active(enum mk_state state)
{
	return state == MK_STATE_STARTING || state == MK_STATE_RUNNING ||
	       state == MK_STATE_STOPPING;
}

static void mk_set_state(struct mk_instance *inst, enum mk_state state)
{
	lockdep_assert_held(&inst->lock);
	if (inst->state == state)
		return;
	inst->state = state;
	if (inst->state_kn)
		sysfs_notify_dirent(inst->state_kn);
}

static struct mk_shared_header *mk_header(struct mk_instance *inst)
{
	return phys_to_virt(inst->shared_base + MK_SHARED_HEADER);
}

/*
 * Take the instance's channel out of the doorbell's reach and close it.
 * After the grace period no doorbell interrupt still works on it, so the
 * next start may reset its rings.
 */
static void mk_host_channel_unpublish(struct mk_instance *inst)
{
	RCU_INIT_POINTER(mk_host_channels[inst->id - 1], NULL);
	synchronize_rcu();
	mk_channel_disconnect(&inst->chan);
}

/* Index @i of the instance's CPUs said it is parked for good. */
static bool mk_cpu_parked(struct mk_shared_header *hdr, unsigned int i)
{
	/* Pairs with the release in mk_spawn_mark_parked(). */
	return le32_to_cpu(smp_load_acquire(&hdr->cpu_parked[i])) ==
	       MK_CPU_PARKED;
}

/*
 * One look at the instance's CPUs during a kill: NMI each CPU that runs
 * spawn code (its heartbeat started) and was not asked yet, and return
 * the first one not parked, or -1. A CPU that never beat has not got
 * past the spawn's early boot, where VMX cannot be on: INIT resets it;
 * one that comes up meanwhile is asked at the next look. A CPU the spawn
 * took offline is not asked (it ignores NMIs) but says it is parked
 * before it goes dead.
 */
static int mk_park_cpus(struct mk_instance *inst, struct mk_shared_header *hdr,
			u64 *asked)
{
	unsigned int i = 0, cpu;
	int bad = -1;
	u64 beat;

	for_each_cpu(cpu, &inst->cpus) {
		beat = le64_to_cpu(READ_ONCE(hdr->cpu_beat[i]));
		if (beat && !mk_cpu_parked(hdr, i)) {
			if (beat != MK_CPU_BEAT_OFFLINE && !(*asked & BIT_ULL(i))) {
				*asked |= BIT_ULL(i);
				mk_arch_park_cpu(cpu);
			}
			if (bad < 0)
				bad = cpu;
		}
		i++;
	}
	return bad;
}

/*
 * From now on a CPU of the instance parks instead of running on: the
 * spawn's NMI handler and CPU bring-up look at this, and so does the
 * start trampoline, for a CPU that takes its STARTUP IPI only after the
 * INIT that was to stop it.
 */
static void mk_request_park(struct mk_shared_header *hdr)
{
	WRITE_ONCE(hdr->park_request, cpu_to_le32(MK_PARK_REQUEST));
	/* Before the NMIs or INITs that make the CPUs look at it. */
	smp_mb();
}

/*
 * Ask every CPU of the spawn to park (an NMI: it leaves VMX/SVM
 * operation, which holds INIT pending, and halts) and wait until each
 * has said so; then reset them all with INIT. Returns the first CPU that
 * did not confirm in time, or -1 when INIT went out.
 */
static int mk_instance_stop_cpus(struct mk_instance *inst)
{
	struct mk_shared_header *hdr = mk_header(inst);
	u64 deadline = ktime_get_ns() + MK_PARK_TIMEOUT_MS * NSEC_PER_MSEC;
	u64 asked = 0;
	int bad;

	BUILD_BUG_ON(BITS_PER_TYPE(asked) < MK_SPAWN_MAX_CPUS);
	mk_request_park(hdr);
	while ((bad = mk_park_cpus(inst, hdr, &asked)) >= 0 &&
	       ktime_get_ns() < deadline)
		usleep_range(MK_PARK_POLL_US, 2 * MK_PARK_POLL_US);
	if (bad >= 0)
		return bad;
	mk_arch_reset_cpus(inst);
	return -1;
}

/*
 * The spawn is gone or must go: park and reset its CPUs, give them back
 * and record why. Safe whatever the spawn is doing. Returns 0, or
 * -ETIMEDOUT when a CPU did not confirm it stopped: then the instance is
 * lost and keeps everything.
 */
static int mk_instance_halt(struct mk_instance *inst, enum mk_state state,
			    enum mk_exit_reason reason)
{
	int bad;

	lockdep_assert_held(&inst->lock);
	bad = mk_instance_stop_cpus(inst);
	if (bad >= 0) {
		mk_host_channel_unpublish(inst);
		mk_msgdev_wake(&inst->msgdev);
		inst->unconfirmed_cpu = bad;
		inst->exit_reason = reason;
		inst->stop_ns = ktime_get_ns();
		mk_set_state(inst, MK_STATE_LOST);
		pr_err("%s: CPU %d did not confirm it stopped: its CPUs, memory and devices stay taken (kill to retry, or reboot)\n",
		       inst->name, bad);
		return -ETIMEDOUT;
	}
	inst->unconfirmed_cpu = -1;
	/*
	 * CPUs first, devices after: the host's drivers bind again (and
	 * spread their interrupts) with the CPUs already where they stay.
	 */
	if (inst->cpus_owned)
		mk_cpus_return(&inst->cpus);
	mk_devices_give_back(inst);
	mk_host_channel_unpublish(inst);
	mk_vdevs_stop(inst);
	mk_msgdev_wake(&inst->msgdev);
	if (inst->cpus_owned) {
		mk_cpus_release(&inst->cpus);
		inst->cpus_owned = false;
	}
	inst->exit_reason = reason;
	inst->stop_ns = ktime_get_ns();
	mk_set_state(inst, state);
	mk_image_refresh_later(inst);
	pr_info("%s: %s (%s)\n", inst->name, mk_state_name(state),
		mk_exit_reason_name(reason));
	return 0;
}

/*
 * The kernel's heartbeat runs on one CPU; a CPU wedged with interrupts
 * off only shows in its own. CPUs not up yet (0) or taken down by the
 * spawn are not expected to beat. True when one stopped and the
 * instance was halted for it.
 */
static bool mk_instance_check_cpus(struct mk_instance *inst,
				   struct mk_shared_header *hdr, u64 now)
{
	unsigned int i = 0, cpu;
	u64 beat;

	for_each_cpu(cpu, &inst->cpus) {
		beat = le64_to_cpu(READ_ONCE(hdr->cpu_beat[i]));
		if (beat != inst->cpu_beat[i] || !beat ||
		    beat == MK_CPU_BEAT_OFFLINE) {
			inst->cpu_beat[i] = beat;
			inst->cpu_beat_ns[i] = now;
		} else if (now - inst->cpu_beat_ns[i] >
			   MK_HEARTBEAT_TIMEOUT_MS * NSEC_PER_MSEC) {
			pr_warn("%s: CPU %u: no heartbeat for %lu ms, resetting its CPUs\n",
				inst->name, cpu, MK_HEARTBEAT_TIMEOUT_MS);
			inst->stalled_cpu = cpu;
			mk_instance_halt(inst, MK_STATE_CRASHED,
					 MK_EXIT_HEARTBEAT);
			return true;
		}
		i++;
	}
	return false;
}

/* Has the spawn rung more doorbells than it sent records? */
static bool mk_instance_doorbell_flood(struct mk_instance *inst)
{
	u64 received = READ_ONCE(inst->chan.stats.received);

	inst->doorbells += mk_ring_new_doorbells(&inst->chan.rx);
	if (inst->doorbells <= received + MK_DOORBELL_SLACK)
		return false;
	pr_warn("%s: %llu doorbells for %llu messages (at most %zu more allowed), resetting its CPUs\n",
		inst->name, inst->doorbells, received, MK_DOORBELL_SLACK);
	return true;
}

/* How long the spawn may take to say it is ready. */
static u64 mk_boot_timeout_ns(void)
{
	u32 ms = mk_test_boot_timeout_ms();

	return (u64)(ms ?: MK_BOOT_TIMEOUT_MS) * NSEC_PER_MSEC;
}

/*
 * A spawn that has not halted: did it become ready (a mailbox message),
 * does its heartbeat move, did it break the mailbox protocol, is a
 * graceful stop overdue?
 */
static void mk_instance_check_alive(struct mk_instance *inst)
{
	struct mk_shared_header *hdr = mk_header(inst);
	u64 now = ktime_get_ns(), beat;

	if (READ_ONCE(inst->chan.error)) {
		mk_instance_halt(inst, MK_STATE_CRASHED, MK_EXIT_PROTOCOL);
		return;
	}
	if (mk_instance_doorbell_flood(inst)) {
		mk_instance_halt(inst, MK_STATE_CRASHED, MK_EXIT_DOORBELL_FLOOD);
		return;
	}
	if (inst->state == MK_STATE_STARTING) {
		if (READ_ONCE(inst->ready_kernel_ns)) {
			inst->ready_ns = inst->ready_kernel_ns;
			inst->heartbeat_ns = now;
			mk_set_state(inst, MK_STATE_RUNNING);
			pr_info("%s: running (ready %llu ms after start)\n",
				inst->name,
				(inst->ready_ns - inst->start_ns) / NSEC_PER_MSEC);
		} else if (now - inst->start_ns > mk_boot_timeout_ns()) {
			pr_warn("%s: not ready %llu ms after start, resetting its CPUs\n",
				inst->name, mk_boot_timeout_ns() / NSEC_PER_MSEC);
			mk_instance_halt(inst, MK_STATE_CRASHED,
					 MK_EXIT_BOOT_TIMEOUT);
		}
		return;
	}

	if (inst->state == MK_STATE_STOPPING &&
	    now > inst->stop_deadline_ns) {
		pr_warn("%s: did not stop in time, killing it\n", inst->name);
		mk_instance_halt(inst, MK_STATE_STOPPED, MK_EXIT_STOP_TIMEOUT);
		return;
	}

	/* First per CPU: it says which CPU stopped. */
	if (mk_instance_check_cpus(inst, hdr, now))
		return;
	beat = le64_to_cpu(READ_ONCE(hdr->heartbeat));
	if (beat != inst->heartbeat) {
		inst->heartbeat = beat;
		inst->heartbeat_ns = now;
	} else if (now - inst->heartbeat_ns >
		   MK_HEARTBEAT_TIMEOUT_MS * NSEC_PER_MSEC) {
		pr_warn("%s: no heartbeat for %lu ms, resetting its CPUs\n",
			inst->name, MK_HEARTBEAT_TIMEOUT_MS);
		mk_instance_halt(inst, MK_STATE_CRASHED, MK_EXIT_HEARTBEAT);
	}
}

/* Read what the spawn says about itself; never trust it. */
static void mk_instance_check(struct mk_instance *inst)
{
	struct mk_shared_header *hdr = mk_header(inst);
	u32 spawn_state, reason;

	/* Pairs with the release in mk_spawn_report(): reason, then state. */
	spawn_state = le32_to_cpu(smp_load_acquire(&hdr->spawn_state));
	reason = le32_to_cpu(READ_ONCE(hdr->exit_reason));

	switch (spawn_state) {
	case MK_SPAWN_BOOTING:
	case MK_SPAWN_READY:
		mk_instance_check_alive(inst);
		return;
	case MK_SPAWN_HALTED:
		if (reason >= MK_EXIT_POWEROFF && reason <= MK_EXIT_HALT) {
			mk_instance_halt(inst, MK_STATE_STOPPED, reason);
			return;
		}
		break;
	case MK_SPAWN_PANICKED:
		memcpy(inst->panic_msg, hdr->panic_msg, sizeof(inst->panic_msg));
		inst->panic_msg[sizeof(inst->panic_msg) - 1] = '\0';
		mk_instance_halt(inst, MK_STATE_CRASHED, MK_EXIT_PANIC);
		return;
	}
	pr_warn_ratelimited("%s: bad state %u / exit reason %u in shared memory\n",
			    inst->name, spawn_state, reason);
	mk_instance_halt(inst, MK_STATE_CRASHED, MK_EXIT_PROTOCOL);
}

static void mk_instance_watch(struct work_struct *work)
{
	struct mk_instance *inst = container_of(to_delayed_work(work),
						struct mk_instance, watch);

	mutex_lock(&inst->lock);
	if (mk_state_active(inst->state)) {
		mk_instance_check(inst);
		mk_vdevs_watch(inst);
		if (mk_state_active(inst->state))
			schedule_delayed_work(&inst->watch,
					      msecs_to_jiffies(MK_WATCH_INTERVAL_MS));
	}
	mutex_unlock(&inst->lock);
}

/* Fresh header, console ring and handover FDT for the next start. */
static int mk_shared_prepare(struct mk_instance *inst)
{
	void *shared = phys_to_virt(inst->shared_base);
	struct mk_shared_header *hdr = shared + MK_SHARED_HEADER;
	void *fdt = shared + MK_SHARED_FDT;
	unsigned int cpu, i = 0;
	int size;

	for_each_cpu(cpu, &inst->cpus)
		inst->apic_ids[i++] = mk_arch_cpu_hw_id(cpu);

	size = mk_handover_build(inst, fdt, MK_SHARED_FDT_MAX);
	if (size < 0)
		return size;

	kfree(inst->handover);
	inst->handover = kmemdup(fdt, size, GFP_KERNEL);
	inst->handover_size = inst->handover ? size : 0;
	if (!inst->handover)
		return -ENOMEM;

	mk_vdevs_start(inst);
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = cpu_to_le32(MK_SHARED_MAGIC);
	hdr->version = cpu_to_le32(mk_test_shared_version() ?:
				   MK_SHARED_VERSION);
	mk_console_reset(inst);
	return 0;
}

/*
 * @accepted: the counter when the verb was written (before waiting for
 * the lock, and for restart before the stop): the first stamp.
 */
static int mk_instance_start(struct mk_instance *inst, u64 accepted)
{
	enum mk_image_source image_from;
	size_t restored;
	int ret;

	switch (inst->state) {
	case MK_STATE_EMPTY:
		pr_warn_ratelimited("%s: start: no kernel loaded\n", inst->name);
		return -ENODATA;
	case MK_STATE_LOADED:
	case MK_STATE_STOPPED:
	case MK_STATE_CRASHED:
		break;
	case MK_STATE_LOST:
		pr_warn_ratelimited("%s: start: CPU %d never confirmed it stopped (kill it again)\n",
				    inst->name, inst->unconfirmed_cpu);
		return -EBUSY;
	default:
		pr_warn_ratelimited("%s: start: already %s\n", inst->name,
				    mk_state_name(inst->state));
		return -EBUSY;
	}

	if (!inst->cpus_owned) {
		ret = mk_cpus_claim(&inst->cpus, inst->name);
		if (ret)
			return ret;
		inst->cpus_owned = true;
	}
	ret = mk_devices_take(inst);
	if (ret)
		goto out_cpus;

	mk_image_restore(inst, MK_IMAGE_FROM_START);
	image_from = inst->image_from;
	restored = inst->image_restored_bytes;
	/* From here on the spawn may change it. */
	inst->image_in_place = false;
	ret = mk_shared_prepare(inst);
	if (ret)
		goto out_release;
	mk_boot_stamps_reset(&inst->boot, accepted);
	inst->boot.host[MK_HSTAMP_INSTALLED] = mk_arch_stamp();

	inst->start_ns = ktime_get_ns();
	inst->doorbells = 0;
	inst->ready_ns = 0;
	WRITE_ONCE(inst->ready_kernel_ns, 0);
	WRITE_ONCE(inst->ready_init_ns, 0);
	inst->heartbeat = 0;
	memset(inst->cpu_beat, 0, sizeof(inst->cpu_beat));
	inst->stalled_cpu = -1;
	inst->panic_msg[0] = '\0';
	inst->exit_reason = MK_EXIT_NONE;
	mk_channel_connect(&inst->chan,
			   phys_to_virt(inst->shared_base + MK_SHARED_RING_H2S),
			   phys_to_virt(inst->shared_base + MK_SHARED_RING_S2H),
			   inst->apic_ids[0], true);
	rcu_assign_pointer(mk_host_channels[inst->id - 1], &inst->chan);
	ret = mk_arch_start(inst);
	if (ret)
		goto out_release;

	inst->starts++;
	inst->start_image_from = image_from;
	inst->start_restored_bytes = restored;
	mk_set_state(inst, MK_STATE_STARTING);
	schedule_delayed_work(&inst->watch,
			      msecs_to_jiffies(MK_WATCH_INTERVAL_MS));
	return 0;

out_release:
	mk_request_park(mk_header(inst));
	mk_arch_reset_cpus(inst);
	mk_host_channel_unpublish(inst);
	mk_vdevs_stop(inst);
	mk_cpus_return(&inst->cpus);
	mk_devices_give_back(inst);
	mk_image_refresh_later(inst);
out_cpus:
	mk_cpus_release(&inst->cpus);
	inst->cpus_owned = false;
	pr_warn_ratelimited("%s: start failed (%d)\n", inst->name, ret);
	return ret;
}

/* "stop [SECONDS]": ask the spawn to power off, kill it if it does not. */
static int mk_instance_stop(struct mk_instance *inst, const char *arg)
{
	unsigned int secs = MK_STOP_TIMEOUT_S;
	int ret;

	if (*arg && (kstrtouint(arg, 10, &secs) || !secs ||
		     secs > MK_STOP_TIMEOUT_MAX_S)) {
		pr_warn_ratelimited("%s: stop: timeout must be 1-%u seconds\n",
				    inst->name, MK_STOP_TIMEOUT_MAX_S);
		return -EINVAL;
	}
	if (inst->state != MK_STATE_RUNNING) {
		pr_warn_ratelimited("%s: stop: not running (%s)\n", inst->name,
				    mk_state_name(inst->state));
		return -EINVAL;
	}
	ret = mk_channel_send(&inst->chan, MK_MSG_SHUTDOWN, NULL, 0);
	if (ret) {
		pr_warn("%s: cannot ask it to stop (%d), killing it\n",
			inst->name, ret);
		return mk_instance_halt(inst, MK_STATE_STOPPED, MK_EXIT_KILLED);
	}
	inst->stop_deadline_ns = ktime_get_ns() + secs * NSEC_PER_SEC;
	mk_set_state(inst, MK_STATE_STOPPING);
	return 0;
}

/* Also retries the kill of a lost instance. */
static int mk_instance_kill(struct mk_instance *inst)
{
	if (!mk_state_active(inst->state) && inst->state != MK_STATE_LOST) {
		pr_warn_ratelimited("%s: kill: not running (%s)\n", inst->name,
				    mk_state_name(inst->state));
		return -EINVAL;
	}
	return mk_instance_halt(inst, MK_STATE_STOPPED, MK_EXIT_KILLED);
}

/**
 * mk_instance_control() - act on a write to instances/NAME/control
 * @inst:	the instance
 * @verb:	"start", "stop", "kill" or "restart", trailing newline allowed
 *
 * "stop" may carry a timeout in seconds ("stop 5", default 10), after
 * which the spawn is killed. "kill" of a lost instance tries again to
 * get every CPU's confirmation.
 *
 * Return: 0, -EINVAL for an unknown verb or one that does not fit the
 * state, -ENODATA to start without an image, -EBUSY to start while
 * running or lost, -ETIMEDOUT when a kill (or restart) found a CPU that
 * did not confirm it stopped (the instance is lost then), -ENODEV while
 * the instance is being created or destroyed, or what the start failed
 * with.
 */
int mk_instance_control(struct mk_instance *inst, const char *verb)
{
	/* A start's first phase includes waiting for the lock, and a stop. */
	u64 accepted = mk_arch_stamp();
	int ret;

	ret = mk_instance_lock_live(inst);
	if (ret)
		return ret;
	if (str_has_prefix(verb, "stop ")) {
		char arg[16];

		strscpy(arg, verb + 5, sizeof(arg));
		ret = mk_instance_stop(inst, strim(arg));
		mutex_unlock(&inst->lock);
		return ret;
	}
	if (sysfs_streq(verb, "start")) {
		ret = mk_instance_start(inst, accepted);
	} else if (sysfs_streq(verb, "kill")) {
		ret = mk_instance_kill(inst);
	} else if (sysfs_streq(verb, "restart")) {
		ret = 0;
		if (mk_state_active(inst->state))
			ret = mk_instance_halt(inst, MK_STATE_STOPPED,
					       MK_EXIT_KILLED);
		if (!ret)
			ret = mk_instance_start(inst, accepted);
	} else if (sysfs_streq(verb, "stop")) {
		ret = mk_instance_stop(inst, "");
	} else {
		pr_warn_ratelimited("%s: unknown control verb (start, stop, kill, restart)\n",
				    inst->name);
		ret = -EINVAL;
	}
	mutex_unlock(&inst->lock);
	return ret;
}

/* Host memory an image holds: its records and the segment copies. */
static size_t mk_image_footprint(const struct mk_image *image)
{
	size_t bytes;
	unsigned int i;

	if (!image)
		return 0;
	bytes = ksize(image) + ksize(image->segments);
	for (i = 0; i < image->nr_segments; i++)
		bytes += PAGE_ALIGN(image->segments[i].bufsz ?: 1);
	return bytes;
}

/**
 * mk_instance_show_footprints() - the host memory each instance holds
 * @m:	where to print one line per instance
 *
 * "NAME instance=BYTES handover=BYTES image=BYTES": the instance itself,
 * its copy of the last handover FDT and its loaded image (kept so that
 * a restart needs no reload). sysfs nodes are not counted. For the
 * benchmarks (debugfs multikernel/footprint).
 */
void mk_instance_show_footprints(struct seq_file *m)
{
	struct mk_instance *inst;

	mutex_lock(&mk_instances_lock);
	list_for_each_entry(inst, &mk_instances, node) {
		mutex_lock(&inst->lock);
		seq_printf(m, "%s instance=%zu handover=%zu image=%zu\n",
			   inst->name, ksize(inst),
			   inst->handover ? ksize(inst->handover) : 0,
			   mk_image_footprint(inst->image));
		mutex_unlock(&inst->lock);
	}
	mutex_unlock(&mk_instances_lock);
}

/**
 * mk_instance_set_image() - install a freshly loaded image, or none
 * @inst:	the instance, locked, not running
 * @image:	the new image; NULL unloads
 */
void mk_instance_set_image(struct mk_instance *inst, struct mk_image *image)
{
	lockdep_assert_held(&inst->lock);
	mk_image_free(inst->image);
	inst->image = image;
	inst->image_in_place = false;
	mk_image_restore(inst, MK_IMAGE_FROM_LOAD);
	mk_set_state(inst, image ? MK_STATE_LOADED : MK_STATE_EMPTY);
}

/*
 * Any instance holding @name or @id, live or not: names and ids stay
 * taken until destroy has released everything.
 */
static struct mk_instance *mk_find_locked(const char *name, unsigned int id)
{
	struct mk_instance *inst;

	lockdep_assert_held(&mk_instances_lock);
	list_for_each_entry(inst, &mk_instances, node)
		if ((name && !strcmp(inst->name, name)) || inst->id == id)
			return inst;
	return NULL;
}

/**
 * mk_instance_get() - look a live instance up by name or id and hold it
 * @name:	the name, or NULL to look up by @id
 * @id:		the id, when @name is NULL
 *
 * The instance may stop being live as soon as this returns: callers
 * take it with mk_instance_lock_live() before they use it.
 *
 * Return: the instance with a reference (drop it with mk_instance_put()),
 * or NULL.
 */
struct mk_instance *mk_instance_get(const char *name, unsigned int id)
{
	struct mk_instance *inst;

	mutex_lock(&mk_instances_lock);
	inst = name || id ? mk_find_locked(name, id) : NULL;
	if (inst && READ_ONCE(inst->live))
		kobject_get(&inst->kobj);
	else
		inst = NULL;
	mutex_unlock(&mk_instances_lock);
	return inst;
}

/**
 * mk_instance_lock_live() - lock an instance that is still live
 * @inst:	the instance, referenced
 *
 * Return: 0 with @inst->lock held, or -ENODEV (lock not held) when the
 * instance is being created or destroyed.
 */
int mk_instance_lock_live(struct mk_instance *inst)
{
	mutex_lock(&inst->lock);
	if (inst->live)
		return 0;
	mutex_unlock(&inst->lock);
	pr_warn_ratelimited("%s: being created or destroyed\n", inst->name);
	return -ENODEV;
}

/**
 * mk_instance_put() - drop a reference taken by mk_instance_get()
 * @inst:	the instance
 */
void mk_instance_put(struct mk_instance *inst)
{
	kobject_put(&inst->kobj);
}

static unsigned int mk_free_id_locked(void)
{
	unsigned int id;

	for (id = 1; id <= MK_MAX_INSTANCES; id++)
		if (!mk_find_locked(NULL, id))
			return id;
	return 0;
}

/* Give back everything an instance holds. It must not be running. */
static void mk_instance_release_resources(struct mk_instance *inst)
{
	mk_vdevs_destroy(inst);
	mk_devices_unassign(inst);
	if (inst->cpus_owned)
		mk_cpus_release(&inst->cpus);
	inst->cpus_owned = false;
	if (inst->mem_base)
		mk_memory_free(inst->mem_base, inst->mem_size);
	if (inst->shared_base)
		mk_memory_free(inst->shared_base, MK_SHARED_SIZE);
	if (inst->iowin_base)
		mk_memory_free(inst->iowin_base, inst->iowin_size);
	inst->mem_base = 0;
	inst->shared_base = 0;
	inst->iowin_base = 0;
	mk_image_free(inst->image);
	inst->image = NULL;
}

/* Set once the host side is fully set up; no instances before. */
static bool mk_host_ready;

/*
 * Take a name, an id and a low-memory slot for a new instance and put it
 * on the list, not live yet.
 */
static int mk_instance_reserve(struct mk_instance *inst)
{
	int ret;

	mutex_lock(&mk_instances_lock);
	if (mk_find_locked(inst->name, 0)) {
		pr_warn_ratelimited("create %s: an instance with that name exists\n",
				    inst->name);
		ret = -EEXIST;
		goto out_unlock;
	}
	inst->id = mk_free_id_locked();
	if (!inst->id) {
		pr_warn_ratelimited("create %s: all %d instance slots in use\n",
				    inst->name, MK_MAX_INSTANCES);
		ret = -ENOSPC;
		goto out_unlock;
	}
	ret = mk_arch_claim_low_slot(inst);
	if (ret) {
		pr_warn_ratelimited("create %s: no low-memory slot (boot with multikernel_pool=?)\n",
				    inst->name);
		goto out_unlock;
	}
	list_add_tail(&inst->node, &mk_instances);
out_unlock:
	mutex_unlock(&mk_instances_lock);
	return ret;
}

static void mk_instance_unlist(struct mk_instance *inst)
{
	mutex_lock(&mk_instances_lock);
	list_del(&inst->node);
	mutex_unlock(&mk_instances_lock);
}

/* CPUs, memory and devices for a reserved instance; may take long. */
static int mk_instance_acquire(struct mk_instance *inst,
			       const struct mk_create_req *req)
{
	int ret;

	ret = mk_cpus_claim(&inst->cpus, inst->name);
	if (ret)
		return ret;
	inst->cpus_owned = true;

	inst->mem_base = mk_memory_alloc(inst->mem_size);
	if (!inst->mem_base) {
		pr_warn_ratelimited("create %s: %llu MiB of RAM not available in the pool (%llu MiB free)\n",
				    inst->name, inst->mem_size >> 20,
				    mk_memory_available() >> 20);
		return -ENOSPC;
	}
	inst->shared_base = mk_memory_alloc(MK_SHARED_SIZE);
	if (!inst->shared_base) {
		pr_warn_ratelimited("create %s: no pool memory left for the shared area\n",
				    inst->name);
		return -ENOSPC;
	}
	if (mk_create_wants_iowin(req)) {
		inst->iowin_size = round_up(req->iowin_size ?: MK_IOWIN_DEFAULT,
					    MK_POOL_GRANULE);
		inst->iowin_base = mk_memory_alloc(inst->iowin_size);
		if (!inst->iowin_base) {
			pr_warn_ratelimited("create %s: no pool memory left for a %llu MiB I/O window\n",
					    inst->name, inst->iowin_size >> 20);
			return -ENOSPC;
		}
		ret = mk_vnets_create(inst, req);
		if (ret == -EOPNOTSUPP)
			pr_warn_ratelimited("create %s: net: this kernel has no CONFIG_MULTIKERNEL_VIRTIO\n",
					    inst->name);
		if (ret)
			return ret;
	}
	if (req->vsock) {
		ret = mk_vsock_create(inst);
		if (ret == -EOPNOTSUPP)
			pr_warn_ratelimited("create %s: vsock: this kernel has no CONFIG_MULTIKERNEL_VSOCK\n",
					    inst->name);
		if (ret)
			return ret;
	}
	ret = mk_vblks_create(inst, req);
	if (ret == -EOPNOTSUPP)
		pr_warn_ratelimited("create %s: disk: this kernel has no CONFIG_MULTIKERNEL_VIRTIO_BLK\n",
				    inst->name);
	if (ret)
		return ret;
	return mk_devices_assign(inst, req);
}

/* Check what can be checked before anything is taken. */
static int mk_create_check(const struct mk_create_req *req)
{
	if (!READ_ONCE(mk_host_ready)) {
		pr_warn_ratelimited("create %s: the host side failed to set up at boot (see the boot log)\n",
				    req->name);
		return -ENODEV;
	}
	if (cpumask_weight(&req->cpus) > MK_SPAWN_MAX_CPUS) {
		pr_warn_ratelimited("create %s: more than %d CPUs\n", req->name,
				    MK_SPAWN_MAX_CPUS);
		return -EINVAL;
	}
	/* Also keeps round_up() below from wrapping. */
	if (req->mem_size > mk_memory_total()) {
		pr_warn_ratelimited("create %s: memory=%llu is more than the whole pool (%llu MiB)\n",
				    req->name, req->mem_size,
				    mk_memory_total() >> 20);
		return -ENOSPC;
	}
	return 0;
}

/**
 * mk_instance_create() - create an instance from a "create" line
 * @buf:	"NAME cpus=LIST memory=SIZE [device=BDF]..."
 *
 * Only taking the name and the id is serialised with other creates and
 * destroys; clearing memory and handing devices over happen outside that
 * lock, so a slow create does not hold up the others. The instance
 * becomes live (reachable through sysfs, the loader and debugfs) only
 * when everything is in place.
 *
 * Return: 0, or -EINVAL (syntax, name, CPU 0, no such CPU, memory 0, a
 * bridge as device), -EEXIST (name taken), -EBUSY (CPU online or owned,
 * device in use by the host or given to another instance), -ENOSPC (no
 * pool memory or instance slot), -ENODEV (no such PCI function, or the
 * host side failed at boot), -EOPNOTSUPP (a device without reset method
 * or ECAM, or net without CONFIG_MULTIKERNEL_VIRTIO), -ENOMEM. On failure
 * nothing is left behind.
 */
int mk_instance_create(const char *buf)
{
	struct mk_create_req *req;
	struct mk_instance *inst;
	const char *why;
	int ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	ret = mk_create_parse(buf, req, &why);
	if (ret) {
		pr_warn_ratelimited("create: %s\n", why);
		goto out_free_req;
	}
	ret = mk_create_check(req);
	if (ret)
		goto out_free_req;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst) {
		ret = -ENOMEM;
		goto out_free_req;
	}
	kobject_init(&inst->kobj, &mk_instance_ktype);
	mutex_init(&inst->lock);
	INIT_DELAYED_WORK(&inst->watch, mk_instance_watch);
	INIT_WORK(&inst->image_work, mk_image_refresh);
	strscpy(inst->name, req->name, sizeof(inst->name));
	mk_channel_init(&inst->chan, inst->name);
	inst->stalled_cpu = -1;
	inst->unconfirmed_cpu = -1;
	cpumask_copy(&inst->cpus, &req->cpus);
	inst->mem_size = round_up(req->mem_size, MK_POOL_GRANULE);

	ret = mk_instance_reserve(inst);
	if (ret)
		goto out_put;
	ret = mk_instance_acquire(inst, req);
	if (ret)
		goto out_release;
	ret = mk_sysfs_add_instance(inst);
	if (ret)
		goto out_release;
	ret = mk_msgdev_register(&inst->msgdev, &inst->chan, inst->name,
				 &inst->kobj);
	if (ret)
		goto out_sysfs;

	mutex_lock(&inst->lock);
	inst->live = true;
	mutex_unlock(&inst->lock);
	pr_info("%s: created (id %u, CPUs %*pbl, %llu MiB at %pa)\n",
		inst->name, inst->id, cpumask_pr_args(&inst->cpus),
		inst->mem_size >> 20, &inst->mem_base);
	kfree(req);
	return 0;

out_sysfs:
	mk_sysfs_remove_instance(inst);
out_release:
	mk_instance_release_resources(inst);
	mk_instance_unlist(inst);
out_put:
	kobject_put(&inst->kobj);
out_free_req:
	kfree(req);
	return ret;
}

/* Find a live instance by name and make it unreachable; referenced. */
static struct mk_instance *mk_instance_unpublish(const char *name, int *ret)
{
	struct mk_instance *inst = mk_instance_get(name, 0);

	*ret = -ENOENT;
	if (!inst) {
		pr_warn_ratelimited("destroy: no instance named '%s'\n", name);
		return NULL;
	}
	*ret = mk_instance_lock_live(inst);
	if (*ret)
		goto out_put;
	if (mk_state_active(inst->state) || inst->state == MK_STATE_LOST) {
		pr_warn_ratelimited("destroy %s: it is %s (kill it first)\n",
				    inst->name, mk_state_name(inst->state));
		*ret = -EBUSY;
		mutex_unlock(&inst->lock);
		goto out_put;
	}
	inst->live = false;
	mutex_unlock(&inst->lock);
	return inst;

out_put:
	mk_instance_put(inst);
	return NULL;
}

/**
 * mk_instance_destroy() - destroy a stopped instance and free everything
 * @buf:	its name, trailing newline allowed
 *
 * The instance stops being live first; then its sysfs directory and
 * message device go away (waiting for readers and writers already in
 * them), and only then are its memory (zeroed), devices and image given
 * back. A file descriptor of /dev/mk-NAME that stays open gets -EPIPE
 * and end of file; the name can be used again once this returns.
 *
 * Return: 0, -ENOENT for an unknown name (or one being created or
 * destroyed), -EBUSY while it runs or is lost.
 */
int mk_instance_destroy(const char *buf)
{
	char name[MULTIKERNEL_NAME_MAX + 2];
	struct mk_instance *inst;
	int ret;

	strscpy(name, buf, sizeof(name));
	strim(name);

	inst = mk_instance_unpublish(name, &ret);
	if (!inst)
		return ret;

	mk_sysfs_remove_instance(inst);
	mk_msgdev_unregister(&inst->msgdev);
	cancel_delayed_work_sync(&inst->watch);
	/* After the watch, which may queue it. */
	cancel_work_sync(&inst->image_work);
	/* No doorbell interrupt may still look at its channel. */
	synchronize_rcu();

	mutex_lock(&inst->lock);
	mk_instance_release_resources(inst);
	mutex_unlock(&inst->lock);
	mk_instance_unlist(inst);
	pr_info("%s: destroyed\n", inst->name);
	mk_instance_put(inst);
	/* The list's reference, from create. */
	kobject_put(&inst->kobj);
	return 0;
}

static struct mk_instance *mk_chan_instance(struct mk_channel *ch)
{
	return container_of(ch, struct mk_instance, chan);
}

static void mk_host_on_ready(struct mk_channel *ch, u16 type,
			     const void *payload, u32 len)
{
	struct mk_instance *inst = mk_chan_instance(ch);
	__le32 stage;

	if (len != sizeof(stage))
		return;
	memcpy(&stage, payload, sizeof(stage));
	if (le32_to_cpu(stage) == MK_READY_KERNEL) {
		WRITE_ONCE(inst->ready_kernel_ns, ktime_get_ns());
	} else if (le32_to_cpu(stage) == MK_READY_INIT) {
		WRITE_ONCE(inst->ready_init_ns, ktime_get_ns());
		mk_boot_stamps_take(&inst->boot, mk_header(inst)->boot_stamp,
				    mk_arch_stamp());
	}
}

/* The doorbell rang on this CPU: some running spawn sent something. */
static void mk_host_doorbell(void)
{
	struct mk_channel *ch;
	int i;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		ch = rcu_dereference_sched(mk_host_channels[i]);
		if (ch)
			mk_channel_kick(ch);
	}
}

/*
 * The host reboots, powers off or kexecs: kill every spawn first. Its
 * CPUs then wait for INIT/SIPI, whichever kernel runs next, and its
 * memory and devices are no longer in use when that kernel takes them.
 */
static int mk_instance_reboot(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct mk_instance *inst;

	mutex_lock(&mk_instances_lock);
	list_for_each_entry(inst, &mk_instances, node) {
		mutex_lock(&inst->lock);
		if ((mk_state_active(inst->state) ||
		     inst->state == MK_STATE_LOST) &&
		    mk_instance_halt(inst, MK_STATE_STOPPED, MK_EXIT_KILLED))
			pr_emerg("%s: still running on CPU %d: the next kernel must not use its memory\n",
				 inst->name, inst->unconfirmed_cpu);
		mutex_unlock(&inst->lock);
	}
	mutex_unlock(&mk_instances_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mk_instance_reboot_nb = {
	.notifier_call	= mk_instance_reboot,
};

static int __init mk_instance_host_init(void)
{
	int ret;

	if (!mk_pool_reserved())
		return 0;
	if (!mk_cpus_online_veto_active()) {
		pr_err("no CPU online veto: instances disabled\n");
		return -ENODEV;
	}
	ret = mk_msg_register_handler(MK_MSG_READY, mk_host_on_ready);
	if (ret)
		goto out_err;
	/* Test hook: as if another platform had the doorbell's vector. */
	ret = mk_test_fail_init("host") ? -EBUSY :
	      mk_arch_doorbell_init(mk_host_doorbell);
	if (ret)
		goto out_handler;
	ret = register_reboot_notifier(&mk_instance_reboot_nb);
	if (ret)
		goto out_handler;
	WRITE_ONCE(mk_host_ready, true);
	return 0;

out_handler:
	mk_msg_register_handler(MK_MSG_READY, NULL);
out_err:
	pr_err("host side setup failed (%d): instances disabled\n", ret);
	return ret;
}
late_initcall(mk_instance_host_init);

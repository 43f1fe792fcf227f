// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: debugfs test hooks and benchmarks, in
 * /sys/kernel/debug/multikernel/ (CONFIG_MULTIKERNEL_TEST_HOOKS only).
 * Root only; for tests, not an ABI.
 *
 * On a host:
 *   scan	write "pool PATTERN" or "NAME PATTERN"; read back how often
 *		PATTERN occurs in the whole pool or in instance NAME's RAM,
 *		so tests can check that a spawn's data is cleared.
 *   bench	write "NAME COUNT SIZE"; read back mailbox round trips
 *		next to same-kernel cross-CPU IPI round trips, and a stream
 *		of COUNT messages of SIZE bytes.
 *   handover_major  the major version the next handover FDTs claim (0:
 *		the real one), to see a spawn refuse one it does not know.
 *   shared_version  the shared area version the next starts claim (0:
 *		the real one), likewise.
 *   footprint	read: the host memory each instance holds, in bytes.
 *   late_sipi	1: every INIT that resets an instance's CPUs is followed by
 *		a STARTUP IPI into the start trampoline, as when a CPU
 *		takes the start's STARTUP IPI only after a kill.
 *   boot_timeout_ms  how long a spawn may take to say it is ready (0: the
 *		real timeout), so that a test need not wait two minutes.
 *   keep_compressed  1: kernels loaded from now on are kept as they are,
 *		as if their compression had no run-time decompressor, and
 *		decompress themselves at every start (through purgatory).
 *
 * In a spawn, to play a broken peer:
 *   hang	write anything: spin on this CPU with interrupts off
 *   rx_pause	write 1/0: stop/resume taking messages off the host ring
 *   ignore_park write N: the next N park NMIs of the host's kill are
 *		ignored, as by a CPU held in VMX operation or SMM
 *   bad_state	write "STATE REASON": put these in the shared header
 *   panic_unterminated  write anything: report a panic whose message
 *		fills its field with no NUL
 *
 * The hooks that break the mailbox protocol (scribble, doorbell and
 * message floods) are in debugfs_peer.c.
 *
 * A host booted with "multikernel.test_fail_init=veto" or "=host" plays
 * a failed setup step: registering the CPU online veto, or the host side
 * (doorbell, reboot notifier). Instances must then be refused.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

#define MK_SCAN_PATTERN_MAX	64
#define MK_SCAN_LINE_MAX	(MULTIKERNEL_NAME_MAX + MK_SCAN_PATTERN_MAX + 2)
#define MK_BENCH_MAX_COUNT	100000
#define MK_BENCH_RESULT_MAX	512
#define MK_PERCENT		100
#define MK_P99			99
/* The host CPU that spawns' doorbells interrupt (mk_arch_host_doorbell_id). */
#define MK_BENCH_CPU		0

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."

static char *test_fail_init = "";
module_param(test_fail_init, charp, 0444);
MODULE_PARM_DESC(test_fail_init,
		 "Test hook: a host setup step that fails at boot (veto, host)");

static DEFINE_MUTEX(mk_debugfs_lock);
static u32 mk_handover_major;
static u32 mk_shared_version;
static bool mk_late_sipi;
static u32 mk_boot_timeout_ms;
static bool mk_keep_compressed;

/**
 * mk_test_handover_major() - the handover major version to claim
 *
 * Return: what debugfs handover_major was set to, 0 for the real one.
 */
u32 mk_test_handover_major(void)
{
	return READ_ONCE(mk_handover_major);
}

/**
 * mk_test_shared_version() - the shared area version to claim
 *
 * Return: what debugfs shared_version was set to, 0 for the real one.
 */
u32 mk_test_shared_version(void)
{
	return READ_ONCE(mk_shared_version);
}

/**
 * mk_test_late_sipi() - follow each reset of an instance's CPUs by a SIPI?
 *
 * Return: what debugfs late_sipi was set to.
 */
bool mk_test_late_sipi(void)
{
	return READ_ONCE(mk_late_sipi);
}

/**
 * mk_test_keep_compressed() - load kernels without decompressing them?
 *
 * Return: what debugfs keep_compressed was set to.
 */
bool mk_test_keep_compressed(void)
{
	return READ_ONCE(mk_keep_compressed);
}

/**
 * mk_test_fail_init() - shall this setup step fail, as a test asks?
 * @step:	"veto" or "host"
 *
 * Return: true when booted with multikernel.test_fail_init=@step.
 */
bool mk_test_fail_init(const char *step)
{
	return test_fail_init && !strcmp(test_fail_init, step);
}

/**
 * mk_test_boot_timeout_ms() - the boot timeout to use instead of the real one
 *
 * Return: what debugfs boot_timeout_ms was set to, 0 for the real one.
 */
u32 mk_test_boot_timeout_ms(void)
{
	return READ_ONCE(mk_boot_timeout_ms);
}

/* Spawn: park requests (NMIs) still to ignore, to play a wedged CPU. */
static atomic_t mk_ignore_park = ATOMIC_INIT(0);

/**
 * mk_test_ignore_park() - shall this CPU ignore the host's park request?
 *
 * Called from the spawn's park NMI handler.
 *
 * Return: true while debugfs ignore_park counts down from what was
 * written to it, one per call.
 */
bool mk_test_ignore_park(void)
{
	return atomic_add_unless(&mk_ignore_park, -1, 0);
}

static int mk_ignore_park_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&mk_ignore_park, val);
	return 0;
}

static int mk_ignore_park_get(void *data, u64 *val)
{
	*val = atomic_read(&mk_ignore_park);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(mk_ignore_park_fops, mk_ignore_park_get,
			 mk_ignore_park_set, "%llu\n");

static u64 mk_scan_matches;
static char mk_bench_result[MK_BENCH_RESULT_MAX];

static u64 mk_scan_range(phys_addr_t base, u64 size, const char *pat,
			 size_t len)
{
	const char *start = phys_to_virt(base), *end = start + size, *p;
	u64 matches = 0;

	for (p = start; p + len <= end; p++) {
		if (*p == pat[0] && !memcmp(p, pat, len))
			matches++;
		if (IS_ALIGNED((unsigned long)p, SZ_2M))
			cond_resched();
	}
	return matches;
}

/*
 * Split "FIRST REST" written by user space into two non-empty strings.
 * Returns the buffer to kfree(), or an ERR_PTR.
 */
static char *mk_debugfs_line(const char __user *ubuf, size_t count,
			     size_t max, char **first, char **rest)
{
	char *line;

	if (count > max)
		return ERR_PTR(-EINVAL);
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return line;
	*rest = strim(line);
	*first = strsep(rest, " ");
	if (!*rest || !**rest) {
		kfree(line);
		return ERR_PTR(-EINVAL);
	}
	return line;
}

static ssize_t mk_scan_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char *line, *target, *pattern;
	struct mk_instance *inst;
	ssize_t ret = count;
	u64 matches;

	line = mk_debugfs_line(ubuf, count, MK_SCAN_LINE_MAX, &target,
			       &pattern);
	if (IS_ERR(line))
		return PTR_ERR(line);
	if (strlen(pattern) > MK_SCAN_PATTERN_MAX) {
		ret = -EINVAL;
		goto out;
	}

	if (!strcmp(target, "pool")) {
		matches = mk_scan_range(mk_memory_base(), mk_memory_total(),
					pattern, strlen(pattern));
	} else {
		inst = mk_instance_get(target, 0);
		if (!inst) {
			ret = -ENOENT;
			goto out;
		}
		ret = mk_instance_lock_live(inst);
		if (!ret) {
			matches = mk_scan_range(inst->mem_base, inst->mem_size,
						pattern, strlen(pattern));
			mutex_unlock(&inst->lock);
			ret = count;
		}
		mk_instance_put(inst);
		if (ret < 0)
			goto out;
	}
	mutex_lock(&mk_debugfs_lock);
	mk_scan_matches = matches;
	mutex_unlock(&mk_debugfs_lock);
out:
	kfree(line);
	return ret;
}

static ssize_t mk_scan_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[32];
	int len;

	mutex_lock(&mk_debugfs_lock);
	len = scnprintf(buf, sizeof(buf), "%llu\n", mk_scan_matches);
	mutex_unlock(&mk_debugfs_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static int mk_footprint_show(struct seq_file *m, void *unused)
{
	mk_instance_show_footprints(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mk_footprint);

static const struct file_operations mk_scan_fops = {
	.owner	= THIS_MODULE,
	.read	= mk_scan_read,
	.write	= mk_scan_write,
	.llseek	= default_llseek,
};

static int mk_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void mk_nop(void *info)
{
}

struct mk_bench_pings {
	struct mk_instance *inst;
	u64 *ns;
	u32 count;
	int target;
};

/*
 * Round trips, run on the CPU the doorbell interrupts: spinning there,
 * the echo's interrupt needs no idle CPU to wake up, just as the sender
 * of smp_call_function_single() spins on the CPU it runs on.
 */
static int mk_bench_pings(void *arg)
{
	struct mk_bench_pings *b = arg;
	int ret = 0;
	u32 i;

	for (i = 0; i < b->count && !ret; i++)
		ret = mk_msgdev_ping_ns(&b->inst->msgdev, &b->ns[i], true);
	return ret;
}

/* The same-kernel reference, from the same CPU to another online one. */
static int mk_bench_ipis(void *arg)
{
	struct mk_bench_pings *b = arg;
	u64 start;
	u32 i;

	for (i = 0; i < b->count; i++) {
		start = ktime_get_ns();
		smp_call_function_single(b->target, mk_nop, NULL, 1);
		b->ns[i] = ktime_get_ns() - start;
	}
	return 0;
}

static int mk_bench_run(struct mk_instance *inst, u32 count, u32 size,
			char *out, size_t len)
{
	struct mk_bench_pings pings;
	u64 *mb, *ipi, start, ns, bytes, doorbells;
	int ret = 0, n;
	u32 sent = 0;
	void *payload;

	mb = kvcalloc(count, sizeof(*mb), GFP_KERNEL);
	ipi = kvcalloc(count, sizeof(*ipi), GFP_KERNEL);
	payload = kzalloc(size, GFP_KERNEL);
	if (!mb || !ipi || !payload) {
		ret = -ENOMEM;
		goto out;
	}

	pings.inst = inst;
	pings.ns = mb;
	pings.count = count;
	ret = smp_call_on_cpu(MK_BENCH_CPU, mk_bench_pings, &pings, false);
	if (ret)
		goto out;

	pings.target = cpumask_any_but(cpu_online_mask, MK_BENCH_CPU);
	if (pings.target >= nr_cpu_ids) {
		ret = -ENODEV;
		goto out;
	}
	pings.ns = ipi;
	smp_call_on_cpu(MK_BENCH_CPU, mk_bench_ipis, &pings, false);

	doorbells = READ_ONCE(inst->chan.stats.doorbells);
	start = ktime_get_ns();
	while (sent < count) {
		ret = mk_channel_send(&inst->chan, MK_MSG_DISCARD, payload,
				      size);
		if (ret == -EAGAIN) {
			cond_resched();
			continue;
		}
		if (ret)
			goto out;
		sent++;
	}
	while (!mk_ring_empty_for_peer(&inst->chan))
		cond_resched();
	ns = max_t(u64, ktime_get_ns() - start, 1);
	bytes = (u64)count * size;
	doorbells = READ_ONCE(inst->chan.stats.doorbells) - doorbells;

	sort(mb, count, sizeof(*mb), mk_cmp_u64, NULL);
	sort(ipi, count, sizeof(*ipi), mk_cmp_u64, NULL);
	n = scnprintf(out, len,
		      "mailbox_rtt_ns min %llu median %llu p99 %llu\n",
		      mb[0], mb[count / 2], mb[count * MK_P99 / MK_PERCENT]);
	n += scnprintf(out + n, len - n,
		       "ipi_rtt_ns min %llu median %llu p99 %llu\n",
		       ipi[0], ipi[count / 2], ipi[count * MK_P99 / MK_PERCENT]);
	scnprintf(out + n, len - n,
		  "stream msgs %u size %u msgs_per_s %llu mb_per_s %llu doorbells %llu\n",
		  count, size, div64_u64((u64)count * NSEC_PER_SEC, ns),
		  div64_u64(bytes * NSEC_PER_SEC, ns * SZ_1M), doorbells);
out:
	kfree(payload);
	kvfree(ipi);
	kvfree(mb);
	return ret;
}

static ssize_t mk_bench_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char *line, *name, *args;
	struct mk_instance *inst;
	u32 n, size;
	int ret;

	line = mk_debugfs_line(ubuf, count, MK_SCAN_LINE_MAX, &name, &args);
	if (IS_ERR(line))
		return PTR_ERR(line);
	ret = -EINVAL;
	if (sscanf(args, "%u %u", &n, &size) != 2 || !n ||
	    n > MK_BENCH_MAX_COUNT || size > MK_MSG_MAX_PAYLOAD)
		goto out;
	ret = -ENOENT;
	inst = mk_instance_get(name, 0);
	if (!inst)
		goto out;
	mutex_lock(&mk_debugfs_lock);
	ret = mk_bench_run(inst, n, size, mk_bench_result,
			   sizeof(mk_bench_result));
	mutex_unlock(&mk_debugfs_lock);
	mk_instance_put(inst);
out:
	kfree(line);
	return ret ? ret : count;
}

static ssize_t mk_bench_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&mk_debugfs_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, mk_bench_result,
				      strlen(mk_bench_result));
	mutex_unlock(&mk_debugfs_lock);
	return ret;
}

static const struct file_operations mk_bench_fops = {
	.owner	= THIS_MODULE,
	.read	= mk_bench_read,
	.write	= mk_bench_write,
	.llseek	= default_llseek,
};

static ssize_t mk_hang_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	pr_emerg("test hook: spinning with interrupts off\n");
	local_irq_disable();
	for (;;)
		cpu_relax();
	return count;
}

static const struct file_operations mk_hang_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_hang_write,
};

/* "STATE REASON": what a broken spawn might leave in the header. */
static ssize_t mk_bad_state_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct mk_shared_header *hdr = mk_spawn_header();
	u32 state, reason;
	char buf[32];

	if (!hdr || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%u %u", &state, &reason) != 2)
		return -EINVAL;
	pr_emerg("test hook: spawn state %u, exit reason %u\n", state, reason);
	WRITE_ONCE(hdr->exit_reason, cpu_to_le32(reason));
	/* Pairs with the acquire in the host's watch. */
	smp_store_release(&hdr->spawn_state, cpu_to_le32(state));
	return count;
}

static const struct file_operations mk_bad_state_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_bad_state_write,
};

/* A panic message that fills its field with no NUL anywhere. */
static ssize_t mk_panic_unterminated_write(struct file *file,
					   const char __user *ubuf,
					   size_t count, loff_t *ppos)
{
	struct mk_shared_header *hdr = mk_spawn_header();

	if (!hdr)
		return -EINVAL;
	pr_emerg("test hook: unterminated panic message\n");
	memset(hdr->panic_msg, 'M', sizeof(hdr->panic_msg));
	WRITE_ONCE(hdr->exit_reason, cpu_to_le32(MK_EXIT_PANIC));
	/* Pairs with the acquire in the host's watch. */
	smp_store_release(&hdr->spawn_state, cpu_to_le32(MK_SPAWN_PANICKED));
	return count;
}

static const struct file_operations mk_panic_unterminated_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_panic_unterminated_write,
};

static int mk_rx_pause_set(void *data, u64 val)
{
	struct mk_channel *ch = mk_spawn_channel();

	WRITE_ONCE(ch->rx_paused, !!val);
	if (!val)
		mk_channel_kick(ch);
	return 0;
}

static int mk_rx_pause_get(void *data, u64 *val)
{
	*val = READ_ONCE(mk_spawn_channel()->rx_paused);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(mk_rx_pause_fops, mk_rx_pause_get, mk_rx_pause_set,
			 "%llu\n");

static int __init mk_debugfs_init(void)
{
	struct dentry *dir;

	if (multikernel_is_spawn()) {
		dir = debugfs_create_dir("multikernel", NULL);
		debugfs_create_file("hang", 0200, dir, NULL, &mk_hang_fops);
		debugfs_create_file_unsafe("rx_pause", 0600, dir, NULL,
					   &mk_rx_pause_fops);
		debugfs_create_file_unsafe("ignore_park", 0600, dir, NULL,
					   &mk_ignore_park_fops);
		debugfs_create_file("bad_state", 0200, dir, NULL,
				    &mk_bad_state_fops);
		debugfs_create_file("panic_unterminated", 0200, dir, NULL,
				    &mk_panic_unterminated_fops);
	} else if (mk_pool_reserved()) {
		dir = debugfs_create_dir("multikernel", NULL);
		debugfs_create_file("scan", 0600, dir, NULL, &mk_scan_fops);
		debugfs_create_file("bench", 0600, dir, NULL, &mk_bench_fops);
		debugfs_create_file("footprint", 0400, dir, NULL,
				    &mk_footprint_fops);
		debugfs_create_u32("handover_major", 0600, dir,
				   &mk_handover_major);
		debugfs_create_u32("shared_version", 0600, dir,
				   &mk_shared_version);
		debugfs_create_bool("late_sipi", 0600, dir, &mk_late_sipi);
		debugfs_create_u32("boot_timeout_ms", 0600, dir,
				   &mk_boot_timeout_ms);
		debugfs_create_bool("keep_compressed", 0600, dir,
				    &mk_keep_compressed);
	} else {
		return 0;
	}
	mk_debugfs_peer_init(dir);
	return 0;
}
late_initcall(mk_debugfs_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: test hooks that make this kernel a broken mailbox peer, in
 * /sys/kernel/debug/multikernel/ (CONFIG_MULTIKERNEL_TEST_HOOKS only), so
 * that tests can check the other kernel copes. Root only; not an ABI.
 *
 * In a spawn:
 *   scribble	write MODE: publish one record on the spawn-to-host ring
 *		that breaks the protocol (modes below)
 *   doorbell_flood  write MS: ring the host's doorbell without sending
 *		anything, as fast as possible, for MS milliseconds or until
 *		the host parks this CPU
 *   flood_user	write COUNT: send COUNT user messages (/dev/mk-NAME on the
 *		host), waiting while the ring is full, whether or not
 *		anybody reads them
 * On a host:
 *   scribble	write "NAME MODE": the same on the host-to-spawn ring of
 *		running instance NAME
 *
 * Modes: "head" (head far beyond the ring), "pad" (a PAD record running
 * past head), "len" (a payload longer than any message), "type" (an
 * unknown record type), "seq" (a sequence number out of order).
 *
 * A spawn booted with "multikernel.test_never_ready" never tells the host
 * it is ready, so that the host's boot timeout can be tested. One booted
 * with "multikernel.test_clock_behind" takes its boot stamps from a
 * counter %MK_TEST_CLOCK_SKEW behind its real one, as a spawn whose TSC
 * is not synchronised with the host's would.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/align.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

/* Longest doorbell flood, and how often it lets the scheduler in. */
#define MK_FLOOD_MAX_MS		10000
#define MK_FLOOD_RESCHED_EVERY	1024
/* Most user messages one write sends, and how long it may wait for room. */
#define MK_FLOOD_USER_MAX	1000000
#define MK_FLOOD_USER_WAIT_MS	(30 * MSEC_PER_SEC)
#define MK_FLOOD_USER_RETRY_US	50
#define MK_SCRIBBLE_LINE_MAX	(MULTIKERNEL_NAME_MAX + 16)

enum mk_scribble_mode {
	MK_SCRIBBLE_HEAD,
	MK_SCRIBBLE_PAD,
	MK_SCRIBBLE_LEN,
	MK_SCRIBBLE_TYPE,
	MK_SCRIBBLE_SEQ,
};

static const char * const mk_scribble_modes[] = {
	[MK_SCRIBBLE_HEAD]	= "head",
	[MK_SCRIBBLE_PAD]	= "pad",
	[MK_SCRIBBLE_LEN]	= "len",
	[MK_SCRIBBLE_TYPE]	= "type",
	[MK_SCRIBBLE_SEQ]	= "seq",
};

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."

static bool test_never_ready;
module_param(test_never_ready, bool, 0444);
MODULE_PARM_DESC(test_never_ready,
		 "Test hook: a spawn never tells its host it is ready");

/**
 * mk_test_never_ready() - shall this spawn keep quiet about being ready?
 *
 * Return: true when booted with "multikernel.test_never_ready".
 */
bool mk_test_never_ready(void)
{
	return test_never_ready;
}

/* About five minutes of a 3.6 GHz TSC. */
#define MK_TEST_CLOCK_SKEW	BIT_ULL(40)

static bool test_clock_behind;
module_param(test_clock_behind, bool, 0444);
MODULE_PARM_DESC(test_clock_behind,
		 "Test hook: a spawn's boot stamps lag behind the host's clock");

/**
 * mk_test_stamp_skew() - how far behind a spawn's boot stamps are made
 *
 * Return: %MK_TEST_CLOCK_SKEW when booted with
 * "multikernel.test_clock_behind", 0 otherwise.
 */
u64 mk_test_stamp_skew(void)
{
	return test_clock_behind ? MK_TEST_CLOCK_SKEW : 0;
}

/*
 * Publish at the producer's head one record that breaks the protocol as
 * @mode says, and ring the doorbell. The ring is unusable afterwards.
 */
static int mk_scribble_channel(struct mk_channel *ch,
			       enum mk_scribble_mode mode)
{
	struct mk_ring_end *p = &ch->tx;
	struct mk_msg_hdr hdr = {
		.type = cpu_to_le16(MK_MSG_DISCARD),
		.seq = cpu_to_le64(p->seq),
	};
	u32 off, len = 0;
	unsigned long flags;
	u64 head;
	int ret = 0;

	spin_lock_irqsave(&ch->tx_lock, flags);
	off = p->pos % p->size;
	switch (mode) {
	case MK_SCRIBBLE_HEAD:
		head = U64_MAX / 3;
		goto publish;
	case MK_SCRIBBLE_PAD:
		/* Claims more bytes than the head says there are. */
		hdr.type = cpu_to_le16(MK_MSG_PAD);
		hdr.len = cpu_to_le32(2 * sizeof(hdr));
		break;
	case MK_SCRIBBLE_LEN:
		len = MK_MSG_MAX_PAYLOAD + MK_MSG_ALIGN;
		hdr.len = cpu_to_le32(len);
		break;
	case MK_SCRIBBLE_TYPE:
		hdr.type = cpu_to_le16(MK_MSG_TYPE_MAX);
		break;
	case MK_SCRIBBLE_SEQ:
		hdr.seq = cpu_to_le64(p->seq + 1);
		break;
	}
	/* Room for the record right here, so that it is what is read next. */
	if (p->size - off < ALIGN(sizeof(hdr) + len, MK_MSG_ALIGN)) {
		ret = -EAGAIN;
		goto out;
	}
	memcpy(p->ring->data + off, &hdr, sizeof(hdr));
	head = p->pos + ALIGN(sizeof(hdr) + len, MK_MSG_ALIGN);
publish:
	pr_emerg("test hook: breaking the %s ring (%s)\n",
		 multikernel_is_spawn() ? "spawn-to-host" : "host-to-spawn",
		 mk_scribble_modes[mode]);
	/* Pairs with the acquire in mk_ring_recv(): record, then head. */
	smp_store_release(&p->ring->head, cpu_to_le64(head));
	mk_channel_ring_doorbell(ch);
out:
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	return ret;
}

/* Split "[NAME ]MODE"; *name is NULL when @line holds only a mode. */
static int mk_scribble_parse(char *line, char **name)
{
	char *mode = strim(line), *sp = strchr(mode, ' ');
	int i;

	*name = NULL;
	if (sp) {
		*sp = '\0';
		*name = mode;
		mode = skip_spaces(sp + 1);
	}
	i = match_string(mk_scribble_modes, ARRAY_SIZE(mk_scribble_modes),
			 mode);
	return i < 0 ? -EINVAL : i;
}

static ssize_t mk_scribble_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct mk_instance *inst;
	char *line, *name;
	int mode, ret;

	if (count > MK_SCRIBBLE_LINE_MAX)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	mode = mk_scribble_parse(line, &name);
	ret = mode;
	if (mode < 0)
		goto out;
	if (multikernel_is_spawn()) {
		ret = name ? -EINVAL : mk_scribble_channel(mk_spawn_channel(),
							   mode);
		goto out;
	}
	ret = -EINVAL;
	if (!name)
		goto out;
	ret = -ENOENT;
	inst = mk_instance_get(name, 0);
	if (!inst)
		goto out;
	ret = mk_instance_lock_live(inst);
	if (!ret) {
		ret = inst->state == MK_STATE_RUNNING ?
		      mk_scribble_channel(&inst->chan, mode) : -ESRCH;
		mutex_unlock(&inst->lock);
	}
	mk_instance_put(inst);
out:
	kfree(line);
	return ret < 0 ? ret : count;
}

static const struct file_operations mk_scribble_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_scribble_write,
};

static ssize_t mk_doorbell_flood_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	struct mk_channel *ch = mk_spawn_channel();
	unsigned long flags, n = 0;
	u64 deadline;
	u32 ms;
	int ret;

	ret = kstrtou32_from_user(ubuf, count, 0, &ms);
	if (ret)
		return ret;
	if (ms > MK_FLOOD_MAX_MS)
		return -EINVAL;
	pr_emerg("test hook: ringing the host's doorbell for %u ms\n", ms);
	deadline = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	while (ktime_get_ns() < deadline && !mk_spawn_park_requested()) {
		spin_lock_irqsave(&ch->tx_lock, flags);
		mk_channel_ring_doorbell(ch);
		spin_unlock_irqrestore(&ch->tx_lock, flags);
		if (!(++n % MK_FLOOD_RESCHED_EVERY))
			cond_resched();
	}
	pr_info("test hook: rang the host's doorbell %lu times\n", n);
	return count;
}

static const struct file_operations mk_doorbell_flood_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_doorbell_flood_write,
};

static ssize_t mk_flood_user_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct mk_channel *ch = mk_spawn_channel();
	u64 deadline = ktime_get_ns() + MK_FLOOD_USER_WAIT_MS * NSEC_PER_MSEC;
	char msg[32];
	u32 n, sent = 0;
	int ret, len;

	ret = kstrtou32_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	if (n > MK_FLOOD_USER_MAX)
		return -EINVAL;
	while (sent < n) {
		len = scnprintf(msg, sizeof(msg), "flood %u", sent);
		ret = mk_channel_send(ch, MK_MSG_USER, msg, len);
		if (ret == -EAGAIN && ktime_get_ns() < deadline) {
			usleep_range(MK_FLOOD_USER_RETRY_US,
				     2 * MK_FLOOD_USER_RETRY_US);
			continue;
		}
		if (ret)
			break;
		sent++;
	}
	pr_info("test hook: sent %u of %u user messages (%d)\n", sent, n, ret);
	return ret ? ret : count;
}

static const struct file_operations mk_flood_user_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_flood_user_write,
};

/*
 * "DEVICE QUEUE addr|loop|jump|hdr|blkro|blkend|blkshort": a malformed buffer, or a
 * block request to refuse, for the host's backend.
 */
static ssize_t mk_virtio_break_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	unsigned int device, queue;
	char buf[32], how[16];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%u %u %15s", &device, &queue, how) != 3)
		return -EINVAL;
	ret = mk_virtio_test_break(device, queue, how);
	return ret ? ret : count;
}

static const struct file_operations mk_virtio_break_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_virtio_break_write,
};

/**
 * mk_debugfs_peer_init() - add the broken-peer hooks
 * @dir:	/sys/kernel/debug/multikernel
 */
void __init mk_debugfs_peer_init(struct dentry *dir)
{
	debugfs_create_file("scribble", 0200, dir, NULL, &mk_scribble_fops);
	if (!multikernel_is_spawn())
		return;
	debugfs_create_file("doorbell_flood", 0200, dir, NULL,
			    &mk_doorbell_flood_fops);
	debugfs_create_file("flood_user", 0200, dir, NULL,
			    &mk_flood_user_fops);
	debugfs_create_file("virtio_break", 0200, dir, NULL,
			    &mk_virtio_break_fops);
}

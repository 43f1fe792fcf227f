// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: message devices, the user-space end of the mailbox.
 *
 * /dev/mk-NAME on the host talks to instance NAME, /dev/mk-host in a spawn
 * talks to its host (ABI in <uapi/linux/multikernel.h>). Messages are
 * datagrams of type MK_MSG_USER. Incoming messages wait in a bounded
 * queue; when it is full, new ones are dropped and counted. Pings are
 * echoed by the receiving kernel itself, from its doorbell interrupt.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "internal.h"

/* Messages waiting for a reader, per device. */
#define MK_MSGDEV_QUEUE_MAX	256
/* How long a writer waits between tries while the ring is full. */
#define MK_MSGDEV_RETRY_MS	1
#define MK_PING_TIMEOUT_MS	1000

struct mk_user_msg {
	struct list_head node;
	u32 len;
	u8 data[];
};

static struct mk_msgdev *to_msgdev(struct file *file)
{
	return container_of(file->private_data, struct mk_msgdev, misc);
}

static int mk_msgdev_open(struct inode *inode, struct file *file)
{
	struct mk_msgdev *dev = to_msgdev(file);

	if (dev->owner)
		kobject_get(dev->owner);
	return nonseekable_open(inode, file);
}

static int mk_msgdev_release(struct inode *inode, struct file *file)
{
	struct mk_msgdev *dev = to_msgdev(file);

	if (dev->owner)
		kobject_put(dev->owner);
	return 0;
}

/* Take the oldest message if it fits in @room bytes; ERR_PTR if not. */
static struct mk_user_msg *mk_msgdev_pop(struct mk_msgdev *dev, size_t room)
{
	struct mk_user_msg *msg;

	spin_lock_irq(&dev->lock);
	msg = list_first_entry_or_null(&dev->queue, struct mk_user_msg, node);
	if (msg && msg->len > room) {
		msg = ERR_PTR(-EMSGSIZE);
	} else if (msg) {
		list_del(&msg->node);
		dev->queued--;
	}
	spin_unlock_irq(&dev->lock);
	return msg;
}

static bool mk_msgdev_readable(struct mk_msgdev *dev)
{
	return READ_ONCE(dev->queued) || !READ_ONCE(dev->ch->up);
}

static ssize_t mk_msgdev_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct mk_msgdev *dev = to_msgdev(file);
	struct mk_user_msg *msg;
	ssize_t ret;

	for (;;) {
		msg = mk_msgdev_pop(dev, count);
		if (IS_ERR(msg))
			return PTR_ERR(msg);
		if (msg)
			break;
		if (!READ_ONCE(dev->ch->up))
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(dev->wait,
					       mk_msgdev_readable(dev));
		if (ret)
			return ret;
	}
	ret = copy_to_user(buf, msg->data, msg->len) ? -EFAULT : msg->len;
	kfree(msg);
	return ret;
}

static ssize_t mk_msgdev_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct mk_msgdev *dev = to_msgdev(file);
	void *data;
	int ret;

	/* An empty message would read as end of file on the other side. */
	if (!count)
		return -EINVAL;
	if (count > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	data = memdup_user(buf, count);
	if (IS_ERR(data))
		return PTR_ERR(data);
	for (;;) {
		ret = mk_channel_send(dev->ch, MK_MSG_USER, data, count);
		if (ret != -EAGAIN || (file->f_flags & O_NONBLOCK))
			break;
		if (msleep_interruptible(MK_MSGDEV_RETRY_MS)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	kfree(data);
	return ret ? ret : count;
}

static __poll_t mk_msgdev_poll(struct file *file, poll_table *wait)
{
	struct mk_msgdev *dev = to_msgdev(file);
	__poll_t mask = 0;

	poll_wait(file, &dev->wait, wait);
	if (READ_ONCE(dev->queued))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(dev->ch->up))
		mask |= EPOLLOUT | EPOLLWRNORM;
	else
		mask |= EPOLLHUP;
	return mask;
}

/**
 * mk_msgdev_ping_ns() - one mailbox round trip, echoed by the peer kernel
 * @dev:	the message device of the channel
 * @ns:	the round trip time
 * @spin:	busy-wait for the echo instead of sleeping (benchmarks, to
 *		compare with smp_call_function_single(), which spins too)
 *
 * Return: 0, -EPIPE when the peer is not running, -ETIMEDOUT.
 */
int mk_msgdev_ping_ns(struct mk_msgdev *dev, u64 *ns, bool spin)
{
	unsigned long timeout = msecs_to_jiffies(MK_PING_TIMEOUT_MS);
	u64 cookie, start, deadline;
	int ret;

	mutex_lock(&dev->ping_lock);
	reinit_completion(&dev->pong);
	cookie = ++dev->ping_cookie;
	start = ktime_get_ns();
	deadline = start + MK_PING_TIMEOUT_MS * NSEC_PER_MSEC;
	ret = mk_channel_send(dev->ch, MK_MSG_PING, &cookie, sizeof(cookie));
	if (!ret && spin) {
		while (!completion_done(&dev->pong) && !ret)
			ret = ktime_get_ns() > deadline ? -ETIMEDOUT : 0;
	} else if (!ret) {
		if (!wait_for_completion_timeout(&dev->pong, timeout))
			ret = -ETIMEDOUT;
	}
	*ns = ktime_get_ns() - start;
	mutex_unlock(&dev->ping_lock);
	return ret;
}

static long mk_msgdev_ping(struct mk_msgdev *dev,
			   struct multikernel_ping __user *arg)
{
	struct multikernel_ping ping;
	int ret;

	ret = mk_msgdev_ping_ns(dev, &ping.ns, false);
	if (ret)
		return ret;
	return copy_to_user(arg, &ping, sizeof(ping)) ? -EFAULT : 0;
}

/* Keyboard input for the spawn's console (host side only). */
static long mk_msgdev_console_input(struct mk_msgdev *dev,
				    struct multikernel_console_input __user *arg)
{
	struct multikernel_console_input in;

	if (multikernel_is_spawn())
		return -ENOTTY;
	if (copy_from_user(&in, arg, sizeof(in)))
		return -EFAULT;
	if (!in.len || in.len > sizeof(in.data))
		return -EINVAL;
	return mk_channel_send(dev->ch, MK_MSG_CONSOLE, in.data, in.len);
}

static long mk_msgdev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case MULTIKERNEL_IOC_PING:
		return mk_msgdev_ping(to_msgdev(file), (void __user *)arg);
	case MULTIKERNEL_IOC_CONSOLE_INPUT:
		return mk_msgdev_console_input(to_msgdev(file),
					       (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mk_msgdev_fops = {
	.owner		= THIS_MODULE,
	.open		= mk_msgdev_open,
	.release	= mk_msgdev_release,
	.read		= mk_msgdev_read,
	.write		= mk_msgdev_write,
	.poll		= mk_msgdev_poll,
	.unlocked_ioctl	= mk_msgdev_ioctl,
};

/**
 * mk_msgdev_register() - create /dev/mk-@suffix for a channel
 * @dev:	the device, zeroed
 * @ch:		its channel
 * @suffix:	instance name on the host, "host" in a spawn
 * @owner:	kobject to hold while the device is open, or NULL
 *
 * Return: 0 or a negative errno.
 */
int mk_msgdev_register(struct mk_msgdev *dev, struct mk_channel *ch,
		       const char *suffix, struct kobject *owner)
{
	snprintf(dev->name, sizeof(dev->name), "mk-%s", suffix);
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.fops = &mk_msgdev_fops;
	dev->misc.mode = 0600;
	dev->ch = ch;
	dev->owner = owner;
	spin_lock_init(&dev->lock);
	INIT_LIST_HEAD(&dev->queue);
	init_waitqueue_head(&dev->wait);
	mutex_init(&dev->ping_lock);
	init_completion(&dev->pong);
	ch->msgdev = dev;
	return misc_register(&dev->misc);
}

/**
 * mk_msgdev_unregister() - remove a message device, drop what is queued
 * @dev:	the device
 */
void mk_msgdev_unregister(struct mk_msgdev *dev)
{
	struct mk_user_msg *msg;

	misc_deregister(&dev->misc);
	while ((msg = mk_msgdev_pop(dev, SIZE_MAX)))
		kfree(msg);
}

/**
 * mk_msgdev_wake() - the channel went up or down: wake readers
 * @dev:	the device, may be NULL
 */
void mk_msgdev_wake(struct mk_msgdev *dev)
{
	if (dev)
		wake_up_interruptible(&dev->wait);
}

static void mk_msgdev_on_user(struct mk_channel *ch, u16 type,
			      const void *payload, u32 len)
{
	struct mk_msgdev *dev = ch->msgdev;
	struct mk_user_msg *msg;
	unsigned long flags;

	if (!dev)
		return;
	if (READ_ONCE(dev->queued) >= MK_MSGDEV_QUEUE_MAX) {
		dev->dropped++;
		return;
	}
	msg = kmalloc(struct_size(msg, data, len), GFP_ATOMIC);
	if (!msg) {
		dev->dropped++;
		return;
	}
	msg->len = len;
	memcpy(msg->data, payload, len);
	spin_lock_irqsave(&dev->lock, flags);
	list_add_tail(&msg->node, &dev->queue);
	dev->queued++;
	spin_unlock_irqrestore(&dev->lock, flags);
	wake_up_interruptible(&dev->wait);
}

static void mk_msgdev_on_ping(struct mk_channel *ch, u16 type,
			      const void *payload, u32 len)
{
	mk_channel_send(ch, MK_MSG_PONG, payload, len);
}

static void mk_msgdev_on_pong(struct mk_channel *ch, u16 type,
			      const void *payload, u32 len)
{
	struct mk_msgdev *dev = ch->msgdev;
	u64 cookie;

	if (!dev || len != sizeof(cookie))
		return;
	memcpy(&cookie, payload, sizeof(cookie));
	if (cookie == READ_ONCE(dev->ping_cookie))
		complete(&dev->pong);
}

static int __init mk_msgdev_init(void)
{
	mk_msg_register_handler(MK_MSG_USER, mk_msgdev_on_user);
	mk_msg_register_handler(MK_MSG_PING, mk_msgdev_on_ping);
	mk_msg_register_handler(MK_MSG_PONG, mk_msgdev_on_pong);
	return 0;
}
core_initcall(mk_msgdev_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvc backend for a multikernel spawn: the console is a ring in memory
 * shared with the host, which shows it as instances/NAME/console; input
 * arrives as MK_MSG_CONSOLE mailbox messages (mkctl console on the host).
 */

#include <linux/init.h>
#include <linux/kfifo.h>
#include <linux/multikernel.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "hvc_console.h"

#define MK_HVC_VTERMNO	0x4d4b	/* "MK" */
#define MK_HVC_OUTBUF	256
#define MK_HVC_INBUF	4096	/* typed ahead; more is dropped */

static DEFINE_KFIFO(mk_hvc_input, u8, MK_HVC_INBUF);
static DEFINE_SPINLOCK(mk_hvc_input_lock);

static ssize_t mk_hvc_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	mk_spawn_console_write(buf, count);
	return count;
}

static ssize_t mk_hvc_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	return kfifo_out_spinlocked(&mk_hvc_input, buf, count,
				    &mk_hvc_input_lock);
}

static const struct hv_ops mk_hvc_ops = {
	.get_chars = mk_hvc_get_chars,
	.put_chars = mk_hvc_put_chars,
};

/* Mailbox handler: runs in the doorbell interrupt. */
static void mk_hvc_on_input(struct mk_channel *ch, u16 type,
			    const void *payload, u32 len)
{
	kfifo_in_spinlocked(&mk_hvc_input, payload, len, &mk_hvc_input_lock);
	hvc_kick();
}

static int __init mk_hvc_console_init(void)
{
	if (!multikernel_is_spawn())
		return 0;
	hvc_instantiate(MK_HVC_VTERMNO, 0, &mk_hvc_ops);
	return 0;
}
console_initcall(mk_hvc_console_init);

static int __init mk_hvc_init(void)
{
	struct hvc_struct *hp;

	if (!multikernel_is_spawn())
		return 0;
	hp = hvc_alloc(MK_HVC_VTERMNO, 0, &mk_hvc_ops, MK_HVC_OUTBUF);
	if (IS_ERR(hp))
		return PTR_ERR(hp);
	return mk_msg_register_handler(MK_MSG_CONSOLE, mk_hvc_on_input);
}
device_initcall(mk_hvc_init);

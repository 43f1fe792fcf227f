// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvc backend for a multikernel spawn: the console is a ring in memory
 * shared with the host, which shows it as instances/NAME/console.
 *
 * Output only for now: input arrives with the multikernel mailbox.
 */

#include <linux/init.h>
#include <linux/multikernel.h>
#include <linux/types.h>

#include "hvc_console.h"

#define MK_HVC_VTERMNO	0x4d4b	/* "MK" */
#define MK_HVC_OUTBUF	256

static ssize_t mk_hvc_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	mk_spawn_console_write(buf, count);
	return count;
}

static ssize_t mk_hvc_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	return 0;
}

static const struct hv_ops mk_hvc_ops = {
	.get_chars = mk_hvc_get_chars,
	.put_chars = mk_hvc_put_chars,
};

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
	return PTR_ERR_OR_ZERO(hp);
}
device_initcall(mk_hvc_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the mailbox channel (mailbox.c) on top of the ring: the
 * drain loop of the doorbell interrupt and its work item, fed by a peer
 * that pads up to its head, leaves a gap too small for a header, floods
 * the ring or corrupts it. Every case must end with the ring drained or
 * the channel in error, and no work left that requeues itself.
 */

#include <kunit/test.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"

#define MB_HDR		sizeof(struct mk_msg_hdr)
/* A gap smaller than a record header, just before the end of the ring. */
#define MB_SMALL_GAP	MK_MSG_ALIGN
#define MB_FLOOD	(4 * MK_RX_IRQ_BUDGET)

struct mb_ctx {
	struct mk_ring *tx, *rx;	/* as the channel under test sees them */
	struct mk_channel ch;
	struct mk_ring_end peer;	/* the peer's producer end of rx */
};

static void mb_vfree(void *p)
{
	vfree(p);
}

static struct mk_ring *mb_ring_alloc(struct kunit *test)
{
	struct mk_ring *ring;

	ring = vzalloc(sizeof(*ring) + MK_RING_DATA_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mb_vfree, ring),
			0);
	return ring;
}

static int mb_test_init(struct kunit *test)
{
	struct mb_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->tx = mb_ring_alloc(test);
	ctx->rx = mb_ring_alloc(test);
	mk_channel_init(&ctx->ch, "kunit");
	/* The peer doorbell is never rung: nothing here sends. */
	mk_channel_connect(&ctx->ch, ctx->tx, ctx->rx, 0, true);
	mk_ring_attach(&ctx->peer, ctx->rx, MK_RING_DATA_SIZE);
	test->priv = ctx;
	return 0;
}

static void mb_test_exit(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;

	mk_channel_disconnect(&ctx->ch);
}

/* Let the work item run until it stops requeueing itself, or give up. */
static void mb_settle(struct mb_ctx *ctx)
{
	int i;

	for (i = 0; i < MB_FLOOD && work_pending(&ctx->ch.rx_work); i++)
		flush_work(&ctx->ch.rx_work);
}

/* Publish a head the way a producer would, whatever it points at. */
static void mb_set_head(struct mb_ctx *ctx, u64 head)
{
	/* Pairs with the acquire in mk_ring_recv(): record, then head. */
	smp_store_release(&ctx->rx->head, cpu_to_le64(head));
}

static void mb_expect_drained(struct kunit *test, struct mb_ctx *ctx)
{
	mb_settle(ctx);
	KUNIT_EXPECT_TRUE(test, mk_ring_empty(&ctx->ch.rx));
	KUNIT_EXPECT_FALSE(test, work_pending(&ctx->ch.rx_work));
	KUNIT_EXPECT_EQ(test, READ_ONCE(ctx->ch.error), 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(READ_ONCE(ctx->rx->tail)),
			le64_to_cpu(READ_ONCE(ctx->rx->head)));
}

static void mailbox_consumes_pad_up_to_head(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;
	struct mk_msg_hdr pad = {
		.type = cpu_to_le16(MK_MSG_PAD),
		.len = cpu_to_le32(MK_MSG_ALIGN),
	};

	memcpy(ctx->rx->data, &pad, sizeof(pad));
	mb_set_head(ctx, MB_HDR + MK_MSG_ALIGN);
	mk_channel_kick(&ctx->ch);
	mb_expect_drained(test, ctx);
	KUNIT_EXPECT_EQ(test, ctx->ch.stats.received, 0);
}

static void mailbox_consumes_small_gap_at_end(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;
	u64 pos = MK_RING_DATA_SIZE - MB_SMALL_GAP;

	/* Both ends sit just before the end, as after many records. */
	ctx->ch.rx.pos = pos;
	WRITE_ONCE(ctx->rx->tail, cpu_to_le64(pos));
	mb_set_head(ctx, MK_RING_DATA_SIZE);
	mk_channel_kick(&ctx->ch);
	mb_expect_drained(test, ctx);
}

static void mailbox_delivers_after_pad_and_gap(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;
	u64 pos = MK_RING_DATA_SIZE - MB_SMALL_GAP;

	ctx->ch.rx.pos = pos;
	ctx->peer.pos = pos;
	WRITE_ONCE(ctx->rx->tail, cpu_to_le64(pos));
	mb_set_head(ctx, MK_RING_DATA_SIZE);
	mk_channel_kick(&ctx->ch);
	KUNIT_ASSERT_TRUE(test, mk_ring_empty(&ctx->ch.rx));

	/* A well-behaved record after the gap still gets through. */
	ctx->peer.pos = MK_RING_DATA_SIZE;
	KUNIT_ASSERT_EQ(test, mk_ring_send(&ctx->peer, MK_MSG_DISCARD, "x", 1),
			0);
	mk_channel_kick(&ctx->ch);
	mb_expect_drained(test, ctx);
	KUNIT_EXPECT_EQ(test, ctx->ch.stats.received, 1);
}

static void mailbox_irq_handles_at_most_its_budget(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;
	u64 in_irq;
	int i;

	for (i = 0; i < MB_FLOOD; i++)
		KUNIT_ASSERT_EQ(test, mk_ring_send(&ctx->peer, MK_MSG_DISCARD,
						   NULL, 0), 0);
	/*
	 * As in the doorbell interrupt: the work item the kick queues on
	 * this CPU cannot run before interrupts are on again.
	 */
	local_irq_disable();
	mk_channel_kick(&ctx->ch);
	in_irq = ctx->ch.stats.received;
	local_irq_enable();
	KUNIT_EXPECT_EQ(test, in_irq, MK_RX_IRQ_BUDGET);
	/* The rest is the work item's. */
	mb_expect_drained(test, ctx);
	KUNIT_EXPECT_EQ(test, ctx->ch.stats.received, MB_FLOOD);
	KUNIT_EXPECT_EQ(test, ctx->ch.stats.unhandled, MB_FLOOD);
}

static void mailbox_corrupt_head_stops_channel(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;

	mb_set_head(ctx, U64_MAX / 3);
	mk_channel_kick(&ctx->ch);
	mb_settle(ctx);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ctx->ch.error), -EPROTO);
	KUNIT_EXPECT_FALSE(test, work_pending(&ctx->ch.rx_work));
	/* Nothing more is taken from a peer that broke the protocol. */
	mk_channel_kick(&ctx->ch);
	KUNIT_EXPECT_FALSE(test, work_pending(&ctx->ch.rx_work));
	KUNIT_EXPECT_EQ(test, ctx->ch.stats.received, 0);
}

static void mailbox_bad_length_at_head_stops_channel(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;
	struct mk_msg_hdr hdr = {
		.type = cpu_to_le16(MK_MSG_DISCARD),
		.len = cpu_to_le32(MK_RING_DATA_SIZE),
	};

	memcpy(ctx->rx->data, &hdr, sizeof(hdr));
	mb_set_head(ctx, MB_HDR);
	mk_channel_kick(&ctx->ch);
	mb_settle(ctx);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ctx->ch.error), -EPROTO);
	KUNIT_EXPECT_FALSE(test, work_pending(&ctx->ch.rx_work));
}

static void mailbox_down_channel_takes_nothing(struct kunit *test)
{
	struct mb_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, mk_ring_send(&ctx->peer, MK_MSG_DISCARD, NULL, 0),
			0);
	mk_channel_disconnect(&ctx->ch);
	mk_channel_kick(&ctx->ch);
	KUNIT_EXPECT_EQ(test, ctx->ch.stats.received, 0);
	KUNIT_EXPECT_EQ(test, mk_channel_send(&ctx->ch, MK_MSG_DISCARD, NULL, 0),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, mk_channel_try_send(&ctx->ch, MK_MSG_DISCARD,
						  NULL, 0), -EPIPE);
}

static struct kunit_case mailbox_cases[] = {
	KUNIT_CASE(mailbox_consumes_pad_up_to_head),
	KUNIT_CASE(mailbox_consumes_small_gap_at_end),
	KUNIT_CASE(mailbox_delivers_after_pad_and_gap),
	KUNIT_CASE(mailbox_irq_handles_at_most_its_budget),
	KUNIT_CASE(mailbox_corrupt_head_stops_channel),
	KUNIT_CASE(mailbox_bad_length_at_head_stops_channel),
	KUNIT_CASE(mailbox_down_channel_takes_nothing),
	{}
};

static struct kunit_suite mailbox_suite = {
	.name = "multikernel-mailbox",
	.init = mb_test_init,
	.exit = mb_test_exit,
	.test_cases = mailbox_cases,
};

kunit_test_suites(&mailbox_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

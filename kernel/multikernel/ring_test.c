// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the mailbox ring: order and wrap-around, full ring
 * back-pressure, and a consumer fed hostile rings (wrapped, truncated,
 * oversized, garbage type, wrong sequence, torn head/tail) that must
 * answer -EPROTO without touching anything outside the ring; the
 * producer's doorbell count, which the consumer must not trust.
 */

#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "internal.h"

#define RING_SIZE	1024
#define GUARD		64
#define GUARD_BYTE	0xa5

struct ring_ctx {
	u8 *mem;			/* guard | ring | guard */
	struct mk_ring *ring;
	struct mk_ring_end prod, cons;
	u8 buf[MK_MSG_MAX_PAYLOAD];
};

static int ring_test_init(struct kunit *test)
{
	struct ring_ctx *ctx;
	size_t total = GUARD + sizeof(struct mk_ring) + RING_SIZE + GUARD;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->mem = kunit_kmalloc(test, total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->mem);
	memset(ctx->mem, GUARD_BYTE, total);
	ctx->ring = (void *)(ctx->mem + GUARD);
	mk_ring_init(ctx->ring, &ctx->prod, &ctx->cons, RING_SIZE);
	test->priv = ctx;
	return 0;
}

static void ring_test_exit(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u8 *after = ctx->ring->data + RING_SIZE;
	int i;

	/* Whatever happened, nobody wrote outside the ring. */
	for (i = 0; i < GUARD; i++) {
		KUNIT_EXPECT_EQ(test, ctx->mem[i], GUARD_BYTE);
		KUNIT_EXPECT_EQ(test, after[i], GUARD_BYTE);
	}
}

static int recv(struct ring_ctx *ctx, u16 *type)
{
	return mk_ring_recv(&ctx->cons, type, ctx->buf, sizeof(ctx->buf));
}

static void ring_delivers_in_order_across_wraps(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u8 msg[200];
	u32 sent = 0, got = 0, len;
	u16 type;
	int ret, i;

	for (i = 0; i < 500; i++) {
		len = (i * 37) % sizeof(msg);
		memset(msg, i, len);
		ret = mk_ring_send(&ctx->prod, MK_MSG_USER, msg, len);
		while (ret == -EAGAIN) {
			/* Full (maybe only at the end): drain one, retry. */
			KUNIT_ASSERT_GE(test, recv(ctx, &type), 0);
			got++;
			ret = mk_ring_send(&ctx->prod, MK_MSG_USER, msg, len);
		}
		KUNIT_ASSERT_EQ(test, ret, 0);
		sent++;
	}
	while ((ret = recv(ctx, &type)) >= 0) {
		KUNIT_EXPECT_EQ(test, type, MK_MSG_USER);
		got++;
	}
	KUNIT_EXPECT_EQ(test, ret, -ENODATA);
	KUNIT_EXPECT_EQ(test, got, sent);
}

static void ring_payloads_survive_wrap(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u8 msg[300];
	u16 type;
	int i, j;

	for (i = 0; i < 50; i++) {
		for (j = 0; j < sizeof(msg); j++)
			msg[j] = i + j;
		KUNIT_ASSERT_EQ(test, mk_ring_send(&ctx->prod, MK_MSG_USER, msg,
						   sizeof(msg)), 0);
		KUNIT_ASSERT_EQ(test, recv(ctx, &type), sizeof(msg));
		KUNIT_ASSERT_EQ(test, memcmp(ctx->buf, msg, sizeof(msg)), 0);
	}
	KUNIT_EXPECT_TRUE(test, mk_ring_empty(&ctx->cons));
}

static void ring_full_gives_eagain_and_recovers(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u8 msg[100] = { };
	u16 type;
	int n = 0;

	while (mk_ring_send(&ctx->prod, MK_MSG_USER, msg, sizeof(msg)) == 0)
		n++;
	KUNIT_EXPECT_EQ(test, mk_ring_send(&ctx->prod, MK_MSG_USER, msg,
					   sizeof(msg)), -EAGAIN);
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_ASSERT_EQ(test, recv(ctx, &type), sizeof(msg));
	KUNIT_EXPECT_EQ(test, mk_ring_send(&ctx->prod, MK_MSG_USER, msg,
					   sizeof(msg)), 0);
}

static void ring_refuses_oversized_send(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, mk_ring_send(&ctx->prod, MK_MSG_USER, ctx->buf,
					   MK_MSG_MAX_PAYLOAD + 1), -EMSGSIZE);
}

/* Put one valid record in, then let the "peer" damage the ring. */
static void ring_one_record(struct kunit *test, struct ring_ctx *ctx)
{
	KUNIT_ASSERT_EQ(test, mk_ring_send(&ctx->prod, MK_MSG_USER, "hello", 5),
			0);
}

static struct mk_msg_hdr *first_hdr(struct ring_ctx *ctx)
{
	return (struct mk_msg_hdr *)ctx->ring->data;
}

static void ring_rejects_head_beyond_ring(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	ctx->ring->head = cpu_to_le64(RING_SIZE + 8);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
	ctx->ring->head = cpu_to_le64(U64_MAX);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_rejects_truncated_record(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	ring_one_record(test, ctx);
	ctx->ring->head = cpu_to_le64(sizeof(struct mk_msg_hdr) + 2);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_rejects_len_past_end(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	ring_one_record(test, ctx);
	first_hdr(ctx)->len = cpu_to_le32(RING_SIZE);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
	first_hdr(ctx)->len = cpu_to_le32(U32_MAX);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_rejects_garbage_type(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	ring_one_record(test, ctx);
	first_hdr(ctx)->type = cpu_to_le16(MK_MSG_TYPE_MAX);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
	first_hdr(ctx)->type = cpu_to_le16(U16_MAX);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_rejects_wrong_sequence(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	ring_one_record(test, ctx);
	first_hdr(ctx)->seq = cpu_to_le64(1);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_rejects_flags(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	ring_one_record(test, ctx);
	first_hdr(ctx)->flags = cpu_to_le16(1);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_rejects_pad_crossing_end(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;

	/* A PAD record that claims more than what is left of the ring. */
	first_hdr(ctx)->type = cpu_to_le16(MK_MSG_PAD);
	first_hdr(ctx)->len = cpu_to_le32(RING_SIZE);
	ctx->ring->head = cpu_to_le64(64);
	KUNIT_EXPECT_EQ(test, recv(ctx, &type), -EPROTO);
}

static void ring_send_rejects_torn_tail(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;

	ring_one_record(test, ctx);
	/* A tail ahead of head, or far behind it: impossible. */
	ctx->ring->tail = cpu_to_le64(4096);
	KUNIT_EXPECT_EQ(test, mk_ring_send(&ctx->prod, MK_MSG_USER, "x", 1),
			-EPROTO);
}

static void ring_survives_random_garbage(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	u16 type;
	int i, ret;

	for (i = 0; i < 200; i++) {
		get_random_bytes(ctx->ring->data, RING_SIZE);
		ctx->ring->head = cpu_to_le64(get_random_u32() % (RING_SIZE + 16));
		mk_ring_attach(&ctx->cons, ctx->ring, RING_SIZE);
		ret = recv(ctx, &type);
		KUNIT_EXPECT_TRUE(test, ret == -EPROTO || ret == -ENODATA ||
				  (ret >= 0 && type < MK_MSG_TYPE_MAX));
	}
}

/* The consumer counts the producer's doorbells, whatever it writes there. */
static void ring_counts_doorbells_and_distrusts_the_count(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	int i;

	KUNIT_EXPECT_EQ(test, mk_ring_new_doorbells(&ctx->cons), 0);
	for (i = 0; i < 5; i++)
		mk_ring_note_doorbell(&ctx->prod);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ctx->ring->doorbells), 5);
	KUNIT_EXPECT_EQ(test, mk_ring_new_doorbells(&ctx->cons), 5);
	KUNIT_EXPECT_EQ(test, mk_ring_new_doorbells(&ctx->cons), 0);
	/* A count set back hides nothing: it moved just as far. */
	ctx->ring->doorbells = cpu_to_le64(1);
	KUNIT_EXPECT_EQ(test, mk_ring_new_doorbells(&ctx->cons), 4);
	ctx->ring->doorbells = cpu_to_le64(U64_MAX);
	KUNIT_EXPECT_EQ(test, mk_ring_new_doorbells(&ctx->cons), U64_MAX - 1);
	/* A fresh ring starts from 0 on both ends. */
	mk_ring_init(ctx->ring, &ctx->prod, &ctx->cons, RING_SIZE);
	KUNIT_EXPECT_EQ(test, mk_ring_new_doorbells(&ctx->cons), 0);
}

static struct kunit_case ring_cases[] = {
	KUNIT_CASE(ring_delivers_in_order_across_wraps),
	KUNIT_CASE(ring_payloads_survive_wrap),
	KUNIT_CASE(ring_full_gives_eagain_and_recovers),
	KUNIT_CASE(ring_refuses_oversized_send),
	KUNIT_CASE(ring_rejects_head_beyond_ring),
	KUNIT_CASE(ring_rejects_truncated_record),
	KUNIT_CASE(ring_rejects_len_past_end),
	KUNIT_CASE(ring_rejects_garbage_type),
	KUNIT_CASE(ring_rejects_wrong_sequence),
	KUNIT_CASE(ring_rejects_flags),
	KUNIT_CASE(ring_rejects_pad_crossing_end),
	KUNIT_CASE(ring_send_rejects_torn_tail),
	KUNIT_CASE(ring_survives_random_garbage),
	KUNIT_CASE(ring_counts_doorbells_and_distrusts_the_count),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "multikernel_ring",
	.init = ring_test_init,
	.exit = ring_test_exit,
	.test_cases = ring_cases,
};

kunit_test_suite(ring_suite);

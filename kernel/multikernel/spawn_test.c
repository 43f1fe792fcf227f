// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for what crosses between kernels and the sysfs parser:
 * the handover FDT (round trip, and hostile blobs the spawn must refuse),
 * the shared area header's magic and version, the console ring
 * (wrap-around, corrupt head) and "create" lines.
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swab.h>

#include "internal.h"

#define FDT_BUF_SIZE	SZ_4K

struct handover_ctx {
	struct mk_instance inst;
	void *fdt;
	int size;
	struct mk_spawn_info info;
};

static int handover_test_init(struct kunit *test)
{
	struct handover_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fdt);

	ctx->inst.id = 3;
	strscpy(ctx->inst.name, "web-1", sizeof(ctx->inst.name));
	cpumask_set_cpu(1, &ctx->inst.cpus);
	cpumask_set_cpu(2, &ctx->inst.cpus);
	ctx->inst.apic_ids[0] = 4;
	ctx->inst.apic_ids[1] = 6;
	ctx->inst.mem_base = SZ_1G;
	ctx->inst.mem_size = SZ_256M;
	ctx->inst.shared_base = SZ_2G;
	ctx->size = mk_handover_build(&ctx->inst, ctx->fdt, FDT_BUF_SIZE);
	KUNIT_ASSERT_GT(test, ctx->size, 0);
	test->priv = ctx;
	return 0;
}

static int handover_parse(struct handover_ctx *ctx, size_t size)
{
	const char *why = NULL;

	return mk_handover_parse(ctx->fdt, size, &ctx->info, &why);
}

static void handover_round_trip_keeps_every_field(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, handover_parse(ctx, ctx->size), 0);
	KUNIT_EXPECT_EQ(test, ctx->info.id, 3);
	KUNIT_EXPECT_STREQ(test, ctx->info.name, "web-1");
	KUNIT_EXPECT_EQ(test, ctx->info.nr_cpus, 2);
	KUNIT_EXPECT_EQ(test, ctx->info.apic_ids[0], 4);
	KUNIT_EXPECT_EQ(test, ctx->info.apic_ids[1], 6);
	KUNIT_EXPECT_EQ(test, ctx->info.mem_base, (u64)SZ_1G);
	KUNIT_EXPECT_EQ(test, ctx->info.mem_size, (u64)SZ_256M);
	KUNIT_EXPECT_EQ(test, ctx->info.shared_base, (u64)SZ_2G);
	KUNIT_EXPECT_EQ(test, ctx->info.shared_size, (u64)MK_SHARED_SIZE);
	KUNIT_EXPECT_NE(test, ctx->info.realtime_ns, 0);
}

static void handover_build_refuses_small_buffer(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, mk_handover_build(&ctx->inst, ctx->fdt, 64),
			-ENOSPC);
}

static void handover_parse_refuses_truncated_blob(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;
	size_t size;

	for (size = 0; size < ctx->size; size += 7)
		KUNIT_EXPECT_EQ(test, handover_parse(ctx, size), -EINVAL);
}

static void handover_parse_refuses_garbage(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;
	u8 *p = ctx->fdt;
	int i;

	for (i = 0; i < FDT_BUF_SIZE; i++)
		p[i] = i * 37 + 11;
	KUNIT_EXPECT_EQ(test, handover_parse(ctx, FDT_BUF_SIZE), -EINVAL);
	memset(p, 0, FDT_BUF_SIZE);
	KUNIT_EXPECT_EQ(test, handover_parse(ctx, FDT_BUF_SIZE), -EINVAL);
}

static void handover_parse_refuses_oversized_totalsize(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;

	fdt_set_totalsize(ctx->fdt, FDT_BUF_SIZE * 2);
	KUNIT_EXPECT_EQ(test, handover_parse(ctx, FDT_BUF_SIZE), -EINVAL);
}

static void handover_parse_refuses_other_major_version(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, fdt_open_into(ctx->fdt, ctx->fdt, FDT_BUF_SIZE), 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop_string(ctx->fdt, 0, "compatible",
						 "multikernel,handover-v2"), 0);
	KUNIT_EXPECT_EQ(test, handover_parse(ctx, FDT_BUF_SIZE),
			-EPROTONOSUPPORT);
}

/* Replace one property of /instance and expect the parser to refuse. */
static void handover_expect_refused_prop(struct kunit *test, const char *name,
					 const void *val, int len)
{
	struct handover_ctx *ctx = test->priv;
	int node;

	KUNIT_ASSERT_EQ(test, fdt_open_into(ctx->fdt, ctx->fdt, FDT_BUF_SIZE), 0);
	node = fdt_subnode_offset(ctx->fdt, 0, "instance");
	KUNIT_ASSERT_GE(test, node, 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop(ctx->fdt, node, name, val, len), 0);
	KUNIT_EXPECT_EQ_MSG(test, handover_parse(ctx, FDT_BUF_SIZE), -EINVAL,
			    "property %s", name);
}

static void handover_parse_refuses_bad_properties(struct kunit *test)
{
	struct handover_ctx *ctx = test->priv;
	fdt64_t wrap[2] = { cpu_to_fdt64(U64_MAX - SZ_4K + 1),
			    cpu_to_fdt64(SZ_2M) };
	fdt64_t zero[2] = { cpu_to_fdt64(SZ_1G), 0 };
	fdt32_t many[MK_SPAWN_MAX_CPUS + 1] = { };
	static const char unterminated[4] = "abcd";
	fdt32_t zero_id = 0;
	void *good;

	good = kunit_kmalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, good);
	memcpy(good, ctx->fdt, FDT_BUF_SIZE);

#define REFUSED(name, val, len)						\
	do {								\
		memcpy(ctx->fdt, good, FDT_BUF_SIZE);			\
		handover_expect_refused_prop(test, name, val, len);	\
	} while (0)

	REFUSED("memory", wrap, sizeof(wrap));
	REFUSED("memory", zero, sizeof(zero));
	REFUSED("memory", wrap, sizeof(wrap[0]));
	REFUSED("shared-area", zero, sizeof(zero));
	REFUSED("cpus", many, sizeof(many));
	REFUSED("cpus", many, 0);
	REFUSED("cpus", many, 3);
	REFUSED("instance-name", unterminated, sizeof(unterminated));
	REFUSED("instance-name", "../x", sizeof("../x"));
	REFUSED("id", &zero_id, sizeof(zero_id));
	REFUSED("id", &zero_id, 2);
	REFUSED("tsc-khz", zero, 8);
#undef REFUSED
}

static struct kunit_case handover_cases[] = {
	KUNIT_CASE(handover_round_trip_keeps_every_field),
	KUNIT_CASE(handover_build_refuses_small_buffer),
	KUNIT_CASE(handover_parse_refuses_truncated_blob),
	KUNIT_CASE(handover_parse_refuses_garbage),
	KUNIT_CASE(handover_parse_refuses_oversized_totalsize),
	KUNIT_CASE(handover_parse_refuses_other_major_version),
	KUNIT_CASE(handover_parse_refuses_bad_properties),
	{}
};

static struct kunit_suite handover_suite = {
	.name = "multikernel_handover",
	.init = handover_test_init,
	.test_cases = handover_cases,
};

/* The shared area header: only this kernel's layout is used. */

static void shared_header_check_accepts_own_version(struct kunit *test)
{
	struct mk_shared_header hdr = {
		.magic = cpu_to_le32(MK_SHARED_MAGIC),
		.version = cpu_to_le32(MK_SHARED_VERSION),
	};
	const char *why = NULL;

	KUNIT_EXPECT_EQ(test, 0, mk_shared_header_check(&hdr, &why));
	KUNIT_EXPECT_NULL(test, why);
}

static void shared_header_check_refuses_others(struct kunit *test)
{
	static const struct {
		u32 magic;
		u32 version;
	} bad[] = {
		{ 0, 0 },
		{ 0, MK_SHARED_VERSION },
		{ ~MK_SHARED_MAGIC, MK_SHARED_VERSION },
		{ swab32(MK_SHARED_MAGIC), MK_SHARED_VERSION },
		{ MK_SHARED_MAGIC, 0 },
		{ MK_SHARED_MAGIC, MK_SHARED_VERSION + 1 },
		{ MK_SHARED_MAGIC, swab32(MK_SHARED_VERSION) },
		{ MK_SHARED_MAGIC, U32_MAX },
	};
	struct mk_shared_header hdr = {};
	const char *why;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		hdr.magic = cpu_to_le32(bad[i].magic);
		hdr.version = cpu_to_le32(bad[i].version);
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, -EPROTO,
				    mk_shared_header_check(&hdr, &why),
				    "magic %#x version %#x", bad[i].magic,
				    bad[i].version);
		KUNIT_EXPECT_NOT_NULL(test, why);
	}
}

static struct kunit_case shared_cases[] = {
	KUNIT_CASE(shared_header_check_accepts_own_version),
	KUNIT_CASE(shared_header_check_refuses_others),
	{}
};

static struct kunit_suite shared_suite = {
	.name = "multikernel_shared",
	.test_cases = shared_cases,
};

/* Console ring: a writer and a reader sharing one buffer. */

struct console_ctx {
	struct mk_instance inst;
	void *shared;
	struct mk_console_ring *ring;
	char *out;
};

static int console_test_init(struct kunit *test)
{
	struct console_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->shared = kunit_kzalloc(test, MK_SHARED_CONSOLE +
				    sizeof(struct mk_console_ring) +
				    MK_CONSOLE_DATA_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->shared);
	ctx->out = kunit_kzalloc(test, MK_CONSOLE_DATA_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->out);
	ctx->inst.shared_base = virt_to_phys(ctx->shared);
	ctx->ring = ctx->shared + MK_SHARED_CONSOLE;
	mk_console_reset(&ctx->inst);
	test->priv = ctx;
	return 0;
}

static void console_reads_what_was_written(struct kunit *test)
{
	struct console_ctx *ctx = test->priv;

	mk_console_ring_write(ctx->ring, "hello ", 6);
	mk_console_ring_write(ctx->ring, "world", 5);
	KUNIT_EXPECT_EQ(test, mk_console_bytes(&ctx->inst), 11);
	KUNIT_ASSERT_EQ(test, mk_console_read(&ctx->inst, ctx->out, 0, 64), 11);
	KUNIT_EXPECT_MEMEQ(test, ctx->out, "hello world", 11);
	KUNIT_EXPECT_EQ(test, mk_console_read(&ctx->inst, ctx->out, 6, 64), 5);
	KUNIT_EXPECT_MEMEQ(test, ctx->out, "world", 5);
	KUNIT_EXPECT_EQ(test, mk_console_read(&ctx->inst, ctx->out, 11, 64), 0);
}

static void console_keeps_newest_bytes_after_wrap(struct kunit *test)
{
	struct console_ctx *ctx = test->priv;
	char line[100];
	int i;

	for (i = 0; i < sizeof(line); i++)
		line[i] = 'a' + i % 26;
	for (i = 0; i < MK_CONSOLE_DATA_SIZE / sizeof(line) + 3; i++)
		mk_console_ring_write(ctx->ring, line, sizeof(line));
	mk_console_ring_write(ctx->ring, "END", 3);

	KUNIT_ASSERT_EQ(test, mk_console_read(&ctx->inst, ctx->out, 0,
					      MK_CONSOLE_DATA_SIZE),
			MK_CONSOLE_DATA_SIZE);
	KUNIT_EXPECT_MEMEQ(test, ctx->out + MK_CONSOLE_DATA_SIZE - 3, "END", 3);
}

static void console_survives_corrupt_head(struct kunit *test)
{
	struct console_ctx *ctx = test->priv;

	/* A spawn may write anything: reads stay inside the ring. */
	ctx->ring->head = cpu_to_le64(U64_MAX);
	KUNIT_EXPECT_EQ(test, mk_console_read(&ctx->inst, ctx->out, 0,
					      MK_CONSOLE_DATA_SIZE),
			MK_CONSOLE_DATA_SIZE);
	KUNIT_EXPECT_EQ(test, mk_console_read(&ctx->inst, ctx->out, -1, 8), 0);
	KUNIT_EXPECT_EQ(test, mk_console_read(&ctx->inst, ctx->out,
					      MK_CONSOLE_DATA_SIZE, 8), 0);
	mk_console_ring_write(ctx->ring, "x", 1);
	KUNIT_EXPECT_EQ(test, mk_console_bytes(&ctx->inst), 0);
}

static struct kunit_case console_cases[] = {
	KUNIT_CASE(console_reads_what_was_written),
	KUNIT_CASE(console_keeps_newest_bytes_after_wrap),
	KUNIT_CASE(console_survives_corrupt_head),
	{}
};

static struct kunit_suite console_suite = {
	.name = "multikernel_console",
	.init = console_test_init,
	.test_cases = console_cases,
};

/* "create" lines. */

struct create_case {
	const char *line;
	int ret;
	const char *name;
	unsigned int first_cpu;
	unsigned int nr_cpus;
	u64 mem_size;
};

static const struct create_case create_cases[] = {
	{ "web cpus=3 memory=256M", 0, "web", 3, 1, SZ_256M },
	{ "web cpus=3 memory=256M\n", 0, "web", 3, 1, SZ_256M },
	{ "a_b-9 memory=1G cpus=1-2", 0, "a_b-9", 1, 2, SZ_1G },
	{ "x  cpus=2,3   memory=0x100000", 0, "x", 2, 2, SZ_1M },
	{ "1234567890123456789012345678901 cpus=1 memory=2M", 0,
	  "1234567890123456789012345678901", 1, 1, SZ_2M },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "web", -EINVAL },
	{ "web cpus=3", -EINVAL },
	{ "web memory=1G", -EINVAL },
	{ "12345678901234567890123456789012 cpus=1 memory=2M", -EINVAL },
	{ "we/b cpus=1 memory=1G", -EINVAL },
	{ "web. cpus=1 memory=1G", -EINVAL },
	{ "web cpus= memory=1G", -EINVAL },
	{ "web cpus=x memory=1G", -EINVAL },
	{ "web cpus=3-1 memory=1G", -EINVAL },
	{ "web cpus=99999 memory=1G", -EINVAL },
	{ "web cpus=1 memory=", -EINVAL },
	{ "web cpus=1 memory=0", -EINVAL },
	{ "web cpus=1 memory=1Q", -EINVAL },
	{ "web cpus=1 memory=-1", -EINVAL },
	{ "web cpus=1 memory=99999999999999999999", -EINVAL },
	{ "web cpus=1 cpus=2 memory=1G", -EINVAL },
	{ "web cpus=1 memory=1G memory=2G", -EINVAL },
	{ "web cpus=1 memory=1G color=red", -EINVAL },
	{ "web cpus=1 memory=1G device=0000:00:04.0", 0, "web", 1, 1, SZ_1G },
	{ "web cpus=1 memory=1G device=", -EINVAL },
	{ "web cpus=1 memory=1G device=00:04.0 device=0000:00:04.0", -EINVAL },
};

static void create_case_desc(const struct create_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->line);
}

KUNIT_ARRAY_PARAM(create, create_cases, create_case_desc);

static void create_line_parses_or_refuses(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	struct mk_create_req *req;
	const char *why = NULL;
	int ret;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	ret = mk_create_parse(c->line, req, &why);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_NOT_NULL(test, why);
		return;
	}
	KUNIT_EXPECT_STREQ(test, req->name, c->name);
	KUNIT_EXPECT_EQ(test, cpumask_first(&req->cpus), c->first_cpu);
	KUNIT_EXPECT_EQ(test, cpumask_weight(&req->cpus), c->nr_cpus);
	KUNIT_EXPECT_EQ(test, req->mem_size, c->mem_size);
}

static void create_refuses_overlong_line(struct kunit *test)
{
	struct mk_create_req *req;
	const char *why;
	char *line;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	line = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, line);
	memset(line, ' ', SZ_4K - 1);
	memcpy(line, "web cpus=1 memory=1G", 20);
	KUNIT_EXPECT_EQ(test, mk_create_parse(line, req, &why), -EINVAL);
}

static struct kunit_case create_cases_list[] = {
	KUNIT_CASE_PARAM(create_line_parses_or_refuses, create_gen_params),
	KUNIT_CASE(create_refuses_overlong_line),
	{}
};

static struct kunit_suite create_suite = {
	.name = "multikernel_create",
	.test_cases = create_cases_list,
};

kunit_test_suites(&handover_suite, &shared_suite, &console_suite,
		  &create_suite);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the multikernel pool: the multikernel_pool= parser,
 * fed good and hostile values, and the pool allocator's bookkeeping.
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include "internal.h"

struct mk_param_case {
	const char *arg;
	int ret;
	u64 size;
	u64 base;
	bool fixed_base;
};

static const struct mk_param_case mk_param_cases[] = {
	/* Accepted. */
	{ "1G", 0, SZ_1G, 0, false },
	{ "512M", 0, SZ_512M, 0, false },
	{ "2M", 0, SZ_2M, 0, false },
	{ "2048k", 0, SZ_2M, 0, false },
	{ "1T", 0, SZ_1T, 0, false },
	{ "0x40000000", 0, SZ_1G, 0, false },
	{ "1073741824", 0, SZ_1G, 0, false },
	{ "1G@4G", 0, SZ_1G, SZ_4G, true },
	{ "256M@0x100000000", 0, SZ_256M, SZ_4G, true },
	{ "2M@0", 0, SZ_2M, 0, true },
	/* Malformed. */
	{ NULL, -EINVAL },
	{ "", -EINVAL },
	{ "G", -EINVAL },
	{ "abc", -EINVAL },
	{ "-1G", -EINVAL },
	{ " 1G", -EINVAL },
	{ "1G ", -EINVAL },
	{ "1Gx", -EINVAL },
	{ "1GG", -EINVAL },
	{ "1G@", -EINVAL },
	{ "1G@x", -EINVAL },
	{ "1G@4G@8G", -EINVAL },
	{ "@4G", -EINVAL },
	{ "0x", -EINVAL },
	{ "1P", -EINVAL },
	{ "09", -EINVAL },
	/* Unusable. */
	{ "0", -EINVAL },
	{ "0G@4G", -EINVAL },
	{ "3M", -EINVAL },
	{ "4097k", -EINVAL },
	{ "1G@1M", -EINVAL },
	{ "1G@0x1000", -EINVAL },
	/* Overflow. */
	{ "18446744073709551616", -ERANGE },
	{ "99999999999999999999999", -ERANGE },
	{ "1000000000000000000000000000", -EINVAL },
	{ "16777216T", -ERANGE },
	{ "0x10000000000000000", -ERANGE },
	{ "2T@16777215T", -ERANGE },
	{ "4G@0xffffffffffe00000", -ERANGE },
};

static void mk_param_case_desc(const struct mk_param_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"",
		 c->arg ? c->arg : "(null)");
}

KUNIT_ARRAY_PARAM(mk_param, mk_param_cases, mk_param_case_desc);

static void pool_param_parses_or_refuses(struct kunit *test)
{
	const struct mk_param_case *c = test->param_value;
	struct mk_pool_param param = { .size = 1, .base = 1 };
	const char *why = NULL;
	int ret;

	ret = mk_pool_param_parse(c->arg, &param, &why);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (c->ret) {
		/* A refusal says why and leaves the output alone. */
		KUNIT_EXPECT_NOT_NULL(test, why);
		KUNIT_EXPECT_EQ(test, param.size, 1ULL);
		KUNIT_EXPECT_EQ(test, param.base, 1ULL);
		return;
	}
	KUNIT_EXPECT_EQ(test, param.size, c->size);
	KUNIT_EXPECT_EQ(test, param.base, c->base);
	KUNIT_EXPECT_EQ(test, param.fixed_base, c->fixed_base);
}

/* A range far above any RAM: the pool never touches what it manages. */
#define TEST_BASE	BIT_ULL(44)
#define TEST_SIZE	(8ULL * MK_POOL_GRANULE)

static void pool_test_exit(struct kunit *test)
{
	mk_pool_destroy(test->priv);
}

static int pool_test_init(struct kunit *test)
{
	struct mk_pool *pool;

	pool = kunit_kzalloc(test, sizeof(*pool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, mk_pool_init(pool, TEST_BASE, TEST_SIZE), 0);
	test->priv = pool;
	return 0;
}

static void pool_alloc_rounds_up_to_granule(struct kunit *test)
{
	struct mk_pool *pool = test->priv;
	phys_addr_t pa;

	pa = mk_pool_alloc(pool, 1);
	KUNIT_ASSERT_NE(test, pa, 0);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pa, MK_POOL_GRANULE));
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), TEST_SIZE - MK_POOL_GRANULE);
	mk_pool_release(pool, pa, 1);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), TEST_SIZE);
}

static void pool_alloc_stays_inside_range(struct kunit *test)
{
	struct mk_pool *pool = test->priv;
	phys_addr_t pa[TEST_SIZE / MK_POOL_GRANULE];
	int i;

	for (i = 0; i < ARRAY_SIZE(pa); i++) {
		pa[i] = mk_pool_alloc(pool, MK_POOL_GRANULE);
		KUNIT_ASSERT_NE(test, pa[i], 0);
		KUNIT_EXPECT_GE(test, pa[i], TEST_BASE);
		KUNIT_EXPECT_LE(test, pa[i] + MK_POOL_GRANULE,
				TEST_BASE + TEST_SIZE);
	}
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, MK_POOL_GRANULE), 0);
	for (i = 0; i < ARRAY_SIZE(pa); i++)
		mk_pool_release(pool, pa[i], MK_POOL_GRANULE);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), TEST_SIZE);
}

static void pool_alloc_refuses_zero_and_oversize(struct kunit *test)
{
	struct mk_pool *pool = test->priv;

	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, 0), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, TEST_SIZE + 1), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, U64_MAX), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), TEST_SIZE);
}

static void pool_alloc_is_contiguous_after_fragmentation(struct kunit *test)
{
	struct mk_pool *pool = test->priv;
	phys_addr_t a, b, c, big;

	a = mk_pool_alloc(pool, 2 * MK_POOL_GRANULE);
	b = mk_pool_alloc(pool, 2 * MK_POOL_GRANULE);
	c = mk_pool_alloc(pool, 4 * MK_POOL_GRANULE);
	KUNIT_ASSERT_TRUE(test, a && b && c);
	mk_pool_release(pool, a, 2 * MK_POOL_GRANULE);
	mk_pool_release(pool, c, 4 * MK_POOL_GRANULE);

	/* 6 granules are free, but never 6 contiguous ones: b sits between. */
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), 6 * MK_POOL_GRANULE);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, 6 * MK_POOL_GRANULE), 0);

	big = mk_pool_alloc(pool, 4 * MK_POOL_GRANULE);
	KUNIT_ASSERT_NE(test, big, 0);
	KUNIT_EXPECT_TRUE(test, big + 4 * MK_POOL_GRANULE <= b || big >= b + 2 * MK_POOL_GRANULE);
	mk_pool_release(pool, big, 4 * MK_POOL_GRANULE);
	mk_pool_release(pool, b, 2 * MK_POOL_GRANULE);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(pool), TEST_SIZE);
}

static void pool_init_refuses_bad_ranges(struct kunit *test)
{
	struct mk_pool pool = { };

	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, 0, TEST_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, TEST_BASE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, TEST_BASE + SZ_4K, TEST_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, TEST_BASE, SZ_1M), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_avail(&pool), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(&pool, MK_POOL_GRANULE), 0);
}

static struct kunit_case mk_pool_param_cases[] = {
	KUNIT_CASE_PARAM(pool_param_parses_or_refuses, mk_param_gen_params),
	{}
};

static struct kunit_suite mk_pool_param_suite = {
	.name = "multikernel_pool_param",
	.test_cases = mk_pool_param_cases,
};

static struct kunit_case mk_pool_alloc_cases[] = {
	KUNIT_CASE(pool_alloc_rounds_up_to_granule),
	KUNIT_CASE(pool_alloc_stays_inside_range),
	KUNIT_CASE(pool_alloc_refuses_zero_and_oversize),
	KUNIT_CASE(pool_alloc_is_contiguous_after_fragmentation),
	KUNIT_CASE(pool_init_refuses_bad_ranges),
	{}
};

static struct kunit_suite mk_pool_alloc_suite = {
	.name = "multikernel_pool_alloc",
	.init = pool_test_init,
	.exit = pool_test_exit,
	.test_cases = mk_pool_alloc_cases,
};

kunit_test_suites(&mk_pool_param_suite, &mk_pool_alloc_suite);

MODULE_DESCRIPTION("KUnit tests for the multikernel pool");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

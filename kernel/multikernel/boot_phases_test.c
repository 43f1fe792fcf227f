// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the phases of a start: stamps in order give the phases
 * exactly; a missing stamp gives none; stamps that go backwards or lie
 * after the host's own clock (a spawn whose counter is not the host's)
 * are reported as unsynchronised, never as phases; a spawn repeating its
 * "/init" message cannot change the stamps once taken.
 */

#include <kunit/test.h>

#include "internal.h"

/* At 1 GHz a counter tick is a nanosecond. */
#define KHZ_1GHZ	1000000
#define FIRST		1000000

/* A start whose phases are 1, 2, 3, 4, 5 and 6 us long, at 1 GHz. */
static void fill(struct mk_boot_stamps *bs, __le64 spawn[MK_BOOT_STAMPS],
		 u64 *seen)
{
	u64 t = FIRST;
	unsigned int i;

	mk_boot_stamps_reset(bs, t);
	for (i = 1; i < MK_HOST_STAMPS; i++) {
		t += i * NSEC_PER_USEC;
		bs->host[i] = t;
	}
	for (i = 0; i < MK_BOOT_STAMPS; i++) {
		t += (MK_HOST_STAMPS + i) * NSEC_PER_USEC;
		spawn[i] = cpu_to_le64(t);
	}
	*seen = t + 1;
}

static void phases_in_order_are_exact(struct kunit *test)
{
	struct mk_boot_stamps bs;
	__le64 spawn[MK_BOOT_STAMPS];
	u64 ns[MK_BOOT_PHASES], seen;
	unsigned int i;

	fill(&bs, spawn, &seen);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns), MK_CLOCK_NONE);
	mk_boot_stamps_take(&bs, spawn, seen);
	KUNIT_ASSERT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns), MK_CLOCK_OK);
	for (i = 0; i < MK_BOOT_PHASES; i++)
		KUNIT_EXPECT_EQ(test, ns[i], (u64)(i + 1) * NSEC_PER_USEC);
	/* At 2 GHz the same ticks are half as long. */
	KUNIT_ASSERT_EQ(test, mk_boot_phases(&bs, 2 * KHZ_1GHZ, ns),
			MK_CLOCK_OK);
	KUNIT_EXPECT_EQ(test, ns[MK_PHASE_INIT], 3 * NSEC_PER_USEC);
}

static void missing_stamp_gives_no_phases(struct kunit *test)
{
	struct mk_boot_stamps bs;
	__le64 spawn[MK_BOOT_STAMPS];
	u64 ns[MK_BOOT_PHASES], seen;
	unsigned int i;

	for (i = 0; i < MK_BOOT_STAMPS; i++) {
		fill(&bs, spawn, &seen);
		spawn[i] = 0;
		mk_boot_stamps_take(&bs, spawn, seen);
		KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns),
				MK_CLOCK_NONE);
	}
	fill(&bs, spawn, &seen);
	bs.host[MK_HSTAMP_IPI] = 0;
	mk_boot_stamps_take(&bs, spawn, seen);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns), MK_CLOCK_NONE);
	/* No frequency, no time. */
	fill(&bs, spawn, &seen);
	mk_boot_stamps_take(&bs, spawn, seen);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, 0, ns), MK_CLOCK_NONE);
}

static void stamps_out_of_order_are_unsynchronised(struct kunit *test)
{
	struct mk_boot_stamps bs;
	__le64 spawn[MK_BOOT_STAMPS];
	u64 ns[MK_BOOT_PHASES], seen, v;
	unsigned int i;

	/* Each spawn stamp a tick before the one it follows. */
	for (i = 0; i < MK_BOOT_STAMPS; i++) {
		fill(&bs, spawn, &seen);
		v = i ? le64_to_cpu(spawn[i - 1]) : bs.host[MK_HSTAMP_IPI];
		spawn[i] = cpu_to_le64(v - 1);
		mk_boot_stamps_take(&bs, spawn, seen);
		memset(ns, 0, sizeof(ns));
		KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns),
				MK_CLOCK_UNSYNCED);
		/* Nothing is made up. */
		KUNIT_EXPECT_EQ(test, ns[MK_PHASE_KERNEL], 0);
	}
	/* A spawn counter far behind: its first stamp before the IPI. */
	fill(&bs, spawn, &seen);
	for (i = 0; i < MK_BOOT_STAMPS; i++)
		spawn[i] = cpu_to_le64(le64_to_cpu(spawn[i]) - FIRST / 2);
	mk_boot_stamps_take(&bs, spawn, seen);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns),
			MK_CLOCK_UNSYNCED);
	/* Ahead: the last stamp after the host saw the message. */
	fill(&bs, spawn, &seen);
	spawn[MK_STAMP_INIT] = cpu_to_le64(seen + 1);
	mk_boot_stamps_take(&bs, spawn, seen);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns),
			MK_CLOCK_UNSYNCED);
	/* Garbage near 2^64 is ahead of any host clock. */
	fill(&bs, spawn, &seen);
	for (i = 0; i < MK_BOOT_STAMPS; i++)
		spawn[i] = cpu_to_le64(U64_MAX - MK_BOOT_STAMPS + i);
	mk_boot_stamps_take(&bs, spawn, seen);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns),
			MK_CLOCK_UNSYNCED);
}

static void equal_stamps_are_zero_length_phases(struct kunit *test)
{
	struct mk_boot_stamps bs;
	__le64 spawn[MK_BOOT_STAMPS];
	u64 ns[MK_BOOT_PHASES];
	unsigned int i;

	mk_boot_stamps_reset(&bs, FIRST);
	for (i = 1; i < MK_HOST_STAMPS; i++)
		bs.host[i] = FIRST;
	for (i = 0; i < MK_BOOT_STAMPS; i++)
		spawn[i] = cpu_to_le64(FIRST);
	mk_boot_stamps_take(&bs, spawn, FIRST);
	KUNIT_ASSERT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns), MK_CLOCK_OK);
	for (i = 0; i < MK_BOOT_PHASES; i++)
		KUNIT_EXPECT_EQ(test, ns[i], 0);
}

static void only_the_first_message_counts(struct kunit *test)
{
	struct mk_boot_stamps bs;
	__le64 spawn[MK_BOOT_STAMPS], later[MK_BOOT_STAMPS];
	u64 ns[MK_BOOT_PHASES], seen;
	unsigned int i;

	fill(&bs, spawn, &seen);
	mk_boot_stamps_take(&bs, spawn, seen);
	for (i = 0; i < MK_BOOT_STAMPS; i++)
		later[i] = cpu_to_le64(1);
	mk_boot_stamps_take(&bs, later, seen + 1);
	KUNIT_ASSERT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns), MK_CLOCK_OK);
	KUNIT_EXPECT_EQ(test, bs.seen, seen);
	KUNIT_EXPECT_EQ(test, bs.spawn[MK_STAMP_INIT],
			le64_to_cpu(spawn[MK_STAMP_INIT]));
	/* The next start begins from nothing. */
	mk_boot_stamps_reset(&bs, FIRST);
	KUNIT_EXPECT_EQ(test, mk_boot_phases(&bs, KHZ_1GHZ, ns), MK_CLOCK_NONE);
}

static struct kunit_case boot_phases_cases[] = {
	KUNIT_CASE(phases_in_order_are_exact),
	KUNIT_CASE(missing_stamp_gives_no_phases),
	KUNIT_CASE(stamps_out_of_order_are_unsynchronised),
	KUNIT_CASE(equal_stamps_are_zero_length_phases),
	KUNIT_CASE(only_the_first_message_counts),
	{}
};

static struct kunit_suite boot_phases_suite = {
	.name = "multikernel_boot_phases",
	.test_cases = boot_phases_cases,
};

kunit_test_suite(boot_phases_suite);

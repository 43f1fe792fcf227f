// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for finding the compressed kernel in a bzImage: a good
 * image gives its protected-mode part, payload and recorded size; an
 * image too short for its boot parameters, without the "HdrS" magic,
 * with setup sectors past its end, a payload outside its protected-mode
 * part (also through 32-bit wrap-around), a payload too short to hold
 * the size word, or a recorded size of 0 or more than init_size is
 * refused, and a boot protocol before 2.08 is "not supported". Random
 * headers never give a payload outside the file.
 */

#include <kunit/test.h>
#include <linux/random.h>
#include <linux/unaligned.h>
#include <asm/bootparam.h>

#include "prepare.h"

#define SETUP_SECTS	8
#define SECTOR		512
#define SETUP_LEN	((SETUP_SECTS + 1) * SECTOR)
#define PM_LEN		0x800
#define FILE_LEN	(SETUP_LEN + PM_LEN)
#define PAYLOAD_OFF	0x100
#define PAYLOAD_LEN	0x200
#define OUT_LEN		0x5000
#define INIT_SIZE	0x8000
#define PREF_ADDRESS	0x1000000ULL
#define HDR_MAGIC	0x53726448
#define RANDOM_ROUNDS	2000

static struct setup_header *hdr_of(u8 *file)
{
	return (void *)(file + offsetof(struct boot_params, hdr));
}

static u8 *good_bzimage(struct kunit *test)
{
	u8 *file = kunit_kzalloc(test, FILE_LEN, GFP_KERNEL);
	struct setup_header *hdr;

	KUNIT_ASSERT_NOT_NULL(test, file);
	hdr = hdr_of(file);
	hdr->setup_sects = SETUP_SECTS;
	hdr->header = HDR_MAGIC;
	hdr->version = 0x020f;
	hdr->payload_offset = PAYLOAD_OFF;
	hdr->payload_length = PAYLOAD_LEN;
	hdr->init_size = INIT_SIZE;
	hdr->pref_address = PREF_ADDRESS;
	put_unaligned_le32(OUT_LEN, file + SETUP_LEN + PAYLOAD_OFF +
			   PAYLOAD_LEN - sizeof(u32));
	return file;
}

static void good_bzimage_gives_its_payload(struct kunit *test)
{
	u8 *file = good_bzimage(test);
	struct mk_bzimage bz;

	KUNIT_ASSERT_EQ(test, mk_bzimage_parse(file, FILE_LEN, &bz), 0);
	KUNIT_EXPECT_PTR_EQ(test, bz.pm, (const u8 *)file + SETUP_LEN);
	KUNIT_EXPECT_EQ(test, bz.pm_len, PM_LEN);
	KUNIT_EXPECT_PTR_EQ(test, bz.payload,
			    (const u8 *)file + SETUP_LEN + PAYLOAD_OFF);
	KUNIT_EXPECT_EQ(test, bz.payload_len, PAYLOAD_LEN);
	KUNIT_EXPECT_EQ(test, bz.out_len, OUT_LEN);
	KUNIT_EXPECT_EQ(test, bz.pref_address, PREF_ADDRESS);

	/* No setup sectors recorded means the old default of four. */
	file = good_bzimage(test);
	hdr_of(file)->setup_sects = 0;
	memmove(file + 5 * SECTOR, file + SETUP_LEN, FILE_LEN - 5 * SECTOR);
	KUNIT_ASSERT_EQ(test, mk_bzimage_parse(file, FILE_LEN, &bz), 0);
	KUNIT_EXPECT_PTR_EQ(test, bz.pm, (const u8 *)file + 5 * SECTOR);

	/* A payload that ends exactly at the end of the file. */
	file = good_bzimage(test);
	hdr_of(file)->payload_length = PM_LEN - PAYLOAD_OFF;
	put_unaligned_le32(OUT_LEN, file + FILE_LEN - sizeof(u32));
	KUNIT_EXPECT_EQ(test, mk_bzimage_parse(file, FILE_LEN, &bz), 0);
}

/* Where a bad value goes: a setup header field, or the size word. */
#define HDR_OFF(f)	offsetof(struct boot_params, hdr.f)
#define HDR_SIZE(f)	sizeof_field(struct setup_header, f)
#define SIZE_WORD_OFF	(SETUP_LEN + PAYLOAD_OFF + PAYLOAD_LEN - sizeof(u32))

struct bad_header {
	const char *what;
	size_t off;
	size_t size;		/* bytes of @value written at @off, 0: none */
	u64 value;
	size_t len;		/* of the file given, 0 for FILE_LEN */
	int err;
};

#define BAD_LENGTH(d, l) \
	{ .what = (d), .len = (l), .err = -ENOEXEC }

static const struct bad_header bad_headers[] = {
	BAD_LENGTH("shorter than boot_params", sizeof(struct boot_params) - 1),
	BAD_LENGTH("only boot_params", sizeof(struct boot_params)),
	BAD_LENGTH("ends with the setup sectors", SETUP_LEN),
	{ .what = "no HdrS",
	  .off = HDR_OFF(header), .size = HDR_SIZE(header),
	  .value = HDR_MAGIC + 1, .err = -ENOEXEC },
	{ .what = "boot protocol 2.07",
	  .off = HDR_OFF(version), .size = HDR_SIZE(version),
	  .value = 0x0207, .err = -EOPNOTSUPP },
	{ .what = "setup sectors past the end",
	  .off = HDR_OFF(setup_sects), .size = HDR_SIZE(setup_sects),
	  .value = 0xff, .err = -ENOEXEC },
	{ .what = "payload without its size word",
	  .off = HDR_OFF(payload_length), .size = HDR_SIZE(payload_length),
	  .value = 3, .err = -ENOEXEC },
	{ .what = "payload offset past the end",
	  .off = HDR_OFF(payload_offset), .size = HDR_SIZE(payload_offset),
	  .value = PM_LEN + 1, .err = -ENOEXEC },
	{ .what = "payload length past the end",
	  .off = HDR_OFF(payload_length), .size = HDR_SIZE(payload_length),
	  .value = PM_LEN - PAYLOAD_OFF + 1, .err = -ENOEXEC },
	{ .what = "payload length near 2^32",
	  .off = HDR_OFF(payload_length), .size = HDR_SIZE(payload_length),
	  .value = U32_MAX, .err = -ENOEXEC },
	{ .what = "payload offset near 2^32",
	  .off = HDR_OFF(payload_offset), .size = HDR_SIZE(payload_offset),
	  .value = U32_MAX - PAYLOAD_LEN + 2, .err = -ENOEXEC },
	{ .what = "recorded size 0", .off = SIZE_WORD_OFF,
	  .size = sizeof(u32), .value = 0, .err = -ENOEXEC },
	{ .what = "recorded size past init_size",
	  .off = HDR_OFF(init_size), .size = HDR_SIZE(init_size),
	  .value = OUT_LEN - 1, .err = -ENOEXEC },
};

static void bad_header_desc(const struct bad_header *b, char *desc)
{
	strscpy(desc, b->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_header, bad_headers, bad_header_desc);

static void put_le(u8 *at, size_t size, u64 value)
{
	switch (size) {
	case 1:
		*at = value;
		break;
	case 2:
		put_unaligned_le16(value, at);
		break;
	case 4:
		put_unaligned_le32(value, at);
		break;
	case 8:
		put_unaligned_le64(value, at);
		break;
	}
}

static void bad_bzimage_is_refused(struct kunit *test)
{
	const struct bad_header *b = test->param_value;
	u8 *file = good_bzimage(test);
	struct mk_bzimage bz;

	put_le(file + b->off, b->size, b->value);
	KUNIT_EXPECT_EQ(test, mk_bzimage_parse(file, b->len ?: FILE_LEN, &bz),
			b->err);
}

/*
 * Whatever the header says, what is found lies inside the file (KASAN
 * in the debug tier catches a read outside it, too).
 */
static void random_headers_stay_inside_the_file(struct kunit *test)
{
	u8 *file = good_bzimage(test), *end = file + FILE_LEN;
	struct setup_header *hdr = hdr_of(file);
	unsigned int i, accepted = 0, outside = 0;
	size_t setup_len, size_at;
	struct mk_bzimage bz;

	for (i = 0; i < RANDOM_ROUNDS; i++) {
		hdr->setup_sects = get_random_u32_below(4);
		hdr->payload_offset = get_random_u32_below(2 * PM_LEN);
		hdr->payload_length = i & 1 ? get_random_u32() :
				      get_random_u32_below(2 * PM_LEN);
		/* A size word where the payload ends, when that is inside. */
		setup_len = ((hdr->setup_sects ?: 4) + 1) * SECTOR;
		size_at = setup_len + (u64)hdr->payload_offset +
			  hdr->payload_length - sizeof(u32);
		if (size_at + sizeof(u32) <= FILE_LEN && size_at >= setup_len)
			put_unaligned_le32(get_random_u32_below(2 * INIT_SIZE),
					   file + size_at);
		if (mk_bzimage_parse(file, FILE_LEN, &bz))
			continue;
		accepted++;
		outside += bz.payload < file + setup_len ||
			   bz.payload_len > FILE_LEN - setup_len ||
			   bz.payload + bz.payload_len > end ||
			   bz.out_len > INIT_SIZE || !bz.out_len;
	}
	KUNIT_EXPECT_EQ(test, outside, 0);
	/* The rounds must also have tried the accepting path. */
	KUNIT_EXPECT_GT(test, accepted, 0);
	kunit_info(test, "%u of %u random headers accepted", accepted,
		   RANDOM_ROUNDS);
}

static struct kunit_case bzimage_cases[] = {
	KUNIT_CASE(good_bzimage_gives_its_payload),
	KUNIT_CASE_PARAM(bad_bzimage_is_refused, bad_header_gen_params),
	KUNIT_CASE(random_headers_stay_inside_the_file),
	{}
};

static struct kunit_suite bzimage_suite = {
	.name = "multikernel_bzimage",
	.test_cases = bzimage_cases,
};

kunit_test_suite(bzimage_suite);

MODULE_DESCRIPTION("KUnit tests for finding a bzImage's payload");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

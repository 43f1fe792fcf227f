// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for laying out a kernel's ELF image at load time: a good
 * image's segments land at their offsets from the base with the gaps
 * zeroed; an image of another class, byte order or machine, with
 * program headers outside the buffer, a segment outside the file, below
 * the base or beyond the room, or an entry point outside what is loaded,
 * is refused before anything is copied.
 */

#include <kunit/test.h>
#include <linux/elf.h>
#include <linux/slab.h>

#include "internal.h"

#define BASE		0x1000000ULL
#define ROOM		0x4000
#define SEG0_OFF	0x200	/* file offsets of the two segments */
#define SEG1_OFF	0x300
#define SEG0_PADDR	BASE
#define SEG1_PADDR	(BASE + 0x2000)
#define SEG_FILESZ	0x40
#define SEG1_MEMSZ	0x1000	/* the rest is bss */
#define FILE_LEN	0x400

struct image {
	struct elf64_hdr eh;
	struct elf64_phdr ph[3];
};

static u8 *good_image(struct kunit *test)
{
	u8 *elf = kunit_kzalloc(test, FILE_LEN, GFP_KERNEL);
	struct image *im = (void *)elf;

	KUNIT_ASSERT_NOT_NULL(test, elf);
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_entry = SEG0_PADDR + 0x10;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_phentsize = sizeof(struct elf64_phdr);
	im->eh.e_phnum = ARRAY_SIZE(im->ph);
	im->ph[0] = (struct elf64_phdr){ .p_type = PT_LOAD,
		.p_offset = SEG0_OFF, .p_paddr = SEG0_PADDR,
		.p_filesz = SEG_FILESZ, .p_memsz = SEG_FILESZ };
	/* A note between the two is skipped. */
	im->ph[1] = (struct elf64_phdr){ .p_type = PT_NOTE,
		.p_offset = 0xffffffff, .p_paddr = 0 };
	im->ph[2] = (struct elf64_phdr){ .p_type = PT_LOAD,
		.p_offset = SEG1_OFF, .p_paddr = SEG1_PADDR,
		.p_filesz = SEG_FILESZ, .p_memsz = SEG1_MEMSZ };
	memset(elf + SEG0_OFF, 0xa0, SEG_FILESZ);
	memset(elf + SEG1_OFF, 0xa1, SEG_FILESZ);
	return elf;
}

static int check(const u8 *elf, size_t len, size_t *filesz, u64 *entry)
{
	return mk_elf_layout_check(elf, len, EM_X86_64, BASE, ROOM, filesz,
				   entry);
}

static void good_image_lands_at_its_offsets(struct kunit *test)
{
	u8 *elf = good_image(test), *out;
	size_t filesz;
	u64 entry;
	unsigned int i, bad = 0;

	KUNIT_ASSERT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), 0);
	KUNIT_EXPECT_EQ(test, filesz, SEG1_PADDR - BASE + SEG_FILESZ);
	KUNIT_EXPECT_EQ(test, entry, 0x10);
	out = kunit_kzalloc(test, filesz, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	mk_elf_layout_place(elf, BASE, out);
	for (i = 0; i < filesz; i++) {
		u8 want = 0;

		if (i < SEG_FILESZ)
			want = 0xa0;
		else if (i >= SEG1_PADDR - BASE)
			want = 0xa1;
		bad += out[i] != want;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void bad_headers_are_refused(struct kunit *test)
{
	struct image *im;
	size_t filesz;
	u64 entry;
	u8 *elf;

	elf = good_image(test);
	KUNIT_EXPECT_EQ(test, check(elf, sizeof(struct elf64_hdr) - 1,
				    &filesz, &entry), -ENOEXEC);
	elf[0] = 0;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	elf = good_image(test);
	elf[EI_CLASS] = ELFCLASS32;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	elf = good_image(test);
	elf[EI_DATA] = ELFDATA2MSB;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	elf = good_image(test);
	im = (void *)elf;
	im->eh.e_machine = EM_AARCH64;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	/* Program headers running off the buffer, or a count near 2^16. */
	elf = good_image(test);
	im = (void *)elf;
	im->eh.e_phoff = FILE_LEN - sizeof(struct elf64_phdr) + 1;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	im->eh.e_phoff = U64_MAX;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	elf = good_image(test);
	im = (void *)elf;
	im->eh.e_phnum = U16_MAX;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	im->eh.e_phnum = 0;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	elf = good_image(test);
	im = (void *)elf;
	im->eh.e_phentsize = sizeof(struct elf32_phdr);
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
}

static void bad_segments_are_refused(struct kunit *test)
{
	struct image *im;
	size_t filesz;
	u64 entry;
	u8 *elf;

	/* File data past the end, or an offset that wraps. */
	elf = good_image(test);
	im = (void *)elf;
	im->ph[2].p_filesz = FILE_LEN;
	im->ph[2].p_memsz = FILE_LEN;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	im->ph[2].p_offset = U64_MAX - 1;
	im->ph[2].p_filesz = 2;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	/* Below the base. */
	elf = good_image(test);
	im = (void *)elf;
	im->ph[0].p_paddr = BASE - 1;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	/* Its bss beyond the room, or a start far beyond it. */
	elf = good_image(test);
	im = (void *)elf;
	im->ph[2].p_memsz = ROOM;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	im->ph[2].p_memsz = SEG1_MEMSZ;
	im->ph[2].p_paddr = U64_MAX - SEG1_MEMSZ / 2;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	/* More file data than memory. */
	elf = good_image(test);
	im = (void *)elf;
	im->ph[0].p_memsz = SEG_FILESZ - 1;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	/* The entry outside what is loaded, or below the base. */
	elf = good_image(test);
	im = (void *)elf;
	im->eh.e_entry = SEG1_PADDR + SEG_FILESZ;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	im->eh.e_entry = BASE - 1;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
	/* Nothing to load. */
	elf = good_image(test);
	im = (void *)elf;
	im->ph[0].p_type = PT_NOTE;
	im->ph[2].p_type = PT_NOTE;
	KUNIT_EXPECT_EQ(test, check(elf, FILE_LEN, &filesz, &entry), -ENOEXEC);
}

static struct kunit_case elf_layout_cases[] = {
	KUNIT_CASE(good_image_lands_at_its_offsets),
	KUNIT_CASE(bad_headers_are_refused),
	KUNIT_CASE(bad_segments_are_refused),
	{}
};

static struct kunit_suite elf_layout_suite = {
	.name = "multikernel_elf_layout",
	.test_cases = elf_layout_cases,
};

kunit_test_suite(elf_layout_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: every kind of bad input gets its exact errno and leaves
 * nothing behind (no instance, no pool memory, no CPU taken).
 *
 * Talks to sysfs and kexec_file_load() directly, so the errnos are the
 * kernel's, not mkctl's.
 */
#include <dirent.h>
#include <pwd.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define CREATE		MK_SYSFS "/create"
#define DESTROY		MK_SYSFS "/destroy"
#define NOBODY_UID	65534
#define LONG_NAME	"abcdefghijklmnopqrstuvwxyz012345"

static int nr_instances(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(MK_SYSFS "/instances");
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int inst_id(const char *name)
{
	char buf[16];

	if (mk_inst_read(name, "id", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* CPUs 1-3 offline; "own" holds CPU 1 and is loaded. */
FIXTURE(bad_input) {
	long long free_before;
	char cpus_before[64];
};

FIXTURE_SETUP(bad_input)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	ASSERT_EQ(0, mk_cpu_set_online(1, false));
	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	ASSERT_EQ(0, mk_write_file(CREATE, "own cpus=1 memory=128M"));
	self->free_before = mk_read_ll(MK_SYSFS "/pool/memory_free");
	ASSERT_EQ(0, mk_read_file(MK_SYSFS "/pool/cpus", self->cpus_before,
				  sizeof(self->cpus_before)));
	ASSERT_EQ(1, nr_instances());
}

FIXTURE_TEARDOWN(bad_input)
{
	/* Whatever was refused must have left no trace. */
	char cpus[64] = "";

	EXPECT_EQ(1, nr_instances());
	EXPECT_EQ(self->free_before, mk_read_ll(MK_SYSFS "/pool/memory_free"));
	mk_read_file(MK_SYSFS "/pool/cpus", cpus, sizeof(cpus));
	EXPECT_STREQ(self->cpus_before, cpus);
	mk_cleanup();
}

TEST_F(bad_input, online_cpu_is_busy)
{
	EXPECT_EQ(-EBUSY, mk_write_file(CREATE, "x cpus=3 memory=64M"));
}

TEST_F(bad_input, boot_cpu_is_invalid)
{
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=0 memory=64M"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=0,2 memory=64M"));
}

TEST_F(bad_input, cpu_out_of_range_is_invalid)
{
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=7 memory=64M"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=4096 memory=64M"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=2-1 memory=64M"));
}

TEST_F(bad_input, cpu_of_another_instance_is_busy)
{
	EXPECT_EQ(-EBUSY, mk_write_file(CREATE, "x cpus=1 memory=64M"));
	EXPECT_EQ(-EBUSY, mk_write_file(CREATE, "x cpus=1-2 memory=64M"));
}

TEST_F(bad_input, duplicate_name_exists)
{
	EXPECT_EQ(-EEXIST, mk_write_file(CREATE, "own cpus=2 memory=64M"));
}

TEST_F(bad_input, bad_names_are_invalid)
{
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "a/b cpus=2 memory=64M"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, ".. cpus=2 memory=64M"));
	/* 32 characters: one too many. */
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, LONG_NAME " cpus=2 memory=64M"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, " cpus=2 memory=64M"));
}

TEST_F(bad_input, bad_memory_is_invalid_or_too_big)
{
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=2 memory=0"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=2 memory=lots"));
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=2"));
	EXPECT_EQ(-ENOSPC, mk_write_file(CREATE, "x cpus=2 memory=64G"));
	/* Near 2^64: must not wrap to a small size when rounded up. */
	EXPECT_EQ(-ENOSPC, mk_write_file(CREATE,
					 "x cpus=2 memory=18446744073709551615"));
	EXPECT_TRUE(mk_dmesg_has("is more than the whole pool"));
	EXPECT_EQ(-ENOSPC, mk_write_file(CREATE, "x cpus=2 memory=1G"));
}

TEST_F(bad_input, unknown_key_is_invalid)
{
	EXPECT_EQ(-EINVAL, mk_write_file(CREATE, "x cpus=2 memory=64M foo=1"));
}

TEST_F(bad_input, destroy_of_unknown_instance_is_enoent)
{
	EXPECT_EQ(-ENOENT, mk_write_file(DESTROY, "nosuch"));
}

TEST_F(bad_input, load_of_non_kernel_is_enoexec)
{
	EXPECT_EQ(-ENOEXEC, mk_load_into(inst_id("own"), "/bin/busybox", MK_INITRD));
	EXPECT_EQ(-ENOEXEC, mk_load_into(inst_id("own"), MK_INITRD, MK_INITRD));
}

/* Offsets in a bzImage (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_SECTOR		512
#define CORRUPT_KERNEL		"/tmp/corrupt-bzImage"

/*
 * Copy MK_KERNEL to CORRUPT_KERNEL with its payload broken: one byte in
 * the middle flipped, or the uncompressed size the build appends to it
 * made one larger. Returns 0, or -1 when the image cannot be read.
 */
static int write_corrupt_kernel(bool size)
{
	unsigned int sects, off, len, at;
	unsigned char *img;
	long n;
	FILE *f;
	int ret = -1;

	f = fopen(MK_KERNEL, "rb");
	if (!f)
		return -1;
	img = malloc(64 << 20);
	n = img ? (long)fread(img, 1, 64 << 20, f) : 0;
	fclose(f);
	if (n < BZ_PAYLOAD_LENGTH + 4)
		goto out;
	sects = img[BZ_SETUP_SECTS] ?: 4;
	memcpy(&off, img + BZ_PAYLOAD_OFFSET, sizeof(off));
	memcpy(&len, img + BZ_PAYLOAD_LENGTH, sizeof(len));
	at = (sects + 1) * BZ_SECTOR + off;
	if (len < 8 || at + len > n)
		goto out;
	if (size)
		img[at + len - 4]++;
	else
		img[at + len / 2] ^= 0x40;
	f = fopen(CORRUPT_KERNEL, "wb");
	if (f) {
		ret = fwrite(img, 1, n, f) == (size_t)n ? 0 : -1;
		fclose(f);
	}
out:
	free(img);
	return ret;
}

/*
 * The host decompresses a kernel when it is loaded: a payload that does
 * not decompress, or not to the size it announces, is refused then, and
 * the instance keeps what it had.
 */
/*
 * Three loads, each decompressing the kernel: under the debug tier's
 * KASAN that is 5 to 18 s a load, past the harness's 30 s default (the
 * timeout of the fresh-machine run of 2026-12-07).
 */
TEST_F_TIMEOUT(bad_input, load_of_corrupt_kernel_payload_is_enoexec, 300)
{
	char stats[2048];

	ASSERT_EQ(0, write_corrupt_kernel(false));
	EXPECT_EQ(-ENOEXEC, mk_load_into(inst_id("own"), CORRUPT_KERNEL,
					 MK_INITRD));
	EXPECT_TRUE(mk_wait_state("own", "empty", 1));
	ASSERT_EQ(0, write_corrupt_kernel(true));
	EXPECT_EQ(-ENOEXEC, mk_load_into(inst_id("own"), CORRUPT_KERNEL,
					 MK_INITRD));
	EXPECT_EQ(0, mk_sh("dmesg | grep -q 'own: corrupt kernel image refused'"));
	unlink(CORRUPT_KERNEL);
	ASSERT_EQ(0, mk_inst_read("own", "stats", stats, sizeof(stats)));
	EXPECT_EQ(NULL, strstr(stats, "kernel_image"));
	/* The real one still loads, decompressed. */
	ASSERT_EQ(0, mk_load_into(inst_id("own"), MK_KERNEL, MK_INITRD));
	EXPECT_TRUE(mk_stats_has("own", "kernel_image decompressed "));
}

TEST_F(bad_input, load_into_unknown_instance_is_enoent)
{
	EXPECT_EQ(-ENOENT, mk_load_into(200, MK_KERNEL, MK_INITRD));
}

TEST_F(bad_input, start_without_image_is_enodata)
{
	EXPECT_EQ(-ENODATA, mk_inst_write("own", "control", "start"));
	EXPECT_TRUE(mk_wait_state("own", "empty", 1));
}

TEST_F(bad_input, unknown_control_verb_is_invalid)
{
	EXPECT_EQ(-EINVAL, mk_inst_write("own", "control", "launch"));
	EXPECT_EQ(-EINVAL, mk_inst_write("own", "control", "\n"));
	EXPECT_EQ(-EINVAL, mk_inst_write("own", "control", "kill"));
}

TEST_F_TIMEOUT(bad_input, running_instance_refuses_load_destroy_and_online,
	       300)
{
	ASSERT_EQ(0, mk_load_into(inst_id("own"), MK_KERNEL, MK_INITRD));
	ASSERT_EQ(0, mk_inst_write("own", "control", "start"));
	ASSERT_TRUE(mk_wait_state("own", "running", MK_TIMEOUT_S));
	EXPECT_EQ(-EBUSY, mk_load_into(inst_id("own"), MK_KERNEL, MK_INITRD));
	EXPECT_EQ(-EBUSY, mk_write_file(DESTROY, "own"));
	EXPECT_EQ(-EBUSY, mk_cpu_set_online(1, true));
	EXPECT_EQ(-EBUSY, mk_inst_write("own", "control", "start"));
	ASSERT_EQ(0, mk_inst_write("own", "control", "kill"));
	ASSERT_TRUE(mk_wait_state("own", "stopped", 1));
	/* Stopped gives the CPU back: the teardown's pool/cpus check knows. */
	ASSERT_EQ(0, mk_inst_write("own", "control", "start"));
	ASSERT_TRUE(mk_wait_state("own", "running", MK_TIMEOUT_S));
}

#define LOAD_LIMIT	"/proc/sys/kernel/kexec_load_limit_reboot"
/* The limit can only be lowered: high enough for every later test. */
#define LOAD_LIMIT_SET	"100000"
#define LOADS		5

/* The limit is about replacing this kernel, which instance loads never do. */
TEST_F_TIMEOUT(bad_input, instance_loads_leave_the_kexec_reboot_limit_alone,
	       300)
{
	char limit[32];
	int i;

	ASSERT_EQ(0, mk_write_file(LOAD_LIMIT, LOAD_LIMIT_SET));
	for (i = 0; i < LOADS; i++)
		EXPECT_EQ(0, mk_load_into(inst_id("own"), MK_KERNEL, MK_INITRD));
	ASSERT_EQ(0, mk_read_file(LOAD_LIMIT, limit, sizeof(limit)));
	EXPECT_STREQ(LOAD_LIMIT_SET, limit);
}

TEST_F(bad_input, non_root_is_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (!pid) {
		char buf[64];
		int bad = 0;

		if (setgid(NOBODY_UID) || setuid(NOBODY_UID))
			_exit(100);
		bad |= mk_write_file(CREATE, "x cpus=2 memory=64M") != -EACCES;
		bad |= mk_write_file(DESTROY, "own") != -EACCES;
		bad |= mk_inst_write("own", "control", "start") != -EACCES;
		bad |= mk_inst_read("own", "console", buf, sizeof(buf)) != -EACCES;
		bad |= mk_inst_read("own", "handover", buf, sizeof(buf)) != -EACCES;
		bad |= mk_load_into(inst_id("own"), MK_KERNEL, MK_INITRD) != -EPERM;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

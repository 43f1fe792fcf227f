// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: lifecycle operations racing each other. Destroy races a
 * start, a kexec_file_load() and readers of the instance's files; a
 * destroyed instance's open /dev/mk-NAME fails cleanly and the name can
 * be used again. The host must survive all of it without a splat (the
 * suite checks the kernel log), and nothing may be left behind.
 */
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <signal.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define CREATE		MK_SYSFS "/create"
#define DESTROY		MK_SYSFS "/destroy"
#define SCAN		"/sys/kernel/debug/multikernel/scan"
#define RACE_ROUNDS	20
#define RACE_LINE	"race cpus=3 memory=64M"

static long load(int id)
{
	int kfd = open(MK_KERNEL, O_RDONLY), ifd = open(MK_INITRD, O_RDONLY);
	long ret;

	ret = syscall(SYS_kexec_file_load, kfd, ifd, sizeof(MK_CMDLINE),
		      MK_CMDLINE, KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id));
	ret = ret ? -errno : 0;
	close(kfd);
	close(ifd);
	return ret;
}

static int race_id(void)
{
	char buf[16];

	if (mk_inst_read("race", "id", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Fork a child that runs @fn and exits with its result. */
static pid_t spawn_child(int (*fn)(int), int arg)
{
	pid_t pid = fork();

	if (!pid)
		_exit(fn(arg));
	return pid;
}

/* Child exit codes: 0 fine, 1 an errno that no racer may see. */
static int racer_start(int unused)
{
	int ret = mk_inst_write("race", "control", "start");

	return ret && ret != -ENOENT && ret != -ENODEV;
}

/* -EBUSY: the start won and the instance runs. */
static int racer_load(int id)
{
	long ret = load(id);

	return ret && ret != -ENOENT && ret != -ENODEV && ret != -EBUSY;
}

/* Readers: whatever they get, the host must not read physical 0. */
static int racer_read(int unused)
{
	char buf[4096];
	int i;

	for (i = 0; i < 20; i++) {
		mk_inst_read("race", "console", buf, sizeof(buf));
		mk_inst_read("race", "stats", buf, sizeof(buf));
		mk_write_file(SCAN, "race MKNOSUCHMARKER");
	}
	return 0;
}

static bool child_ok(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

FIXTURE(race) {
	long long free_at_start;
};

FIXTURE_SETUP(race)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	self->free_at_start = mk_read_ll(MK_SYSFS "/pool/memory_free");
}

FIXTURE_TEARDOWN(race)
{
	mk_cleanup();
}

TEST_F_TIMEOUT(race, destroy_racing_start_load_and_readers_is_clean, 900)
{
	pid_t starter, loader, reader;
	int round, id, destroyed = 0;

	for (round = 0; round < RACE_ROUNDS; round++) {
		ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
		id = race_id();
		ASSERT_GT(id, 0);
		ASSERT_EQ(0, load(id));

		reader = spawn_child(racer_read, 0);
		loader = spawn_child(racer_load, id);
		starter = spawn_child(racer_start, 0);
		ASSERT_GT(reader, 0);
		ASSERT_GT(loader, 0);
		ASSERT_GT(starter, 0);
		/* Destroy wins (0), or the start did (EBUSY) and kill first. */
		if (!mk_write_file(DESTROY, "race"))
			destroyed++;
		EXPECT_TRUE(child_ok(starter));
		EXPECT_TRUE(child_ok(loader));
		EXPECT_TRUE(child_ok(reader));
		mk_inst_write("race", "control", "kill");
		mk_write_file(DESTROY, "race");
		ASSERT_NE(0, access(MK_SYSFS "/instances/race", F_OK));
	}
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
	ksft_print_msg("destroy won %d of %d rounds\n", destroyed, RACE_ROUNDS);
}

TEST_F_TIMEOUT(race, destroy_with_message_device_open_fails_it_cleanly, 300)
{
	char buf[16];
	int fd;

	ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
	fd = open("/dev/mk-race", O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mk_write_file(DESTROY, "race"));
	/* The device is gone, the open file fails, nothing hangs. */
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	/* The name is free again while the old file is still open. */
	ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
	close(fd);
	ASSERT_EQ(0, mk_write_file(DESTROY, "race"));
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

TEST_HARNESS_MAIN

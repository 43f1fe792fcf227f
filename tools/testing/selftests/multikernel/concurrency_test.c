// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: lifecycle operations racing each other. Destroy races a
 * start, a kexec_file_load() and readers of the instance's files; a
 * destroyed instance's open /dev/mk-NAME fails cleanly and the name can
 * be used again; three instances cycle at once while sysfs is hammered;
 * kills come while a spawn starts and while it stops, and a CPU that
 * starts after its kill stays parked; a 2-CPU spawn's
 * panic stays inside it; 50 start/kill cycles keep the host's kernel
 * memory flat. The host must survive all of it without a splat (the
 * suite checks the kernel log), and nothing may be left behind.
 */
#include <signal.h>
#include <sys/ioctl.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define CREATE		MK_SYSFS "/create"
#define DESTROY		MK_SYSFS "/destroy"
#define SCAN		"/sys/kernel/debug/multikernel/scan"
#define LATE_SIPI	"/sys/kernel/debug/multikernel/late_sipi"
#define RACE_ROUNDS	20

/* Enough for a debug (KASAN) spawn kernel too. */
#define RACE_LINE	"race cpus=3 memory=128M"

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
	long ret = mk_load_into(id, MK_KERNEL, MK_INITRD);

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
	mk_write_file(LATE_SIPI, "0");
	mk_cleanup();
}

TEST_F_TIMEOUT(race, destroy_racing_start_load_and_readers_is_clean, 900)
{
	pid_t starter, loader, reader;
	int round, id, destroyed = 0;

	for (round = 0; round < mk_rounds(RACE_ROUNDS); round++) {
		ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
		id = race_id();
		ASSERT_GT(id, 0);
		ASSERT_EQ(0, mk_load_into(id, MK_KERNEL, MK_INITRD));

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
	ksft_print_msg("destroy won %d of %d rounds\n", destroyed,
		       mk_rounds(RACE_ROUNDS));
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

/* Three instances, one CPU each, whose spawns boot, answer and die. */
#define TRIO_ROUNDS	3
#define HAMMER_ROUNDS	200

static const char *const trio[] = { "t1", "t2", "t3" };

static int trio_create(void)
{
	char line[64];
	int i, ret;

	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "%s cpus=%d memory=128M", trio[i],
			 i + 1);
		ret = mk_write_file(CREATE, line);
		if (ret)
			return ret;
	}
	return 0;
}

/* One instance's loop: start, ping over its mailbox, kill. */
static int trio_cycle(int i)
{
	struct multikernel_ping ping;
	char dev[32];
	int round, fd, bad = 0;

	snprintf(dev, sizeof(dev), "/dev/mk-%s", trio[i]);
	for (round = 0; round < mk_rounds(TRIO_ROUNDS); round++) {
		if (mk_sh("mkctl load %s --kernel %s --initrd %s --cmdline '%s'",
			  trio[i], MK_KERNEL, MK_INITRD, MK_CMDLINE) ||
		    mk_sh("mkctl start %s --wait=%d", trio[i], MK_TIMEOUT_S))
			return 1;
		fd = open(dev, O_RDWR);
		if (fd < 0 || ioctl(fd, MULTIKERNEL_IOC_PING, &ping))
			bad = 1;
		if (fd >= 0)
			close(fd);
		if (mk_inst_write(trio[i], "control", "kill"))
			bad = 1;
		if (bad)
			return 1;
	}
	return 0;
}

/* Read every instance file and throw bad creates and destroys at sysfs. */
static int hammer(int unused)
{
	static const char *const files[] = { "state", "stats", "cpus",
		"memory", "devices", "console", "handover", "id" };
	char buf[4096];
	unsigned int i, f;
	int bad = 0;

	for (i = 0; i < HAMMER_ROUNDS; i++) {
		for (f = 0; f < ARRAY_SIZE(files); f++)
			mk_inst_read(trio[i % 3], files[f], buf, sizeof(buf));
		mk_read_file(MK_SYSFS "/pool/memory_free", buf, sizeof(buf));
		bad |= mk_write_file(CREATE, "t1 cpus=1 memory=64M") != -EEXIST;
		bad |= mk_write_file(CREATE, "zz cpus=0 memory=64M") != -EINVAL;
		bad |= mk_write_file(CREATE, "zz cpus=1 memory=64G") != -ENOSPC;
		bad |= mk_write_file(DESTROY, "nosuch") != -ENOENT;
	}
	return bad;
}

TEST_F_TIMEOUT(race, three_instances_cycle_at_once_while_sysfs_is_hammered,
	       900)
{
	pid_t pids[4];
	int i;

	ASSERT_EQ(0, mk_cpu_set_online(1, false));
	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	ASSERT_EQ(0, trio_create());
	for (i = 0; i < 3; i++)
		pids[i] = spawn_child(trio_cycle, i);
	pids[3] = spawn_child(hammer, 0);
	for (i = 0; i < 4; i++) {
		ASSERT_GT(pids[i], 0);
		EXPECT_TRUE(child_ok(pids[i]));
	}
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, mk_write_file(DESTROY, trio[i]));
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

TEST_F_TIMEOUT(race, kill_while_starting_and_while_stopping, 300)
{
	ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
	ASSERT_EQ(0, mk_load_into(race_id(), MK_KERNEL, MK_INITRD));
	/* Killed before the spawn said it was ready. */
	ASSERT_EQ(0, mk_inst_write("race", "control", "start"));
	EXPECT_EQ(0, mk_inst_write("race", "control", "kill"));
	EXPECT_TRUE(mk_wait_state("race", "stopped", 0));
	/* Killed while it shuts down on the host's request. */
	ASSERT_EQ(0, mk_inst_write("race", "control", "start"));
	ASSERT_TRUE(mk_wait_state("race", "running", MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_inst_write("race", "control", "stop 60"));
	EXPECT_EQ(0, mk_inst_write("race", "control", "kill"));
	EXPECT_TRUE(mk_wait_state("race", "stopped", 0));
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
	EXPECT_EQ(0, mk_sh("taskset -c 3 true"));
}

/* Long enough for a spawn booted again to print its banner under TCG. */
#define LATE_BOOT_S	5

/*
 * A CPU that takes the start's STARTUP IPI only after the kill's INIT
 * (QEMU keeps a pending one across INIT): it must halt in the start
 * trampoline, not boot the spawn again behind the host's back. The test
 * hook sends that late STARTUP IPI after every reset. Then the CPU goes
 * back to the host and to a spawn as usual.
 */
TEST_F_TIMEOUT(race, cpu_started_after_its_kill_stays_parked, 300)
{
	const char *banners = "test \"$(grep -c 'Linux version' " MK_SYSFS
			      "/instances/race/console)\" = 1";

	ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
	ASSERT_EQ(0, mk_load_into(race_id(), MK_KERNEL, MK_INITRD));
	ASSERT_EQ(0, mk_sh("mkctl start race --wait=%d", MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_sh("%s", banners));
	ASSERT_EQ(0, mk_write_file(LATE_SIPI, "1"));
	EXPECT_EQ(0, mk_inst_write("race", "control", "kill"));
	mk_write_file(LATE_SIPI, "0");
	EXPECT_TRUE(mk_wait_state("race", "stopped", 0));
	sleep(LATE_BOOT_S);
	EXPECT_EQ(0, mk_sh("%s", banners));
	/* INIT gets the CPU out of the trampoline: the host's, a spawn's. */
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
	EXPECT_EQ(0, mk_sh("taskset -c 3 true"));
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	EXPECT_EQ(0, mk_sh("mkctl start race --wait=%d", MK_TIMEOUT_S));
	EXPECT_EQ(0, mk_inst_write("race", "control", "kill"));
}

/*
 * A 2-CPU spawn panics: the panicking CPU stops the spawn's other CPU,
 * never one of the host's (no IPI shorthand); the host's CPUs go on.
 */
TEST_F_TIMEOUT(race, panic_of_a_two_cpu_spawn_stops_only_its_cpus, 300)
{
	char reply[64];

	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	ASSERT_EQ(0, mk_cpu_set_online(1, true));
	ASSERT_EQ(0, mk_sh("mkctl run race --cpus 2-3 --memory 128M --kernel "
			   MK_KERNEL " --initrd " MK_INITRD " --cmdline '"
			   MK_CMDLINE "' --offline --wait=%d", MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_ask("/dev/mk-race", "echo up\n", reply, sizeof(reply)));
	ASSERT_EQ(0, mk_write_file("/dev/mk-race", "panic\n"));
	ASSERT_TRUE(mk_wait_state("race", "crashed", MK_TIMEOUT_S));
	/* Host CPU 1 still runs: a process pinned to it finishes. */
	EXPECT_EQ(0, mk_sh("taskset -c 1 true"));
	EXPECT_EQ(0, mk_sh("grep -q '^1$' /sys/devices/system/cpu/cpu1/online"));
}

#define CYCLES		50

TEST_F_TIMEOUT(race, fifty_start_kill_cycles_keep_host_memory_flat, 900)
{
	long long first = -1, last;
	int i;

	ASSERT_EQ(0, mk_write_file(CREATE, RACE_LINE));
	ASSERT_EQ(0, mk_load_into(race_id(), MK_KERNEL, MK_INITRD));
	for (i = 0; i < mk_rounds(CYCLES); i++) {
		ASSERT_EQ(0, mk_sh("mkctl start race --wait=%d", MK_TIMEOUT_S));
		ASSERT_EQ(0, mk_inst_write("race", "control", "kill"));
		if (!i)
			first = mk_host_kernel_kb();
	}
	last = mk_host_kernel_kb();
	ASSERT_GT(first, 0);
	ksft_print_msg("slab+vmalloc after cycle 1: %lld KiB, after %d: %lld KiB\n",
		       first, mk_rounds(CYCLES), last);
	EXPECT_LE(last - first, MK_CYCLE_GROWTH_KB);
}

TEST_HARNESS_MAIN

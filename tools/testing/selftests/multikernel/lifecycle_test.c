// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel lifecycle: spawn real kernels on offlined CPUs of the QEMU
 * host, check what they see, and that stopping them gives every CPU and
 * byte of memory back. Uses mkctl, as an operator would.
 *
 * Needs a host booted with multikernel_pool=1G and at least 4 CPUs, and
 * MK_KERNEL/MK_INITRD in its initramfs.
 */
#include <time.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define MIB			(1024LL * 1024)
#define SPAWN_MEM		"256M"
#define SPAWN_MEM_BYTES		(256 * MIB)
/*
 * Most of its 256 MiB, and nothing like the host's 2 GiB: a debug kernel
 * (KASAN's shadow is an eighth of RAM, lockdep's tables) keeps less.
 */
#define MIN_MEMTOTAL_KB		(128 * 1024)
#define START_KILL_CYCLES	20

static int mk_run_kernel(const char *name, const char *cpus,
			 const char *kernel, const char *extra_cmdline)
{
	return mk_sh("mkctl run %s --cpus %s --memory " SPAWN_MEM
		     " --kernel %s --initrd " MK_INITRD
		     " --cmdline '" MK_CMDLINE " %s' --offline --wait=%d",
		     name, cpus, kernel, extra_cmdline, MK_TIMEOUT_S);
}

static int mk_run(const char *name, const char *cpus, const char *extra_cmdline)
{
	return mk_run_kernel(name, cpus, MK_KERNEL, extra_cmdline);
}

/* Parse "MKSPAWN-INIT nproc=N memtotal_kb=M" from the spawn's console. */
static bool spawn_init_line(const char *name, int *nproc, long *memtotal_kb)
{
	char line[256];

	if (!mk_wait_console(name, "MKSPAWN-INIT", line, sizeof(line),
			     MK_TIMEOUT_S))
		return false;
	return sscanf(line, "MKSPAWN-INIT nproc=%d memtotal_kb=%ld", nproc,
		      memtotal_kb) == 2;
}

/* Setup header fields (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_SECTOR		512

/*
 * The compression of the kernel inside the bzImage at @path, from the
 * magic at the start of its payload: what the host must find at load.
 */
static const char *bzimage_method(const char *path)
{
	static const struct {
		const char *name;
		unsigned char magic[4];
		int len;
	} methods[] = {
		{ "gzip", { 0x1f, 0x8b }, 2 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "xz", { 0xfd, '7', 'z', 'X' }, 4 },
		{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
		{ "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
		{ "lzma", { 0x5d, 0x00, 0x00 }, 3 },
	};
	unsigned char sects, magic[4];
	uint32_t payload_offset;
	const char *found = NULL;
	unsigned int i;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, BZ_SETUP_SECTS, SEEK_SET) || fread(&sects, 1, 1, f) != 1 ||
	    fseek(f, BZ_PAYLOAD_OFFSET, SEEK_SET) ||
	    fread(&payload_offset, sizeof(payload_offset), 1, f) != 1 ||
	    fseek(f, (sects + 1L) * BZ_SECTOR + payload_offset, SEEK_SET) ||
	    fread(magic, sizeof(magic), 1, f) != 1)
		goto out;
	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (!memcmp(magic, methods[i].magic, methods[i].len))
			found = methods[i].name;
out:
	fclose(f);
	return found;
}

FIXTURE(host) {
	long long free_at_start;
};

FIXTURE_SETUP(host)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	self->free_at_start = mk_read_ll(MK_SYSFS "/pool/memory_free");
	ASSERT_GT(self->free_at_start, SPAWN_MEM_BYTES * 2);
}

#define KEEP_COMPRESSED	"/sys/kernel/debug/multikernel/keep_compressed"

FIXTURE_TEARDOWN(host)
{
	mk_write_file(KEEP_COMPRESSED, "0");
	mk_cleanup();
}

TEST_F_TIMEOUT(host, one_cpu_spawn_runs_and_sees_only_its_cpu_and_memory, 300)
{
	long memtotal_kb;
	int nproc;

	const char *method = bzimage_method(MK_HOST_KERNEL);
	char want[64];

	ASSERT_NE(NULL, method);
	ASSERT_EQ(0, mk_run_kernel("a", "3", MK_HOST_KERNEL, ""));
	ASSERT_TRUE(mk_wait_state("a", "running", 1));
	ASSERT_TRUE(spawn_init_line("a", &nproc, &memtotal_kb));
	TH_LOG("%s-compressed kernel: nproc=%d MemTotal=%ld kB", method, nproc,
	       memtotal_kb);
	/* The two methods distributions use are decompressed at load. */
	snprintf(want, sizeof(want), "kernel_image %s %s\n",
		 strcmp(method, "gzip") && strcmp(method, "zstd") ?
		 "compressed" : "decompressed", method);
	EXPECT_TRUE(mk_stats_has("a", want));
	EXPECT_EQ(1, nproc);
	EXPECT_LE(memtotal_kb * 1024, SPAWN_MEM_BYTES);
	EXPECT_GT(memtotal_kb, MIN_MEMTOTAL_KB);
	/* mkctl log shows the same console. */
	EXPECT_EQ(0, mk_sh("mkctl log a | grep -q '^MKSPAWN-INIT nproc=1 '"));
}

TEST_F_TIMEOUT(host, two_cpu_spawn_brings_up_both_cpus, 300)
{
	long memtotal_kb;
	int nproc;

	ASSERT_EQ(0, mk_run_kernel("b", "1-2", MK_HOST_KERNEL, ""));
	ASSERT_TRUE(spawn_init_line("b", &nproc, &memtotal_kb));
	EXPECT_EQ(2, nproc);
	/* Its log says what is true: spawns never use IPI shorthands. */
	EXPECT_EQ(0, mk_sh("mkctl log b | grep -q 'IPI shorthand broadcast: disabled'"));
}

/*
 * The multikernel record comes first in the setup_data chain and links
 * to what the bzImage loader made: the RNG seed reaches the spawn.
 */
TEST_F_TIMEOUT(host, spawn_gets_the_loaders_setup_data_after_its_own, 300)
{
	char line[256];

	ASSERT_EQ(0, mk_run("a", "3", ""));
	ASSERT_TRUE(mk_wait_console("a", "MKSPAWN-SETUP-DATA", line,
				    sizeof(line), MK_TIMEOUT_S));
	TH_LOG("%s", line);
	EXPECT_EQ(0, strncmp(line, "MKSPAWN-SETUP-DATA 0x4d4b ", 26));
	/* SETUP_RNG_SEED */
	EXPECT_NE(NULL, strstr(line, " 0x9 "));
}

TEST_F_TIMEOUT(host, two_instances_run_side_by_side, 300)
{
	long mem_a, mem_b;
	int nproc_a, nproc_b;
	char line[256];

	ASSERT_EQ(0, mk_run("a", "3", ""));
	ASSERT_EQ(0, mk_run("b", "1-2", ""));
	ASSERT_TRUE(spawn_init_line("a", &nproc_a, &mem_a));
	ASSERT_TRUE(spawn_init_line("b", &nproc_b, &mem_b));
	EXPECT_EQ(1, nproc_a);
	EXPECT_EQ(2, nproc_b);
	/* Each console is its own kernel's. */
	EXPECT_TRUE(mk_wait_console("a", "spawn 'a' (instance", line,
				    sizeof(line), 1));
	EXPECT_TRUE(mk_wait_console("b", "spawn 'b' (instance", line,
				    sizeof(line), 1));
	EXPECT_FALSE(mk_wait_console("a", "spawn 'b'", line, sizeof(line), 0));
	EXPECT_FALSE(mk_wait_console("b", "spawn 'a'", line, sizeof(line), 0));
	EXPECT_TRUE(mk_wait_state("a", "running", 1));
	EXPECT_TRUE(mk_wait_state("b", "running", 1));
}

/*
 * As a user types it: no console= at all. The console must still be the
 * ring, from the first line to /init's output, not the dummy VT.
 */
TEST_F_TIMEOUT(host, spawn_without_console_arg_still_logs_to_the_ring, 300)
{
	int nproc;
	long mem;

	ASSERT_EQ(0, mk_sh("mkctl run a --cpus 2-3 --memory " SPAWN_MEM
			   " --kernel " MK_KERNEL " --initrd " MK_INITRD
			   " --cmdline 'kunit.enable=0' --offline --wait=%d",
			   MK_TIMEOUT_S));
	ASSERT_TRUE(spawn_init_line("a", &nproc, &mem));
	EXPECT_EQ(2, nproc);
}

TEST_F_TIMEOUT(host, kill_gives_cpu_and_memory_back, 300)
{
	long memtotal_kb;
	int nproc;

	ASSERT_EQ(0, mk_run("a", "3", ""));
	ASSERT_TRUE(spawn_init_line("a", &nproc, &memtotal_kb));
	EXPECT_EQ(-EBUSY, mk_cpu_set_online(3, true));

	ASSERT_EQ(0, mk_sh("mkctl kill a"));
	ASSERT_TRUE(mk_wait_state("a", "stopped", 1));
	ASSERT_EQ(0, mk_cpu_set_online(3, true));
	EXPECT_EQ(0, mk_sh("taskset -c 3 grep -q '^Cpus_allowed_list:.3$' /proc/self/status"));
	/* A stopped instance keeps its memory until it is destroyed. */
	EXPECT_GT(self->free_at_start, mk_read_ll(MK_SYSFS "/pool/memory_free"));
	ASSERT_EQ(0, mk_sh("mkctl destroy a"));
	EXPECT_EQ(self->free_at_start, mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

TEST_F_TIMEOUT(host, start_kill_cycles_lose_nothing, 900)
{
	char cpus[64], stats[512], want[32];
	int i, cycles = mk_rounds(START_KILL_CYCLES);

	ASSERT_EQ(0, mk_run("a", "3", ""));
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, mk_sh("mkctl kill a"));
		ASSERT_TRUE(mk_wait_state("a", "stopped", 1));
		ASSERT_EQ(0, mk_sh("mkctl start a --wait=%d", MK_TIMEOUT_S))
			TH_LOG("start %d did not reach running", i + 2);
	}
	ASSERT_EQ(0, mk_inst_read("a", "stats", stats, sizeof(stats)));
	snprintf(want, sizeof(want), "starts %d\n", cycles + 1);
	EXPECT_NE(NULL, strstr(stats, want));
	ASSERT_EQ(0, mk_sh("mkctl kill a"));
	ASSERT_EQ(0, mk_read_file(MK_SYSFS "/pool/cpus", cpus, sizeof(cpus)));
	EXPECT_TRUE(mk_cpulist_has(cpus, 3));
	ASSERT_EQ(0, mk_sh("mkctl destroy a"));
	EXPECT_EQ(self->free_at_start, mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

/*
 * Start a spawn whose /init runs @action, wait until the host notices it
 * stopped, and check the reason it gives.
 */
static void spawn_stops_itself(struct __test_metadata *_metadata,
			       const char *action, const char *reason)
{
	char stats[512], want[64];

	ASSERT_EQ(0, mk_sh("mkctl run a --cpus 3 --memory 128M --kernel " MK_KERNEL
			   " --initrd " MK_INITRD " --cmdline '" MK_CMDLINE
			   " mkspawn.action=%s' --offline", action));
	ASSERT_TRUE(mk_wait_state("a", "stopped", MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_inst_read("a", "stats", stats, sizeof(stats)));
	snprintf(want, sizeof(want), "exit_reason %s\n", reason);
	EXPECT_NE(NULL, strstr(stats, want));
	/* The CPU is free again and the host still works. */
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
	EXPECT_EQ(0, mk_sh("taskset -c 3 true"));
}

TEST_F_TIMEOUT(host, poweroff_in_spawn_stops_instance, 300)
{
	spawn_stops_itself(_metadata, "poweroff", "poweroff");
}

TEST_F_TIMEOUT(host, reboot_in_spawn_stops_instance, 300)
{
	spawn_stops_itself(_metadata, "reboot", "reboot");
}

/* Wait until NAME's last start has a breakdown; true if it is trusted. */
static bool start_has_phases(const char *name)
{
	int i;

	for (i = 0; i < MK_TIMEOUT_S * 10; i++) {
		if (mk_stats_has(name, "boot_clock synchronised\n"))
			return mk_stats_has(name, "phase_kernel_us ");
		usleep(100000);
	}
	return false;
}

/*
 * A restart starts the kernel the host decompressed at load time, from
 * the image the host put back in place: at load for the first start,
 * after the stop for a start that follows one, and on the start path
 * only for the restart verb, which stops and starts at once.
 */
TEST_F_TIMEOUT(host, restart_boots_same_image_again, 300)
{
	long memtotal_kb;
	int nproc;

	ASSERT_EQ(0, mk_run("a", "3", ""));
	EXPECT_TRUE(mk_stats_has("a", "kernel_image decompressed "));
	EXPECT_TRUE(mk_stats_has("a", "kernel_image_in_place 0\n"));
	EXPECT_TRUE(mk_stats_has("a", " at load\n"));
	EXPECT_GT(mk_stat("a", "kernel_image_restored"), 1 << 20);
	EXPECT_TRUE(start_has_phases("a"));
	ASSERT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
	ASSERT_TRUE(spawn_init_line("a", &nproc, &memtotal_kb));
	EXPECT_EQ(1, nproc);
	EXPECT_EQ(0, mk_sh("grep -q '^starts 2$' " MK_SYSFS "/instances/a/stats"));
	EXPECT_TRUE(mk_stats_has("a", "kernel_image decompressed "));
	/* The spawn changed its kernel (patched text, data): put back. */
	EXPECT_TRUE(mk_stats_has("a", " at start\n"));
	EXPECT_GT(mk_stat("a", "kernel_image_restored"), 0);
	EXPECT_TRUE(start_has_phases("a"));

	/* After a kill the image is back in place before the next start. */
	ASSERT_EQ(0, mk_sh("mkctl kill a"));
	EXPECT_TRUE(mk_wait_stats("a", "kernel_image_in_place 1\n", 10));
	ASSERT_EQ(0, mk_sh("mkctl start a --wait=%d", MK_TIMEOUT_S));
	ASSERT_TRUE(spawn_init_line("a", &nproc, &memtotal_kb));
	EXPECT_TRUE(mk_stats_has("a", " at stop\n"));
	EXPECT_GT(mk_stat("a", "kernel_image_restored"), 0);
	EXPECT_TRUE(start_has_phases("a"));
}

/*
 * A kernel that is not decompressed at load time (as one compressed with
 * a method the host cannot decompress at run time) still starts and
 * restarts: it decompresses itself, through kexec's purgatory.
 */
TEST_F_TIMEOUT(host, kernel_kept_compressed_decompresses_itself, 300)
{
	long memtotal_kb;
	int nproc;

	ASSERT_EQ(0, mk_write_file(KEEP_COMPRESSED, "1"));
	ASSERT_EQ(0, mk_run("a", "3", ""));
	EXPECT_EQ(0, mk_write_file(KEEP_COMPRESSED, "0"));
	EXPECT_TRUE(mk_stats_has("a", "kernel_image compressed "));
	ASSERT_TRUE(spawn_init_line("a", &nproc, &memtotal_kb));
	EXPECT_TRUE(start_has_phases("a"));
	ASSERT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
	EXPECT_EQ(0, mk_sh("grep -q '^starts 2$' " MK_SYSFS "/instances/a/stats"));
	EXPECT_TRUE(start_has_phases("a"));
}

TEST_F_TIMEOUT(host, memory_is_zeroed_before_the_pool_hands_it_out, 300)
{
	char marker[64], line[128], cmd[256];

	snprintf(marker, sizeof(marker), "MKZERO-%d-%ld", getpid(),
		 (long)time(NULL));
	snprintf(cmd, sizeof(cmd), "mkspawn.action=marker mkspawn.marker=%s",
		 marker);
	ASSERT_EQ(0, mk_run("a", "3", cmd));
	ASSERT_TRUE(mk_wait_console("a", "MKSPAWN-MARKER-WRITTEN", line,
				    sizeof(line), MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_sh("mkctl kill a"));

	/* The scan finds what the spawn wrote while the instance exists... */
	ASSERT_EQ(0, mk_sh("echo 'a %s' > /sys/kernel/debug/multikernel/scan",
			   marker));
	EXPECT_GT(mk_read_ll("/sys/kernel/debug/multikernel/scan"), 1000);

	/* ...and nowhere in the pool once it is destroyed. */
	ASSERT_EQ(0, mk_sh("mkctl destroy a"));
	ASSERT_EQ(0, mk_sh("echo 'pool %s' > /sys/kernel/debug/multikernel/scan",
			   marker));
	EXPECT_EQ(0, mk_read_ll("/sys/kernel/debug/multikernel/scan"));

	/* A new instance gets the same memory, and it is clean. */
	ASSERT_EQ(0, mk_sh("mkctl create b --cpus 3 --memory " SPAWN_MEM));
	ASSERT_EQ(0, mk_sh("echo 'b %s' > /sys/kernel/debug/multikernel/scan",
			   marker));
	EXPECT_EQ(0, mk_read_ll("/sys/kernel/debug/multikernel/scan"));
}

TEST_HARNESS_MAIN

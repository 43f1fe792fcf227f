// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: a spawn's virtio disk, backed by a file of the host
 * (create key disk=PATH[,ro], mkctl --disk PATH[:ro]). The test checks
 * that data goes both ways intact, that what a spawn flushed survives a
 * kill and a restart, that a read-only image can be shared by two spawns
 * that cannot write it, that the sharing rules refuse a second owner
 * and a host writer with EBUSY, that a discard and a write-zeroes reach
 * the file, that a block device backs a disk and is held exclusively,
 * that requests the spawn's driver would never send are refused without
 * harm, and that bad disk keys are refused with nothing left behind.
 */
#include "../kselftest_harness.h"
#include "mk_test.h"

#define NAME		"d"
#define NAME2		"e"
#define DEV		"/dev/mk-" NAME
#define IMG		"/tmp/disk_test.img"
#define IMG_MB		16
#define IMG_BYTES	(IMG_MB << 20)
#define SPAWN_CPUS	"2-3"
#define SPAWN2_CPUS	"3"
#define LOOP		"/dev/loop0"

FIXTURE(disk) {
	long long free_at_start;
	char reply[256];
};

FIXTURE_SETUP(disk)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	self->free_at_start = mk_read_ll(MK_SYSFS "/pool/memory_free");
	/* An image the host wrote: a text pattern, IMG_MB MiB of it. */
	ASSERT_EQ(0, mk_sh("yes host-pattern | head -c %d > " IMG, IMG_BYTES));
}

FIXTURE_TEARDOWN(disk)
{
	mk_cleanup();
	mk_sh("losetup -d " LOOP " 2>/dev/null");
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
	/* Destroy closed the image: the host may write it again. */
	EXPECT_EQ(0, mk_sh("echo >> " IMG));
	unlink(IMG);
}

/* The md5 of @path on the host, into @sum. */
static void host_md5(struct __test_metadata *_metadata, const char *path,
		     char *sum, size_t len)
{
	char cmd[128];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "md5sum < %s", path);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fgets(sum, len, p));
	pclose(p);
	sum[strcspn(sum, "\t ")] = '\0';
}

/* Create, load and start @name with @disks (mkctl options). */
static void start_spawn(struct __test_metadata *_metadata, const char *name,
			const char *cpus, const char *disks)
{
	ASSERT_EQ(0, mk_sh("mkctl create %s --cpus %s --memory 128M --offline %s",
			   name, cpus, disks));
	ASSERT_EQ(0, mk_sh("mkctl load %s --kernel " MK_KERNEL " --initrd "
			   MK_INITRD " --cmdline '" MK_CMDLINE "'", name));
	ASSERT_EQ(0, mk_sh("mkctl start %s --wait=%d >/dev/null", name,
			   MK_TIMEOUT_S));
}

/* Ask @name's spawn @cmd and expect exactly @want back. */
static void spawn_says(struct __test_metadata *_metadata, const char *name,
		       const char *cmd, const char *want)
{
	char dev[64], reply[256];

	snprintf(dev, sizeof(dev), "/dev/mk-%s", name);
	ASSERT_EQ(0, mk_ask(dev, cmd, reply, sizeof(reply)));
	EXPECT_STREQ(want, reply)
		mk_sh("grep -E 'virtio0_(disk|needs)' " MK_SYSFS
		      "/instances/%s/stats >&2", name);
}

/* The spawn's md5 of vda must be @sum. */
static void spawn_md5_is(struct __test_metadata *_metadata, const char *name,
			 const char *sum)
{
	char want[96];

	snprintf(want, sizeof(want), "md5 vda %s", sum);
	spawn_says(_metadata, name, "md5 vda\n", want);
}

/* The spawn fills vda with @text (flushed) and answers its md5. */
static void spawn_fill(struct __test_metadata *_metadata, const char *text,
		       char *sum, size_t len)
{
	char cmd[64], reply[256];

	snprintf(cmd, sizeof(cmd), "fill vda %s\n", text);
	ASSERT_EQ(0, mk_ask(DEV, cmd, reply, sizeof(reply)));
	ASSERT_EQ(0, strncmp(reply, "md5 vda ", 8)) TH_LOG("%s", reply);
	ASSERT_NE(0, strcmp(reply + 8, "none"));
	snprintf(sum, len, "%.32s", reply + 8);
}

/* Write @line to the create file; 0 or the errno. */
static int create_line(const char *line)
{
	return -mk_write_file(MK_SYSFS "/create", line);
}

/*
 * The host's image read by the spawn, the spawn's writes read by the
 * host after stop: both checksums agree, every counter says so.
 */
TEST_F_TIMEOUT(disk, data_both_ways_checksums_equal, 600)
{
	char host_sum[64], spawn_sum[64], info[64];

	host_md5(_metadata, IMG, host_sum, sizeof(host_sum));
	start_spawn(_metadata, NAME, SPAWN_CPUS, "--disk " IMG);
	spawn_md5_is(_metadata, NAME, host_sum);
	/* Two spawn CPUs, two queues; writable. */
	snprintf(info, sizeof(info), "disk-info vda 0 2");
	spawn_says(_metadata, NAME, "disk-info vda\n", info);
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_disk_queues 2"));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_disk_mode rw"));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_disk_path " IMG "\n"));
	EXPECT_EQ(IMG_BYTES >> 9, mk_stat(NAME, "virtio0_disk_sectors"));
	EXPECT_GE(mk_stat(NAME, "virtio0_disk_bytes_read"), IMG_BYTES);

	spawn_fill(_metadata, "spawn-pattern", spawn_sum, sizeof(spawn_sum));
	EXPECT_NE(0, strcmp(spawn_sum, host_sum));
	EXPECT_GE(mk_stat(NAME, "virtio0_disk_bytes_written"), IMG_BYTES);
	EXPECT_GT(mk_stat(NAME, "virtio0_disk_flushes"), 0);
	ASSERT_EQ(0, mk_sh("mkctl stop " NAME " --timeout %d", MK_TIMEOUT_S));
	host_md5(_metadata, IMG, host_sum, sizeof(host_sum));
	EXPECT_STREQ(spawn_sum, host_sum);
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_disk_io_errors"));
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_disk_bad_requests"));
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_needs_reset"));
	/* mkctl status shows the disk. */
	EXPECT_EQ(0, mk_sh("mkctl status " NAME " | grep -q 'virtio0_disk_path.*" IMG "'"));
}

/*
 * What the spawn wrote and flushed is in the file after a kill, and
 * the restarted spawn reads it back.
 */
TEST_F_TIMEOUT(disk, flushed_data_survives_kill_and_restart, 600)
{
	char spawn_sum[64], host_sum[64];

	start_spawn(_metadata, NAME, SPAWN_CPUS, "--disk " IMG);
	spawn_fill(_metadata, "before-kill", spawn_sum, sizeof(spawn_sum));
	ASSERT_EQ(0, mk_sh("mkctl kill " NAME));
	ASSERT_TRUE(mk_wait_state(NAME, "stopped", 1));
	host_md5(_metadata, IMG, host_sum, sizeof(host_sum));
	EXPECT_STREQ(spawn_sum, host_sum);
	ASSERT_EQ(0, mk_sh("mkctl start " NAME " --wait=%d >/dev/null",
			   MK_TIMEOUT_S));
	spawn_md5_is(_metadata, NAME, spawn_sum);
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_needs_reset"));
}

/*
 * A read-only image given to two spawns at once: both read it, neither
 * can write it, and nobody on the host can open it for writing.
 */
TEST_F_TIMEOUT(disk, read_only_image_shared_by_two_spawns, 600)
{
	char host_sum[64], after[64];

	host_md5(_metadata, IMG, host_sum, sizeof(host_sum));
	start_spawn(_metadata, NAME, "2", "--disk " IMG ":ro");
	start_spawn(_metadata, NAME2, SPAWN2_CPUS, "--disk " IMG ":ro");
	spawn_md5_is(_metadata, NAME, host_sum);
	spawn_md5_is(_metadata, NAME2, host_sum);
	spawn_says(_metadata, NAME, "disk-info vda\n", "disk-info vda 1 1");
	spawn_says(_metadata, NAME2, "disk-write vda\n", "disk-write vda 1");
	EXPECT_TRUE(mk_stats_has(NAME2, "virtio0_disk_mode ro"));
	/* Writers here are kept out while spawns read it. */
	EXPECT_NE(0, mk_sh("echo x 2>/dev/null >> " IMG));
	host_md5(_metadata, IMG, after, sizeof(after));
	EXPECT_STREQ(host_sum, after);
	spawn_md5_is(_metadata, NAME2, host_sum);
}

/*
 * A read-write image has one owner: a second instance is refused it,
 * read-write or read-only, with EBUSY and the owner named; so is an
 * instance while a host process or a loop device has it open for
 * writing.
 */
TEST_F_TIMEOUT(disk, sharing_rules_refuse_with_ebusy, 300)
{
	int fd;

	ASSERT_EQ(0, mk_sh("mkctl create " NAME " --cpus 2 --memory 64M --offline --disk " IMG));
	/* Offline, so that EBUSY below is the disk's. */
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" IMG));
	EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" IMG ",ro"));
	EXPECT_NE(0, mk_sh("mkctl create %s --cpus 3 --memory 64M --offline --disk %s 2>%s",
			   NAME2, IMG, "/tmp/disk_test.err"));
	EXPECT_EQ(0, mk_sh("grep -q \"is given to instance '%s'\" /tmp/disk_test.err",
			   NAME));
	EXPECT_NE(0, mk_sh("test -d " MK_SYSFS "/instances/" NAME2));
	ASSERT_EQ(0, mk_sh("mkctl destroy " NAME));
	/* Free again: but not while a process here writes it. */
	fd = open(IMG, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" IMG));
	EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" IMG ",ro"));
	close(fd);
	/* Nor while a loop device has it (as when its file system is mounted). */
	if (!mk_sh("losetup " LOOP " " IMG)) {
		EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" IMG));
		EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" IMG ",ro"));
		EXPECT_EQ(0, mk_sh("losetup -d " LOOP));
	}
	EXPECT_EQ(0, create_line(NAME2 " cpus=3 memory=64M disk=" IMG ",ro"));
	/* And the host cannot write it while an instance has it read-only. */
	EXPECT_NE(0, mk_sh("echo x 2>/dev/null >> " IMG));
	EXPECT_EQ(EBUSY, create_line(NAME " cpus=2 memory=64M disk=" IMG));
}

/* A discard of the whole disk reaches the file: it reads as zeroes. */
TEST_F_TIMEOUT(disk, discard_reaches_the_file, 300)
{
	char zero_sum[64], host_sum[64], want[96];

	ASSERT_EQ(0, mk_sh("head -c %d /dev/zero > /tmp/disk_test.zero",
			   IMG_BYTES));
	host_md5(_metadata, "/tmp/disk_test.zero", zero_sum, sizeof(zero_sum));
	unlink("/tmp/disk_test.zero");
	start_spawn(_metadata, NAME, SPAWN_CPUS, "--disk " IMG);
	snprintf(want, sizeof(want), "md5 vda %s", zero_sum);
	spawn_says(_metadata, NAME, "disk-trim vda\n", want);
	ASSERT_EQ(0, mk_sh("mkctl stop " NAME " --timeout %d", MK_TIMEOUT_S));
	host_md5(_metadata, IMG, host_sum, sizeof(host_sum));
	EXPECT_STREQ(zero_sum, host_sum);
	EXPECT_GT(mk_stat(NAME, "virtio0_disk_trims"), 0);
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_disk_bad_requests"));
}

/*
 * WRITE_ZEROES (the spawn's BLKZEROOUT) zeroes exactly its range of the
 * file: tmpfs cannot ZERO_RANGE, so the host writes the zeroes itself.
 */
TEST_F_TIMEOUT(disk, write_zeroes_zeroes_its_range, 300)
{
	start_spawn(_metadata, NAME, SPAWN_CPUS, "--disk " IMG);
	spawn_says(_metadata, NAME, "disk-zero vda 1\n", "disk-zero vda 0");
	ASSERT_EQ(0, mk_sh("mkctl stop " NAME " --timeout %d", MK_TIMEOUT_S));
	EXPECT_GT(mk_stat(NAME, "virtio0_disk_trims"), 0);
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_disk_bad_requests"));
	/* The first MiB is zeroes, the next byte still the pattern's. */
	EXPECT_EQ(0, mk_sh("test \"$(head -c 1048576 " IMG " | tr -d '\\000' | wc -c)\" = 0"));
	ASSERT_EQ(0, mk_sh("yes host-pattern | head -c %d | tail -c +1048577 > /tmp/disk_test.rest",
			   IMG_BYTES));
	EXPECT_EQ(0, mk_sh("tail -c +1048577 " IMG " | cmp -s - /tmp/disk_test.rest"));
	unlink("/tmp/disk_test.rest");
}

/*
 * A block device behind the disk (a loop device over the image): the
 * host opens it exclusively, so a device another holder claimed is
 * refused and nothing else can claim it meanwhile; a second instance is
 * refused it too (the host is one holder for all its disks: the
 * registry decides); data goes both ways through the device.
 */
TEST_F_TIMEOUT(disk, block_device_backs_a_disk_exclusively, 600)
{
	char host_sum[64], spawn_sum[64];
	int fd;

	if (mk_sh("losetup " LOOP " " IMG))
		SKIP(return, "no loop device (CONFIG_BLK_DEV_LOOP)");
	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	/* Claimed by another holder (as a mount would): refused. */
	fd = open(LOOP, O_RDONLY | O_EXCL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBUSY, create_line(NAME " cpus=2 memory=64M disk=" LOOP ",ro"));
	close(fd);

	host_md5(_metadata, LOOP, host_sum, sizeof(host_sum));
	start_spawn(_metadata, NAME, "2", "--disk " LOOP);
	EXPECT_EQ(IMG_BYTES >> 9, mk_stat(NAME, "virtio0_disk_sectors"));
	spawn_md5_is(_metadata, NAME, host_sum);
	/* Nothing else can claim it, nor can a second instance have it. */
	EXPECT_GT(0, open(LOOP, O_RDONLY | O_EXCL));
	EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" LOOP));
	EXPECT_EQ(EBUSY, create_line(NAME2 " cpus=3 memory=64M disk=" LOOP ",ro"));

	spawn_fill(_metadata, "through-a-bdev", spawn_sum, sizeof(spawn_sum));
	ASSERT_EQ(0, mk_sh("mkctl stop " NAME " --timeout %d", MK_TIMEOUT_S));
	host_md5(_metadata, LOOP, host_sum, sizeof(host_sum));
	EXPECT_STREQ(spawn_sum, host_sum);
	ASSERT_EQ(0, mk_sh("mkctl destroy " NAME));
	/* Destroy let go of it. */
	fd = open(LOOP, O_RDONLY | O_EXCL);
	EXPECT_LE(0, fd);
	close(fd);
	EXPECT_EQ(0, mk_sh("losetup -d " LOOP));
}

/* The spawn offers its host a request behind its driver's back. */
static void spawn_breaks(struct __test_metadata *_metadata, const char *how)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "virtio-break 0 0 %s\n", how);
	spawn_says(_metadata, NAME, cmd, "virtio-break 0");
}

static void restart(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, mk_sh("mkctl kill " NAME));
	ASSERT_EQ(0, mk_sh("mkctl start " NAME " --wait=%d >/dev/null",
			   MK_TIMEOUT_S));
}

/*
 * Requests the spawn's driver would never send: a write to a read-only
 * disk, a read past its end and a read into a buffer shorter than a
 * sector are answered with VIRTIO_BLK_S_IOERR and counted, the image
 * unchanged; a buffer outside the I/O window makes
 * the device NEEDS_RESET. The host stays up throughout.
 */
TEST_F_TIMEOUT(disk, hostile_requests_refused_host_unaffected, 600)
{
	char before[64], after[64];
	long long reads;

	host_md5(_metadata, IMG, before, sizeof(before));
	start_spawn(_metadata, NAME, SPAWN_CPUS, "--disk " IMG ":ro");
	spawn_breaks(_metadata, "blkro");
	EXPECT_EQ(1, mk_stat(NAME, "virtio0_disk_bad_requests"));
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_disk_writes"));
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_needs_reset"));

	restart(_metadata);
	spawn_breaks(_metadata, "blkend");
	EXPECT_EQ(2, mk_stat(NAME, "virtio0_disk_bad_requests"));
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_needs_reset"));

	restart(_metadata);
	reads = mk_stat(NAME, "virtio0_disk_reads");
	spawn_breaks(_metadata, "blkshort");
	EXPECT_EQ(3, mk_stat(NAME, "virtio0_disk_bad_requests"));
	EXPECT_EQ(reads, mk_stat(NAME, "virtio0_disk_reads"));
	EXPECT_EQ(0, mk_stat(NAME, "virtio0_needs_reset"));

	restart(_metadata);
	spawn_breaks(_metadata, "addr");
	EXPECT_EQ(1, mk_stat(NAME, "virtio0_needs_reset"));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset_why block request"));
	ASSERT_EQ(0, mk_sh("mkctl kill " NAME));
	host_md5(_metadata, IMG, after, sizeof(after));
	EXPECT_STREQ(before, after);
	/* And the next start is a working disk again. */
	ASSERT_EQ(0, mk_sh("mkctl start " NAME " --wait=%d >/dev/null",
			   MK_TIMEOUT_S));
	spawn_md5_is(_metadata, NAME, before);
}

/* Bad disk keys: each refused with its errno, nothing left behind. */
TEST_F(disk, bad_disk_keys_are_refused)
{
	static const char five[] =
		NAME " cpus=2 memory=64M disk=/a disk=/b disk=/c disk=/d disk=/e";

	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	EXPECT_EQ(EINVAL, create_line(NAME " cpus=2 memory=64M disk=tmp/x"));
	EXPECT_EQ(ENOENT, create_line(NAME " cpus=2 memory=64M disk=/tmp/none.img"));
	EXPECT_EQ(EINVAL, create_line(NAME " cpus=2 memory=64M disk=/tmp"));
	EXPECT_EQ(EINVAL, create_line(NAME " cpus=2 memory=64M disk=/dev/null"));
	ASSERT_EQ(0, mk_sh(": > /tmp/disk_test.empty"));
	EXPECT_EQ(EINVAL, create_line(NAME " cpus=2 memory=64M disk=/tmp/disk_test.empty"));
	unlink("/tmp/disk_test.empty");
	EXPECT_EQ(EINVAL, create_line(five));
	EXPECT_NE(0, mk_sh("test -d " MK_SYSFS "/instances/" NAME));
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
	/* Still free for an instance that asks properly. */
	EXPECT_EQ(0, create_line(NAME " cpus=2 memory=64M disk=" IMG));
}

TEST_HARNESS_MAIN

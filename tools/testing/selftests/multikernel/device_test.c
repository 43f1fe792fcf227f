// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel device handover: a virtio-blk PCI function (QEMU serial
 * "mkdisk", see run_vm.sh -d) goes to a spawn, which reads and writes the
 * disk while the host cannot see it, and comes back to the host's driver
 * after a stop, a kill and a panic with the data the spawn left. Devices
 * the host uses, that do not exist, that are bridges or that another
 * instance has are refused with the right errno and nothing left behind.
 */
#include <dirent.h>
#include <limits.h>
#include <libgen.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define NAME		"d"
#define DEV		"/dev/mk-" NAME
#define DISK_SERIAL	"mkdisk"
#define REPLY_MAX	256
#define DISK_WAIT_S	30
#define NO_SUCH_BDF	"0000:80:00.0"
#define HOST_BRIDGE	"0000:00:00.0"
#define NEW_PATTERN	"written-by-the-spawn"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define VIRTIO_PCI_BIND	"/sys/bus/pci/drivers/virtio-pci/bind"
#define HANDOVER_COMPAT	"compatible = \"multikernel,handover-v1\""
#define PCI_COMPAT	"compatible = \"multikernel,pci-function\""

/* The disk while the host has it: its block name and PCI addresses. */
struct disk {
	char block[NAME_MAX + 1];
	char bdf[32];
	char port[32];	/* the PCIe root port above it */
	unsigned int bus, devfn;
};

/* Find the block device with serial "mkdisk"; false if the host has none. */
static bool find_disk(struct disk *d)
{
	char path[PATH_MAX], real[PATH_MAX], serial[64];
	unsigned int dev = 0, fn = 0;
	struct dirent *de;
	bool found = false;
	DIR *dir;

	dir = opendir("/sys/block");
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		snprintf(path, sizeof(path), "/sys/block/%s/serial", de->d_name);
		if (mk_read_file(path, serial, sizeof(serial)) ||
		    strcmp(serial, DISK_SERIAL))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/device", de->d_name);
		if (!realpath(path, real))
			continue;
		/* .../PORT/BDF/virtioN */
		snprintf(d->block, sizeof(d->block), "%s", de->d_name);
		snprintf(d->bdf, sizeof(d->bdf), "%s", basename(dirname(real)));
		snprintf(d->port, sizeof(d->port), "%s", basename(dirname(real)));
		found = sscanf(d->bdf, "%*x:%x:%x.%x", &d->bus, &dev, &fn) == 3;
		d->devfn = dev << 3 | fn;
	}
	closedir(dir);
	return found;
}

static bool wait_disk(struct disk *d, bool present)
{
	struct disk tmp;
	int i;

	for (i = 0; i < DISK_WAIT_S * 10; i++) {
		if (find_disk(&tmp) == present) {
			if (present)
				*d = tmp;
			return true;
		}
		usleep(100000);
	}
	return false;
}

/* The md5 of all of /dev/BLOCK on the host, into @sum. */
static int host_md5(const struct disk *d, char *sum, size_t len)
{
	char cmd[PATH_MAX];
	FILE *f;
	int ret = -1;

	snprintf(cmd, sizeof(cmd), "md5sum </dev/%s", d->block);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%32s", sum) == 1 && strlen(sum) == 32 && len > 32)
		ret = 0;
	pclose(f);
	return ret;
}

/* Send @cmd to the spawn's serve loop, read one message back. */
static int ask(const char *cmd, char *reply, size_t len)
{
	return mk_ask(DEV, cmd, reply, len);
}

static int create_with(const char *name, const char *cpus, const char *bdf)
{
	char line[256];

	snprintf(line, sizeof(line), "%s cpus=%s memory=128M device=%s", name,
		 cpus, bdf);
	return mk_write_file(MK_SYSFS "/create", line);
}

static int load_and_start(const char *name)
{
	return mk_sh("mkctl load %s --kernel " MK_KERNEL " --initrd " MK_INITRD
		     " --cmdline '" MK_CMDLINE "' && mkctl start %s --wait=%d",
		     name, name, MK_TIMEOUT_S);
}

static bool devices_is(const char *name, const struct disk *d,
		       const char *holder)
{
	char want[96], got[96];

	snprintf(want, sizeof(want), "pci %s %s", d->bdf, holder);
	return !mk_inst_read(name, "devices", got, sizeof(got)) &&
	       !strcmp(got, want);
}

FIXTURE(handover) {
	struct disk disk;
	char sum[40];
};

FIXTURE_SETUP(handover)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	/* make test counts a skip in its QEMU host as a failure. */
	if (!wait_disk(&self->disk, true))
		SKIP(return, "no virtio-blk disk with serial " DISK_SERIAL
		     " (run_vm.sh -d)");
	ASSERT_EQ(0, host_md5(&self->disk, self->sum, sizeof(self->sum)));
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	ASSERT_EQ(0, mk_cpu_set_online(2, false));
}

FIXTURE_TEARDOWN(handover)
{
	mk_cleanup();
}

/* The spawn sees only its function and reads what the host read. */
static void spawn_reads_disk(struct __test_metadata *_metadata,
			     struct _test_data_handover *self)
{
	char reply[REPLY_MAX], want[REPLY_MAX];

	ASSERT_EQ(0, ask("pci\n", reply, sizeof(reply)));
	snprintf(want, sizeof(want), "pci %s", self->disk.bdf);
	EXPECT_STREQ(want, reply);
	ASSERT_EQ(0, ask("md5 vda\n", reply, sizeof(reply)));
	snprintf(want, sizeof(want), "md5 vda %s", self->sum);
	EXPECT_STREQ(want, reply);
	/* Its interrupts are MSI-X: a spawn has no INTx. */
	ASSERT_EQ(0, ask("msix\n", reply, sizeof(reply)));
	EXPECT_STRNE("msix 0", reply);
}

/* The host has the disk again, with checksum @sum. */
static void host_has_disk(struct __test_metadata *_metadata,
			  struct _test_data_handover *self, const char *sum)
{
	char now[40];

	ASSERT_TRUE(wait_disk(&self->disk, true));
	ASSERT_EQ(0, host_md5(&self->disk, now, sizeof(now)));
	EXPECT_STREQ(sum, now);
	EXPECT_TRUE(devices_is(NAME, &self->disk, "host"));
}

TEST_F_TIMEOUT(handover, disk_goes_to_spawn_and_back_after_stop_kill_panic, 600)
{
	char line[256], bind[128], dev[PATH_MAX];
	int fd;

	ASSERT_EQ(0, create_with(NAME, "3", self->disk.bdf));
	/* Gone from the host, and no driver may bind while it is given. */
	EXPECT_TRUE(wait_disk(&self->disk, false));
	EXPECT_TRUE(devices_is(NAME, &self->disk, "instance"));
	snprintf(bind, sizeof(bind), "echo %s > %s", self->disk.bdf,
		 VIRTIO_PCI_BIND);
	EXPECT_NE(0, mk_sh("%s", bind));
	EXPECT_NE(0, mk_sh("echo virtio-pci > %s/%s/driver_override && %s",
			   PCI_DEVICES, self->disk.bdf, bind));
	mk_sh("echo > %s/%s/driver_override", PCI_DEVICES, self->disk.bdf);
	EXPECT_FALSE(find_disk(&(struct disk){ }));

	ASSERT_EQ(0, load_and_start(NAME));
	ASSERT_TRUE(mk_wait_console(NAME, "MKSPAWN-IDLE", line, sizeof(line),
				    MK_TIMEOUT_S));
	EXPECT_EQ(0, mk_sh("mkctl log %s | grep -q '%s: handed over by the host'",
			   NAME, self->disk.bdf));
	spawn_reads_disk(_metadata, self);
	EXPECT_EQ(0, mk_sh("mkctl stop %s", NAME));
	host_has_disk(_metadata, self, self->sum);

	/* Back with the host, it is the host's: in use, no start. */
	snprintf(dev, sizeof(dev), "/dev/%s", self->disk.block);
	fd = open(dev, O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBUSY, mk_inst_write(NAME, "control", "start"));
	close(fd);
	EXPECT_TRUE(mk_wait_state(NAME, "stopped", 1));
	EXPECT_TRUE(devices_is(NAME, &self->disk, "host"));

	/* A restart takes it from the host again; a kill gives it back. */
	ASSERT_EQ(0, mk_sh("mkctl start %s --wait=%d", NAME, MK_TIMEOUT_S));
	EXPECT_TRUE(wait_disk(&self->disk, false));
	spawn_reads_disk(_metadata, self);
	EXPECT_EQ(0, mk_sh("mkctl kill %s", NAME));
	host_has_disk(_metadata, self, self->sum);

	/* And a panic. */
	ASSERT_EQ(0, mk_sh("mkctl start %s --wait=%d", NAME, MK_TIMEOUT_S));
	spawn_reads_disk(_metadata, self);
	ASSERT_EQ(0, mk_write_file(DEV, "panic\n"));
	ASSERT_TRUE(mk_wait_state(NAME, "crashed", MK_TIMEOUT_S));
	host_has_disk(_metadata, self, self->sum);
}

TEST_F_TIMEOUT(handover, handover_fdt_lists_the_function, 300)
{
	static const char dts[] = "/tmp/handover.dts";
	static const char dtb[] = "/tmp/handover.dtb";

	ASSERT_EQ(0, create_with(NAME, "3", self->disk.bdf));
	ASSERT_EQ(0, load_and_start(NAME));
	/* Copied first: dtc wants to know the size of what it reads. */
	ASSERT_EQ(0, mk_sh("cat %s/instances/%s/handover > %s", MK_SYSFS, NAME,
			   dtb));
	ASSERT_EQ(0, mk_sh("dtc -q -I dtb -O dts -o %s %s 2>&1", dts, dtb));
	EXPECT_EQ(0, mk_sh("grep -q '%s' %s", HANDOVER_COMPAT, dts));
	EXPECT_EQ(0, mk_sh("grep -q '%s' %s", PCI_COMPAT, dts));
	EXPECT_EQ(0, mk_sh("grep -q 'pci@0,%x,%x {' %s", self->disk.bus,
			   self->disk.devfn, dts));
}

TEST_F(handover, refusals_leave_nothing_behind)
{
	long long free_before = mk_read_ll(MK_SYSFS "/pool/memory_free");
	struct disk held;
	char path[PATH_MAX];
	int fd;

	/* In use by the host: an open (or mounted) disk. */
	snprintf(path, sizeof(path), "/dev/%s", self->disk.block);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBUSY, create_with(NAME, "3", self->disk.bdf));
	close(fd);
	EXPECT_TRUE(find_disk(&held));

	EXPECT_EQ(-ENODEV, create_with(NAME, "3", NO_SUCH_BDF));
	EXPECT_EQ(-EINVAL, create_with(NAME, "3", HOST_BRIDGE));
	EXPECT_EQ(-EINVAL, create_with(NAME, "3", self->disk.port));
	EXPECT_EQ(-EINVAL, create_with(NAME, "3", "00:zz.0"));
	EXPECT_EQ(-1, access(MK_SYSFS "/instances/" NAME, F_OK));
	EXPECT_EQ(free_before, mk_read_ll(MK_SYSFS "/pool/memory_free"));

	/* The same function to two instances. */
	ASSERT_EQ(0, create_with(NAME, "3", self->disk.bdf));
	EXPECT_EQ(-EBUSY, create_with("e", "2", self->disk.bdf));
	EXPECT_EQ(-1, access(MK_SYSFS "/instances/e", F_OK));
	EXPECT_EQ(0, mk_write_file(MK_SYSFS "/destroy", NAME));
	EXPECT_TRUE(wait_disk(&self->disk, true));
	EXPECT_EQ(free_before, mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

/* The line of ttyS1 in /proc/tty/driver/serial, or "". */
static void host_uart_line(char *buf, size_t len)
{
	FILE *f = popen("grep '^1:' /proc/tty/driver/serial", "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	pclose(f);
}

/*
 * COM2 (ttyS1, run_vm.sh -c) goes to a spawn, which drives it polled,
 * and comes back. What both kernels write to it ends up in the file QEMU
 * writes COM2 to: scripts/test.sh checks that the spawn's line comes
 * before the host's.
 */
TEST_F_TIMEOUT(handover, uart_goes_to_spawn_and_back, 300)
{
	char reply[REPLY_MAX], line[256], text[64];
	long stamp = (long)time(NULL);
	int fd;

	host_uart_line(line, sizeof(line));
	ASSERT_NE(NULL, strstr(line, "uart:16550A port:000002F8"))
		TH_LOG("no COM2 on the host (run_vm.sh -c): '%s'", line);

	/* Refused: open on the host, the host's console, not a UART. */
	fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBUSY, create_with(NAME, "3", "ttyS1"));
	close(fd);
	EXPECT_EQ(-EBUSY, create_with(NAME, "3", "ttyS0"));
	EXPECT_EQ(-ENODEV, create_with(NAME, "3", "ttyS3"));
	EXPECT_EQ(-ENODEV, create_with(NAME, "3", "ttyS200"));
	EXPECT_EQ(-1, access(MK_SYSFS "/instances/" NAME, F_OK));

	ASSERT_EQ(0, create_with(NAME, "3", "ttyS1"));
	EXPECT_EQ(0, mk_sh("grep -qx 'uart ttyS1 instance' %s/instances/%s/devices",
			   MK_SYSFS, NAME));
	/* Its ttyS1 is a port of unknown type now: nothing gets through. */
	EXPECT_NE(0, mk_sh("echo MKUART-LOST > /dev/ttyS1"));
	host_uart_line(line, sizeof(line));
	EXPECT_NE(NULL, strstr(line, "uart:unknown"));
	EXPECT_EQ(-EBUSY, create_with("e", "2", "ttyS1"));

	ASSERT_EQ(0, load_and_start(NAME));
	ASSERT_TRUE(mk_wait_console(NAME, "MKSPAWN-IDLE", line, sizeof(line),
				    MK_TIMEOUT_S));
	snprintf(text, sizeof(text), "uart MKUART-SPAWN-%ld\n", stamp);
	ASSERT_EQ(0, ask(text, reply, sizeof(reply)));
	/* Its own 16550 at 0x2f8, polled, and it sent the line. */
	EXPECT_NE(NULL, strstr(reply, "uart:16550A port:000002F8 irq:0 tx:"));
	EXPECT_EQ(NULL, strstr(reply, " tx:0 "));

	EXPECT_EQ(0, mk_sh("mkctl stop %s", NAME));
	EXPECT_EQ(0, mk_sh("grep -qx 'uart ttyS1 host' %s/instances/%s/devices",
			   MK_SYSFS, NAME));
	host_uart_line(line, sizeof(line));
	EXPECT_NE(NULL, strstr(line, "uart:16550A port:000002F8 irq:3"));
	EXPECT_EQ(0, mk_sh("echo MKUART-HOST-%ld > /dev/ttyS1", stamp));
}

/* Last: it leaves the disk changed. */
TEST_F_TIMEOUT(handover, spawn_writes_and_host_reads_it_after_stop, 300)
{
	char reply[REPLY_MAX], line[256], sum[40], pattern[64], cmd[96];
	int n;

	ASSERT_EQ(0, create_with(NAME, "3", self->disk.bdf));
	ASSERT_EQ(0, load_and_start(NAME));
	ASSERT_TRUE(mk_wait_console(NAME, "MKSPAWN-IDLE", line, sizeof(line),
				    MK_TIMEOUT_S));
	/* Different from whatever an earlier run left on the disk. */
	snprintf(pattern, sizeof(pattern), "%s-%ld", NEW_PATTERN, (long)time(NULL));
	snprintf(cmd, sizeof(cmd), "fill vda %s\n", pattern);
	ASSERT_EQ(0, ask(cmd, reply, sizeof(reply)));
	n = sscanf(reply, "md5 vda %32s", sum);
	ASSERT_EQ(1, n);
	EXPECT_STRNE(self->sum, sum);
	EXPECT_EQ(0, mk_sh("mkctl stop %s", NAME));
	host_has_disk(_metadata, self, sum);
	EXPECT_EQ(0, mk_sh("head -c %zu /dev/%s | grep -q '^%s'",
			   strlen(pattern), self->disk.block, pattern));
}

TEST_HARNESS_MAIN

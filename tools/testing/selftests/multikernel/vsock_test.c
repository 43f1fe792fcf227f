// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: AF_VSOCK between the host and a spawn. An instance
 * created with "vsock" is CID id+2; the host connects to it and it to
 * the host (CID 2), both ways with a checksum, with mk-net at both ends
 * and with socat on the host. A spawn that is killed mid-transfer, or
 * that hands the host a bad buffer, must make the host's socket fail
 * with ECONNRESET (or EPIPE for a writer) at once, not hang, and a
 * restart must work again.
 */
#include "../kselftest_harness.h"
#include "mk_test.h"

#include <sys/socket.h>
#include <linux/vm_sockets.h>

#define NAME		"v"
#define SPAWN_CPUS	"2-3"
#define HOST_CID	2
#define CID_OFFSET	2
#define PORT		5100
#define BYTES		(10 << 20)
#define SEED		4242
#define SMALL_BYTES	(256 << 10)
/* 16 GiB: more than a TCG spawn moves before it is killed. */
#define ENDLESS_BYTES	17179869184LL
/* A reset reaches a blocked socket within this, or it hangs. */
#define RESET_WAIT_S	15
#define STARTED_WAIT_S	60
/* Packets that show a transfer is under way, not only connected. */
#define MOVING_PKTS	100
#define RECV_TIMEOUT_S	120
#define CONNECT_TRIES	10
#define WHY_OUTSIDE	"vsock packet outside the I/O window"
#define OUT		"/tmp/vsock_test.out"
#define REF		"/tmp/vsock_test.ref"
#define GOT		"/tmp/vsock_test.got"

FIXTURE(vsock) {
	long long free_at_start;
	char reply[256];
	int cid;
};

FIXTURE_SETUP(vsock)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	self->free_at_start = mk_read_ll(MK_SYSFS "/pool/memory_free");
}

FIXTURE_TEARDOWN(vsock)
{
	/* busybox has killall, not pkill. */
	mk_sh("killall -q mk-net socat; true");
	mk_cleanup();
	mk_sh("rm -f " OUT " " REF " " GOT);
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

/* The CID an instance's spawn has: its id plus two. */
static int cid_of(const char *name)
{
	char id[16];

	if (mk_inst_read(name, "id", id, sizeof(id)))
		return -1;
	return atoi(id) + CID_OFFSET;
}

/* connect() to @cid:@port: 0, or the errno it failed with. */
static int connect_errno(int cid, int port)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = cid,
				  .svm_port = port };
	int s, err;

	s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0)
		return errno;
	err = connect(s, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
	close(s);
	return err;
}

/* A counter of NAME's stats, -1 without it. */
static long long stat_of(const char *key)
{
	return mk_stat(NAME, key);
}

/* Until @key counts more than @than; false on timeout. */
static bool wait_stat_above(const char *key, long long than, int timeout_s)
{
	int i;

	for (i = 0; i <= timeout_s * 10; i++) {
		if (stat_of(key) > than)
			return true;
		usleep(100000);
	}
	return false;
}

static void create_vsock(struct __test_metadata *_metadata, const char *extra)
{
	ASSERT_EQ(0, mk_sh("mkctl create " NAME " --cpus " SPAWN_CPUS
			   " --memory 128M --offline%s", extra));
	ASSERT_EQ(0, mk_sh("mkctl load " NAME " --kernel " MK_KERNEL
			   " --initrd " MK_INITRD " --cmdline '" MK_CMDLINE "'"));
}

static void start_vsock(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, mk_sh("mkctl start " NAME " --wait=%d >/dev/null",
			   MK_TIMEOUT_S));
}

static void kill_spawn(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, mk_inst_write(NAME, "control", "kill"));
	ASSERT_TRUE(mk_wait_state(NAME, "stopped", 0));
}

/* The host sends @bytes to the spawn's listener: both count the same. */
static void host_to_spawn(struct __test_metadata *_metadata, int cid,
			  int port, long long bytes)
{
	char cmd[96], sum[64], got[128];

	ASSERT_EQ(0, mk_net_sum(bytes, SEED, sum, sizeof(sum)));
	snprintf(cmd, sizeof(cmd), "tcp-recv vsock:%d\n", port);
	ASSERT_EQ(0, mk_serve(NAME, cmd));
	ASSERT_EQ(0, mk_sh("timeout %d mk-net send vsock:%d %d %lld %d >/dev/null",
			   MK_TIMEOUT_S, cid, port, bytes, SEED));
	snprintf(cmd, sizeof(cmd), "MKSPAWN-ANSWER tcp-recv %s", sum);
	EXPECT_TRUE(mk_wait_console(NAME, cmd, got, sizeof(got), MK_TIMEOUT_S))
		mk_sh("tail -n 20 " MK_SYSFS "/instances/" NAME "/console >&2; "
		      "grep virtio " MK_SYSFS "/instances/" NAME "/stats >&2");
}

/* The spawn connects to the host's listener: both count the same. */
static void spawn_to_host(struct __test_metadata *_metadata, int port,
			  long long bytes)
{
	char sum[64], got[128];

	ASSERT_EQ(0, mk_net_sum(bytes, SEED, sum, sizeof(sum)));
	EXPECT_EQ(0, mk_sh("mk-net recv vsock:%d 60 > " OUT " & sleep 1; "
			   "echo 'tcp-send vsock:%d %d %lld %d' > /dev/mk-" NAME "; wait",
			   port, HOST_CID, port, bytes, SEED));
	EXPECT_EQ(0, mk_read_file(OUT, got, sizeof(got)));
	EXPECT_STREQ(sum, got);
}

/*
 * The background transfer whose output OUT collects ended, failing
 * as a lost peer makes it fail, within RESET_WAIT_S.
 */
static void transfer_was_reset(struct __test_metadata *_metadata)
{
	char out[512];
	int i;

	for (i = 0; i < RESET_WAIT_S * 10; i++) {
		if (!mk_sh("grep -q '^exit ' " OUT))
			break;
		usleep(100000);
	}
	ASSERT_EQ(0, mk_read_file(OUT, out, sizeof(out))) TH_LOG("no " OUT);
	EXPECT_NE(NULL, strstr(out, "exit 1")) TH_LOG("%s", out);
	EXPECT_TRUE(strstr(out, "Connection reset by peer") ||
		    strstr(out, "Broken pipe")) TH_LOG("%s", out);
}

TEST_F(vsock, cid_is_id_plus_two_and_mkctl_shows_it)
{
	char needle[64];

	create_vsock(_metadata, " --vsock");
	self->cid = cid_of(NAME);
	ASSERT_GT(self->cid, CID_OFFSET);
	snprintf(needle, sizeof(needle), "virtio0_cid %d\n", self->cid);
	EXPECT_TRUE(mk_stats_has(NAME, needle));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_device 19\n"));
	EXPECT_EQ(0, mk_sh("mkctl status " NAME " | grep -qx 'virtio0_cid: *%d'",
			   self->cid));
	EXPECT_EQ(0, mk_sh("mkctl status " NAME " --json | grep -q '\"virtio0_cid\": *%d'",
			   self->cid));
	/* A second instance has a CID of its own. */
	ASSERT_EQ(0, mk_sh("mkctl create w --cpus 1 --memory 64M --offline --vsock"));
	EXPECT_NE(self->cid, cid_of("w"));
	snprintf(needle, sizeof(needle), "virtio0_cid %d\n", cid_of("w"));
	EXPECT_TRUE(mk_stats_has("w", needle));
}

TEST_F_TIMEOUT(vsock, connect_needs_a_running_spawn, 600)
{
	create_vsock(_metadata, " --vsock");
	self->cid = cid_of(NAME);
	/* Not started: no one to talk to, refused at once. */
	EXPECT_EQ(ENODEV, connect_errno(self->cid, PORT));
	start_vsock(_metadata);
	/* Running, nobody listening: the spawn's kernel answers RST. */
	EXPECT_EQ(ECONNRESET, connect_errno(self->cid, PORT));
	kill_spawn(_metadata);
	EXPECT_EQ(ENODEV, connect_errno(self->cid, PORT));
}

TEST_F_TIMEOUT(vsock, both_ways_checksums_equal, 900)
{
	create_vsock(_metadata, " --vsock");
	self->cid = cid_of(NAME);
	start_vsock(_metadata);
	host_to_spawn(_metadata, self->cid, PORT, BYTES);
	spawn_to_host(_metadata, PORT + 1, BYTES);
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset 0"));
	EXPECT_EQ(0, stat_of("virtio0_dropped"));
}

/* With a NIC first, vsock is the second device; socat talks to it. */
TEST_F_TIMEOUT(vsock, socat_both_ways_next_to_a_nic, 900)
{
	char sum[64], cmd[128], got[128];
	int i;

	create_vsock(_metadata, " --net --vsock");
	self->cid = cid_of(NAME);
	snprintf(cmd, sizeof(cmd), "virtio1_cid %d\n", self->cid);
	EXPECT_TRUE(mk_stats_has(NAME, cmd));
	start_vsock(_metadata);
	ASSERT_EQ(0, mk_sh("mk-net gen %d %d > " REF, SMALL_BYTES, SEED));

	/* Spawn to a socat VSOCK-LISTEN here. */
	ASSERT_EQ(0, mk_sh("timeout %d socat -u VSOCK-LISTEN:%d CREATE:" GOT
			   " & sleep 1; echo 'tcp-send vsock:%d %d %d %d' > /dev/mk-" NAME
			   "; wait", MK_TIMEOUT_S, PORT, HOST_CID, PORT,
			   SMALL_BYTES, SEED));
	EXPECT_EQ(0, mk_sh("cmp " REF " " GOT));

	/* A socat VSOCK-CONNECT here to the spawn. */
	ASSERT_EQ(0, mk_net_sum(SMALL_BYTES, SEED, sum, sizeof(sum)));
	snprintf(cmd, sizeof(cmd), "tcp-recv vsock:%d\n", PORT + 1);
	ASSERT_EQ(0, mk_serve(NAME, cmd));
	/* Until the spawn listens. */
	for (i = 0; i < CONNECT_TRIES; i++) {
		if (!mk_sh("timeout %d socat -u OPEN:" REF " VSOCK-CONNECT:%d:%d 2>/dev/null",
			   MK_TIMEOUT_S, self->cid, PORT + 1))
			break;
		sleep(1);
	}
	EXPECT_LT(i, CONNECT_TRIES);
	snprintf(cmd, sizeof(cmd), "MKSPAWN-ANSWER tcp-recv %s", sum);
	EXPECT_TRUE(mk_wait_console(NAME, cmd, got, sizeof(got), MK_TIMEOUT_S));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio1_needs_reset 0"));
}

TEST_F_TIMEOUT(vsock, kill_mid_transfer_resets_host_sockets, 900)
{
	long long resets;

	create_vsock(_metadata, " --vsock");
	self->cid = cid_of(NAME);
	start_vsock(_metadata);

	/* The host reads what the spawn sends, without end; kill it. */
	ASSERT_EQ(0, mk_sh("(mk-net recv vsock:%d %d; echo \"exit $?\") > " OUT " 2>&1 &",
			   PORT, RECV_TIMEOUT_S));
	usleep(500000);
	ASSERT_EQ(0, mk_sh("echo 'tcp-send vsock:%d %d %lld %d' > /dev/mk-" NAME,
			   HOST_CID, PORT, ENDLESS_BYTES, SEED));
	ASSERT_TRUE(wait_stat_above("virtio0_received",
				    stat_of("virtio0_received") + MOVING_PKTS,
				    STARTED_WAIT_S));
	kill_spawn(_metadata);
	transfer_was_reset(_metadata);
	resets = stat_of("virtio0_sockets_reset");
	EXPECT_GE(resets, 1);

	/* Again, the host writing this time; then a transfer that ends. */
	start_vsock(_metadata);
	ASSERT_EQ(0, mk_serve(NAME, "tcp-recv vsock:5200\n"));
	ASSERT_EQ(0, mk_sh("(mk-net send vsock:%d 5200 %lld %d; echo \"exit $?\") > " OUT " 2>&1 &",
			   self->cid, ENDLESS_BYTES, SEED));
	/* The counters add up over starts: count from here. */
	ASSERT_TRUE(wait_stat_above("virtio0_sent",
				    stat_of("virtio0_sent") + MOVING_PKTS,
				    STARTED_WAIT_S));
	kill_spawn(_metadata);
	transfer_was_reset(_metadata);
	EXPECT_GT(stat_of("virtio0_sockets_reset"), resets);

	start_vsock(_metadata);
	host_to_spawn(_metadata, self->cid, PORT + 2, SMALL_BYTES);
}

TEST_F_TIMEOUT(vsock, bad_transmit_buffer_needs_reset_and_resets_sockets, 900)
{
	create_vsock(_metadata, " --vsock");
	self->cid = cid_of(NAME);
	start_vsock(_metadata);

	/* A transfer in flight; then queue 1 (the spawn's transmit) breaks. */
	ASSERT_EQ(0, mk_serve(NAME, "tcp-recv vsock:5300\n"));
	ASSERT_EQ(0, mk_sh("(mk-net send vsock:%d 5300 %lld %d; echo \"exit $?\") > " OUT " 2>&1 &",
			   self->cid, ENDLESS_BYTES, SEED));
	/* The counters add up over starts: count from here. */
	ASSERT_TRUE(wait_stat_above("virtio0_sent",
				    stat_of("virtio0_sent") + MOVING_PKTS,
				    STARTED_WAIT_S));
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, "virtio-break 0 1 addr\n",
			    self->reply, sizeof(self->reply)));
	ASSERT_STREQ("virtio-break 0", self->reply);
	EXPECT_TRUE(mk_wait_stats(NAME, "virtio0_needs_reset 1\n", RESET_WAIT_S));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset_why " WHY_OUTSIDE "\n"))
		mk_sh("grep virtio " MK_SYSFS "/instances/" NAME "/stats >&2");
	transfer_was_reset(_metadata);
	EXPECT_EQ(ENODEV, connect_errno(self->cid, PORT));
	EXPECT_TRUE(mk_wait_state(NAME, "running", 0));

	/* A new start is a new device. */
	kill_spawn(_metadata);
	start_vsock(_metadata);
	host_to_spawn(_metadata, self->cid, PORT + 3, SMALL_BYTES);
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset_why none\n"));
}

TEST_HARNESS_MAIN

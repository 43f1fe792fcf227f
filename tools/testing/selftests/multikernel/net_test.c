// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: a spawn's network interface over shared memory. An
 * instance created with "net" gets a netdev mk-NAME on the host and a
 * virtio_net eth0 in the spawn; the test gives both ends an address and
 * pings (up to jumbo frames) and copies data over TCP both ways, one
 * connection and eight at once, with checksum offload and TCP
 * segmentation in use both ways; checks that the carrier
 * follows the spawn (down when it is killed, up again on restart), that
 * a restart brings the link back, that destroy removes the netdev, and
 * that two spawns reach each other through a host bridge.
 */
#include "../kselftest_harness.h"
#include "mk_test.h"

#define NAME		"n"
#define IFNAME		"mk-" NAME
#define CARRIER		"/sys/class/net/" IFNAME "/carrier"
#define HOST_ADDR	"10.77.0.1"
#define SPAWN_ADDR	"10.77.0.2"
#define PREFIX		"/24"
#define PINGS		20
#define TCP_PORT	5001
#define TCP_BYTES	(64 << 20)
#define TCP_SEED	12345
/* Eight connections at once: four each way, each its own seed. */
#define TCP_CONNS	4
#define TCP_CONN_BYTES	(8 << 20)
#define TCP_TO_SPAWN	5011
#define TCP_TO_HOST	5021
/* Jumbo frames: every ping both ways at each size, none fragmented. */
#define JUMBO_MTU	9000
#define JUMBO_PINGS	100
/* Packets a ping run may add besides its own: ARP and the like. */
#define PING_SLACK	10
#define CARRIER_WAIT_S	60
#define SPAWN_CPUS	"2-3"
/* Two spawns, one CPU each, in a bridge of the host. */
#define BRIDGE		"mkbr0"
#define BR_HOST		"10.79.0.1"
#define BR_SPAWN_N	"10.79.0.2"
#define BR_SPAWN_M	"10.79.0.3"
#define BR_TCP_BYTES	(1024 * 1024)
#define NIC_CYCLES	20
#define CYCLE_PINGS	5

/*
 * The carrier of @ifname as 0 or 1 (the interface must be up to tell),
 * -1 without the netdev, -2 while it is down.
 */
static int carrier_of(const char *ifname)
{
	char path[96], buf[16];

	snprintf(path, sizeof(path), "/sys/class/net/%s", ifname);
	if (access(path, F_OK))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	if (mk_read_file(path, buf, sizeof(buf)))
		return -2;
	return atoi(buf);
}

static int carrier(void)
{
	return carrier_of(IFNAME);
}

static bool wait_carrier_of(const char *ifname, int want, int timeout_s)
{
	int i;

	for (i = 0; i <= timeout_s * 10; i++) {
		if (carrier_of(ifname) == want)
			return true;
		usleep(100000);
	}
	return false;
}

static bool wait_carrier(int want, int timeout_s)
{
	return wait_carrier_of(IFNAME, want, timeout_s);
}

FIXTURE(net) {
	long long free_at_start;
	char reply[256];
};

FIXTURE_SETUP(net)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	if (access("/sys/class/net", F_OK))
		SKIP(return, "the host kernel has no networking");
	mk_cleanup();
	self->free_at_start = mk_read_ll(MK_SYSFS "/pool/memory_free");
}

FIXTURE_TEARDOWN(net)
{
	mk_cleanup();
	mk_sh("ip link del " BRIDGE " 2>/dev/null");
	EXPECT_EQ(-1, carrier());
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

/* Create, load and start "n" with one NIC; the link must come up. */
static void start_spawn(struct __test_metadata *_metadata, const char *extra)
{
	ASSERT_EQ(0, mk_sh("mkctl create " NAME " --cpus " SPAWN_CPUS
			   " --memory 128M --offline --net%s", extra));
	ASSERT_EQ(-2, carrier()) TH_LOG("mk-n must exist, down");
	ASSERT_EQ(0, mk_sh("ip link set " IFNAME " up"));
	ASSERT_EQ(0, carrier()) TH_LOG("no carrier before the spawn runs");
	ASSERT_EQ(0, mk_sh("mkctl load " NAME " --kernel " MK_KERNEL
			   " --initrd " MK_INITRD " --cmdline '" MK_CMDLINE "'"));
	ASSERT_EQ(0, mk_sh("mkctl start " NAME " --wait=%d >/dev/null",
			   MK_TIMEOUT_S));
	ASSERT_TRUE(wait_carrier(1, CARRIER_WAIT_S))
		mk_sh("tail -n 40 " MK_SYSFS "/instances/" NAME "/console >&2");
}

/* The spawn's address; it answers through its serve loop. */
static void spawn_net_up(struct __test_metadata *_metadata, char *reply,
			 size_t len)
{
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, "net-up " SPAWN_ADDR PREFIX "\n",
			    reply, len));
	ASSERT_STREQ("net-up 0", reply);
}

/* Addresses on both ends. */
static void link_up(struct __test_metadata *_metadata, char *reply, size_t len)
{
	ASSERT_EQ(0, mk_sh("ip addr add " HOST_ADDR PREFIX " dev " IFNAME));
	spawn_net_up(_metadata, reply, len);
}

/* Start the stopped spawn again: its link comes back, with its address. */
static void restart_link_up(struct __test_metadata *_metadata, char *reply,
			    size_t len)
{
	ASSERT_EQ(0, mk_sh("mkctl start " NAME " --wait=%d >/dev/null",
			   MK_TIMEOUT_S));
	ASSERT_TRUE(wait_carrier(1, CARRIER_WAIT_S));
	spawn_net_up(_metadata, reply, len);
}

/* The host pings the spawn @count times: every one answered. */
static void host_pings_n(struct __test_metadata *_metadata, int count,
			 int size)
{
	EXPECT_EQ(0, mk_sh("ping -c %d -A -s %d -W 5 " SPAWN_ADDR
			   " | grep -q ' %d packets received'",
			   count, size, count))
		mk_sh("ping -c 3 -W 2 " SPAWN_ADDR " >&2; cat " MK_SYSFS
		      "/instances/" NAME "/stats >&2");
}

static void host_pings(struct __test_metadata *_metadata, int size)
{
	host_pings_n(_metadata, PINGS, size);
}

/* The spawn pings the host @count times: every one answered. */
static void spawn_pings(struct __test_metadata *_metadata, char *reply,
			size_t len, int count, int size)
{
	char cmd[64], want[32];

	snprintf(cmd, sizeof(cmd), "ping " HOST_ADDR " %d %d\n", count, size);
	snprintf(want, sizeof(want), "ping %d", count);
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, cmd, reply, len));
	EXPECT_STREQ(want, reply) TH_LOG("%d-byte pings", size);
}

/* A counter of mk-n from /sys/class/net/mk-n/statistics. */
static long long link_stat(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/class/net/" IFNAME "/statistics/%s",
		 name);
	return mk_read_ll(path);
}

/* Exit 0 when the counter named by %s is above 0 in ethtool -S output. */
#define AWK_POSITIVE "awk '$1 == \"%s:\" && $2 > 0 { found = 1 } END { exit !found }'"

/* A counter ethtool -S shows for mk-n is above 0. */
static bool ethtool_stat_positive(const char *name)
{
	return !mk_sh("ethtool -S " IFNAME " | " AWK_POSITIVE, name);
}

/* The checksum mk-net's stream of @bytes from TCP_SEED has, into @sum. */
static void tcp_sum(struct __test_metadata *_metadata, int bytes, char *sum,
		    size_t len)
{
	ASSERT_EQ(0, mk_net_sum(bytes, TCP_SEED, sum, len));
}

/*
 * MTU 9000 at both ends: 100 pings each way at 56, 1472 and 8972 bytes,
 * all answered, and no packet fragmented: each ping is one packet in
 * and one out of mk-n (the spawn would split an 8972-byte reply at a
 * lower MTU).
 */
TEST_F_TIMEOUT(net, jumbo_pings_both_ways_unfragmented, 600)
{
	static const int sizes[] = { 56, 1472, 8972 };
	long long rx, tx;
	unsigned int i;

	start_spawn(_metadata, " --mtu 9000");
	EXPECT_EQ(JUMBO_MTU, mk_read_ll("/sys/class/net/" IFNAME "/mtu"));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_mtu 9000"));
	/* Not above what the spawn's receive buffers were sized for. */
	EXPECT_NE(0, mk_sh("ip link set " IFNAME " mtu 9001 2>/dev/null"));
	link_up(_metadata, self->reply, sizeof(self->reply));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		rx = link_stat("rx_packets");
		tx = link_stat("tx_packets");
		host_pings_n(_metadata, JUMBO_PINGS, sizes[i]);
		spawn_pings(_metadata, self->reply, sizeof(self->reply),
			    JUMBO_PINGS, sizes[i]);
		EXPECT_LE(link_stat("rx_packets") - rx,
			  2 * JUMBO_PINGS + PING_SLACK) TH_LOG("%d", sizes[i]);
		EXPECT_LE(link_stat("tx_packets") - tx,
			  2 * JUMBO_PINGS + PING_SLACK) TH_LOG("%d", sizes[i]);
	}
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_netdev " IFNAME));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset 0"));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_bad_length 0"));
}

TEST_F_TIMEOUT(net, tcp_both_ways_checksums_equal, 600)
{
	char sum[64], got[128], want[256];

	start_spawn(_metadata, "");
	link_up(_metadata, self->reply, sizeof(self->reply));

	tcp_sum(_metadata, TCP_BYTES, sum, sizeof(sum));

	/* Host to spawn: the spawn receives and answers what it got. */
	snprintf(want, sizeof(want), "tcp-recv %d\n", TCP_PORT);
	ASSERT_EQ(0, mk_serve(NAME, want));
	ASSERT_EQ(0, mk_sh("timeout %d mk-net send " SPAWN_ADDR " %d %d %d >/dev/null",
			   MK_TIMEOUT_S,
			   TCP_PORT, TCP_BYTES, TCP_SEED));
	snprintf(want, sizeof(want), "MKSPAWN-ANSWER tcp-recv %s", sum);
	EXPECT_TRUE(mk_wait_console(NAME, want, got, sizeof(got),
				    MK_TIMEOUT_S))
		mk_sh("tail -n 20 " MK_SYSFS "/instances/" NAME "/console >&2; "
		      "grep virtio " MK_SYSFS "/instances/" NAME "/stats >&2; "
		      "ip -s link show " IFNAME " >&2");

	/* Spawn to host. */
	snprintf(want, sizeof(want),
		 "mk-net recv %d 60 > /tmp/net_test.recv & sleep 1; echo 'tcp-send "
		 HOST_ADDR " %d %d %d' > /dev/mk-" NAME "; wait",
		 TCP_PORT, TCP_PORT, TCP_BYTES, TCP_SEED);
	EXPECT_EQ(0, mk_sh("%s", want));
	EXPECT_EQ(0, mk_read_file("/tmp/net_test.recv", got, sizeof(got)));
	EXPECT_STREQ(sum, got);
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset 0"));

	/*
	 * Whole 64 KiB segments went each way, checksums left to the other
	 * end; the host's went into several mergeable buffers at once.
	 */
	EXPECT_EQ(0, mk_sh("ethtool -i " IFNAME " | grep -qx 'driver: multikernel'"));
	EXPECT_EQ(0, mk_sh("ethtool -i " IFNAME " | grep -qx 'bus-info: instance:" NAME ":0'"));
	EXPECT_TRUE(ethtool_stat_positive("gso_to_spawn"));
	EXPECT_TRUE(ethtool_stat_positive("csum_to_spawn"));
	EXPECT_TRUE(ethtool_stat_positive("gso_from_spawn"));
	EXPECT_TRUE(ethtool_stat_positive("csum_from_spawn"));
	EXPECT_TRUE(ethtool_stat_positive("virtio_kicks"));
	EXPECT_FALSE(ethtool_stat_positive("virtio_needs_reset"));
	EXPECT_EQ(0, mk_sh("ethtool -k " IFNAME " | grep -qx 'tx-checksumming: on'"));
	EXPECT_EQ(0, mk_sh("ethtool -k " IFNAME " | grep -qx 'tcp-segmentation-offload: on'"));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_bad_length 0"));
}

/*
 * Eight TCP connections at once, four each way, each with its own data:
 * every one arrives intact.
 */
TEST_F_TIMEOUT(net, eight_connections_at_once_arrive_intact, 600)
{
	char sum[64], got[128], cmd[256], script[1024];
	size_t used;
	int i;

	start_spawn(_metadata, "");
	link_up(_metadata, self->reply, sizeof(self->reply));
	for (i = 0; i < TCP_CONNS; i++) {
		snprintf(cmd, sizeof(cmd), "tcp-recv %d\n", TCP_TO_SPAWN + i);
		ASSERT_EQ(0, mk_serve(NAME, cmd));
	}
	/* Receivers here, senders there, senders here; then wait for all. */
	used = snprintf(script, sizeof(script), "rm -f /tmp/net_test.recv.*;");
	for (i = 0; i < TCP_CONNS; i++)
		used += snprintf(script + used, sizeof(script) - used,
				 " mk-net recv %d 120 > /tmp/net_test.recv.%d &",
				 TCP_TO_HOST + i, i);
	used += snprintf(script + used, sizeof(script) - used, " sleep 1;");
	for (i = 0; i < TCP_CONNS; i++)
		used += snprintf(script + used, sizeof(script) - used,
				 " echo 'tcp-send-bg %s %d %d %d' > /dev/mk-%s;",
				 HOST_ADDR, TCP_TO_HOST + i, TCP_CONN_BYTES,
				 TCP_SEED + TCP_CONNS + i, NAME);
	for (i = 0; i < TCP_CONNS; i++)
		used += snprintf(script + used, sizeof(script) - used,
				 " timeout %d mk-net send %s %d %d %d >/dev/null &",
				 MK_TIMEOUT_S, SPAWN_ADDR, TCP_TO_SPAWN + i,
				 TCP_CONN_BYTES, TCP_SEED + i);
	ASSERT_LT(used, sizeof(script) - sizeof(" wait"));
	strcat(script, " wait");
	ASSERT_EQ(0, mk_sh("%s", script));
	for (i = 0; i < TCP_CONNS; i++) {
		snprintf(cmd, sizeof(cmd), "/tmp/net_test.recv.%d", i);
		EXPECT_EQ(0, mk_read_file(cmd, got, sizeof(got)));
		/* What the spawn sent on connection i, from seed + 4 + i. */
		ASSERT_EQ(0, mk_net_sum(TCP_CONN_BYTES, TCP_SEED + TCP_CONNS + i,
					sum, sizeof(sum)));
		EXPECT_STREQ(sum, got) TH_LOG("to the host, connection %d", i);
		ASSERT_EQ(0, mk_net_sum(TCP_CONN_BYTES, TCP_SEED + i, sum,
					sizeof(sum)));
		snprintf(cmd, sizeof(cmd), "MKSPAWN-ANSWER tcp-recv %s", sum);
		EXPECT_TRUE(mk_wait_console(NAME, cmd, got, sizeof(got),
					    MK_TIMEOUT_S))
			TH_LOG("to the spawn, connection %d", i);
	}
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset 0"));
}

TEST_F_TIMEOUT(net, carrier_follows_spawn_and_restart_reconnects, 900)
{
	start_spawn(_metadata, "=02:00:00:00:77:02");
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_mac 02:00:00:00:77:02"));
	link_up(_metadata, self->reply, sizeof(self->reply));
	host_pings(_metadata, 56);

	ASSERT_EQ(0, mk_inst_write(NAME, "control", "kill"));
	ASSERT_TRUE(mk_wait_state(NAME, "stopped", 0));
	EXPECT_TRUE(wait_carrier(0, 0));
	/* Nothing reaches a stopped spawn; the host side does not hang. */
	EXPECT_NE(0, mk_sh("ping -c 1 -W 2 " SPAWN_ADDR " >/dev/null"));

	restart_link_up(_metadata, self->reply, sizeof(self->reply));
	host_pings(_metadata, 56);

	ASSERT_EQ(0, mk_inst_write(NAME, "control", "kill"));
	ASSERT_TRUE(mk_wait_state(NAME, "stopped", 0));
	ASSERT_EQ(0, mk_sh("mkctl destroy " NAME));
	EXPECT_EQ(-1, carrier());
}

/* Load the test kernel into @name and start it. */
static void start_loaded(struct __test_metadata *_metadata, const char *name)
{
	ASSERT_EQ(0, mk_sh("mkctl load %s --kernel " MK_KERNEL " --initrd "
			   MK_INITRD " --cmdline '" MK_CMDLINE "'", name));
	ASSERT_EQ(0, mk_sh("mkctl start %s --wait=%d >/dev/null", name,
			   MK_TIMEOUT_S));
}

/*
 * A spawn offers its host a malformed buffer (test hook): the device is
 * marked NEEDS_RESET with the reason, its link goes down, the host stays
 * fine and another spawn's NIC keeps working; a restart resets the device.
 */
static void hostile_ring(struct __test_metadata *_metadata, char *reply,
			 size_t len, const char *how, const char *why)
{
	char cmd[64], want[128];

	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	ASSERT_EQ(0, mk_sh("mkctl create " NAME " --cpus 2 --memory 128M --net"));
	ASSERT_EQ(0, mk_sh("mkctl create m --cpus 3 --memory 128M --net"));
	ASSERT_EQ(0, mk_sh("ip link set " IFNAME " up"));
	ASSERT_EQ(0, mk_sh("ip link set mk-m up"));
	ASSERT_EQ(0, mk_sh("ip addr add 10.78.0.1/24 dev mk-m"));
	start_loaded(_metadata, NAME);
	start_loaded(_metadata, "m");
	ASSERT_TRUE(wait_carrier(1, CARRIER_WAIT_S));
	ASSERT_EQ(0, mk_ask("/dev/mk-m", "net-up 10.78.0.2/24\n", reply, len));
	link_up(_metadata, reply, len);
	host_pings(_metadata, 56);

	/* Queue 1: the spawn's transmit queue, which the host reads. */
	snprintf(cmd, sizeof(cmd), "virtio-break 0 1 %s\n", how);
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, cmd, reply, len));
	ASSERT_STREQ("virtio-break 0", reply);
	snprintf(want, sizeof(want), "virtio0_needs_reset_why %s", why);
	EXPECT_TRUE(mk_wait_stats(NAME, "virtio0_needs_reset 1", CARRIER_WAIT_S))
		mk_sh("grep virtio " MK_SYSFS "/instances/" NAME "/stats >&2");
	EXPECT_TRUE(mk_stats_has(NAME, want));
	EXPECT_TRUE(wait_carrier(0, CARRIER_WAIT_S));
	EXPECT_TRUE(mk_dmesg_has("needs reset"));
	/* The other spawn's NIC and the host are unaffected. */
	EXPECT_EQ(0, mk_sh("ping -c 5 -i 0.2 -W 5 10.78.0.2 | grep -q ' 5 packets received'"));
	EXPECT_TRUE(mk_stats_has("m", "virtio0_needs_reset 0"));
	EXPECT_TRUE(mk_wait_state(NAME, "running", 0));

	/* A new start is a new device. */
	ASSERT_EQ(0, mk_inst_write(NAME, "control", "kill"));
	ASSERT_TRUE(mk_wait_state(NAME, "stopped", 0));
	restart_link_up(_metadata, reply, len);
	host_pings(_metadata, 56);
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset_why none"));
}

TEST_F_TIMEOUT(net, buffer_outside_window_needs_reset_host_unaffected, 900)
{
	hostile_ring(_metadata, self->reply, sizeof(self->reply), "addr",
		     "transmit buffer outside the I/O window");
}

TEST_F_TIMEOUT(net, descriptor_loop_needs_reset_host_unaffected, 900)
{
	hostile_ring(_metadata, self->reply, sizeof(self->reply), "loop",
		     "bad transmit descriptor");
}

/* vringh refuses an available index that moved past the ring's size. */
TEST_F_TIMEOUT(net, avail_index_jump_needs_reset_host_unaffected, 900)
{
	hostile_ring(_metadata, self->reply, sizeof(self->reply), "jump",
		     "bad transmit descriptor");
}

/* A packet whose header asks for an offload the device never offered. */
TEST_F_TIMEOUT(net, bad_virtio_net_hdr_needs_reset_host_unaffected, 900)
{
	hostile_ring(_metadata, self->reply, sizeof(self->reply), "hdr",
		     "virtio_net_hdr asks for an offload not negotiated");
}

/*
 * Kill and restart a spawn with a NIC, with traffic each time: every
 * start gets its link and answers, and the host's slab and vmalloc stay
 * within MK_CYCLE_GROWTH_KB of what they were after the first cycle.
 */
TEST_F_TIMEOUT(net, kill_restart_cycles_with_traffic_keep_host_memory_flat, 900)
{
	long long first = -1, last;
	int i;

	start_spawn(_metadata, "");
	ASSERT_EQ(0, mk_sh("ip addr add " HOST_ADDR PREFIX " dev " IFNAME));
	for (i = 0; i < mk_rounds(NIC_CYCLES); i++) {
		if (i)
			restart_link_up(_metadata, self->reply,
					sizeof(self->reply));
		else
			spawn_net_up(_metadata, self->reply,
				     sizeof(self->reply));
		EXPECT_EQ(0, mk_sh("ping -c %d -i 0.2 -W 5 " SPAWN_ADDR
				   " | grep -q ' %d packets received'",
				   CYCLE_PINGS, CYCLE_PINGS))
			TH_LOG("cycle %d", i);
		ASSERT_EQ(0, mk_inst_write(NAME, "control", "kill"));
		ASSERT_TRUE(mk_wait_state(NAME, "stopped", 0));
		EXPECT_TRUE(wait_carrier(0, 0));
		if (!i)
			first = mk_host_kernel_kb();
	}
	last = mk_host_kernel_kb();
	ASSERT_GT(first, 0);
	ksft_print_msg("slab+vmalloc after cycle 1: %lld KiB, after %d: %lld KiB\n",
		       first, mk_rounds(NIC_CYCLES), last);
	EXPECT_LE(last - first, MK_CYCLE_GROWTH_KB);
}

/*
 * Two spawns bridged on the host: each pings the other at two sizes, a
 * TCP stream from one reaches the other intact, the host reaches both
 * through the bridge, and the host's own pings see no loss.
 */
TEST_F_TIMEOUT(net, two_spawns_talk_through_a_host_bridge, 900)
{
	char *reply = self->reply, sum[64], got[128], cmd[128];
	size_t len = sizeof(self->reply);

	ASSERT_EQ(0, mk_cpu_set_online(2, false));
	ASSERT_EQ(0, mk_cpu_set_online(3, false));
	ASSERT_EQ(0, mk_sh("mkctl create " NAME " --cpus 2 --memory 128M --net"));
	ASSERT_EQ(0, mk_sh("mkctl create m --cpus 3 --memory 128M --net"));
	ASSERT_EQ(0, mk_sh("ip link add " BRIDGE " type bridge"));
	ASSERT_EQ(0, mk_sh("ip link set " IFNAME " master " BRIDGE));
	ASSERT_EQ(0, mk_sh("ip link set mk-m master " BRIDGE));
	ASSERT_EQ(0, mk_sh("ip link set " IFNAME " up"));
	ASSERT_EQ(0, mk_sh("ip link set mk-m up"));
	ASSERT_EQ(0, mk_sh("ip addr add " BR_HOST "/24 dev " BRIDGE));
	ASSERT_EQ(0, mk_sh("ip link set " BRIDGE " up"));
	start_loaded(_metadata, NAME);
	start_loaded(_metadata, "m");
	ASSERT_TRUE(wait_carrier(1, CARRIER_WAIT_S));
	ASSERT_TRUE(wait_carrier_of("mk-m", 1, CARRIER_WAIT_S));
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, "net-up " BR_SPAWN_N "/24\n",
			    reply, len));
	ASSERT_STREQ("net-up 0", reply);
	ASSERT_EQ(0, mk_ask("/dev/mk-m", "net-up " BR_SPAWN_M "/24\n", reply,
			    len));
	ASSERT_STREQ("net-up 0", reply);

	/* Spawn to spawn, both ways; each answers how many came back. */
	snprintf(cmd, sizeof(cmd), "ping " BR_SPAWN_M " %d 56\n", PINGS);
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, cmd, reply, len));
	snprintf(got, sizeof(got), "ping %d", PINGS);
	EXPECT_STREQ(got, reply);
	snprintf(cmd, sizeof(cmd), "ping " BR_SPAWN_N " %d 1472\n", PINGS);
	ASSERT_EQ(0, mk_ask("/dev/mk-m", cmd, reply, len));
	EXPECT_STREQ(got, reply);

	/* A TCP stream from n to m arrives as it was sent. */
	tcp_sum(_metadata, BR_TCP_BYTES, sum, sizeof(sum));
	snprintf(cmd, sizeof(cmd), "tcp-recv %d\n", TCP_PORT);
	ASSERT_EQ(0, mk_serve("m", cmd));
	snprintf(cmd, sizeof(cmd), "tcp-send " BR_SPAWN_M " %d %d %d\n",
		 TCP_PORT, BR_TCP_BYTES, TCP_SEED);
	ASSERT_EQ(0, mk_ask("/dev/mk-" NAME, cmd, reply, len));
	snprintf(cmd, sizeof(cmd), "MKSPAWN-ANSWER tcp-recv %s", sum);
	EXPECT_TRUE(mk_wait_console("m", cmd, got, sizeof(got), MK_TIMEOUT_S))
		mk_sh("tail -n 20 " MK_SYSFS "/instances/m/console >&2");

	/* The host, on the bridge, reaches both. */
	EXPECT_EQ(0, mk_sh("ping -c %d -i 0.2 -W 5 " BR_SPAWN_N
			   " | grep -q ' %d packets received'", PINGS, PINGS));
	EXPECT_EQ(0, mk_sh("ping -c %d -i 0.2 -W 5 " BR_SPAWN_M
			   " | grep -q ' %d packets received'", PINGS, PINGS));
	EXPECT_TRUE(mk_stats_has(NAME, "virtio0_needs_reset 0"));
	EXPECT_TRUE(mk_stats_has("m", "virtio0_needs_reset 0"));

	/* Destroy takes both ports out of the bridge. */
	mk_cleanup();
	EXPECT_EQ(0, mk_sh("[ -z \"$(ls /sys/class/net/" BRIDGE "/brif)\" ]"));
	EXPECT_EQ(0, mk_sh("ip link del " BRIDGE));
}

TEST_F(net, bad_net_keys_are_refused)
{
	mk_sh("for c in 2 3; do echo 0 > /sys/devices/system/cpu/cpu$c/online; done");
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M net=zz"));
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M net=01:00:00:00:00:01"));
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M iowin=8M"));
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M net iowin=512M"));
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M netx"));
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M net mtu=9001"));
	EXPECT_EQ(-EINVAL, mk_write_file(MK_SYSFS "/create",
					 NAME " cpus=2 memory=64M vsock mtu=1500"));
	EXPECT_EQ(-ENAMETOOLONG,
		  mk_write_file(MK_SYSFS "/create",
				"a-name-too-long-for-ifnames cpus=2 memory=64M net"));
	EXPECT_EQ(-1, carrier());
	EXPECT_NE(0, access(MK_SYSFS "/instances/a-name-too-long-for-ifnames",
			    F_OK));
	mk_sh("for c in 2 3; do echo 1 > /sys/devices/system/cpu/cpu$c/online; done");
}

TEST_HARNESS_MAIN

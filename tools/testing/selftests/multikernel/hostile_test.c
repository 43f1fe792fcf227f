// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: a broken mailbox peer, in both directions. A spawn that
 * publishes records of every kind of wrong, floods the host's doorbell,
 * floods user messages nobody reads, or never says it is ready; a host
 * that breaks its own ring to the spawn. The other kernel must name the
 * fault, stay up and stay responsive; the instance must start again.
 */
#include <linux/multikernel.h>
#include <sys/ioctl.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define DEV		"/dev/mk-a"
#define DBG		"/sys/kernel/debug/multikernel/"
#define BOOT_TIMEOUT	DBG "boot_timeout_ms"
#define PROTOCOL_ERROR	"exit_reason protocol-error\n"
/* How long the spawn's doorbell flood would last if nobody stopped it. */
#define FLOOD_MS	"8000"
/* User messages the spawn sends, and how many the host keeps unread. */
#define FLOOD_MSGS	3000
#define FLOOD_MSGS_STR	"3000"
#define QUEUE_MAX	256
/* How long a spawn whose host ring broke must still be seen running. */
#define STILL_RUNNING_S	2

static int run_serving(void)
{
	return mk_sh("mkctl run a --cpus 3 --memory 128M --kernel " MK_KERNEL
		     " --initrd " MK_INITRD " --cmdline '" MK_CMDLINE
		     "' --offline --wait=%d", MK_TIMEOUT_S);
}

static bool wait_line(const char *needle)
{
	char line[256];

	return mk_wait_console("a", needle, line, sizeof(line), MK_TIMEOUT_S);
}

/* instances/a/stats value of @key, or -1. */
static long long stat_of(const char *key)
{
	char stats[2048], *p;

	if (mk_inst_read("a", "stats", stats, sizeof(stats)))
		return -1;
	p = strstr(stats, key);
	return p ? atoll(p + strlen(key)) : -1;
}

FIXTURE(peer) {
	int fd;
};

FIXTURE_SETUP(peer)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	self->fd = -1;
}

FIXTURE_TEARDOWN(peer)
{
	mk_write_file(BOOT_TIMEOUT, "0");
	if (self->fd >= 0)
		close(self->fd);
	mk_cleanup();
}

/*
 * Each way a record can be wrong, one start each: the host must stop
 * the instance with a protocol error, and the same image boots again.
 */
TEST_F_TIMEOUT(peer, every_kind_of_bad_record_is_a_protocol_error, 900)
{
	static const char * const modes[] = { "head", "pad", "len", "type",
					      "seq" };
	char cmd[32];
	unsigned int i;

	ASSERT_EQ(0, run_serving());
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
		snprintf(cmd, sizeof(cmd), "scribble %s\n", modes[i]);
		ASSERT_EQ(0, mk_serve("a", cmd));
		ASSERT_TRUE(mk_wait_state("a", "crashed", MK_TIMEOUT_S))
			TH_LOG("mode %s", modes[i]);
		EXPECT_TRUE(mk_stats_has("a", PROTOCOL_ERROR))
			TH_LOG("mode %s", modes[i]);
		ASSERT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
	}
	/* Another instance starts beside it. */
	EXPECT_EQ(0, mk_sh("mkctl run b --cpus 2 --memory 128M --kernel "
			   MK_KERNEL " --initrd " MK_INITRD " --cmdline '"
			   MK_CMDLINE "' --offline --wait=%d", MK_TIMEOUT_S));
}

/*
 * The host breaks its ring to the spawn: the spawn says so and stops
 * reading it, but keeps running (a host fault must not take a spawn
 * down); a kill is still confirmed.
 */
TEST_F_TIMEOUT(peer, bad_record_from_the_host_leaves_the_spawn_running, 300)
{
	char line[256];

	ASSERT_EQ(0, run_serving());
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	EXPECT_EQ(-EINVAL, mk_write_file(DBG "scribble", "a nonsense"));
	EXPECT_EQ(-ENOENT, mk_write_file(DBG "scribble", "nosuch type"));
	ASSERT_EQ(0, mk_write_file(DBG "scribble", "a type"));
	ASSERT_TRUE(mk_wait_console("a", "corrupt mailbox from peer", line,
				    sizeof(line), MK_TIMEOUT_S));
	TH_LOG("spawn: %s", line);
	sleep(STILL_RUNNING_S);
	EXPECT_TRUE(mk_wait_state("a", "running", 0));
	EXPECT_TRUE(mk_stats_has("a", "exit_reason none\n"));
	ASSERT_EQ(0, mk_inst_write("a", "control", "kill"));
	EXPECT_TRUE(mk_wait_state("a", "stopped", 0));
	EXPECT_FALSE(mk_stats_has("a", "unconfirmed_cpu"));
	EXPECT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
}

/* Doorbells that announce nothing: stopped long before the flood ends. */
TEST_F_TIMEOUT(peer, doorbell_flood_is_stopped_and_reported, 300)
{
	ASSERT_EQ(0, run_serving());
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_serve("a", "doorbell-flood " FLOOD_MS "\n"));
	ASSERT_TRUE(wait_line("ringing the host's doorbell"));
	ASSERT_TRUE(mk_wait_state("a", "crashed", MK_TIMEOUT_S));
	EXPECT_TRUE(mk_stats_has("a", "exit_reason doorbell-flood\n"));
	EXPECT_FALSE(mk_stats_has("a", "unconfirmed_cpu"));
	/* Parked mid-flood: it never got to say how many it rang. */
	EXPECT_NE(0, mk_sh("mkctl log a | grep -q 'rang the host'"));
	EXPECT_TRUE(mk_dmesg_has("more allowed), resetting its CPUs"));
	EXPECT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
}

/*
 * Thousands of user messages nobody reads: the host keeps the first 256,
 * counts the rest as dropped, and the mailbox keeps working.
 */
TEST_F_TIMEOUT(peer, unread_user_message_flood_is_bounded, 300)
{
	struct multikernel_ping ping;
	char buf[MULTIKERNEL_MSG_MAX], want[32];
	int kept = 0, in_order = 0, i;
	ssize_t n;

	ASSERT_EQ(0, run_serving());
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_serve("a", "flood-user " FLOOD_MSGS_STR "\n"));
	ASSERT_TRUE(wait_line("MKSPAWN-FLOODED"));
	/* Every message reaches the host; all but the queue's are dropped. */
	for (i = 0; i < MK_TIMEOUT_S * 10; i++) {
		if (stat_of("user_dropped ") >= FLOOD_MSGS - QUEUE_MAX)
			break;
		usleep(100000);
	}
	EXPECT_LE(FLOOD_MSGS, stat_of("msgs_received "));
	EXPECT_EQ(FLOOD_MSGS - QUEUE_MAX, stat_of("user_dropped "));
	EXPECT_TRUE(mk_wait_state("a", "running", 0));

	self->fd = open(DEV, O_RDWR | O_NONBLOCK);
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(0, ioctl(self->fd, MULTIKERNEL_IOC_PING, &ping));
	while ((n = read(self->fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		snprintf(want, sizeof(want), "flood %d", kept);
		in_order += !strcmp(buf, want);
		kept++;
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(QUEUE_MAX, kept);
	EXPECT_EQ(QUEUE_MAX, in_order);
	/* Room again: the next message is kept. */
	ASSERT_EQ(0, mk_ask(DEV, "echo after\n", buf, sizeof(buf)));
	EXPECT_STREQ("after", buf);
}

/*
 * A spawn that boots but never says it is ready is killed at the boot
 * timeout (shortened here once it has got that far), and boots again
 * once it behaves.
 */
TEST_F_TIMEOUT(peer, spawn_never_ready_is_a_boot_timeout, 300)
{
	ASSERT_EQ(0, mk_sh("mkctl run a --cpus 2-3 --memory 128M --kernel "
			   MK_KERNEL " --initrd " MK_INITRD " --cmdline '"
			   MK_CMDLINE " multikernel.test_never_ready' --offline"));
	ASSERT_TRUE(wait_line("not telling the host we are ready"));
	/* Past the real timeout's start, nothing happens by itself... */
	EXPECT_TRUE(mk_wait_state("a", "starting", 0));
	ASSERT_EQ(0, mk_write_file(BOOT_TIMEOUT, "1"));
	ASSERT_TRUE(mk_wait_state("a", "crashed", MK_TIMEOUT_S));
	mk_write_file(BOOT_TIMEOUT, "0");
	EXPECT_TRUE(mk_stats_has("a", "exit_reason boot-timeout\n"));
	EXPECT_FALSE(mk_stats_has("a", "unconfirmed_cpu"));
	EXPECT_FALSE(mk_stats_has("a", "ready_ms"));
	ASSERT_EQ(0, mk_sh("mkctl load a --kernel " MK_KERNEL " --initrd "
			   MK_INITRD " --cmdline '" MK_CMDLINE "'"));
	EXPECT_EQ(0, mk_sh("mkctl start a --wait=%d", MK_TIMEOUT_S));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel mailbox: messages between the host and a real spawn, in
 * order and complete; back-pressure; graceful stop; and what happens
 * when the spawn panics, hangs with interrupts off or writes nonsense
 * into its shared header (hostile_test.c breaks the mailbox itself).
 * Every state transition must wake poll().
 */
#include <linux/multikernel.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define DEV		"/dev/mk-a"
#define STREAM_MSGS	100000
#define STREAM_MAX_LEN	1024
#define FULL_RING_TRIES	10000
#define PING_COUNT	100
#define HANDOVER_MAJOR	"/sys/kernel/debug/multikernel/handover_major"
#define UNKNOWN_MAJOR	"unsupported handover major version"
#define SHARED_VERSION	"/sys/kernel/debug/multikernel/shared_version"
#define UNKNOWN_SHARED	"unsupported shared area version"
/* The shared header's panic_msg field (MK_PANIC_MSG_MAX in the kernel). */
#define PANIC_MSG_MAX	128
/* A version neither the handover FDT nor the shared area will ever have. */
#define UNKNOWN_VERSION	"99"

static int mk_run_action(const char *cpus, const char *action)
{
	return mk_sh("mkctl run a --cpus %s --memory 128M --kernel " MK_KERNEL
		     " --initrd " MK_INITRD " --cmdline '" MK_CMDLINE
		     " mkspawn.action=%s' --offline --wait=%d", cpus, action,
		     MK_TIMEOUT_S);
}

static bool wait_line(const char *needle)
{
	char line[256];

	return mk_wait_console("a", needle, line, sizeof(line), MK_TIMEOUT_S);
}

FIXTURE(spawn) {
	int fd;
};

FIXTURE_SETUP(spawn)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	self->fd = -1;
}

FIXTURE_TEARDOWN(spawn)
{
	mk_write_file(HANDOVER_MAJOR, "0");
	mk_write_file(SHARED_VERSION, "0");
	if (self->fd >= 0)
		close(self->fd);
	mk_cleanup();
}

/* Message i: its index, then bytes derived from it; random-ish length. */
static size_t stream_msg(unsigned int i, unsigned char *buf)
{
	size_t len = sizeof(i) + (i * 2654435761u) % STREAM_MAX_LEN, j;

	memcpy(buf, &i, sizeof(i));
	for (j = sizeof(i); j < len; j++)
		buf[j] = (unsigned char)(i * 31 + j);
	return len;
}

TEST_F_TIMEOUT(spawn, hundred_thousand_messages_echo_in_order, 900)
{
	unsigned char out[STREAM_MAX_LEN + 8], in[MULTIKERNEL_MSG_MAX];
	unsigned long long sum_out = 0, sum_in = 0;
	unsigned int sent = 0, got = 0, bad = 0;
	struct pollfd pfd;
	size_t len, j;
	ssize_t n;

	ASSERT_EQ(0, mk_run_action("3", "echo"));
	ASSERT_TRUE(wait_line("MKSPAWN-ECHO"));
	self->fd = open(DEV, O_RDWR | O_NONBLOCK);
	ASSERT_GE(self->fd, 0);

	pfd.fd = self->fd;
	while (got < STREAM_MSGS) {
		pfd.events = POLLIN | (sent < STREAM_MSGS ? POLLOUT : 0);
		ASSERT_LT(0, poll(&pfd, 1, MK_TIMEOUT_S * 1000))
			TH_LOG("stalled after %u sent, %u received", sent, got);
		ASSERT_EQ(0, pfd.revents & (POLLHUP | POLLERR));
		while (sent < STREAM_MSGS && sent - got < 64) {
			len = stream_msg(sent, out);
			n = write(self->fd, out, len);
			if (n < 0 && errno == EAGAIN)
				break;
			ASSERT_EQ((ssize_t)len, n);
			for (j = 0; j < len; j++)
				sum_out += out[j];
			sent++;
		}
		while ((n = read(self->fd, in, sizeof(in))) > 0) {
			unsigned int idx;

			memcpy(&idx, in, sizeof(idx));
			len = stream_msg(got, out);
			if (idx != got || (size_t)n != len || memcmp(in, out, len))
				bad++;
			for (j = 0; j < (size_t)n; j++)
				sum_in += in[j];
			got++;
		}
		ASSERT_TRUE(n < 0 && errno == EAGAIN);
	}
	TH_LOG("%u messages each way, checksum %llu", got, sum_in);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(sum_out, sum_in);
	EXPECT_TRUE(mk_stats_has("a", "user_dropped 0\n"));
}

TEST_F_TIMEOUT(spawn, full_ring_gives_eagain_and_recovers, 300)
{
	static char msg[MULTIKERNEL_MSG_MAX];
	int i, eagain = 0;

	ASSERT_EQ(0, mk_run_action("3", "rx-pause"));
	ASSERT_TRUE(wait_line("MKSPAWN-RX-PAUSED"));
	self->fd = open(DEV, O_WRONLY | O_NONBLOCK);
	ASSERT_GE(self->fd, 0);
	for (i = 0; i < FULL_RING_TRIES && !eagain; i++)
		if (write(self->fd, msg, sizeof(msg)) < 0)
			eagain = errno == EAGAIN;
	ASSERT_TRUE(eagain) TH_LOG("%d writes and never EAGAIN", i);
	EXPECT_TRUE(mk_stats_has("a", "ring_full "));
	EXPECT_FALSE(mk_stats_has("a", "ring_full 0\n"));
	/* Once the spawn takes messages again, writes go through. */
	ASSERT_TRUE(wait_line("MKSPAWN-RX-RESUMED"));
	for (i = 0; i < FULL_RING_TRIES; i++) {
		if (write(self->fd, msg, 16) == 16)
			break;
		usleep(10000);
	}
	EXPECT_LT(i, FULL_RING_TRIES);
}

TEST_F_TIMEOUT(spawn, user_messages_echo_and_epipe_after_kill, 300)
{
	char buf[MULTIKERNEL_MSG_MAX];
	struct multikernel_ping ping;

	ASSERT_EQ(0, mk_run_action("3", "echo"));
	ASSERT_TRUE(wait_line("MKSPAWN-ECHO"));
	self->fd = open(DEV, O_RDWR);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(5, write(self->fd, "hello", 5));
	ASSERT_EQ(5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, ioctl(self->fd, MULTIKERNEL_IOC_PING, &ping));
	EXPECT_GT(ping.ns, 0);

	ASSERT_EQ(0, mk_sh("mkctl kill a"));
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, ioctl(self->fd, MULTIKERNEL_IOC_PING, &ping));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F_TIMEOUT(spawn, ready_twice_and_heartbeats, 300)
{
	char stats[2048], *p;

	ASSERT_EQ(0, mk_run_action("3", "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	sleep(1);
	ASSERT_EQ(0, mk_inst_read("a", "stats", stats, sizeof(stats)));
	TH_LOG("%s", stats);
	EXPECT_NE(NULL, strstr(stats, "ready_ms "));
	EXPECT_NE(NULL, strstr(stats, "init_ms "));
	p = strstr(stats, "heartbeats ");
	ASSERT_NE(NULL, p);
	EXPECT_GT(atoi(p + strlen("heartbeats ")), 0);
}

/* The phases of a start in the stats file, by enum mk_boot_phase. */
static const char *const phase_names[] = {
	"install", "ipi", "trampoline", "kernel", "ready", "init",
};

/* Wait until a's stats say what its boot clock was; its stats in @stats. */
static bool wait_boot_clock(char *stats, size_t len)
{
	int i;

	for (i = 0; i < MK_TIMEOUT_S * 10; i++) {
		if (!mk_inst_read("a", "stats", stats, len) &&
		    strstr(stats, "boot_clock ") &&
		    !strstr(stats, "boot_clock none"))
			return true;
		usleep(100000);
	}
	return false;
}

/* The value of "KEY N" in @stats, or -1. */
static long long stat_ll(const char *stats, const char *key)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), "%s ", key);
	p = strstr(stats, needle);
	return p ? atoll(p + strlen(needle)) : -1;
}

/*
 * Every phase of a start is there and they add up: from the end of the
 * install phase (where init_ms starts counting) to /init, the phases and
 * init_ms agree to within its millisecond granularity, the doorbell's
 * latency and 5%. Also for a restart.
 */
static void check_phases(struct __test_metadata *_metadata)
{
	long long sum = 0, v, init_us;
	char stats[2048], key[32];
	unsigned int i;

	ASSERT_TRUE(wait_boot_clock(stats, sizeof(stats)));
	TH_LOG("%s", stats);
	ASSERT_NE(NULL, strstr(stats, "boot_clock synchronised"));
	for (i = 0; i < ARRAY_SIZE(phase_names); i++) {
		snprintf(key, sizeof(key), "phase_%s_us", phase_names[i]);
		v = stat_ll(stats, key);
		ASSERT_LE(0, v) TH_LOG("no %s", key);
		if (i > 0)	/* install ends where init_ms starts */
			sum += v;
	}
	/* Booting a kernel takes time: decompression, at least. */
	EXPECT_LT(0, stat_ll(stats, "phase_kernel_us"));
	init_us = stat_ll(stats, "init_ms") * 1000;
	ASSERT_LE(0, init_us);
	EXPECT_LE(sum, init_us + 1000 + init_us / 20);
	EXPECT_GE(sum + 2000 + sum / 20, init_us);
}

TEST_F_TIMEOUT(spawn, start_phases_add_up, 300)
{
	ASSERT_EQ(0, mk_run_action("3", "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	check_phases(_metadata);
	ASSERT_EQ(0, mk_sh("mkctl stop a && mkctl start a --wait=%d",
			   MK_TIMEOUT_S));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	check_phases(_metadata);
}

/* A spawn whose counter lags the host's gets no phases, only the verdict. */
TEST_F_TIMEOUT(spawn, unsynchronised_clock_gives_no_phases, 300)
{
	char stats[2048];

	ASSERT_EQ(0, mk_run_action("3", "serve multikernel.test_clock_behind"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_TRUE(wait_boot_clock(stats, sizeof(stats)));
	EXPECT_NE(NULL, strstr(stats, "boot_clock unsynchronised"));
	EXPECT_EQ(NULL, strstr(stats, "phase_"));
}

TEST_F_TIMEOUT(spawn, graceful_stop_returns_everything, 300)
{
	char line[64];

	ASSERT_EQ(0, mk_run_action("3", "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_inst_write("a", "control", "stop"));
	ASSERT_TRUE(mk_wait_state("a", "stopped", MK_TIMEOUT_S));
	EXPECT_TRUE(mk_stats_has("a", "exit_reason poweroff\n"));
	EXPECT_TRUE(mk_wait_console("a", "MKSPAWN-STOPPING", line, sizeof(line),
				    1));
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
}

TEST_F_TIMEOUT(spawn, stop_ignored_ends_in_kill, 300)
{
	ASSERT_EQ(0, mk_run_action("3", "ignore-stop"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_inst_write("a", "control", "stop 2"));
	ASSERT_TRUE(mk_wait_state("a", "stopping", 1));
	ASSERT_TRUE(mk_wait_state("a", "stopped", MK_TIMEOUT_S));
	EXPECT_TRUE(mk_stats_has("a", "exit_reason stop-timeout\n"));
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
}

/*
 * Start a serving spawn on CPU 3, have it run @cmd, and expect the host
 * to call it crashed for @reason ("exit_reason ...\n").
 */
static void spawn_crashes_on(struct __test_metadata *_metadata,
			     const char *cpus, const char *cmd,
			     const char *reason)
{
	ASSERT_EQ(0, mk_run_action(cpus, "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_serve("a", cmd));
	ASSERT_TRUE(mk_wait_state("a", "crashed", MK_TIMEOUT_S));
	EXPECT_TRUE(mk_stats_has("a", reason));
}

static void spawn_crashes(struct __test_metadata *_metadata, const char *cmd,
			  const char *reason)
{
	spawn_crashes_on(_metadata, "3", cmd, reason);
}

TEST_F_TIMEOUT(spawn, panic_is_crashed_with_oops_and_restart_works, 300)
{
	spawn_crashes(_metadata, "panic\n", "exit_reason panic\n");
	EXPECT_TRUE(mk_stats_has("a", "panic_message sysrq triggered crash"));
	EXPECT_EQ(0, mk_sh("mkctl log a | grep -q 'Kernel panic - not syncing'"));
	/* The host is fine and the same image boots again. */
	ASSERT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
	EXPECT_TRUE(wait_line("MKSPAWN-IDLE"));
}

/*
 * Make the next start claim version 99 through the host's debugfs @hook:
 * the spawn must refuse to boot with @reason, which reaches stats and the
 * log at once; with the real version back, a restart boots.
 */
static void refuses_version(struct __test_metadata *_metadata,
			    const char *hook, const char *reason)
{
	char line[128];

	snprintf(line, sizeof(line), "panic_message %s", reason);
	ASSERT_EQ(0, mk_write_file(hook, UNKNOWN_VERSION));
	/* No --wait: run would undo the create when the start fails. */
	ASSERT_EQ(0, mk_sh("mkctl run a --cpus 3 --memory 128M --kernel " MK_KERNEL
			   " --initrd " MK_INITRD " --cmdline '" MK_CMDLINE "' --offline"));
	EXPECT_TRUE(mk_wait_state("a", "crashed", MK_TIMEOUT_S));
	mk_write_file(hook, "0");
	EXPECT_TRUE(mk_stats_has("a", "exit_reason panic\n"));
	EXPECT_TRUE(mk_stats_has("a", line));
	EXPECT_EQ(0, mk_sh("mkctl log a | grep -q 'refusing to boot: %s'",
			   reason));
	EXPECT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
}

/* A spawn given a handover FDT of a major version it does not know. */
TEST_F_TIMEOUT(spawn, unknown_handover_major_is_refused_and_reported, 300)
{
	refuses_version(_metadata, HANDOVER_MAJOR, UNKNOWN_MAJOR);
}

/* A spawn whose shared area claims a layout version it does not know. */
TEST_F_TIMEOUT(spawn, unknown_shared_area_version_is_refused_and_reported, 300)
{
	refuses_version(_metadata, SHARED_VERSION, UNKNOWN_SHARED);
}

TEST_F_TIMEOUT(spawn, hang_with_interrupts_off_is_caught_by_heartbeat, 300)
{
	spawn_crashes(_metadata, "hang\n", "exit_reason heartbeat-lost\n");
	/* INIT reset the CPU: the host can have it back. */
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
	EXPECT_EQ(0, mk_sh("taskset -c 3 true"));
}

/* Garbage in the shared header is a protocol error, nothing worse. */
TEST_F_TIMEOUT(spawn, invalid_state_or_exit_reason_is_a_protocol_error, 300)
{
	spawn_crashes(_metadata, "bad-state 7 0\n",
		      "exit_reason protocol-error\n");
	EXPECT_EQ(0, mk_sh("mkctl restart a --wait=%d", MK_TIMEOUT_S));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_serve("a", "bad-state 2 9\n"));
	ASSERT_TRUE(mk_wait_state("a", "crashed", MK_TIMEOUT_S));
	EXPECT_TRUE(mk_stats_has("a", "exit_reason protocol-error\n"));
}

/* A panic message with no NUL is cut to its field and terminated. */
TEST_F_TIMEOUT(spawn, unterminated_panic_message_is_cut_and_terminated, 300)
{
	char want[PANIC_MSG_MAX + 32] = "panic_message ";	/* zero-filled */
	size_t n = strlen(want);

	spawn_crashes(_metadata, "panic-unterminated\n",
		      "exit_reason panic\n");
	memset(want + n, 'M', PANIC_MSG_MAX - 1);
	want[n + PANIC_MSG_MAX - 1] = '\n';
	EXPECT_TRUE(mk_stats_has("a", want));
}

/*
 * A CPU that does not confirm the kill (as one held in VMX operation
 * would not): the instance is lost and keeps its CPU and memory, which
 * nothing may reuse, until a kill is confirmed.
 */
TEST_F_TIMEOUT(spawn, unconfirmed_kill_keeps_everything_until_a_kill_is_confirmed,
	       300)
{
	char reply[64];
	long long free;

	ASSERT_EQ(0, mk_run_action("3", "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_ask(DEV, "ignore-park 1\n", reply, sizeof(reply)));
	ASSERT_STREQ("ignore-park 1", reply);
	free = mk_read_ll(MK_SYSFS "/pool/memory_free");

	EXPECT_EQ(-ETIMEDOUT, mk_inst_write("a", "control", "kill"));
	EXPECT_TRUE(mk_wait_state("a", "lost", 0));
	EXPECT_TRUE(mk_stats_has("a", "unconfirmed_cpu 3\n"));
	EXPECT_EQ(-EBUSY, mk_write_file(MK_SYSFS "/destroy", "a"));
	EXPECT_EQ(-EBUSY, mk_inst_write("a", "control", "start"));
	EXPECT_EQ(-EBUSY, mk_cpu_set_online(3, true));
	EXPECT_EQ(free, mk_read_ll(MK_SYSFS "/pool/memory_free"));

	/* The next kill is confirmed: everything comes back. */
	ASSERT_EQ(0, mk_inst_write("a", "control", "kill"));
	EXPECT_TRUE(mk_wait_state("a", "stopped", 0));
	EXPECT_FALSE(mk_stats_has("a", "unconfirmed_cpu"));
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
}

/*
 * A CPU the spawn took offline ignores NMIs: it said it was parked when
 * it went down, so the kill is confirmed all the same.
 */
TEST_F_TIMEOUT(spawn, kill_is_confirmed_with_a_cpu_the_spawn_took_offline,
	       300)
{
	char reply[64];

	ASSERT_EQ(0, mk_run_action("2-3", "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	ASSERT_EQ(0, mk_ask(DEV, "cpu-offline 1\n", reply, sizeof(reply)));
	ASSERT_STREQ("cpu-offline 1 0", reply);
	EXPECT_EQ(0, mk_inst_write("a", "control", "kill"));
	EXPECT_TRUE(mk_wait_state("a", "stopped", 0));
	EXPECT_EQ(0, mk_cpu_set_online(2, true));
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
}

/*
 * One CPU of two wedged, the other fine: the kernel's heartbeat goes on
 * (its timer runs on the other CPU), but that CPU's own does not.
 */
TEST_F_TIMEOUT(spawn, hang_of_one_cpu_of_two_is_caught_by_its_heartbeat, 300)
{
	spawn_crashes_on(_metadata, "2-3", "hang-cpu 1\n",
			 "exit_reason heartbeat-lost\n");
	EXPECT_TRUE(mk_stats_has("a", "stalled_cpu 3\n"));
	EXPECT_EQ(0, mk_cpu_set_online(2, true));
	EXPECT_EQ(0, mk_cpu_set_online(3, true));
}

/* A child reports every state it is woken for, through a pipe. */
TEST_F_TIMEOUT(spawn, poll_on_state_wakes_for_every_transition, 300)
{
	char seen[512] = "", state[32], path[128];
	int pipefd[2], fd;
	struct pollfd pfd;
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, mk_sh("mkctl create a --cpus 3 --memory 128M --offline"));
	ASSERT_EQ(0, mk_sh("mkctl load a --kernel " MK_KERNEL " --initrd "
			   MK_INITRD " --cmdline '" MK_CMDLINE "'"));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(pipefd[0]);
		fd = open(mk_inst_path(path, sizeof(path), "a", "state"),
			  O_RDONLY);
		n = read(fd, state, sizeof(state) - 1);
		for (;;) {
			pfd.fd = fd;
			pfd.events = POLLPRI | POLLERR;
			if (poll(&pfd, 1, MK_TIMEOUT_S * 1000) <= 0)
				_exit(0);
			lseek(fd, 0, SEEK_SET);
			n = read(fd, state, sizeof(state) - 1);
			if (n <= 0)
				_exit(1);
			state[n] = '\0';
			if (write(pipefd[1], state, n) != n)
				_exit(1);
			if (!strcmp(state, "stopped\n"))
				_exit(0);
		}
	}
	close(pipefd[1]);
	usleep(200000);
	ASSERT_EQ(0, mk_inst_write("a", "control", "start"));
	ASSERT_TRUE(mk_wait_state("a", "running", MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_inst_write("a", "control", "kill"));
	waitpid(pid, NULL, 0);
	n = read(pipefd[0], seen, sizeof(seen) - 1);
	ASSERT_GT(n, 0);
	seen[n] = '\0';
	close(pipefd[0]);
	EXPECT_STREQ("starting\nrunning\nstopped\n", seen);
}

TEST_F_TIMEOUT(spawn, console_input_reaches_a_shell_on_hvc0, 300)
{
	struct multikernel_console_input in = { };
	static const char cmd[] = "echo MKCONSOLE-$((6 * 7))\n";

	ASSERT_EQ(0, mk_run_action("3", "serve"));
	ASSERT_TRUE(wait_line("MKSPAWN-IDLE"));
	self->fd = open(DEV, O_RDWR);
	ASSERT_GE(self->fd, 0);
	in.len = strlen(cmd);
	memcpy(in.data, cmd, in.len);
	ASSERT_EQ(0, ioctl(self->fd, MULTIKERNEL_IOC_CONSOLE_INPUT, &in));
	/* Only the shell's arithmetic, not the echo of the input, says 42. */
	EXPECT_TRUE(wait_line("MKCONSOLE-42"));
	in.len = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MULTIKERNEL_IOC_CONSOLE_INPUT, &in));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F_TIMEOUT(spawn, ping_round_trips, 300)
{
	struct multikernel_ping ping;
	int i;

	ASSERT_EQ(0, mk_run_action("3", "serve"));
	self->fd = open(DEV, O_RDWR);
	ASSERT_GE(self->fd, 0);
	for (i = 0; i < PING_COUNT; i++)
		ASSERT_EQ(0, ioctl(self->fd, MULTIKERNEL_IOC_PING, &ping));
}

TEST_HARNESS_MAIN

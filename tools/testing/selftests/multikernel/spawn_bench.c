// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel benchmarks (not tests: they assert nothing about speed).
 * Prints, for RUNS starts of one instance:
 *   start -> running   control "start" written until state is "running"
 *   start -> /init     until the spawn's /init has printed its first line
 * next to the host's own boot time to /init, from the host's kernel log;
 * then the mailbox: in-kernel round trips next to same-kernel cross-CPU
 * IPI round trips (debugfs multikernel/bench), a stream, and user-space
 * pings through /dev/mk-bench.
 * Under QEMU TCG these are functional, relative numbers only.
 *
 *   spawn_bench [RUNS]		(needs mkctl, MK_KERNEL and MK_INITRD)
 */
#include <linux/multikernel.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <time.h>

#include "mk_test.h"

#define DEFAULT_RUNS		5
#define MAX_RUNS		50
#define POLL_US			1000
#define SYSLOG_ACTION_READ_ALL	3
#define SYSLOG_ACTION_SIZE_BUFFER 10
#define NS_PER_MS		1000000.0

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Kernel log timestamp of "Run /init as init process", in ms. */
static double host_boot_to_init_ms(void)
{
	double secs = -1;
	char *log, *hit;
	int len;

	len = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (len <= 0)
		return -1;
	log = calloc(1, len + 1);
	if (!log)
		return -1;
	if (klogctl(SYSLOG_ACTION_READ_ALL, log, len) > 0) {
		hit = strstr(log, "Run /init as init process");
		while (hit && hit > log && *hit != '[')
			hit--;
		if (hit && *hit == '[')
			sscanf(hit + 1, "%lf", &secs);
	}
	free(log);
	return secs < 0 ? -1 : secs * 1000;
}

static bool console_has(const char *needle)
{
	static char con[65536 + 1];

	return !mk_inst_read("bench", "console", con, sizeof(con)) &&
	       strstr(con, needle);
}

#define BENCH_FILE		"/sys/kernel/debug/multikernel/bench"
#define BENCH_COUNT		2000
#define BENCH_MSG_SIZE		4096
#define USER_PINGS		500
#define NS_PER_US		1000.0

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%-28s min %8.1f ms  median %8.1f ms  max %8.1f ms  (n=%d)\n",
	       what, v[0], v[n / 2], v[n - 1], n);
}

static int mailbox_bench(void)
{
	static double rtt[USER_PINGS];
	struct multikernel_ping ping;
	char cmd[64], result[512];
	int fd, i;

	if (mk_inst_write("bench", "control", "start") ||
	    !mk_wait_state("bench", "running", MK_TIMEOUT_S)) {
		fprintf(stderr, "spawn_bench: cannot restart the instance\n");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "bench %d %d", BENCH_COUNT, BENCH_MSG_SIZE);
	if (mk_write_file(BENCH_FILE, cmd) ||
	    mk_read_file(BENCH_FILE, result, sizeof(result))) {
		fprintf(stderr, "spawn_bench: %s failed\n", BENCH_FILE);
		return 1;
	}
	printf("\nmailbox, %d round trips and a stream of %d x %d bytes:\n%s\n",
	       BENCH_COUNT, BENCH_COUNT, BENCH_MSG_SIZE, result);

	fd = open("/dev/mk-bench", O_RDWR);
	for (i = 0; fd >= 0 && i < USER_PINGS; i++) {
		if (ioctl(fd, MULTIKERNEL_IOC_PING, &ping))
			break;
		rtt[i] = ping.ns / NS_PER_US;
	}
	if (fd >= 0)
		close(fd);
	mk_cleanup();
	if (i < USER_PINGS) {
		fprintf(stderr, "spawn_bench: user-space ping failed\n");
		return 1;
	}
	qsort(rtt, USER_PINGS, sizeof(*rtt), cmp_double);
	printf("user-space ping (ioctl)      min %8.1f us  median %8.1f us  p99 %8.1f us  (n=%d)\n",
	       rtt[0], rtt[USER_PINGS / 2], rtt[USER_PINGS * 99 / 100],
	       USER_PINGS);
	return 0;
}

int main(int argc, char **argv)
{
	double to_running[MAX_RUNS], to_init[MAX_RUNS];
	int runs = argc > 1 ? atoi(argv[1]) : DEFAULT_RUNS;
	char state[32];
	uint64_t t0;
	int i;

	if (runs < 1 || runs > MAX_RUNS)
		runs = DEFAULT_RUNS;
	mk_cleanup();
	if (mk_sh("mkctl create bench --cpus 3 --memory 256M --offline") ||
	    mk_sh("mkctl load bench --kernel " MK_KERNEL " --initrd " MK_INITRD
		  " --cmdline '" MK_CMDLINE "'")) {
		fprintf(stderr, "spawn_bench: cannot set up the instance\n");
		return 1;
	}

	for (i = 0; i < runs; i++) {
		to_running[i] = -1;
		to_init[i] = -1;
		t0 = now_ns();
		if (mk_inst_write("bench", "control", "start"))
			break;
		while (now_ns() - t0 < MK_TIMEOUT_S * 1000000000ULL) {
			if (to_running[i] < 0 &&
			    !mk_inst_read("bench", "state", state, sizeof(state)) &&
			    !strcmp(state, "running"))
				to_running[i] = (now_ns() - t0) / NS_PER_MS;
			if (console_has("MKSPAWN-INIT")) {
				to_init[i] = (now_ns() - t0) / NS_PER_MS;
				break;
			}
			usleep(POLL_US);
		}
		mk_inst_write("bench", "control", "kill");
		if (to_running[i] < 0 || to_init[i] < 0)
			break;
	}
	if (i < runs) {
		mk_cleanup();
		fprintf(stderr, "spawn_bench: run %d did not reach /init\n", i + 1);
		return 1;
	}

	printf("spawn: 1 CPU, 256 MiB, same bzImage as the host\n");
	report("start -> running", to_running, runs);
	report("start -> spawn /init", to_init, runs);
	printf("%-28s %8.1f ms (host kernel log timestamp)\n",
	       "host boot -> host /init", host_boot_to_init_ms());
	return mailbox_bench();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel spawn time, a benchmark (not a test: it asserts nothing
 * about speed). Prints, for RUNS starts of one instance:
 *   start -> running   control "start" written until state is "running"
 *   start -> /init     until the spawn's /init has printed its first line
 * next to the host's own boot time to /init, from the host's kernel log.
 * Under QEMU TCG these are functional, relative numbers only.
 *
 *   spawn_bench [RUNS]		(needs mkctl, MK_KERNEL and MK_INITRD)
 */
#include <stdint.h>
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
	mk_cleanup();
	if (i < runs) {
		fprintf(stderr, "spawn_bench: run %d did not reach /init\n", i + 1);
		return 1;
	}

	printf("spawn: 1 CPU, 256 MiB, same bzImage as the host\n");
	report("start -> running", to_running, runs);
	report("start -> spawn /init", to_init, runs);
	printf("%-28s %8.1f ms (host kernel log timestamp)\n",
	       "host boot -> host /init", host_boot_to_init_ms());
	return 0;
}

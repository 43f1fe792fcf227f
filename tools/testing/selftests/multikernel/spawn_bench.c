// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel benchmarks (not tests: they assert nothing about speed).
 * Prints, for RUNS starts of one instance:
 *   start -> running   control "start" written until state is "running"
 *   start -> /init     until the spawn's /init has printed its first line
 * next to the host's own boot time to /init, from the host's kernel log,
 * and the phases of those starts (stats phase_*_us); then the same with
 * the kernel kept compressed, as before the host decompressed it at load
 * time (debugfs keep_compressed);
 * then the mailbox: in-kernel round trips next to same-kernel cross-CPU
 * IPI round trips (debugfs multikernel/bench), a stream, and user-space
 * pings through /dev/mk-bench; then the same CPU-bound program (mk-work)
 * in the spawn and in the host, the smallest instance memory that boots
 * the spawn to /init, and the host kernel memory an instance costs.
 * Under QEMU TCG these are functional, relative numbers only.
 *
 *   spawn_bench [RUNS]		(needs mkctl, MK_KERNEL and MK_INITRD)
 */
#include <linux/multikernel.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <time.h>

#include "../kselftest.h"
#include "mk_test.h"

#define DEFAULT_RUNS		5
#define MAX_RUNS		50
/*
 * How often the host looks for the spawn's progress. Not more often: a
 * 1 ms loop in the host took CPU from the spawn's vCPU under TCG (a
 * start median of 1956 ms against 1381 ms in runs of the same day).
 */
#define POLL_US			10000
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

static bool console_has(const char *name, const char *needle)
{
	static char con[65536 + 1];

	return !mk_inst_read(name, "console", con, sizeof(con)) &&
	       strstr(con, needle);
}

#define BENCH_FILE		"/sys/kernel/debug/multikernel/bench"
#define BENCH_DEV		"/dev/mk-bench"
#define FOOTPRINT_FILE		"/sys/kernel/debug/multikernel/footprint"
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

/* The phases of a start in the stats file, by enum mk_boot_phase. */
#define NR_PHASES		6
static const char *const phase_names[NR_PHASES] = {
	"install", "ipi", "trampoline", "kernel", "ready", "init",
};

#define PHASE_WAIT_POLLS	2000
#define US_PER_MS		1000.0

/*
 * The phases of the last start of "bench", in ms, into @ms; false (and
 * why on stderr) when the host has no trustworthy breakdown.
 */
static bool read_phases(double ms[NR_PHASES])
{
	static char stats[4096];
	char key[32], *p;
	int i;

	for (i = 0; i < PHASE_WAIT_POLLS; i++) {
		if (!mk_inst_read("bench", "stats", stats, sizeof(stats)) &&
		    strstr(stats, "boot_clock ") &&
		    !strstr(stats, "boot_clock none"))
			break;
		usleep(POLL_US);
	}
	if (!strstr(stats, "boot_clock synchronised")) {
		p = strstr(stats, "boot_clock ");
		fprintf(stderr, "spawn_bench: no start breakdown (%.40s)\n",
			p ? p : "no boot_clock in stats");
		return false;
	}
	for (i = 0; i < NR_PHASES; i++) {
		snprintf(key, sizeof(key), "phase_%s_us ", phase_names[i]);
		p = strstr(stats, key);
		if (!p)
			return false;
		ms[i] = atoll(p + strlen(key)) / US_PER_MS;
	}
	return true;
}

/*
 * @to_init: per run, from writing "start" to the host having the spawn's
 * "/init" message (init_ms in stats): the same end as the last phase.
 */
static void report_phases(double phase_ms[][MAX_RUNS], double *to_init,
			  int runs)
{
	double sum[MAX_RUNS], ratio[MAX_RUNS], col[MAX_RUNS];
	char what[40];
	int i, r;

	for (r = 0; r < runs; r++) {
		sum[r] = 0;
		for (i = 0; i < NR_PHASES; i++)
			sum[r] += phase_ms[i][r];
		ratio[r] = to_init[r] > 0 ? 100.0 * sum[r] / to_init[r] : 0;
	}
	printf("start phases (TSC stamps of host and spawn, stats phase_*_us):\n");
	for (i = 0; i < NR_PHASES; i++) {
		memcpy(col, phase_ms[i], runs * sizeof(*col));
		snprintf(what, sizeof(what), "  %s", phase_names[i]);
		report(what, col, runs);
	}
	report("  sum of the phases", sum, runs);
	qsort(ratio, runs, sizeof(*ratio), cmp_double);
	printf("%-28s median %5.1f %% of start -> host has /init (stats init_ms, polled)\n",
	       "  sum / total", ratio[runs / 2]);
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

	fd = open(BENCH_DEV, O_RDWR);
	for (i = 0; fd >= 0 && i < USER_PINGS; i++) {
		if (ioctl(fd, MULTIKERNEL_IOC_PING, &ping))
			break;
		rtt[i] = ping.ns / NS_PER_US;
	}
	if (fd >= 0)
		close(fd);
	if (i < USER_PINGS) {
		mk_cleanup();
		fprintf(stderr, "spawn_bench: user-space ping failed\n");
		return 1;
	}
	qsort(rtt, USER_PINGS, sizeof(*rtt), cmp_double);
	printf("user-space ping (ioctl)      min %8.1f us  median %8.1f us  p99 %8.1f us  (n=%d)\n",
	       rtt[0], rtt[USER_PINGS / 2], rtt[USER_PINGS * 99 / 100],
	       USER_PINGS);
	return 0;
}

#define WORK_ITERATIONS		300000
#define WORK_RUNS		3
#define WORK_HOST_CPU		1

/* One run of mk-work in the host, pinned to WORK_HOST_CPU: ms, or -1. */
static double host_work_ms(char *sum, size_t len)
{
	char cmd[128];
	uint64_t t0;
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "taskset -c %d mk-work %d", WORK_HOST_CPU,
		 WORK_ITERATIONS);
	t0 = now_ns();
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = !!fgets(sum, len, p);
	if (pclose(p) || !ok)
		return -1;
	sum[strcspn(sum, "\n")] = '\0';
	return (now_ns() - t0) / NS_PER_MS;
}

/* One run of mk-work in the spawn, asked over the mailbox: ms, or -1. */
static double spawn_work_ms(char *sum, size_t len)
{
	char cmd[64], reply[128], *val;
	uint64_t t0, ns;

	snprintf(cmd, sizeof(cmd), "work %d\n", WORK_ITERATIONS);
	t0 = now_ns();
	if (mk_ask(BENCH_DEV, cmd, reply, sizeof(reply)))
		return -1;
	ns = now_ns() - t0;
	/* "work N CHECKSUM" */
	val = strrchr(reply, ' ');
	if (strncmp(reply, "work ", 5) || !val)
		return -1;
	snprintf(sum, len, "%s", val + 1);
	return ns / NS_PER_MS;
}

/*
 * The same program, alternately in the spawn (its one CPU) and in the
 * host (one CPU of its own), timed by the host's clock in both cases: the
 * mailbox round trip it adds to the spawn's runs is microseconds.
 */
static int workload_bench(void)
{
	double host[WORK_RUNS], spawn[WORK_RUNS];
	char host_sum[64] = "", spawn_sum[64] = "";
	int i;

	for (i = 0; i < WORK_RUNS; i++) {
		spawn[i] = spawn_work_ms(spawn_sum, sizeof(spawn_sum));
		host[i] = host_work_ms(host_sum, sizeof(host_sum));
		if (spawn[i] < 0 || host[i] < 0 || strcmp(host_sum, spawn_sum)) {
			fprintf(stderr, "spawn_bench: mk-work: host '%s', spawn '%s'\n",
				host_sum, spawn_sum);
			return 1;
		}
	}
	printf("\nCPU-bound workload, mk-work %d (busybox awk), same checksum:\n",
	       WORK_ITERATIONS);
	report("in the spawn (CPU 3)", spawn, WORK_RUNS);
	report("in the host (CPU 1)", host, WORK_RUNS);
	printf("%-28s %8.2f (median spawn / median host)\n", "ratio",
	       spawn[WORK_RUNS / 2] / host[WORK_RUNS / 2]);
	return 0;
}

#define MEM_STEP_MB		2	/* the pool's granule */
#define MEM_KNOWN_GOOD_MB	256
#define MEM_BOOT_WAIT_S		30
#define MEM_INSTANCES		3

/* Create instance @name on @cpu with @mb MiB, load the spawn's image. */
static int create_and_load(const char *name, int cpu, int mb)
{
	static const char load[] = "--kernel " MK_KERNEL " --initrd " MK_INITRD
				   " --cmdline '" MK_CMDLINE "'";

	if (mk_sh("mkctl create %s --cpus %d --memory %dM --offline >/dev/null 2>&1",
		  name, cpu, mb))
		return -1;
	return mk_sh("mkctl load %s %s >/dev/null 2>&1", name, load);
}

/* Does a 1-CPU spawn with @mb MiB reach /init within MEM_BOOT_WAIT_S? */
static bool boots_to_init(int mb)
{
	char state[32];
	bool ok = false;
	int i;

	mk_cleanup();
	if (create_and_load("tiny", 3, mb) ||
	    mk_sh("mkctl start tiny >/dev/null 2>&1"))
		goto out;
	for (i = 0; i < MEM_BOOT_WAIT_S * 10 && !ok; i++) {
		ok = console_has("tiny", "MKSPAWN-INIT");
		if (!ok && !mk_inst_read("tiny", "state", state, sizeof(state)) &&
		    (!strcmp(state, "crashed") || !strcmp(state, "stopped")))
			break;
		usleep(100000);
	}
out:
	mk_cleanup();
	return ok;
}

/* Bisect between a size that does not boot and one that does. */
static int smallest_memory_mb(void)
{
	int bad = 0, good = MEM_KNOWN_GOOD_MB, mid;

	if (!boots_to_init(good))
		return -1;
	while (good - bad > MEM_STEP_MB) {
		mid = (bad + good) / 2 / MEM_STEP_MB * MEM_STEP_MB;
		if (boots_to_init(mid))
			good = mid;
		else
			bad = mid;
	}
	return good;
}

/* Kernel memory that is neither page cache nor reclaimable, in KiB. */
static long long host_kernel_kb(void)
{
	static const char * const fields[] = {
		"SUnreclaim:", "VmallocUsed:", "KernelStack:", "PageTables:",
		"Percpu:",
	};
	long long sum = 0, kb;
	char line[128];
	unsigned int i;
	FILE *f;

	mk_sh("sync; echo 3 > /proc/sys/vm/drop_caches");
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < ARRAY_SIZE(fields); i++)
			if (!strncmp(line, fields[i], strlen(fields[i])) &&
			    sscanf(line + strlen(fields[i]), "%lld", &kb) == 1)
				sum += kb;
	}
	fclose(f);
	return sum;
}

static long long file_kb(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size / 1024;
}

/* Line "NAME instance=B handover=B image=B" of debugfs footprint. */
static int footprint(const char *name, long long *inst, long long *fdt,
		     long long *image)
{
	char buf[4096], *line, *save, who[64];

	if (mk_read_file(FOOTPRINT_FILE, buf, sizeof(buf)))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%63s instance=%lld handover=%lld image=%lld",
			   who, inst, fdt, image) == 4 && !strcmp(who, name))
			return 0;
	return -1;
}

/*
 * The smallest memory that boots; what the host keeps for a running
 * instance by its own count (debugfs footprint); and, as a cross-check,
 * the host kernel memory MEM_INSTANCES loaded instances of that size
 * cost, per instance, from the deltas of /proc/meminfo (approximate:
 * whatever else the kernel allocates meanwhile counts too, and a created
 * instance's few KiB hide in slabs that already exist).
 */
static int memory_bench(long long inst, long long fdt, long long image)
{
	long long base, loaded, pool0, pool1;
	char name[16];
	int mb, i;

	mb = smallest_memory_mb();
	if (mb < 0) {
		fprintf(stderr, "spawn_bench: a %d MiB spawn does not boot\n",
			MEM_KNOWN_GOOD_MB);
		return 1;
	}
	printf("\nmemory:\n%-28s %5d MiB ", "smallest spawn to /init", mb);
	printf("(1 CPU, initramfs %lld KiB gzip, %d MiB steps)\n",
	       file_kb(MK_INITRD), MEM_STEP_MB);
	printf("%-28s %5lld B instance, %lld B handover FDT, ",
	       "host, running instance", inst, fdt);
	printf("%lld KiB image (laid-out kernel of a %lld KiB bzImage + %lld KiB initramfs)\n",
	       image / 1024, file_kb(MK_KERNEL), file_kb(MK_INITRD));

	mk_cleanup();
	/* Offlining frees per-CPU kernel memory: not the instance's cost. */
	for (i = 1; i <= MEM_INSTANCES; i++)
		if (mk_cpu_set_online(i, false))
			goto fail;
	pool0 = mk_read_ll(MK_SYSFS "/pool/memory_free");
	base = host_kernel_kb();
	for (i = 1; i <= MEM_INSTANCES; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		if (create_and_load(name, i, mb))
			goto fail;
	}
	loaded = host_kernel_kb();
	pool1 = mk_read_ll(MK_SYSFS "/pool/memory_free");
	mk_cleanup();
	printf("%-28s %5lld KiB (meminfo delta over %d loaded instances)\n",
	       "host kernel, loaded", (loaded - base) / MEM_INSTANCES,
	       MEM_INSTANCES);
	printf("%-28s %5lld KiB (pool taken beyond --memory: the shared area)\n",
	       "pool overhead",
	       ((pool0 - pool1) / MEM_INSTANCES - (long long)mb * 1024 * 1024) / 1024);
	return 0;
fail:
	mk_cleanup();
	fprintf(stderr, "spawn_bench: cannot set up %d instances of %d MiB\n",
		MEM_INSTANCES, mb);
	return 1;
}

#define KEEP_COMPRESSED		"/sys/kernel/debug/multikernel/keep_compressed"

/*
 * Start "bench" @runs times with @verb: "start", killing it after each,
 * or "restart", which stops the running spawn and starts it at once
 * (killed after the last). Time to running and to /init, and the phases
 * of each start when the host has them.
 */
/* Time from now until the killed spawn's image is back in place; -1. */
static double image_back_ms(void)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < MK_TIMEOUT_S * 1000000000ULL) {
		if (mk_stats_has("bench", "kernel_image_in_place 1\n"))
			return (now_ns() - t0) / NS_PER_MS;
		usleep(POLL_US);
	}
	return -1;
}

/* Kill -> image in place again, of the last start_runs("start"). */
static double restore_ms[MAX_RUNS];

static int start_runs(const char *verb, int runs, double *to_running,
		      double *to_init,
		      double *to_init_msg, double phase_ms[][MAX_RUNS],
		      bool *have_phases)
{
	double phases[NR_PHASES];
	char state[32];
	uint64_t t0;
	int i, p;

	*have_phases = true;
	for (i = 0; i < runs; i++) {
		to_running[i] = -1;
		to_init[i] = -1;
		to_init_msg[i] = -1;
		t0 = now_ns();
		if (mk_inst_write("bench", "control", verb))
			break;
		while (now_ns() - t0 < MK_TIMEOUT_S * 1000000000ULL) {
			if (to_running[i] < 0 &&
			    !mk_inst_read("bench", "state", state, sizeof(state)) &&
			    !strcmp(state, "running"))
				to_running[i] = (now_ns() - t0) / NS_PER_MS;
			if (to_init_msg[i] < 0 && mk_stats_has("bench", "init_ms "))
				to_init_msg[i] = (now_ns() - t0) / NS_PER_MS;
			if (console_has("bench", "MKSPAWN-INIT")) {
				to_init[i] = (now_ns() - t0) / NS_PER_MS;
				break;
			}
			usleep(POLL_US);
		}
		if (*have_phases && to_init[i] >= 0)
			*have_phases = read_phases(phases);
		for (p = 0; *have_phases && p < NR_PHASES; p++)
			phase_ms[p][i] = phases[p];
		if (strcmp(verb, "restart") || i == runs - 1)
			mk_inst_write("bench", "control", "kill");
		/*
		 * The host puts the image back after a kill, off the start
		 * path; a start that came at once would wait for it.
		 */
		if (!strcmp(verb, "start"))
			restore_ms[i] = image_back_ms();
		if (to_running[i] < 0 || to_init[i] < 0 || to_init_msg[i] < 0)
			break;
	}
	if (i < runs) {
		mk_cleanup();
		fprintf(stderr, "spawn_bench: run %d did not reach /init\n", i + 1);
		return 1;
	}
	return 0;
}

static int load_bench(void)
{
	return mk_sh("mkctl load bench --kernel " MK_KERNEL " --initrd "
		     MK_INITRD " --cmdline '" MK_CMDLINE "'");
}

/*
 * The restart verb: stop and start in one write, so that the image is
 * put back on the start path (a start after a stop finds it in place).
 */
static int restart_runs(int runs, double host)
{
	static double phase_ms[NR_PHASES][MAX_RUNS];
	double to_running[MAX_RUNS], to_init[MAX_RUNS], to_msg[MAX_RUNS];
	bool have_phases;

	if (mk_inst_write("bench", "control", "start") ||
	    !mk_wait_console("bench", "MKSPAWN-INIT", NULL, 0, MK_TIMEOUT_S) ||
	    start_runs("restart", runs, to_running, to_init, to_msg, phase_ms,
		       &have_phases)) {
		fprintf(stderr, "spawn_bench: restart runs failed\n");
		return 1;
	}
	printf("\nthe restart verb (stop and start at once), same kernel:\n");
	report("restart -> running", to_running, runs);
	report("restart -> spawn /init", to_init, runs);
	if (host > 0)
		printf("%-28s %8.2f (median restart -> spawn /init / host boot -> /init)\n",
		       "ratio to the host's boot", to_init[runs / 2] / host);
	if (have_phases)
		report_phases(phase_ms, to_msg, runs);
	return 0;
}

/*
 * The same starts with the kernel kept compressed, as before the host
 * decompressed kernels at load time (debugfs keep_compressed).
 */
static int compressed_runs(int runs)
{
	static double phase_ms[NR_PHASES][MAX_RUNS];
	double to_running[MAX_RUNS], to_init[MAX_RUNS], to_msg[MAX_RUNS];
	bool have_phases;
	int ret;

	if (access(KEEP_COMPRESSED, W_OK))
		return 0;
	if (mk_write_file(KEEP_COMPRESSED, "1") || load_bench()) {
		mk_write_file(KEEP_COMPRESSED, "0");
		fprintf(stderr, "spawn_bench: cannot load it kept compressed\n");
		return 1;
	}
	ret = start_runs("start", runs, to_running, to_init, to_msg, phase_ms,
			 &have_phases);
	mk_write_file(KEEP_COMPRESSED, "0");
	if (ret || load_bench())
		return 1;
	printf("\nthe same kernel kept compressed (decompressing itself at every start):\n");
	report("start -> running", to_running, runs);
	report("start -> spawn /init", to_init, runs);
	if (have_phases)
		report_phases(phase_ms, to_msg, runs);
	return 0;
}

int main(int argc, char **argv)
{
	double to_running[MAX_RUNS], to_init[MAX_RUNS], to_msg[MAX_RUNS];
	static double phase_ms[NR_PHASES][MAX_RUNS];
	int runs = argc > 1 ? atoi(argv[1]) : DEFAULT_RUNS;
	long long inst, fdt, image;
	double first, host;
	bool have_phases;

	if (runs < 1 || runs > MAX_RUNS)
		runs = DEFAULT_RUNS;
	mk_cleanup();
	if (mk_sh("mkctl create bench --cpus 3 --memory 256M --offline") ||
	    load_bench()) {
		fprintf(stderr, "spawn_bench: cannot set up the instance\n");
		return 1;
	}
	if (start_runs("start", runs, to_running, to_init, to_msg, phase_ms,
		       &have_phases))
		return 1;

	printf("spawn: 1 CPU, 256 MiB, same bzImage as the host, decompressed at load time\n");
	first = to_init[0];
	report("start -> running", to_running, runs);
	report("start -> spawn /init", to_init, runs);
	report("kill -> image back in place", restore_ms, runs);
	host = host_boot_to_init_ms();
	printf("%-28s %8.1f ms (host kernel log timestamp)\n",
	       "host boot -> host /init", host);
	printf("%-28s %8.1f ms (the first start after the load; the others restart)\n",
	       "first start -> spawn /init", first);
	if (host > 0)
		printf("%-28s %8.2f (median start -> spawn /init / host boot -> /init)\n",
		       "ratio to the host's boot", to_init[runs / 2] / host);
	if (have_phases)
		report_phases(phase_ms, to_msg, runs);
	if (restart_runs(runs, host)) {
		mk_cleanup();
		return 1;
	}
	if (compressed_runs(runs)) {
		mk_cleanup();
		return 1;
	}
	/* Both leave the instance running for the next. */
	if (mailbox_bench() || workload_bench() ||
	    footprint("bench", &inst, &fdt, &image)) {
		mk_cleanup();
		return 1;
	}
	mk_cleanup();
	return memory_bench(inst, fdt, image);
}

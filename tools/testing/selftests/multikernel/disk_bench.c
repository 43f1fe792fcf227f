// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel disk benchmark (not a test: it asserts nothing about
 * speed). A file on the host's tmpfs is measured twice in the same run,
 * with the same program (mk-disk) and the same offsets: by the host on
 * the file, and by a spawn on its virtio disk backed by that file
 * (/dev/vda, O_DIRECT, so that the spawn's own page cache is not
 * measured). It prints, for each, the median of RUNS of
 *   sequential write   MIB MiB in 1 MiB blocks, then fsync: MiB/s
 *   sequential read    the same: MiB/s
 *   random read        RAND_COUNT reads of 4 KiB: reads per second
 * and the spawn's figure over the host's. Under QEMU TCG these are
 * functional, relative numbers only.
 *
 *   disk_bench [RUNS]	(needs mkctl, mk-disk, MK_KERNEL, MK_INITRD)
 */
#include "../kselftest.h"
#include "mk_test.h"

#define NAME		"db"
#define DEV		"/dev/mk-" NAME
#define IMG		"/tmp/disk_bench.img"
#define SPAWN_CPUS	"2-3"
#define MIB		64
#define RAND_COUNT	2000
#define SEED		"0x9e3779b97f4a7c15"
#define DEFAULT_RUNS	3
#define MAX_RUNS	9

enum { SEQ_WRITE, SEQ_READ, RAND_READ, LOADS };

static const char *const load_mode[LOADS] = {
	"seq-write", "seq-read", "rand-read",
};

static const char *const load_what[LOADS] = {
	"sequential write, MiB/s", "sequential read, MiB/s",
	"4 KiB random read, reads/s",
};

static int runs = DEFAULT_RUNS;

/* mk-disk's arguments after the path for @load, into @buf. */
static const char *load_args(int load, char *buf, size_t len)
{
	if (load == RAND_READ)
		snprintf(buf, len, "%d %s", RAND_COUNT, SEED);
	else
		snprintf(buf, len, "%d", MIB);
	return buf;
}

/* One run of @load by the host on the file; -1 on failure. */
static double host_run(int load)
{
	char cmd[128], args[64], out[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "mk-disk %s " IMG " %s", load_mode[load],
		 load_args(load, args, sizeof(args)));
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	if (pclose(p) || !out[0])
		return -1;
	return atof(out);
}

/* One run of @load by the spawn on /dev/vda; -1 on failure. */
static double spawn_run(int load)
{
	char cmd[128], args[64], want[64], reply[128] = "";

	snprintf(cmd, sizeof(cmd), "disk-bench %s %s\n", load_mode[load],
		 load_args(load, args, sizeof(args)));
	snprintf(want, sizeof(want), "disk-bench %s ", load_mode[load]);
	if (mk_ask(DEV, cmd, reply, sizeof(reply)) ||
	    strncmp(reply, want, strlen(want)) || !reply[strlen(want)]) {
		fprintf(stderr, "disk_bench: spawn %s answered '%s'\n",
			load_mode[load], reply);
		return -1;
	}
	return atof(reply + strlen(want));
}

/* Every load @runs times by @run into @med. 0 or -1. */
static int measure(double (*run)(int), double *med)
{
	double v[MAX_RUNS];
	int load, i;

	for (load = 0; load < LOADS; load++) {
		for (i = 0; i < runs; i++) {
			v[i] = run(load);
			if (v[i] < 0)
				return -1;
		}
		med[load] = mk_median(v, runs);
	}
	return 0;
}

int main(int argc, char **argv)
{
	double host[LOADS], spawn[LOADS];
	int load, ret = 1;

	if (argc > 1)
		runs = atoi(argv[1]);
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "disk_bench: RUNS is 1 to %d\n", MAX_RUNS);
		return 2;
	}
	if (mk_spawn_prerequisite_missing()) {
		printf("disk_bench: skipped: %s\n", mk_spawn_prerequisite_missing());
		return 4;
	}
	mk_cleanup();
	if (mk_sh("rm -f " IMG " && truncate -s %dM " IMG, MIB) ||
	    measure(host_run, host))
		goto out;
	if (mk_sh("mkctl create " NAME " --cpus " SPAWN_CPUS
		  " --memory 256M --offline --disk " IMG) ||
	    mk_sh("mkctl load " NAME " --kernel " MK_KERNEL " --initrd "
		  MK_INITRD " --cmdline '" MK_CMDLINE "'") ||
	    mk_sh("mkctl start " NAME " --wait=%d >/dev/null", MK_TIMEOUT_S) ||
	    measure(spawn_run, spawn))
		goto out;

	printf("disk: a %d MiB file on the host's tmpfs, median of %d runs\n",
	       MIB, runs);
	printf("%-28s %10s %10s %7s\n", "", "host", "spawn", "ratio");
	for (load = 0; load < LOADS; load++)
		printf("%-28s %10.1f %10.1f %6.2fx\n", load_what[load],
		       host[load], spawn[load],
		       host[load] > 0 ? spawn[load] / host[load] : 0);
	/* What it took: requests, kicks and interrupts; no error. */
	mk_sh("grep -E 'virtio0_(kicks|interrupts|disk_[rwbi][a-z_]*|needs_reset) ' "
	      MK_SYSFS "/instances/" NAME "/stats");
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "disk_bench: failed\n");
	mk_cleanup();
	unlink(IMG);
	return ret;
}

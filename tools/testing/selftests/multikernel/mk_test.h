/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the multikernel kselftests.
 */
#ifndef MK_TEST_H
#define MK_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MK_SYSFS	"/sys/kernel/multikernel"
#define MK_POOL_NAME	"Multikernel pool"

/*
 * Read a whole file into buf, without trailing newlines. Loops: sysfs
 * hands out at most a page per read().
 */
static inline int mk_read_file(const char *path, char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (done < len - 1) {
		n = read(fd, buf + done, len - 1 - done);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		done += n;
	}
	close(fd);
	buf[done] = '\0';
	while (done > 0 && buf[done - 1] == '\n')
		buf[--done] = '\0';
	return 0;
}

static inline int mk_write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static inline long long mk_read_ll(const char *path)
{
	char buf[64];

	if (mk_read_file(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

/*
 * The range of the first /proc/iomem line that names @what, into @start
 * and @end. 0 when found, -ENOENT when not, -errno when unreadable.
 */
static inline int mk_iomem_find(const char *what, unsigned long long *start,
				unsigned long long *end)
{
	char line[256];
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f))
		if (strstr(line, what) &&
		    sscanf(line, " %llx-%llx", start, end) == 2)
			ret = 0;
	fclose(f);
	return ret;
}

/*
 * Find the pool in /proc/iomem. Returns its size in bytes, 0 when it is
 * not there, -1 when /proc/iomem cannot be read.
 */
static inline long long mk_iomem_pool_size(void)
{
	unsigned long long start, end;
	int ret = mk_iomem_find(MK_POOL_NAME, &start, &end);

	if (ret == -ENOENT)
		return 0;
	return ret ? -1 : (long long)(end - start + 1);
}

/* The value of a kernel parameter on /proc/cmdline, or NULL. */
static inline char *mk_cmdline_param(const char *name, char *buf, size_t len)
{
	char cmdline[4096], *tok, *save;
	size_t nlen = strlen(name);

	if (mk_read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		return NULL;
	for (tok = strtok_r(cmdline, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, name, nlen) && tok[nlen] == '=') {
			snprintf(buf, len, "%s", tok + nlen + 1);
			return buf;
		}
	}
	return NULL;
}

/* Is cpu set in a cpulist string such as "1-3,5"? */
static inline bool mk_cpulist_has(const char *list, int cpu)
{
	const char *s = list;
	char *end;
	long a, b;

	while (*s) {
		a = strtol(s, &end, 10);
		if (end == s)
			return false;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (cpu >= a && cpu <= b)
			return true;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return false;
	}
	return false;
}

/*
 * What the spawns boot: a kernel and a small initramfs. MK_HOST_KERNEL is
 * always the host's own kernel; MK_KERNEL is the same file except in the
 * debug tier, where it is the lean test kernel: a debug spawn takes about
 * 45 s a start under TCG there. The tests that check the spawn side under
 * lockdep and KASAN boot MK_HOST_KERNEL.
 */
#define MK_KERNEL	"/boot/bzImage"
#define MK_HOST_KERNEL	"/boot/bzImage-host"
#define MK_INITRD	"/boot/spawn.cpio.gz"
#define MK_CMDLINE	"console=hvc0 kunit.enable=0"
#define MK_TIMEOUT_S	120

#define MK_MIN_CPUS	4

/*
 * With MKTEST_QUICK set (the debug tier under TCG, mktest.quick=1 on the
 * host's command line) loops run a quarter of their rounds.
 */
#define MK_QUICK_DIVISOR	4

/* How many rounds of a loop of @full rounds to run here. */
static inline int mk_rounds(int full)
{
	return getenv("MKTEST_QUICK") ?
	       (full + MK_QUICK_DIVISOR - 1) / MK_QUICK_DIVISOR : full;
}

/*
 * kexec_file_load() of @kernel and @initrd with MK_CMDLINE into instance
 * @id: 0 or -errno, the kernel's own.
 */
static inline long mk_load_into(int id, const char *kernel, const char *initrd)
{
	int kfd = open(kernel, O_RDONLY), ifd = open(initrd, O_RDONLY);
	long ret;

	ret = syscall(SYS_kexec_file_load, kfd, ifd, sizeof(MK_CMDLINE),
		      MK_CMDLINE, KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id));
	ret = ret ? -errno : 0;
	close(kfd);
	close(ifd);
	return ret;
}

/* Run a shell command, return its exit status (or -1). */
static inline int mk_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Host kernel memory held, in KiB: slab and vmalloc, or -1. Freed memory
 * is let show as free first: the dentry and inode caches are dropped
 * (sysfs reads fill them), RCU frees waited for, and every slab cache
 * shrunk, which also empties a KASAN kernel's quarantine of freed objects
 * (megabytes, and what made a debug kernel's count jump between runs).
 */
static inline long long mk_host_kernel_kb(void)
{
	long long slab = -1, vmalloc = -1;
	char line[128];
	FILE *f;

	mk_sh("sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1; "
	      "for f in /sys/kernel/slab/*/shrink; do echo 1 >\"$f\" 2>/dev/null; done");
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lld kB", &slab) == 1)
			continue;
		if (sscanf(line, "VmallocUsed: %lld kB", &vmalloc) == 1)
			continue;
	}
	fclose(f);
	return slab < 0 || vmalloc < 0 ? -1 : slab + vmalloc;
}

/* Slab and vmalloc may grow this much over start/kill cycles: caches settle. */
#define MK_CYCLE_GROWTH_KB	1024

/*
 * Why this machine cannot run the tests that start spawns, or NULL. They
 * need a kernel with a multikernel pool, MK_MIN_CPUS CPUs, mkctl in PATH
 * and the kernel and initramfs the spawns boot; run_vm.sh's host has all
 * of them, elsewhere these tests skip.
 */
static inline const char *mk_spawn_prerequisite_missing(void)
{
	if (mk_read_ll(MK_SYSFS "/pool/memory_total") <= 0)
		return "no multikernel pool (CONFIG_MULTIKERNEL=y, multikernel_pool=)";
	if (sysconf(_SC_NPROCESSORS_CONF) < MK_MIN_CPUS)
		return "fewer CPUs than the tests use";
	if (access(MK_KERNEL, R_OK) || access(MK_HOST_KERNEL, R_OK) ||
	    access(MK_INITRD, R_OK))
		return "no " MK_KERNEL ", " MK_HOST_KERNEL " or " MK_INITRD
		       " for the spawns";
	if (mk_sh("command -v mkctl >/dev/null 2>&1"))
		return "no mkctl in PATH";
	return NULL;
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * Skip the current test when spawns cannot be started here. True when it
 * did: the caller returns at once.
 */
static inline bool mk_skip_without_spawns(struct __test_metadata *_metadata)
{
	const char *why = mk_spawn_prerequisite_missing();

	if (why)
		SKIP(return true, "%s", why);
	return false;
}
#endif

/* Path of a file in instances/NAME/. */
static inline const char *mk_inst_path(char *buf, size_t len, const char *name,
				       const char *file)
{
	snprintf(buf, len, MK_SYSFS "/instances/%s/%s", name, file);
	return buf;
}

static inline int mk_inst_read(const char *name, const char *file, char *buf,
			       size_t len)
{
	char path[256];

	return mk_read_file(mk_inst_path(path, sizeof(path), name, file), buf,
			    len);
}

static inline int mk_inst_write(const char *name, const char *file,
				const char *val)
{
	char path[256];

	return mk_write_file(mk_inst_path(path, sizeof(path), name, file), val);
}

/* Wait until instances/NAME/state is @state; false on timeout. */
static inline bool mk_wait_state(const char *name, const char *state,
				 int timeout_s)
{
	char buf[32];
	int i;

	/* At least one look, also with a timeout of 0. */
	for (i = 0; i <= timeout_s * 10; i++) {
		if (!mk_inst_read(name, "state", buf, sizeof(buf)) &&
		    !strcmp(buf, state))
			return true;
		if (i < timeout_s * 10)
			usleep(100000);
	}
	return false;
}

/* Does instances/NAME/stats contain @needle ("key value\n")? */
static inline bool mk_stats_has(const char *name, const char *needle)
{
	char stats[8192];

	if (mk_inst_read(name, "stats", stats, sizeof(stats) - 1))
		return false;
	strcat(stats, "\n");	/* mk_read_file() strips the last one */
	return strstr(stats, needle);
}

/* The number after "@key " at the start of a line of NAME's stats; -1. */
static inline long long mk_stat(const char *name, const char *key)
{
	char stats[8192], needle[64], *hit;

	if (mk_inst_read(name, "stats", stats, sizeof(stats)))
		return -1;
	snprintf(needle, sizeof(needle), "%s ", key);
	for (hit = strstr(stats, needle); hit; hit = strstr(hit + 1, needle))
		if (hit == stats || hit[-1] == '\n')
			return atoll(hit + strlen(needle));
	return -1;
}

/* Wait until NAME's stats contain @needle. False on timeout. */
static inline bool mk_wait_stats(const char *name, const char *needle,
				 int timeout_s)
{
	int i;

	for (i = 0; i <= timeout_s * 10; i++) {
		if (mk_stats_has(name, needle))
			return true;
		usleep(100000);
	}
	return false;
}

/*
 * "BYTES SUM" of mk-net's stream of @bytes from @seed (what a transfer
 * of it must print at both ends), into @sum. 0 or -1.
 */
static inline int mk_net_sum(long long bytes, int seed, char *sum, size_t len)
{
	char cmd[64];
	FILE *p;
	int ret;

	snprintf(cmd, sizeof(cmd), "mk-net sum %lld %d", bytes, seed);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ret = fgets(sum, len, p) ? 0 : -1;
	pclose(p);
	sum[strcspn(sum, "\n")] = '\0';
	return ret;
}

/* Send @cmd to the serve loop (vm/spawn-init) of NAME's spawn, no answer. */
static inline int mk_serve(const char *name, const char *cmd)
{
	char dev[64];
	int fd, ret;

	snprintf(dev, sizeof(dev), "/dev/mk-%s", name);
	fd = open(dev, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * Wait until the console of NAME contains @needle and copy the line that
 * holds it into @line. False on timeout.
 */
static inline bool mk_wait_console(const char *name, const char *needle,
				   char *line, size_t len, int timeout_s)
{
	static char con[65536 + 1];
	char *hit, *end;
	int i;

	/* At least one look, also with a timeout of 0. */
	for (i = 0; i <= timeout_s * 10; i++) {
		if (!mk_inst_read(name, "console", con, sizeof(con))) {
			hit = strstr(con, needle);
			if (hit) {
				end = strchrnul(hit, '\n');
				snprintf(line, len, "%.*s", (int)(end - hit), hit);
				return true;
			}
		}
		if (i < timeout_s * 10)
			usleep(100000);
	}
	return false;
}

/*
 * Send @cmd through the message device @dev (the spawn's serve loop in
 * vm/spawn-init answers), wait up to MK_TIMEOUT_S for one message back
 * and copy it, without trailing newlines, into @reply.
 */
static inline int mk_ask(const char *dev, const char *cmd, char *reply,
			 size_t len)
{
	struct pollfd pfd;
	ssize_t n;
	int fd;

	fd = open(dev, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, MK_TIMEOUT_S * 1000) != 1)
		goto fail;
	n = read(fd, reply, len - 1);
	if (n < 0)
		goto fail;
	close(fd);
	while (n > 0 && reply[n - 1] == '\n')
		n--;
	reply[n] = '\0';
	return 0;
fail:
	close(fd);
	return -EIO;
}

/* Did the kernel log @needle (a fixed string) among its last lines? */
static inline bool mk_dmesg_has(const char *needle)
{
	return !mk_sh("dmesg | tail -n 50 | grep -qF -- '%s'", needle);
}

static inline int mk_cpu_set_online(int cpu, bool online)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	return mk_write_file(path, online ? "1" : "0");
}

/* For qsort(): doubles in ascending order. */
static inline int mk_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the @n values at @v (which it sorts). */
static inline double mk_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), mk_cmp_double);
	return v[n / 2];
}

/* Kill and destroy every instance, bring CPUs 1.. back online. */
static inline void mk_cleanup(void)
{
	static const char kill_all[] =
		"for d in " MK_SYSFS "/instances/*; do [ -d $d ] || continue;\n"
		"echo kill > $d/control 2>/dev/null\n"
		"basename $d > " MK_SYSFS "/destroy\n"
		"done\n";
	static const char online_all[] =
		"for c in /sys/devices/system/cpu/cpu[1-9]*/online; do\n"
		"echo 1 > $c 2>/dev/null\n"
		"done\n";

	mk_sh("%s", kill_all);
	mk_sh("%s", online_all);
}

#endif /* MK_TEST_H */

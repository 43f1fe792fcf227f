/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the multikernel kselftests.
 */
#ifndef MK_TEST_H
#define MK_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MK_SYSFS	"/sys/kernel/multikernel"
#define MK_POOL_NAME	"Multikernel pool"

/* Read a whole small file into buf, without trailing newlines. */
static inline int mk_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
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
 * Find the pool in /proc/iomem. Returns its size in bytes, 0 when it is
 * not there, -1 when /proc/iomem cannot be read.
 */
static inline long long mk_iomem_pool_size(void)
{
	unsigned long long start, end;
	char line[256];
	long long size = 0;
	FILE *f;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, MK_POOL_NAME))
			continue;
		if (sscanf(line, " %llx-%llx", &start, &end) == 2)
			size = end - start + 1;
	}
	fclose(f);
	return size;
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

#endif /* MK_TEST_H */

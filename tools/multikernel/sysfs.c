// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: access to /sys/kernel/multikernel. Commands pass paths relative
 * to the root, which MKCTL_SYSFS can move (mkctl's own tests use a fake
 * tree). All functions return 0 or a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkctl.h"

#define MK_SYSFS_DEFAULT_ROOT	"/sys/kernel/multikernel"

const char *mk_sysfs_root(void)
{
	const char *root = getenv("MKCTL_SYSFS");

	return root && *root ? root : MK_SYSFS_DEFAULT_ROOT;
}

/* Say clearly when the kernel has no multikernel support at all. */
int mk_sysfs_check_root(const char *cmd)
{
	struct stat st;

	if (stat(mk_sysfs_root(), &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	mkctl_err(cmd, "%s: %s (is this a kernel with CONFIG_MULTIKERNEL=y?)",
		  mk_sysfs_root(), strerror(errno ? errno : ENOTDIR));
	return -ENOENT;
}

static int mk_sysfs_path(const char *rel, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s", mk_sysfs_root(), rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mk_sysfs_read(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret;

	ret = mk_sysfs_path(rel, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int mk_sysfs_read_u64(const char *rel, uint64_t *val)
{
	char buf[32], *end;
	int ret;

	ret = mk_sysfs_read(rel, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EPROTO;
	return 0;
}

int mk_sysfs_write(const char *rel, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret;

	ret = mk_sysfs_path(rel, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return ret;
}

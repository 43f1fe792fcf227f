// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: access to /sys/kernel/multikernel, to CPU hotplug and to the
 * message devices /dev/mk-NAME, and to what PCI sysfs says of a function.
 * Commands pass paths relative to the root, or an instance name and one
 * of its attributes; nothing else builds a path. MKCTL_SYSFS,
 * MKCTL_CPU_SYSFS, MKCTL_PCI_SYSFS and MKCTL_DEV move the roots (mkctl's
 * own tests use a fake tree). All functions return 0 or a negative errno
 * unless they say otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkctl.h"

#define MK_SYSFS_DEFAULT_ROOT	"/sys/kernel/multikernel"
#define MK_CPU_DEFAULT_ROOT	"/sys/devices/system/cpu"
#define MK_DEV_DEFAULT_ROOT	"/dev"
#define MK_PCI_DEFAULT_ROOT	"/sys/bus/pci/devices"

static const char *mk_env_root(const char *var, const char *def)
{
	const char *root = getenv(var);

	return root && *root ? root : def;
}

const char *mk_sysfs_root(void)
{
	return mk_env_root("MKCTL_SYSFS", MK_SYSFS_DEFAULT_ROOT);
}

static const char *mk_cpu_root(void)
{
	return mk_env_root("MKCTL_CPU_SYSFS", MK_CPU_DEFAULT_ROOT);
}

static const char *mk_dev_root(void)
{
	return mk_env_root("MKCTL_DEV", MK_DEV_DEFAULT_ROOT);
}

static const char *mk_pci_root(void)
{
	return mk_env_root("MKCTL_PCI_SYSFS", MK_PCI_DEFAULT_ROOT);
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

static __printf(3, 4) int mk_path(char *path, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int mk_sysfs_path(const char *rel, char *path, size_t len)
{
	return mk_path(path, len, "%s/%s", mk_sysfs_root(), rel);
}

/* @name was checked by mkctl_valid_name(), so it cannot leave instances/. */
static int mk_inst_path(const char *name, const char *attr, char *path,
			size_t len)
{
	return mk_path(path, len, "%s/instances/%s/%s", mk_sysfs_root(), name,
		       attr);
}

/* @bdf comes from mk_bdf_parse(), so it cannot leave the PCI root. */
static int mk_pci_path(const char *bdf, const char *attr, char *path,
		       size_t len)
{
	return mk_path(path, len, "%s/%s/%s", mk_pci_root(), bdf, attr);
}

static int mk_cpu_path(int cpu, const char *attr, char *path, size_t len)
{
	return mk_path(path, len, "%s/cpu%d/%s", mk_cpu_root(), cpu, attr);
}

/*
 * Read one value from the start of an open attribute, as a new read after
 * poll() must; trailing newlines are cut off.
 */
int mk_sysfs_pread(int fd, char *buf, size_t len)
{
	ssize_t n;

	n = pread(fd, buf, len - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int mk_read_path(const char *path, char *buf, size_t len)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = mk_sysfs_pread(fd, buf, len);
	close(fd);
	return ret;
}

/*
 * O_TRUNC changes nothing for a sysfs attribute, but makes a regular file
 * in a fake tree hold exactly the last value written.
 */
static int mk_write_path(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return ret;
}

int mk_sysfs_read(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	ret = mk_sysfs_path(rel, path, sizeof(path));
	return ret ? ret : mk_read_path(path, buf, len);
}

int mk_sysfs_read_u64(const char *rel, uint64_t *val)
{
	char buf[32];
	int ret;

	ret = mk_sysfs_read(rel, buf, sizeof(buf));
	return ret ? ret : (mkctl_parse_u64(buf, val) ? -EPROTO : 0);
}

int mk_sysfs_write(const char *rel, const char *val)
{
	char path[PATH_MAX];
	int ret;

	ret = mk_sysfs_path(rel, path, sizeof(path));
	return ret ? ret : mk_write_path(path, val);
}

int mk_inst_read(const char *name, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	ret = mk_inst_path(name, attr, path, sizeof(path));
	return ret ? ret : mk_read_path(path, buf, len);
}

int mk_inst_read_u64(const char *name, const char *attr, uint64_t *val)
{
	char buf[32];
	int ret;

	ret = mk_inst_read(name, attr, buf, sizeof(buf));
	return ret ? ret : (mkctl_parse_u64(buf, val) ? -EPROTO : 0);
}

int mk_inst_write(const char *name, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int ret;

	ret = mk_inst_path(name, attr, path, sizeof(path));
	return ret ? ret : mk_write_path(path, val);
}

/* Open an attribute read-only, e.g. to poll() it. Returns an fd. */
int mk_inst_open(const char *name, const char *attr)
{
	char path[PATH_MAX];
	int ret, fd;

	ret = mk_inst_path(name, attr, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Read a whole attribute that may be larger than a page (console, stats)
 * into a NUL-terminated buffer the caller frees.
 */
int mk_inst_read_all(const char *name, const char *attr, char **buf,
		     size_t *len)
{
	size_t size = 4096, used = 0;
	char *data = NULL, *tmp;
	ssize_t n;
	int fd, ret = 0;

	fd = mk_inst_open(name, attr);
	if (fd < 0)
		return fd;
	for (;;) {
		if (!data || size - used < 2) {
			size *= 2;
			tmp = realloc(data, size);
			if (!tmp) {
				ret = -ENOMEM;
				break;
			}
			data = tmp;
		}
		n = read(fd, data + used, size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;
			break;
		}
		used += n;
	}
	close(fd);
	if (ret) {
		free(data);
		return ret;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	return 0;
}

int mk_inst_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	ret = mk_inst_path(name, "", path, sizeof(path));
	if (ret)
		return ret;
	if (stat(path, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOENT;
}

static int mk_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/*
 * The names of all instances, sorted; free each and the array. Entries
 * that cannot be instance names are left out.
 */
int mk_inst_list(char ***names, size_t *count)
{
	char path[PATH_MAX], **list = NULL, **tmp;
	size_t n = 0, size = 0;
	struct dirent *de;
	int ret;
	DIR *dir;

	ret = mk_sysfs_path("instances", path, sizeof(path));
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (!mkctl_valid_name(de->d_name))
			continue;
		if (n == size) {
			size = size ? 2 * size : 16;
			tmp = realloc(list, size * sizeof(*list));
			if (!tmp)
				break;
			list = tmp;
		}
		list[n] = strdup(de->d_name);
		if (!list[n])
			break;
		n++;
	}
	ret = de ? -ENOMEM : 0;
	closedir(dir);
	if (ret) {
		mk_inst_list_free(list, n);
		return ret;
	}
	if (n)
		qsort(list, n, sizeof(*list), mk_name_cmp);
	*names = list;
	*count = n;
	return 0;
}

void mk_inst_list_free(char **names, size_t count)
{
	while (count)
		free(names[--count]);
	free(names);
}

/*
 * Returns 1 when @cpu is online, 0 when it is offline and -ENODEV when
 * there is no such CPU. A CPU without an online file cannot be taken
 * offline, so it counts as online.
 */
int mk_cpu_online(int cpu)
{
	char path[PATH_MAX], buf[16];
	struct stat st;
	int ret;

	ret = mk_cpu_path(cpu, "", path, sizeof(path));
	if (ret)
		return ret;
	if (stat(path, &st))
		return errno == ENOENT ? -ENODEV : -errno;
	ret = mk_cpu_path(cpu, "online", path, sizeof(path));
	if (!ret)
		ret = mk_read_path(path, buf, sizeof(buf));
	if (ret == -ENOENT)
		return 1;
	if (ret)
		return ret;
	return strcmp(buf, "0") ? 1 : 0;
}

int mk_cpu_set_online(int cpu, bool online)
{
	char path[PATH_MAX];
	int ret;

	ret = mk_cpu_path(cpu, "online", path, sizeof(path));
	return ret ? ret : mk_write_path(path, online ? "1" : "0");
}

/*
 * Open the message device of instance @name, /dev/mk-NAME, with open(2)
 * @flags; its path goes to @path for messages. Returns an fd.
 */
int mk_msgdev_open(const char *name, int flags, char *path, size_t len)
{
	int ret, fd;

	ret = mk_path(path, len, "%s/mk-%s", mk_dev_root(), name);
	if (ret)
		return ret;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Does PCI function @bdf have attribute @attr ("" for the function
 * itself)? Returns 1 or 0, or a negative errno when PCI sysfs cannot tell.
 */
int mk_pci_has(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	if (stat(mk_pci_root(), &st))
		return -errno;
	ret = mk_pci_path(bdf, attr, path, sizeof(path));
	if (ret)
		return ret;
	if (!stat(path, &st))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

int mk_pci_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	ret = mk_pci_path(bdf, attr, path, sizeof(path));
	return ret ? ret : mk_read_path(path, buf, len);
}

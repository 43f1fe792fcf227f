// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl create --disk PATH[:ro]: virtio disks backed by host files or
 * block devices, and why the kernel refused one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkctl.h"

/* A stat of every virtio disk: "virtioN_disk_path PATH". */
#define MK_DISK_PATH_STAT	"_disk_path"

/* --disk PATH or --disk PATH:ro, each a disk of its own. */
int mk_disk_opt(const char *cmd, const char *arg)
{
	struct mk_create_req *req = &mk_create_req;
	const char *mode = "";
	char *path, *colon, *abs;
	size_t len;

	if (req->nr_disks >= MKCTL_MAX_VIRTIO)
		return mkctl_usage_error(cmd, "--disk: %d at most",
					 MKCTL_MAX_VIRTIO);
	path = strdup(arg);
	if (!path)
		return mkctl_usage_error(cmd, "out of memory");
	colon = strrchr(path, ':');
	if (colon && !strcmp(colon, ":ro")) {
		*colon = '\0';
		mode = ",ro";
	}
	/* The kernel opens it by name: an absolute path, links resolved. */
	abs = realpath(path, NULL);
	if (!abs) {
		len = errno;
		free(path);
		return mkctl_usage_error(cmd, "--disk %s: %s", arg,
					 mkctl_strerror(len));
	}
	free(path);
	len = strlen(abs);
	if (len >= MKCTL_DISK_PATH_MAX || strpbrk(abs, " \t\n")) {
		free(abs);
		return mkctl_usage_error(cmd, "--disk %s: over %d characters, or spaces",
					 arg, MKCTL_DISK_PATH_MAX - 1);
	}
	snprintf(req->disks[req->nr_disks++], sizeof(req->disks[0]),
		 "disk=%s%s", abs, mode);
	free(abs);
	return -1;
}

/* Does instance @name have a disk whose path is @path? */
static bool mk_inst_has_disk(const char *name, const char *path)
{
	char *buf, *pos, *key, *val;
	size_t size, klen, slen = strlen(MK_DISK_PATH_STAT);
	bool found = false;

	if (mk_inst_read_all(name, "stats", &buf, &size))
		return false;
	pos = buf;
	while (!found && mk_stats_next(&pos, &key, &val)) {
		klen = strlen(key);
		found = klen > slen && !strcmp(key + klen - slen,
					       MK_DISK_PATH_STAT) &&
			!strcmp(val, path);
	}
	free(buf);
	return found;
}

/*
 * create failed with EBUSY: is one of the --disk paths given to another
 * instance? Says so and returns true; false, having said nothing, if not.
 */
bool mk_disks_given(const char *what)
{
	const struct mk_create_req *req = &mk_create_req;
	char plain[MKCTL_DISK_PATH_MAX];
	size_t i, len, count = 0;
	char **names = NULL;
	bool found = false;
	const char *path;
	unsigned int d;

	if (!req->nr_disks || mk_inst_list(&names, &count))
		return false;
	for (d = 0; d < req->nr_disks && !found; d++) {
		path = req->disks[d] + strlen("disk=");
		len = strlen(path);
		/* The path without ",ro", as stats show it. */
		if (len > strlen(",ro") && !strcmp(path + len - 3, ",ro"))
			len -= strlen(",ro");
		snprintf(plain, sizeof(plain), "%.*s", (int)len, path);
		for (i = 0; i < count && !found; i++) {
			found = mk_inst_has_disk(names[i], plain);
			if (found)
				mkctl_err(what, "disk %s is given to instance '%s'",
					  plain, names[i]);
		}
	}
	mk_inst_list_free(names, count);
	return found;
}

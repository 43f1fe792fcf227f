/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkctl: shared declarations.
 */
#ifndef MKCTL_H
#define MKCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/compiler.h>
#include <linux/kernel.h>

/* Exit statuses, as documented in mkctl(8). */
#define MKCTL_EXIT_OK		0
#define MKCTL_EXIT_FAILED	1
#define MKCTL_EXIT_USAGE	2

/* Options every command takes. */
struct mkctl_opts {
	bool json;
	bool pretty;
};

extern struct mkctl_opts mkctl_opts;

__printf(2, 3) void mkctl_err(const char *cmd, const char *fmt, ...);
__printf(2, 3) int mkctl_usage_error(const char *cmd, const char *fmt, ...);
int mkctl_parse_common(const char *cmd, int argc, char **argv,
		       void (*help)(void));

/* sysfs.c: the only code that knows where the files are. */
const char *mk_sysfs_root(void);
int mk_sysfs_check_root(const char *cmd);
int mk_sysfs_read(const char *rel, char *buf, size_t len);
int mk_sysfs_read_u64(const char *rel, uint64_t *val);
int mk_sysfs_write(const char *rel, const char *val);

/* Commands. */
int cmd_pool(int argc, char **argv);

#endif /* MKCTL_H */

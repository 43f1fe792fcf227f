/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkctl: shared declarations.
 */
#ifndef MKCTL_H
#define MKCTL_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/compiler.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "cpulist.h"

#if __has_include("linux/multikernel.h")
#include <linux/multikernel.h>
#endif

/* Uapi headers older than mkctl: the values of linux/multikernel.h. */
#ifndef MULTIKERNEL_NAME_MAX
#define MULTIKERNEL_NAME_MAX		31
#endif
#ifndef KEXEC_FILE_MULTIKERNEL
#define KEXEC_FILE_MULTIKERNEL		0x80000000UL
#define KEXEC_FILE_MK_ID_SHIFT		16
#define KEXEC_FILE_MK_ID_MASK		(0xffUL << KEXEC_FILE_MK_ID_SHIFT)
#define KEXEC_FILE_MK_ID(id)		\
	(((unsigned long)(id) << KEXEC_FILE_MK_ID_SHIFT) & KEXEC_FILE_MK_ID_MASK)
#endif
#ifndef MULTIKERNEL_MSG_MAX
#define MULTIKERNEL_MSG_MAX		8192
#endif
#ifndef MULTIKERNEL_IOC_PING
struct multikernel_ping {
	__u64 ns;
};

#define MULTIKERNEL_IOC_MAGIC		0xbc
#define MULTIKERNEL_IOC_PING		_IOR(MULTIKERNEL_IOC_MAGIC, 1, \
					     struct multikernel_ping)
#endif
#ifndef MULTIKERNEL_IOC_CONSOLE_INPUT
#define MULTIKERNEL_CONSOLE_INPUT_MAX	256

struct multikernel_console_input {
	__u32 len;
	__u8 data[MULTIKERNEL_CONSOLE_INPUT_MAX];
};

#define MULTIKERNEL_IOC_CONSOLE_INPUT	_IOW(MULTIKERNEL_IOC_MAGIC, 2, \
					     struct multikernel_console_input)
#endif

/* Exit statuses, as documented in mkctl(8). */
#define MKCTL_EXIT_OK		0
#define MKCTL_EXIT_FAILED	1
#define MKCTL_EXIT_USAGE	2

#define MKCTL_MIB_SHIFT		20
#define MKCTL_MAX_SECONDS	86400

/* Options every command takes. */
struct mkctl_opts {
	bool json;
	bool pretty;
};

extern struct mkctl_opts mkctl_opts;

/*
 * One option of a command, beside --json, --pretty and --help which all
 * take. After parsing, *arg is NULL when the option was not given and ""
 * for a flag or for an optional argument that was left out.
 */
struct mkctl_opt {
	const char *name;	/* long name, without "--" */
	int key;		/* short option letter, or 0 */
	int has_arg;		/* no_, required_ or optional_argument */
	const char **arg;
	const char *required;	/* metavar of an option that must be given */
	unsigned int *secs;	/* the argument is seconds: store them here */
	/*
	 * An option that may be given more than once: called with each
	 * argument (*arg keeps only the last); returns -1 or, after a
	 * usage error, its exit status.
	 */
	int (*each)(const char *cmd, const char *arg);
};

/* The operand of a command. */
enum mkctl_operand {
	MKCTL_NONE,
	MKCTL_NEW,		/* NAME of an instance to create */
	MKCTL_INSTANCE,		/* NAME of an instance that must exist */
};

#define MKCTL_OPT_TABLES	3

/* What a command takes, and what parsing found. */
struct mkctl_args {
	const char *cmd;
	void (*help)(void);
	/* option tables, each ending with { } */
	const struct mkctl_opt *opts[MKCTL_OPT_TABLES];
	enum mkctl_operand operand;
	/* metavar of an operand that must follow NAME ("DATA"), or NULL */
	const char *data_metavar;
	/* more usage checks, after parsing: -1 or an exit status */
	int (*check)(const struct mkctl_args *a);
	const char *name;
	const char *data;		/* that operand, after parsing */
	char what[64];			/* "cmd NAME": how errors start */
};

__printf(2, 3) void mkctl_err(const char *cmd, const char *fmt, ...);
__printf(2, 3) int mkctl_usage_error(const char *cmd, const char *fmt, ...);
int mkctl_parse(struct mkctl_args *args, int argc, char **argv);
bool mkctl_valid_name(const char *name);
int mkctl_parse_u64(const char *str, uint64_t *val);
int mkctl_parse_size(const char *str, uint64_t *bytes);
const char *mkctl_strerror(int err);
bool mkctl_in_list(const char *s, const char *const *list);
void mkctl_fail(const char *what, const char *name, int err);
long long mkctl_now_ms(void);

/* sysfs.c: the only code that knows where the files are. */
const char *mk_sysfs_root(void);
int mk_sysfs_check_root(const char *cmd);
int mk_sysfs_read(const char *rel, char *buf, size_t len);
int mk_sysfs_read_u64(const char *rel, uint64_t *val);
int mk_sysfs_write(const char *rel, const char *val);
int mk_sysfs_pread(int fd, char *buf, size_t len);
int mk_inst_read(const char *name, const char *attr, char *buf, size_t len);
int mk_inst_read_u64(const char *name, const char *attr, uint64_t *val);
int mk_inst_write(const char *name, const char *attr, const char *val);
int mk_inst_open(const char *name, const char *attr);
int mk_inst_read_all(const char *name, const char *attr, char **buf,
		     size_t *len);
int mk_inst_exists(const char *name);
int mk_inst_list(char ***names, size_t *count);
void mk_inst_list_free(char **names, size_t count);
int mk_cpu_online(int cpu);
int mk_cpu_set_online(int cpu, bool online);
int mk_msgdev_open(const char *name, int flags, char *path, size_t len);
int mk_pci_has(const char *bdf, const char *attr);
int mk_pci_read(const char *bdf, const char *attr, char *buf, size_t len);

/* A PCI function as the kernel names it: "SSSS:BB:DD.F" and a NUL. */
#define MKCTL_BDF_MAX		sizeof("0000:00:00.0")
/* The most device= keys a create line takes (MK_MAX_DEVICES). */
#define MKCTL_MAX_DEVICES	4

/* instance.c: create and destroy, shared with run. */
/* Virtio devices one instance can have (MK_VIRTIO_MAX_DEVICES). */
#define MKCTL_MAX_VIRTIO	4
/* Virtio NICs one instance can have: any of its virtio devices. */
#define MKCTL_MAX_NETS		MKCTL_MAX_VIRTIO
/* The longest --disk path the kernel takes, NUL included (MK_DISK_PATH_MAX). */
#define MKCTL_DISK_PATH_MAX	256

struct mk_create_req {
	const char *cpus;
	const char *memory;
	const char *offline;
	const char *device;		/* the last --device */
	uint64_t bytes;
	bool cpu_set[MKCTL_MAX_CPUS];
	bool offlined[MKCTL_MAX_CPUS];	/* what mk_create() took offline */
	/* every --device, normalised */
	char devices[MKCTL_MAX_DEVICES][MKCTL_BDF_MAX];
	unsigned int nr_devices;
	const char *net;		/* the last --net */
	const char *vsock;		/* set with --vsock */
	const char *iowin;
	uint64_t iowin_bytes;
	const char *mtu;
	unsigned long mtu_bytes;
	/* every --net, as the create line's key: "net" or "net=MAC" */
	char nets[MKCTL_MAX_NETS][sizeof("net=00:00:00:00:00:00")];
	unsigned int nr_nets;
	const char *disk;		/* the last --disk */
	/* every --disk, as the create line's key: "disk=PATH[,ro]" */
	char disks[MKCTL_MAX_VIRTIO][sizeof("disk=,ro") + MKCTL_DISK_PATH_MAX];
	unsigned int nr_disks;
};

extern struct mk_create_req mk_create_req;
extern const struct mkctl_opt mk_create_opts[];
int mk_create_check(const struct mkctl_args *a);
int mk_create(const char *what, const char *name);
int mk_destroy(const char *what, const char *name);
void mk_cpus_online_again(void);
bool mk_stats_next(char **pos, char **key, char **val);

/* disk.c: --disk */
int mk_disk_opt(const char *cmd, const char *arg);
bool mk_disks_given(const char *what);
int mk_stat_get(const char *name, const char *key, char *val, size_t len);

/* device.c: PCI functions handed over to instances. */
struct mk_dev {			/* one line of instances/NAME/devices */
	const char *bus;	/* "pci" */
	const char *addr;	/* "0000:01:00.0" */
	const char *holder;	/* "instance" or "host" */
};

int mk_device_opt(const char *cmd, const char *arg);
int mk_devices_read(const char *name, char **buf);
bool mk_devices_next(char **pos, struct mk_dev *dev);
bool mk_devices_create_failed(const char *what, const char *line, int err);
bool mk_devices_given(const char *what);
bool mk_devices_host_busy(const char *what, const char *name);

/* lifecycle.c: control writes and waiting for states, shared with run. */
#define MK_STATE_MAX		32
extern const char *const mk_busy_states[];
extern const struct mkctl_opt mk_wait_opts[];
extern const char *mk_timeout_arg;
extern unsigned int mk_timeout_secs;
extern const struct mkctl_opt mk_timeout_opts[];
int mk_control(const char *what, const char *name, const char *verb);
int mk_wait_state(const char *name, const char *const *while_in,
		  unsigned int secs, char *state, size_t len);
int mk_wait_if_asked(const char *what, const char *name);

/* log.c: console output, shared with console. */
struct mk_console_mark {
	uint64_t total;		/* console bytes written up to the mark */
	uint64_t starts;	/* in this start of the instance */
	bool set;		/* false until the console was first read */
	bool last_line;		/* first read: print only its last line */
};

int mk_console_print_new(const char *what, const char *name,
			 struct mk_console_mark *mark);
int mk_console_poll(const char *what, const char *name,
		    struct mk_console_mark *mark, char *state, size_t len);

/* msg.c: the message device of an instance, shared with console. */
struct mk_msg {
	int fd;
	char path[PATH_MAX];
};

int mk_msg_open(const struct mkctl_args *a, int flags, struct mk_msg *m);
void mk_msg_failed(const char *what, const char *name, const struct mk_msg *m,
		   int err);

/* Commands. */
int cmd_pool(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_ping(int argc, char **argv);

#endif /* MKCTL_H */

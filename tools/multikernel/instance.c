// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl create, destroy, list and status: instances, their CPUs and
 * their memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "json.h"
#include "mkctl.h"

#define MK_CPULIST_MAX	4096
#define MK_MEM_TEXT_MAX	32
/* NAME cpus=LIST memory=BYTES device=BDF...: each part at its longest. */
#define MK_CREATE_LINE_MAX						\
	(sizeof(" cpus= memory=18446744073709551615") +			\
	 MULTIKERNEL_NAME_MAX + MK_CPULIST_MAX +			\
	 MKCTL_MAX_DEVICES * sizeof(" device=0000:00:00.0") +		\
	 MKCTL_MAX_NETS * sizeof(" net=00:00:00:00:00:00") +		\
	 sizeof(" vsock") + sizeof(" iowin=18446744073709551615") +	\
	 sizeof(" mtu=9000") +						\
	 MKCTL_MAX_VIRTIO * sizeof(mk_create_req.disks[0]))
/* The MTUs --mtu may set, as the kernel takes them. */
#define MK_MTU_MIN	68
#define MK_MTU_MAX	9000

struct mk_inst {
	char name[MULTIKERNEL_NAME_MAX + 1];
	uint64_t id;
	uint64_t memory;
	char state[MK_STATE_MAX];
	char cpus[MK_CPULIST_MAX];
};

/* A "key value" line of a stats file. */
struct mk_stat {
	char *key;
	char *val;
};

/* The fields status prints itself; stats repeating them are left out. */
static const char *const mk_inst_fields[] = {
	"name", "id", "state", "cpus", "memory", NULL
};

/* Stats that are text even when they look like a number. */
static const char *const mk_text_stats[] = {
	"state", "exit_reason", "panic_message", NULL
};

static void create_help(void)
{
	printf("Usage: mkctl create NAME --cpus LIST --memory SIZE\n"
	       "                    [--device BDF[,BDF...]]... [--net[=MAC]]...\n"
	       "                    [--mtu BYTES] [--vsock] [--disk PATH[:ro]]...\n"
	       "                    [--iowin SIZE] [--offline]\n"
	       "\n"
	       "Create an instance: give it CPUs and memory from the pool,\n"
	       "and PCI functions of this machine.\n"
	       "NAME is 1 to 31 letters, digits, '_' or '-'.\n"
	       "\n"
	       "  --cpus LIST     CPUs, as in 1-3,6; they must be offline and\n"
	       "                  CPU 0 (the boot CPU) is never given away\n"
	       "  --memory SIZE   memory from the pool: bytes, or a number with\n"
	       "                  K, M, G or T (256M, 1G)\n"
	       "  --device DEV    hand a device over: a PCI function,\n"
	       "                  [SSSS:]BB:DD.F in hex as lspci prints it\n"
	       "                  (01:00.0), or a legacy UART (ttyS1); a comma\n"
	       "                  list or repeated, %d at most. It must not be\n"
	       "                  in use here (mounted, open, an interface up)\n"
	       "  --net[=MAC]     a network interface over shared memory: eth0\n"
	       "                  in the instance, mk-NAME here (mk-NAME.N for\n"
	       "                  more); MAC made up from NAME unless given;\n"
	       "                  repeated, %d at most\n"
	       "  --mtu BYTES     the network interfaces' MTU at both ends,\n"
	       "                  and the most either may set: %d to %d\n"
	       "                  (default 1500; 9000 for jumbo frames)\n"
	       "  --vsock         AF_VSOCK to and from the instance: its CID is\n"
	       "                  its id plus 2 (mkctl status: virtioN_cid),\n"
	       "                  this kernel's is 2; counts as a network\n"
	       "                  interface towards the %d\n"
	       "  --disk PATH[:ro] a virtio disk (vda, vdb, ...) backed by a\n"
	       "                  file or block device here, read-only with\n"
	       "                  :ro; read-only ones may be shared, a\n"
	       "                  read-write one not, nor one mounted or open\n"
	       "                  for writing here; repeated; --net, --vsock\n"
	       "                  and --disk together %d at most\n"
	       "  --iowin SIZE    memory for the virtio devices' buffers, from\n"
	       "                  the pool (default 8M)\n"
	       "  --offline       take the listed CPUs offline first\n",
	       MKCTL_MAX_DEVICES, MKCTL_MAX_NETS, MK_MTU_MIN, MK_MTU_MAX,
	       MKCTL_MAX_NETS, MKCTL_MAX_VIRTIO);
}

static void destroy_help(void)
{
	printf("Usage: mkctl destroy NAME\n"
	       "\n"
	       "Destroy an instance that is not running: its memory goes back\n"
	       "to the pool (zeroed), its PCI functions can be given to other\n"
	       "instances again and its CPUs go back to this kernel, offline\n"
	       "(echo 1 > /sys/devices/system/cpu/cpuN/online brings them up).\n");
}

static void list_help(void)
{
	printf("Usage: mkctl list [--json] [--pretty]\n"
	       "\n"
	       "List the instances: name, id, state, CPUs and memory.\n");
}

static void status_help(void)
{
	printf("Usage: mkctl status NAME [--json] [--pretty]\n"
	       "\n"
	       "Show an instance, the PCI functions it was given (held by\n"
	       "the instance, or given back to the host while it is not\n"
	       "running) and every statistic the kernel keeps for it\n"
	       "(starts, uptime, time to ready, last exit reason, panic\n"
	       "message, heartbeats, messages, ...).\n");
}

struct mk_create_req mk_create_req;

/* --net or --net=MAC, each a NIC of its own. */
static int mk_net_opt(const char *cmd, const char *arg)
{
	struct mk_create_req *req = &mk_create_req;
	unsigned int b[6];
	char end;

	if (req->nr_nets >= MKCTL_MAX_NETS)
		return mkctl_usage_error(cmd, "--net: %d at most", MKCTL_MAX_NETS);
	if (!arg || !*arg) {
		snprintf(req->nets[req->nr_nets++], sizeof(req->nets[0]), "net");
		return -1;
	}
	if (strlen(arg) != strlen("00:00:00:00:00:00") ||
	    sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || (b[0] & 1))
		return mkctl_usage_error(cmd, "--net=%s: not a unicast MAC (02:00:00:00:00:01)",
					 arg);
	snprintf(req->nets[req->nr_nets++], sizeof(req->nets[0]), "net=%s",
		 arg);
	return -1;
}

/* The options of create, which run takes too. */
const struct mkctl_opt mk_create_opts[] = {
	{ .name = "cpus", .has_arg = required_argument,
	  .arg = &mk_create_req.cpus, .required = "LIST" },
	{ .name = "memory", .has_arg = required_argument,
	  .arg = &mk_create_req.memory, .required = "SIZE" },
	{ .name = "offline", .has_arg = no_argument,
	  .arg = &mk_create_req.offline },
	{ .name = "device", .has_arg = required_argument,
	  .arg = &mk_create_req.device, .each = mk_device_opt },
	{ .name = "net", .has_arg = optional_argument,
	  .arg = &mk_create_req.net, .each = mk_net_opt },
	{ .name = "vsock", .has_arg = no_argument,
	  .arg = &mk_create_req.vsock },
	{ .name = "iowin", .has_arg = required_argument,
	  .arg = &mk_create_req.iowin },
	{ .name = "mtu", .has_arg = required_argument,
	  .arg = &mk_create_req.mtu },
	{ .name = "disk", .has_arg = required_argument,
	  .arg = &mk_create_req.disk, .each = mk_disk_opt },
	{ }
};

/* Check --cpus and --memory. Returns -1, or the usage exit status. */
int mk_create_check(const struct mkctl_args *a)
{
	struct mk_create_req *req = &mk_create_req;
	const char *cmd = a->cmd;
	int ret, cpu;

	if (strlen(req->cpus) >= MK_CPULIST_MAX)
		return mkctl_usage_error(cmd, "--cpus: the list is too long");
	ret = mk_cpulist_parse(req->cpus, req->cpu_set, MKCTL_MAX_CPUS);
	if (ret == -ERANGE)
		return mkctl_usage_error(cmd, "--cpus %s: CPU numbers go up to %d",
					 req->cpus, MKCTL_MAX_CPUS - 1);
	if (ret)
		return mkctl_usage_error(cmd, "--cpus '%s' is not a CPU list like 1-3,6",
					 req->cpus);
	for (cpu = 0; cpu < MKCTL_MAX_CPUS && !req->cpu_set[cpu]; cpu++)
		;
	if (cpu == MKCTL_MAX_CPUS)
		return mkctl_usage_error(cmd, "--cpus needs at least one CPU");

	ret = mkctl_parse_size(req->memory, &req->bytes);
	if (ret == -ERANGE)
		return mkctl_usage_error(cmd, "--memory %s is too large",
					 req->memory);
	if (ret)
		return mkctl_usage_error(cmd, "--memory '%s' is not a size like 256M or 1G",
					 req->memory);
	if (!req->bytes)
		return mkctl_usage_error(cmd, "--memory must be more than 0");
	if (req->nr_nets + !!req->vsock + req->nr_disks > MKCTL_MAX_VIRTIO)
		return mkctl_usage_error(cmd, "%d virtio devices at most (--net, --vsock, --disk)",
					 MKCTL_MAX_VIRTIO);
	if (req->mtu) {
		char *end;

		if (!req->nr_nets)
			return mkctl_usage_error(cmd, "--mtu is only for instances with --net");
		errno = 0;
		req->mtu_bytes = strtoul(req->mtu, &end, 10);
		if (errno || *end || end == req->mtu || *req->mtu == '-' ||
		    req->mtu_bytes < MK_MTU_MIN || req->mtu_bytes > MK_MTU_MAX)
			return mkctl_usage_error(cmd, "--mtu '%s' is not a number from %d to %d",
						 req->mtu, MK_MTU_MIN, MK_MTU_MAX);
	}
	if (!req->iowin)
		return -1;
	if (!req->nr_nets && !req->vsock && !req->nr_disks)
		return mkctl_usage_error(cmd,
					 "--iowin is only for instances with --net, --vsock or --disk");
	if (mkctl_parse_size(req->iowin, &req->iowin_bytes) || !req->iowin_bytes)
		return mkctl_usage_error(cmd, "--iowin '%s' is not a size like 8M",
					 req->iowin);
	return -1;
}

/* Read @cpus of instance @name into a set; 0 or a negative errno. */
static int mk_inst_cpu_set(const char *name, bool *set)
{
	char cpus[MK_CPULIST_MAX];
	int ret;

	ret = mk_inst_read(name, "cpus", cpus, sizeof(cpus));
	if (ret)
		return ret;
	return mk_cpulist_parse(cpus, set, MKCTL_MAX_CPUS) ? -EPROTO : 0;
}

/* Which other instance holds one of @want's CPUs? Returns it or -1. */
static int mk_cpu_owner(const bool *want, char *owner, size_t len)
{
	bool *set = calloc(MKCTL_MAX_CPUS, sizeof(*set));
	size_t i, count = 0;
	char **names = NULL;
	int cpu = -1, c;

	if (!set || mk_inst_list(&names, &count))
		count = 0;
	for (i = 0; i < count && cpu < 0; i++) {
		if (mk_inst_cpu_set(names[i], set))
			continue;
		for (c = 0; c < MKCTL_MAX_CPUS; c++) {
			if (want[c] && set[c]) {
				snprintf(owner, len, "%s", names[i]);
				cpu = c;
				break;
			}
		}
	}
	if (names)
		mk_inst_list_free(names, count);
	free(set);
	return cpu;
}

/* create failed with EBUSY: a CPU or a device is not free. */
static void mk_create_busy(const char *what)
{
	char owner[MULTIKERNEL_NAME_MAX + 1];
	int cpu;

	if (mk_devices_given(what) || mk_disks_given(what))
		return;
	cpu = mk_cpu_owner(mk_create_req.cpu_set, owner, sizeof(owner));
	if (cpu >= 0)
		mkctl_err(what, "CPU %d belongs to instance '%s'", cpu, owner);
	else if (mk_create_req.nr_disks)
		mkctl_err(what, "a CPU or a --disk is busy: a disk may be mounted or open for writing here (see dmesg)");
	else if (!mk_devices_create_failed(what, NULL, EBUSY))
		mkctl_err(what, "a CPU is online or belongs to another instance");
}

static void mk_create_failed(const char *what, const char *name,
			     const char *line, int err)
{
	const struct mk_create_req *req = &mk_create_req;
	uint64_t free_bytes = 0;

	if (err == EBUSY) {
		mk_create_busy(what);
		return;
	}
	if (mk_devices_create_failed(what, line, err))
		return;
	switch (err) {
	case EEXIST:
		mkctl_err(what, "an instance named '%s' exists", name);
		break;
	case ENOSPC:
		mk_sysfs_read_u64("pool/memory_free", &free_bytes);
		if (req->bytes > free_bytes)
			mkctl_err(what, "not enough free pool memory (%llu MiB free)",
				  (unsigned long long)free_bytes >> MKCTL_MIB_SHIFT);
		else
			mkctl_err(what, "no free instance slot, or no contiguous %llu MiB in the pool (%llu MiB free)",
				  (unsigned long long)req->bytes >> MKCTL_MIB_SHIFT,
				  (unsigned long long)free_bytes >> MKCTL_MIB_SHIFT);
		break;
	case EINVAL:
		mkctl_err(what, "the kernel refused '%s' (see dmesg)", line);
		break;
	default:
		mkctl_err(what, "%s", mkctl_strerror(err));
	}
}

/*
 * Check that the CPUs of --cpus can be given away; with --offline take
 * the online ones offline. Changes nothing unless all can be used.
 */
static int mk_take_cpus(const char *what)
{
	struct mk_create_req *req = &mk_create_req;
	bool *online = calloc(MKCTL_MAX_CPUS, sizeof(*online));
	int cpu, ret = 0;

	if (!online) {
		mkctl_err(what, "out of memory");
		return -ENOMEM;
	}
	if (req->cpu_set[0]) {
		mkctl_err(what, "CPU 0 is the boot CPU and cannot be given away");
		ret = -EINVAL;
	}
	for (cpu = 1; cpu < MKCTL_MAX_CPUS && !ret; cpu++) {
		if (!req->cpu_set[cpu])
			continue;
		ret = mk_cpu_online(cpu);
		if (ret == -ENODEV)
			mkctl_err(what, "CPU %d does not exist", cpu);
		else if (ret < 0)
			mkctl_err(what, "cannot read whether CPU %d is online: %s",
				  cpu, mkctl_strerror(-ret));
		else if (ret && !req->offline)
			mkctl_err(what, "CPU %d is online (offline it or pass --offline)",
				  cpu);
		online[cpu] = ret > 0;
		ret = ret < 0 || (ret && !req->offline) ? -EBUSY : 0;
	}
	for (cpu = 1; cpu < MKCTL_MAX_CPUS && !ret; cpu++) {
		if (!online[cpu])
			continue;
		ret = mk_cpu_set_online(cpu, false);
		if (ret)
			mkctl_err(what, "cannot offline CPU %d: %s", cpu,
				  mkctl_strerror(-ret));
		else
			req->offlined[cpu] = true;
	}
	free(online);
	if (ret)
		mk_cpus_online_again();
	return ret;
}

/* Bring back the CPUs mk_create() took offline, after a failure. */
void mk_cpus_online_again(void)
{
	int cpu;

	for (cpu = 1; cpu < MKCTL_MAX_CPUS; cpu++)
		if (mk_create_req.offlined[cpu])
			mk_cpu_set_online(cpu, true);
}

/* "NAME cpus=LIST memory=BYTES device=BDF..." into @line. */
static void mk_create_line(const char *name, char *line, size_t len)
{
	const struct mk_create_req *req = &mk_create_req;
	unsigned int i;
	size_t used;

	used = snprintf(line, len, "%s cpus=%s memory=%llu", name, req->cpus,
			(unsigned long long)req->bytes);
	for (i = 0; i < req->nr_devices && used < len; i++)
		used += snprintf(line + used, len - used, " device=%s",
				 req->devices[i]);
	for (i = 0; i < req->nr_nets && used < len; i++)
		used += snprintf(line + used, len - used, " %s", req->nets[i]);
	if (req->mtu && used < len)
		used += snprintf(line + used, len - used, " mtu=%lu",
				 req->mtu_bytes);
	if (req->vsock && used < len)
		used += snprintf(line + used, len - used, " vsock");
	for (i = 0; i < req->nr_disks && used < len; i++)
		used += snprintf(line + used, len - used, " %s", req->disks[i]);
	if (req->iowin && used < len)
		snprintf(line + used, len - used, " iowin=%llu",
			 (unsigned long long)req->iowin_bytes);
}

/* Create instance @name as the options say. Returns an exit status. */
int mk_create(const char *what, const char *name)
{
	char line[MK_CREATE_LINE_MAX];
	int ret;

	if (mk_take_cpus(what))
		return MKCTL_EXIT_FAILED;
	mk_create_line(name, line, sizeof(line));
	ret = mk_sysfs_write("create", line);
	if (!ret)
		return MKCTL_EXIT_OK;
	mk_create_failed(what, name, line, -ret);
	mk_cpus_online_again();
	return MKCTL_EXIT_FAILED;
}

int mk_destroy(const char *what, const char *name)
{
	char state[MK_STATE_MAX];
	int ret;

	ret = mk_sysfs_write("destroy", name);
	if (!ret)
		return MKCTL_EXIT_OK;
	if (ret == -EBUSY && !mk_inst_read(name, "state", state, sizeof(state)))
		mkctl_err(what, "instance is %s (stop or kill it first)", state);
	else
		mkctl_fail(what, name, -ret);
	return MKCTL_EXIT_FAILED;
}

int cmd_create(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "create", .help = create_help, .opts = { mk_create_opts },
		.operand = MKCTL_NEW, .check = mk_create_check,
	};
	int ret = mkctl_parse(&a, argc, argv);

	return ret >= 0 ? ret : mk_create(a.what, a.name);
}

int cmd_destroy(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "destroy", .help = destroy_help,
		.operand = MKCTL_INSTANCE,
	};
	int ret = mkctl_parse(&a, argc, argv);

	return ret >= 0 ? ret : mk_destroy(a.what, a.name);
}

static int mk_inst_get(const char *name, struct mk_inst *in)
{
	static bool set[MKCTL_MAX_CPUS];
	int ret;

	snprintf(in->name, sizeof(in->name), "%s", name);
	ret = mk_inst_read_u64(name, "id", &in->id);
	if (!ret)
		ret = mk_inst_read(name, "state", in->state, sizeof(in->state));
	if (!ret)
		ret = mk_inst_read(name, "cpus", in->cpus, sizeof(in->cpus));
	if (!ret)
		ret = mk_inst_read_u64(name, "memory", &in->memory);
	if (!ret && mk_cpulist_parse(in->cpus, set, MKCTL_MAX_CPUS))
		ret = -EPROTO;
	return ret;
}

static void mk_inst_json(struct json_writer *w, const struct mk_inst *in)
{
	json_string(w, "name", in->name);
	json_u64(w, "id", in->id);
	json_string(w, "state", in->state);
	json_string(w, "cpus", in->cpus);
	json_cpulist(w, "cpu_list", in->cpus);
	json_u64(w, "memory", in->memory);
}

static const char *mk_mem_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes & ((1ULL << MKCTL_MIB_SHIFT) - 1))
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu MiB",
			 (unsigned long long)bytes >> MKCTL_MIB_SHIFT);
	return buf;
}

static int mk_inst_cmp_id(const void *a, const void *b)
{
	const struct mk_inst *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static void list_print_text(const struct mk_inst *in, size_t n)
{
	int wname = 4, wid = 2, wstate = 5, wcpus = 4;
	char mem[MK_MEM_TEXT_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		wname = max_int(wname, strlen(in[i].name));
		wid = max_int(wid, snprintf(NULL, 0, "%llu",
					    (unsigned long long)in[i].id));
		wstate = max_int(wstate, strlen(in[i].state));
		wcpus = max_int(wcpus, strlen(in[i].cpus));
	}
	printf("%-*s  %*s  %-*s  %-*s  %s\n", wname, "NAME", wid, "ID",
	       wstate, "STATE", wcpus, "CPUS", "MEMORY");
	for (i = 0; i < n; i++)
		printf("%-*s  %*llu  %-*s  %-*s  %s\n", wname, in[i].name, wid,
		       (unsigned long long)in[i].id, wstate, in[i].state,
		       wcpus, in[i].cpus,
		       mk_mem_text(in[i].memory, mem, sizeof(mem)));
}

static void list_print_json(const struct mk_inst *in, size_t n)
{
	struct json_writer *w = json_new(stdout, mkctl_opts.pretty);
	size_t i;

	if (!w)
		return;
	json_start_object(w, NULL);
	json_start_array(w, "instances");
	for (i = 0; i < n; i++) {
		json_start_object(w, NULL);
		mk_inst_json(w, &in[i]);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
	json_destroy(w);
}

int cmd_list(int argc, char **argv)
{
	struct mkctl_args a = { .cmd = "list", .help = list_help };
	struct mk_inst *in = NULL;
	size_t i, n = 0, count = 0;
	char **names = NULL;
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	ret = mk_inst_list(&names, &count);
	if (!ret && count) {
		in = calloc(count, sizeof(*in));
		if (!in)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < count; i++) {
		ret = mk_inst_get(names[i], &in[n]);
		if (ret == -ENOENT)	/* destroyed meanwhile */
			ret = 0;
		else if (!ret)
			n++;
		else
			mkctl_err(a.what, "cannot read instance '%s': %s",
				  names[i], mkctl_strerror(-ret));
	}
	if (!ret) {
		qsort(in, n, sizeof(*in), mk_inst_cmp_id);
		if (mkctl_opts.json)
			list_print_json(in, n);
		else
			list_print_text(in, n);
	} else if (i == 0) {
		mkctl_err(a.what, "cannot read %s/instances: %s",
			  mk_sysfs_root(), mkctl_strerror(-ret));
	}
	if (names)
		mk_inst_list_free(names, count);
	free(in);
	return ret ? MKCTL_EXIT_FAILED : MKCTL_EXIT_OK;
}

/*
 * Split the next "key value" line off *@pos (which it changes); the value
 * is the rest of the line. Returns false at the end.
 */
bool mk_stats_next(char **pos, char **key, char **val)
{
	char *line, *end;

	while (**pos) {
		line = *pos;
		end = strchrnul(line, '\n');
		*pos = *end ? end + 1 : end;
		*end = '\0';
		line += strspn(line, " \t");
		if (!*line)
			continue;
		*key = line;
		line += strcspn(line, " \t");
		if (*line)
			*line++ = '\0';
		*val = line + strspn(line, " \t");
		while (end > *val && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		return true;
	}
	return false;
}

/*
 * The value of one stat of @name into @val; -ENOENT when the kernel does
 * not show it.
 */
int mk_stat_get(const char *name, const char *key, char *val, size_t len)
{
	char *buf, *pos, *k, *v;
	size_t size;
	int ret;

	ret = mk_inst_read_all(name, "stats", &buf, &size);
	if (ret)
		return ret;
	ret = -ENOENT;
	pos = buf;
	while (ret && mk_stats_next(&pos, &k, &v)) {
		if (!strcmp(k, key)) {
			snprintf(val, len, "%s", v);
			ret = 0;
		}
	}
	free(buf);
	return ret;
}

/* All the stats of @name, in the order the kernel prints them. */
static int mk_stats_read(const char *name, char **buf, struct mk_stat **stats,
			 size_t *n)
{
	struct mk_stat *st = NULL, *tmp;
	size_t len, size = 0;
	char *pos, *key, *val;
	int ret;

	*n = 0;
	*stats = NULL;
	ret = mk_inst_read_all(name, "stats", buf, &len);
	if (ret)
		return ret;
	pos = *buf;
	while (mk_stats_next(&pos, &key, &val)) {
		if (*n == size) {
			size = size ? 2 * size : 16;
			tmp = realloc(st, size * sizeof(*st));
			if (!tmp) {
				free(st);
				free(*buf);
				return -ENOMEM;
			}
			st = tmp;
		}
		st[*n].key = key;
		st[(*n)++].val = val;
	}
	*stats = st;
	return 0;
}

/* "devices: 0000:01:00.0 (instance), 0000:02:00.0 (host)", or "none". */
static void status_print_devices(char *devices, int w)
{
	const char *sep = "";
	struct mk_dev dev;
	char *pos = devices;

	printf("%-*s ", w, "devices:");
	while (mk_devices_next(&pos, &dev)) {
		printf("%s", sep);
		if (strcmp(dev.bus, "pci"))
			printf("%s ", dev.bus);
		printf("%s (%s)", dev.addr, dev.holder);
		sep = ", ";
	}
	printf("%s\n", *sep ? "" : "none");
}

static void status_print_text(const struct mk_inst *in, char *devices,
			      const struct mk_stat *st, size_t n)
{
	char mem[MK_MEM_TEXT_MAX];
	int w = strlen("devices:");
	size_t i;

	for (i = 0; i < n; i++)
		w = max_int(w, strlen(st[i].key) + 1);
	printf("%-*s %s\n", w, "name:", in->name);
	printf("%-*s %llu\n", w, "id:", (unsigned long long)in->id);
	printf("%-*s %s\n", w, "state:", in->state);
	printf("%-*s %s\n", w, "cpus:", in->cpus);
	printf("%-*s %s\n", w, "memory:",
	       mk_mem_text(in->memory, mem, sizeof(mem)));
	status_print_devices(devices, w);
	for (i = 0; i < n; i++)
		if (!mkctl_in_list(st[i].key, mk_inst_fields))
			printf("%s:%*s %s\n", st[i].key,
			       (int)(w - strlen(st[i].key) - 1), "", st[i].val);
}

static void status_devices_json(struct json_writer *w, char *devices)
{
	struct mk_dev dev;
	char *pos = devices;

	json_start_array(w, "devices");
	while (mk_devices_next(&pos, &dev)) {
		json_start_object(w, NULL);
		json_string(w, "bus", dev.bus);
		json_string(w, "address", dev.addr);
		json_string(w, "holder", dev.holder);
		json_end_object(w);
	}
	json_end_array(w);
}

static void status_print_json(const struct mk_inst *in, char *devices,
			      const struct mk_stat *st, size_t n)
{
	struct json_writer *w = json_new(stdout, mkctl_opts.pretty);
	uint64_t v;
	size_t i;

	if (!w)
		return;
	json_start_object(w, NULL);
	mk_inst_json(w, in);
	status_devices_json(w, devices);
	json_start_object(w, "stats");
	for (i = 0; i < n; i++) {
		if (!mkctl_in_list(st[i].key, mk_text_stats) &&
		    !mkctl_parse_u64(st[i].val, &v))
			json_u64(w, st[i].key, v);
		else
			json_string(w, st[i].key, st[i].val);
	}
	json_end_object(w);
	json_end_object(w);
	json_destroy(w);
}

int cmd_status(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "status", .help = status_help, .operand = MKCTL_INSTANCE,
	};
	char *buf = NULL, *devices = NULL;
	struct mk_stat *st = NULL;
	struct mk_inst *in;
	size_t n = 0;
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	in = calloc(1, sizeof(*in));
	ret = in ? mk_inst_get(a.name, in) : -ENOMEM;
	if (!ret) {
		ret = mk_stats_read(a.name, &buf, &st, &n);
		if (ret == -ENOENT)	/* a kernel without stats */
			ret = 0;
	}
	if (!ret)
		ret = mk_devices_read(a.name, &devices);
	if (ret)
		mkctl_fail(a.what, a.name, -ret);
	else if (mkctl_opts.json)
		status_print_json(in, devices, st, n);
	else
		status_print_text(in, devices, st, n);
	free(devices);
	free(st);
	free(buf);
	free(in);
	return ret ? MKCTL_EXIT_FAILED : MKCTL_EXIT_OK;
}

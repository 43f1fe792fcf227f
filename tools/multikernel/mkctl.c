// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: control multikernel instances through /sys/kernel/multikernel.
 *
 * One file per command group; this one dispatches and holds the helpers
 * every command shares. See mkctl(8).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mkctl.h"

#define MKCTL_VERSION	"0.1"

struct mkctl_opts mkctl_opts;

struct mkctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct mkctl_cmd mkctl_cmds[] = {
	{ "pool", cmd_pool, "show the memory pool and the CPUs available" },
	{ "create", cmd_create, "create an instance from pool CPUs and memory" },
	{ "load", cmd_load, "load a kernel into an instance" },
	{ "unload", cmd_unload, "unload an instance's kernel" },
	{ "start", cmd_start, "boot the loaded kernel" },
	{ "run", cmd_run, "create, load and start in one go" },
	{ "stop", cmd_stop, "shut an instance's kernel down gracefully" },
	{ "kill", cmd_kill, "stop an instance at once" },
	{ "restart", cmd_restart, "boot the loaded kernel again" },
	{ "destroy", cmd_destroy, "give an instance's CPUs and memory back" },
	{ "list", cmd_list, "list the instances" },
	{ "status", cmd_status, "show an instance and its statistics" },
	{ "log", cmd_log, "print an instance's console output" },
	{ "console", cmd_console, "attach to an instance's console" },
	{ "send", cmd_send, "send a message to an instance's kernel" },
	{ "recv", cmd_recv, "print the next message from an instance" },
	{ "ping", cmd_ping, "time round trips to an instance's kernel" },
};

void mkctl_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkctl: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int mkctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkctl: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'mkctl %s --help')\n", cmd);
	return MKCTL_EXIT_USAGE;
}

#define MKCTL_OPT_BASE	0x100
#define MKCTL_MAX_OPTS	16

static const struct option mkctl_common_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
};

/* A command's options, its tables made one. */
struct mkctl_optset {
	const struct mkctl_opt *opt[MKCTL_MAX_OPTS];
	int n;
	struct option lopts[ARRAY_SIZE(mkctl_common_opts) + MKCTL_MAX_OPTS + 1];
	char sopts[3 * MKCTL_MAX_OPTS + 8];
};

static void mkctl_optset_add(struct mkctl_optset *set, const struct mkctl_opt *o)
{
	char *s = set->sopts + strlen(set->sopts);

	if (set->n == MKCTL_MAX_OPTS)
		abort();
	set->lopts[ARRAY_SIZE(mkctl_common_opts) + set->n] =
		(struct option){ o->name, o->has_arg, NULL,
				 MKCTL_OPT_BASE + set->n };
	set->opt[set->n++] = o;
	*o->arg = NULL;
	if (!o->key)
		return;
	*s++ = o->key;
	if (o->has_arg != no_argument)
		*s++ = ':';
	if (o->has_arg == optional_argument)
		*s++ = ':';
	*s = '\0';
}

static const struct mkctl_opt *mkctl_optset_find(struct mkctl_optset *set,
						 int c)
{
	int i;

	if (c >= MKCTL_OPT_BASE)
		return set->opt[c - MKCTL_OPT_BASE];
	for (i = 0; i < set->n; i++)
		if (set->opt[i]->key == c)
			return set->opt[i];
	return NULL;
}

/* An option's argument, checked and converted where it says how. */
static int mkctl_opt_arg(const char *cmd, const struct mkctl_opt *o,
			 const char *arg)
{
	unsigned long v;
	char *end;

	*o->arg = arg;
	if (o->each)
		return o->each(cmd, arg);
	if (!o->secs || !*arg)		/* --wait alone: the default */
		return -1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end || errno ||
	    v > MKCTL_MAX_SECONDS)
		return mkctl_usage_error(cmd,
					 "--%s needs a number of seconds up to %d, not '%s'",
					 o->name, MKCTL_MAX_SECONDS, arg);
	*o->secs = v;
	return -1;
}

static int mkctl_operands(struct mkctl_args *a, struct mkctl_optset *set,
			  int argc, char **argv)
{
	int i;

	if (a->operand != MKCTL_NONE) {
		if (optind == argc)
			return mkctl_usage_error(a->cmd, "missing NAME");
		a->name = argv[optind++];
		if (!mkctl_valid_name(a->name))
			return mkctl_usage_error(a->cmd,
						 "invalid name '%s' (1 to %d letters, digits, '_' or '-')",
						 a->name, MULTIKERNEL_NAME_MAX);
	}
	if (a->data_metavar) {
		if (optind == argc)
			return mkctl_usage_error(a->cmd, "missing %s",
						 a->data_metavar);
		a->data = argv[optind++];
	}
	if (optind < argc)
		return mkctl_usage_error(a->cmd, "unexpected argument '%s'",
					 argv[optind]);
	for (i = 0; i < set->n; i++)
		if (set->opt[i]->required && !*set->opt[i]->arg)
			return mkctl_usage_error(a->cmd, "missing --%s %s",
						 set->opt[i]->name,
						 set->opt[i]->required);
	return a->check ? a->check(a) : -1;
}

/*
 * Parse a command's options and operands, then check that multikernel
 * is there and, for MKCTL_INSTANCE, that the instance exists. Returns -1
 * when the command should go on, or an exit status: after --help, a
 * usage error or a failed check.
 */
int mkctl_parse(struct mkctl_args *a, int argc, char **argv)
{
	struct mkctl_optset set = { .sopts = ":jph" };
	const struct mkctl_opt *o;
	int c, t, ret;

	memcpy(set.lopts, mkctl_common_opts, sizeof(mkctl_common_opts));
	for (t = 0; t < MKCTL_OPT_TABLES && a->opts[t]; t++)
		for (o = a->opts[t]; o->name; o++)
			mkctl_optset_add(&set, o);

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, set.sopts, set.lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			mkctl_opts.json = true;
			break;
		case 'p':
			mkctl_opts.json = true;
			mkctl_opts.pretty = true;
			break;
		case 'h':
			a->help();
			return MKCTL_EXIT_OK;
		case ':':
			return mkctl_usage_error(a->cmd,
						 "option '%s' needs an argument",
						 argv[optind - 1]);
		default:
			o = c == '?' ? NULL : mkctl_optset_find(&set, c);
			if (!o)
				return mkctl_usage_error(a->cmd,
							 "unknown option '%s'",
							 argv[optind - 1]);
			ret = mkctl_opt_arg(a->cmd, o, optarg ? optarg : "");
			if (ret >= 0)
				return ret;
		}
	}
	ret = mkctl_operands(a, &set, argc, argv);
	if (ret >= 0)
		return ret;

	snprintf(a->what, sizeof(a->what), "%s%s%s", a->cmd,
		 a->name ? " " : "", a->name ? a->name : "");
	if (mk_sysfs_check_root(a->what))
		return MKCTL_EXIT_FAILED;
	if (a->operand == MKCTL_INSTANCE) {
		ret = mk_inst_exists(a->name);
		if (ret) {
			mkctl_fail(a->what, a->name, -ret);
			return MKCTL_EXIT_FAILED;
		}
	}
	return -1;
}

/* Instance names the kernel accepts: [A-Za-z0-9_-]{1,31}. */
bool mkctl_valid_name(const char *name)
{
	const char *s;

	for (s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return s != name && s - name <= MULTIKERNEL_NAME_MAX;
}

/* A decimal number, digits only. Returns 0, -EINVAL or -ERANGE. */
int mkctl_parse_u64(const char *str, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!*str || strspn(str, "0123456789") != strlen(str))
		return -EINVAL;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno)
		return -ERANGE;
	*val = v;
	return 0;
}

/* SIZE: bytes, or a number followed by K, M, G or T (powers of 1024). */
int mkctl_parse_size(const char *str, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *unit;
	int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*str))
		return -EINVAL;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		unit = strchr(units, toupper((unsigned char)*end));
		if (!unit || end[1])
			return -EINVAL;
		shift = 10 * (unit - units + 1);
	}
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}

/* strerror(), with the advice the usual failures need. */
const char *mkctl_strerror(int err)
{
	if (err == EPERM || err == EACCES)
		return "permission denied (run as root)";
	return strerror(err);
}

/* Is @s one of the strings of the NULL-terminated @list? */
bool mkctl_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Report a failure that needs no command-specific words. */
void mkctl_fail(const char *what, const char *name, int err)
{
	if (err == ENOENT)
		mkctl_err(what, "no instance named '%s'", name);
	else
		mkctl_err(what, "%s", mkctl_strerror(err));
}

/* Milliseconds on a clock that only goes forward. */
long long mkctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void mkctl_help(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: mkctl [--json] [--pretty] COMMAND [ARGS...]\n"
		"       mkctl COMMAND --help\n"
		"\n"
		"Control multikernel instances: further Linux kernels running\n"
		"beside this one on dedicated CPUs and memory.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(mkctl_cmds); i++)
		fprintf(out, "  %-10s %s\n", mkctl_cmds[i].name,
			mkctl_cmds[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -j, --json     machine-readable output\n"
		"  -p, --pretty   indented JSON (implies --json)\n"
		"  -h, --help     this text\n"
		"  -V, --version  print the version of mkctl\n"
		"\n"
		"Environment: MKCTL_SYSFS replaces /sys/kernel/multikernel,\n"
		"MKCTL_CPU_SYSFS replaces /sys/devices/system/cpu,\n"
		"MKCTL_PCI_SYSFS replaces /sys/bus/pci/devices, MKCTL_DEV\n"
		"replaces /dev (where the message devices mk-NAME are).\n"
		"Exit status: 0 success, 1 operation failed, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	int i = 1;
	size_t c;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			mkctl_help(stdout);
			return MKCTL_EXIT_OK;
		}
		if (!strcmp(opt, "-V") || !strcmp(opt, "--version")) {
			printf("mkctl %s\n", MKCTL_VERSION);
			return MKCTL_EXIT_OK;
		}
		if (!strcmp(opt, "-p") || !strcmp(opt, "--pretty")) {
			mkctl_opts.pretty = true;
		} else if (strcmp(opt, "-j") && strcmp(opt, "--json")) {
			fprintf(stderr, "mkctl: unknown option '%s' (see 'mkctl --help')\n",
				opt);
			return MKCTL_EXIT_USAGE;
		}
		mkctl_opts.json = true;
	}
	if (i == argc) {
		mkctl_help(stderr);
		return MKCTL_EXIT_USAGE;
	}

	for (c = 0; c < ARRAY_SIZE(mkctl_cmds); c++)
		if (!strcmp(argv[i], mkctl_cmds[c].name))
			return mkctl_cmds[c].fn(argc - i, argv + i);

	fprintf(stderr, "mkctl: unknown command '%s' (see 'mkctl --help')\n",
		argv[i]);
	return MKCTL_EXIT_USAGE;
}

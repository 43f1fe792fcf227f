// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: control multikernel instances through /sys/kernel/multikernel.
 *
 * One file per command group; this one dispatches and holds the helpers
 * every command shares. See mkctl(8).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Parse the options every command takes. Returns -1 when the command
 * should go on (optind points at its first operand), or an exit status.
 */
int mkctl_parse_common(const char *cmd, int argc, char **argv,
		       void (*help)(void))
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jph", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			mkctl_opts.json = true;
			break;
		case 'p':
			mkctl_opts.json = true;
			mkctl_opts.pretty = true;
			break;
		case 'h':
			help();
			return MKCTL_EXIT_OK;
		default:
			return mkctl_usage_error(cmd, "unknown option '%s'",
						 argv[optind - 1]);
		}
	}
	return -1;
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
		"Environment: MKCTL_SYSFS replaces /sys/kernel/multikernel.\n"
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

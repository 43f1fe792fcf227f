// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl pool: what the multikernel pool holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "json.h"
#include "mkctl.h"

static void pool_help(void)
{
	printf("Usage: mkctl pool [--json] [--pretty]\n"
	       "\n"
	       "Show the multikernel pool: memory reserved with the\n"
	       "multikernel_pool= boot parameter, how much of it is free,\n"
	       "and the CPUs that could be given to an instance now\n"
	       "(offline CPUs other than the boot CPU).\n");
}

static int pool_print_json(uint64_t version, uint64_t total, uint64_t free,
			   const char *cpus)
{
	struct json_writer *w;

	w = json_new(stdout, mkctl_opts.pretty);
	if (!w) {
		mkctl_err("pool", "out of memory");
		return MKCTL_EXIT_FAILED;
	}
	json_start_object(w, NULL);
	json_u64(w, "version", version);
	json_u64(w, "memory_total", total);
	json_u64(w, "memory_free", free);
	json_string(w, "cpus", cpus);
	json_cpulist(w, "cpu_list", cpus);
	json_end_object(w);
	json_destroy(w);
	return MKCTL_EXIT_OK;
}

int cmd_pool(int argc, char **argv)
{
	struct mkctl_args a = { .cmd = "pool", .help = pool_help };
	static bool set[MKCTL_MAX_CPUS];
	uint64_t version, total, free;
	char cpus[4096];
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;

	ret = mk_sysfs_read_u64("version", &version);
	if (!ret)
		ret = mk_sysfs_read_u64("pool/memory_total", &total);
	if (!ret)
		ret = mk_sysfs_read_u64("pool/memory_free", &free);
	if (!ret)
		ret = mk_sysfs_read("pool/cpus", cpus, sizeof(cpus));
	if (ret) {
		mkctl_err("pool", "cannot read %s/pool: %s", mk_sysfs_root(),
			  strerror(-ret));
		return MKCTL_EXIT_FAILED;
	}
	if (mk_cpulist_parse(cpus, set, MKCTL_MAX_CPUS)) {
		mkctl_err("pool", "cannot parse pool/cpus \"%s\"", cpus);
		return MKCTL_EXIT_FAILED;
	}

	if (mkctl_opts.json)
		return pool_print_json(version, total, free, cpus);

	if (!total)
		printf("memory:  none reserved (boot with multikernel_pool=SIZE)\n");
	else
		printf("memory:  %llu MiB free of %llu MiB\n",
		       (unsigned long long)free >> MKCTL_MIB_SHIFT,
		       (unsigned long long)total >> MKCTL_MIB_SHIFT);
	printf("cpus:    %s\n", *cpus ? cpus : "none (offline a CPU to add it)");
	return MKCTL_EXIT_OK;
}

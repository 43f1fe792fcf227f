// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel pool: the sysfs view of the pool must agree with the boot
 * parameter and /proc/iomem, and pool/cpus must follow CPU hotplug.
 *
 * Needs a kernel booted with multikernel_pool=SIZE and at least two CPUs.
 */
#include <ctype.h>
#include <linux/multikernel.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define CPU_ONLINE_FMT	"/sys/devices/system/cpu/cpu%d/online"

static unsigned long long parse_size(const char *s)
{
	static const char suffixes[] = "KMGT";
	unsigned long long v;
	const char *unit;
	char *end;

	v = strtoull(s, &end, 0);
	unit = *end ? strchr(suffixes, toupper(*end)) : NULL;
	if (unit)
		v <<= 10 * (unit - suffixes + 1);
	return v;
}

static void require_pool(struct __test_metadata *_metadata)
{
	char param[64];

	if (!mk_cmdline_param("multikernel_pool", param, sizeof(param)))
		SKIP(return, "booted without multikernel_pool=");
}

TEST(abi_version_matches_uapi_header)
{
	ASSERT_EQ(MULTIKERNEL_ABI_VERSION, mk_read_ll(MK_SYSFS "/version"));
}

TEST(pool_total_matches_boot_parameter)
{
	char param[64];

	if (!mk_cmdline_param("multikernel_pool", param, sizeof(param)))
		SKIP(return, "booted without multikernel_pool=");
	ASSERT_EQ((long long)parse_size(param),
		  mk_read_ll(MK_SYSFS "/pool/memory_total"));
}

TEST(pool_total_matches_proc_iomem)
{
	require_pool(_metadata);
	ASSERT_GT(mk_iomem_pool_size(), 0);
	ASSERT_EQ(mk_iomem_pool_size(),
		  mk_read_ll(MK_SYSFS "/pool/memory_total"));
}

TEST(pool_is_all_free_without_instances)
{
	require_pool(_metadata);
	ASSERT_EQ(mk_read_ll(MK_SYSFS "/pool/memory_total"),
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

TEST(pool_files_refuse_writes)
{
	static const char * const files[] = {
		MK_SYSFS "/version", MK_SYSFS "/pool/cpus",
		MK_SYSFS "/pool/memory_total", MK_SYSFS "/pool/memory_free",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		TH_LOG("writing %s", files[i]);
		ASSERT_EQ(-EACCES, mk_write_file(files[i], "0"));
	}
}

TEST(boot_cpu_is_never_available)
{
	char cpus[256];

	ASSERT_EQ(0, mk_read_file(MK_SYSFS "/pool/cpus", cpus, sizeof(cpus)));
	ASSERT_FALSE(mk_cpulist_has(cpus, 0));
}

/* Take the highest-numbered CPU offline and bring it back in teardown. */
FIXTURE(offlined_cpu) {
	int cpu;
	char online_path[128];
};

FIXTURE_SETUP(offlined_cpu)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpus < 2)
		SKIP(return, "needs at least two online CPUs");
	self->cpu = ncpus - 1;
	snprintf(self->online_path, sizeof(self->online_path), CPU_ONLINE_FMT,
		 self->cpu);
	ASSERT_EQ(0, mk_write_file(self->online_path, "0"));
}

FIXTURE_TEARDOWN(offlined_cpu)
{
	if (self->cpu > 0)
		mk_write_file(self->online_path, "1");
}

TEST_F(offlined_cpu, pool_cpus_lists_it_while_offline)
{
	char cpus[256];

	ASSERT_EQ(0, mk_read_file(MK_SYSFS "/pool/cpus", cpus, sizeof(cpus)));
	TH_LOG("cpu%d offline, pool/cpus = \"%s\"", self->cpu, cpus);
	ASSERT_TRUE(mk_cpulist_has(cpus, self->cpu));
}

TEST_F(offlined_cpu, pool_cpus_drops_it_once_online_again)
{
	char cpus[256];

	ASSERT_EQ(0, mk_write_file(self->online_path, "1"));
	ASSERT_EQ(0, mk_read_file(MK_SYSFS "/pool/cpus", cpus, sizeof(cpus)));
	TH_LOG("cpu%d online, pool/cpus = \"%s\"", self->cpu, cpus);
	ASSERT_FALSE(mk_cpulist_has(cpus, self->cpu));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel pool: the sysfs view of the pool must agree with the boot
 * parameter and /proc/iomem, and pool/cpus must follow CPU hotplug. And
 * the sysfs ABI document must describe exactly the files there are.
 *
 * Needs a kernel booted with multikernel_pool=SIZE and at least two CPUs,
 * and Documentation/ABI/testing/sysfs-kernel-multikernel at ABI_DOC (or
 * where $MK_ABI_DOC says).
 */
#include <ctype.h>
#include <dirent.h>
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

/* Skip the current test on a kernel booted without a pool; true if so. */
static bool skip_without_pool(struct __test_metadata *_metadata)
{
	char param[64];

	if (!mk_cmdline_param("multikernel_pool", param, sizeof(param)))
		SKIP(return true, "booted without multikernel_pool=");
	return false;
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
	if (skip_without_pool(_metadata))
		return;
	ASSERT_GT(mk_iomem_pool_size(), 0);
	ASSERT_EQ(mk_iomem_pool_size(),
		  mk_read_ll(MK_SYSFS "/pool/memory_total"));
}

/*
 * The kernel never runs in its own pool, and a pool at @OFFSET is there:
 * with KASLR that needs the decompressor to keep out of the range. The
 * kernel's place is printed, so that boots can be compared.
 */
TEST(pool_is_where_asked_and_clear_of_the_kernel)
{
	unsigned long long start, end, kstart, kend;
	char param[64], *at;

	if (skip_without_pool(_metadata))
		return;
	ASSERT_EQ(0, mk_iomem_find(MK_POOL_NAME, &start, &end));
	ASSERT_EQ(0, mk_iomem_find("Kernel code", &kstart, &kend));
	ksft_print_msg("kernel code at %#llx, pool at %#llx-%#llx\n", kstart,
		       start, end);
	EXPECT_TRUE(kend < start || kstart > end);
	mk_cmdline_param("multikernel_pool", param, sizeof(param));
	at = strchr(param, '@');
	if (at)
		EXPECT_EQ(parse_size(at + 1), start);
}

TEST(pool_is_all_free_without_instances)
{
	if (skip_without_pool(_metadata))
		return;
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

/*
 * The ABI document against the running kernel: with one instance created,
 * so that instances/NAME/ exists, every file and directory under
 * /sys/kernel/multikernel must have a What: entry (NAME standing for the
 * instance, a directory ending in '/'), and every What: entry there must
 * exist. mkinitramfs.sh installs the document at ABI_DOC.
 */
#define ABI_DOC			"/usr/share/doc/multikernel/sysfs-kernel-multikernel"
#define ABI_WHAT_MAX		64
#define ABI_PATH_MAX		256
#define ABI_INSTANCE		"mkabi"
#define ABI_INSTANCES		MK_SYSFS "/instances/"
#define ABI_NAME		"NAME"

static char abi_what[ABI_WHAT_MAX][ABI_PATH_MAX];
static int abi_nr_what;

static const char *abi_doc(void)
{
	const char *doc = getenv("MK_ABI_DOC");

	return doc && *doc ? doc : ABI_DOC;
}

/* Collect the What: paths under MK_SYSFS. */
static int abi_read_doc(void)
{
	char line[512], *what;
	FILE *f;

	f = fopen(abi_doc(), "r");
	if (!f)
		return -errno;
	abi_nr_what = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "What:", strlen("What:")))
			continue;
		what = line + strlen("What:");
		what += strspn(what, " \t");
		what[strcspn(what, " \t\n")] = '\0';
		if (strncmp(what, MK_SYSFS, strlen(MK_SYSFS)))
			continue;
		if (abi_nr_what == ABI_WHAT_MAX) {
			fclose(f);
			return -E2BIG;
		}
		snprintf(abi_what[abi_nr_what++], ABI_PATH_MAX, "%s", what);
	}
	fclose(f);
	return 0;
}

static bool abi_documented(const char *what)
{
	int i;

	for (i = 0; i < abi_nr_what; i++)
		if (!strcmp(abi_what[i], what))
			return true;
	return false;
}

/* @path as the document names it: NAME for the instance, '/' after a dir. */
static void abi_what_of(const char *path, bool dir, char *what, size_t len)
{
	static const char inst[] = ABI_INSTANCES ABI_INSTANCE;
	size_t n = strlen(inst);

	if (!strncmp(path, inst, n) && (!path[n] || path[n] == '/'))
		snprintf(what, len, ABI_INSTANCES ABI_NAME "%s%s", path + n,
			 dir ? "/" : "");
	else
		snprintf(what, len, "%s%s", path, dir ? "/" : "");
}

/* Count what is at or below @path and has no What: entry. */
static int abi_walk(struct __test_metadata *_metadata, const char *path)
{
	char what[ABI_PATH_MAX], child[ABI_PATH_MAX];
	struct dirent *de;
	struct stat st;
	int undocumented = 0;
	DIR *dir;

	if (lstat(path, &st)) {
		TH_LOG("cannot stat %s: %s", path, strerror(errno));
		return 1;
	}
	abi_what_of(path, S_ISDIR(st.st_mode), what, sizeof(what));
	if (!abi_documented(what)) {
		TH_LOG("%s: no \"What: %s\" in %s", path, what, abi_doc());
		undocumented++;
	}
	if (!S_ISDIR(st.st_mode))
		return undocumented;

	dir = opendir(path);
	if (!dir) {
		TH_LOG("cannot list %s: %s", path, strerror(errno));
		return undocumented + 1;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", path,
			     de->d_name) >= sizeof(child)) {
			TH_LOG("%s/%s: path too long", path, de->d_name);
			undocumented++;
			continue;
		}
		undocumented += abi_walk(_metadata, child);
	}
	closedir(dir);
	return undocumented;
}

FIXTURE(abi_instance) {
	int cpu;
	char online_path[128];
};

FIXTURE_SETUP(abi_instance)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	char line[64];
	int ret;

	self->cpu = 0;
	if (mk_read_ll(MK_SYSFS "/pool/memory_total") <= 0)
		SKIP(return, "booted without a multikernel pool");
	if (ncpus < 2)
		SKIP(return, "needs at least two online CPUs");
	ret = abi_read_doc();
	ASSERT_EQ(0, ret) TH_LOG("cannot read %s: %s", abi_doc(), strerror(-ret));
	ASSERT_LT(0, abi_nr_what) TH_LOG("no What: %s... in %s", MK_SYSFS, abi_doc());

	self->cpu = ncpus - 1;
	snprintf(self->online_path, sizeof(self->online_path), CPU_ONLINE_FMT,
		 self->cpu);
	ASSERT_EQ(0, mk_write_file(self->online_path, "0"));
	/* Left behind by a run whose teardown did not happen. */
	mk_write_file(MK_SYSFS "/destroy", ABI_INSTANCE);
	snprintf(line, sizeof(line), ABI_INSTANCE " cpus=%d memory=2M",
		 self->cpu);
	ret = mk_write_file(MK_SYSFS "/create", line);
	if (ret)
		mk_write_file(self->online_path, "1");
	ASSERT_EQ(0, ret) TH_LOG("create \"%s\": %s", line, strerror(-ret));
}

/*
 * The tests below EXPECT rather than ASSERT: after a failed ASSERT this
 * harness may skip the teardown, which would leave the instance behind.
 */
FIXTURE_TEARDOWN(abi_instance)
{
	mk_write_file(MK_SYSFS "/destroy", ABI_INSTANCE);
	mk_write_file(self->online_path, "1");
}

TEST_F(abi_instance, every_sysfs_file_is_in_the_abi_document)
{
	EXPECT_EQ(0, abi_walk(_metadata, MK_SYSFS));
}

TEST_F(abi_instance, every_documented_sysfs_file_exists)
{
	static const char name[] = ABI_INSTANCES ABI_NAME;
	char path[ABI_PATH_MAX];
	struct stat st;
	int i, missing = 0;

	for (i = 0; i < abi_nr_what; i++) {
		/* The What: paths are shorter than ABI_PATH_MAX. */
		if (!strncmp(abi_what[i], name, strlen(name)))
			snprintf(path, sizeof(path), ABI_INSTANCES ABI_INSTANCE "%.*s",
				 ABI_PATH_MAX / 2, abi_what[i] + strlen(name));
		else
			memcpy(path, abi_what[i], sizeof(path));
		if (stat(path, &st)) {
			TH_LOG("\"What: %s\" in %s: %s: %s", abi_what[i],
			       abi_doc(), path, strerror(errno));
			missing++;
		}
	}
	EXPECT_EQ(0, missing);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: multi-CPU spawns start every time. A 2-CPU and a 3-CPU
 * spawn are started again and again, stopped gracefully and killed in
 * turn; every start must reach the spawn's /init with all its CPUs, and
 * none may crash (the suite also checks every spawn console for a
 * splat). MKTEST_RESTARTS sets how many starts the 2-CPU spawn gets (the
 * 3-CPU one gets two fifths of that); make check-distro asks for 50.
 */
#include "../kselftest_harness.h"
#include "mk_test.h"

#define DEFAULT_RESTARTS	10
#define MAX_RESTARTS		1000
/* The 3-CPU spawn's share of the restarts: 20 of 50. */
#define THREE_CPU_SHARE_NUM	2
#define THREE_CPU_SHARE_DEN	5
#define SPAWN_MEM		"128M"
#define CONSOLE			MK_SYSFS "/instances/r/console"

static int restarts(int num, int den)
{
	const char *env = getenv("MKTEST_RESTARTS");
	int n = env ? atoi(env) : DEFAULT_RESTARTS;

	if (n < 1 || n > MAX_RESTARTS)
		n = DEFAULT_RESTARTS;
	return (n * num + den - 1) / den;
}

FIXTURE(restart) {
	long long free_at_start;
};

FIXTURE_SETUP(restart)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
	self->free_at_start = mk_read_ll(MK_SYSFS "/pool/memory_free");
}

FIXTURE_TEARDOWN(restart)
{
	mk_cleanup();
	EXPECT_EQ(self->free_at_start,
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

/*
 * One start of instance "r" with @nproc CPUs: it must run, reach /init
 * seeing all of them, and end as asked (graceful stop on odd rounds,
 * kill on even ones). False, with its console in the log, when not.
 */
static bool start_once(struct __test_metadata *_metadata, int round,
		       int nproc)
{
	char line[128], want[32];
	bool ok;

	snprintf(want, sizeof(want), "MKSPAWN-INIT nproc=%d ", nproc);
	ok = !mk_sh("mkctl start r --wait=%d >/dev/null", MK_TIMEOUT_S) &&
	     mk_wait_console("r", want, line, sizeof(line), MK_TIMEOUT_S);
	if (ok && round % 2)
		ok = !mk_sh("mkctl stop r --timeout %d >/dev/null",
			    MK_TIMEOUT_S) &&
		     mk_wait_state("r", "stopped", 0);
	else if (ok)
		ok = !mk_inst_write("r", "control", "kill") &&
		     mk_wait_state("r", "stopped", 0);
	if (!ok) {
		TH_LOG("start %d of a %d-CPU spawn failed; its console:",
		       round + 1, nproc);
		mk_sh("tail -n 60 " CONSOLE " >&2; echo kill > " MK_SYSFS
		      "/instances/r/control 2>/dev/null");
	}
	return ok;
}

static void restart_many(struct __test_metadata *_metadata,
			 const char *cpus, int nproc, int rounds)
{
	int i, failed = 0;

	ASSERT_EQ(0, mk_sh("mkctl create r --cpus %s --memory " SPAWN_MEM
			   " --offline", cpus));
	ASSERT_EQ(0, mk_sh("mkctl load r --kernel " MK_KERNEL " --initrd "
			   MK_INITRD " --cmdline '" MK_CMDLINE "'"));
	for (i = 0; i < rounds; i++)
		failed += !start_once(_metadata, i, nproc);
	ksft_print_msg("%d-CPU spawn: %d of %d starts failed\n", nproc,
		       failed, rounds);
	EXPECT_EQ(0, failed);
}

TEST_F_TIMEOUT(restart, two_cpu_spawn_starts_every_time, 3600)
{
	restart_many(_metadata, "2-3", 2, restarts(1, 1));
}

TEST_F_TIMEOUT(restart, three_cpu_spawn_starts_every_time, 3600)
{
	restart_many(_metadata, "1-3", 3,
		     restarts(THREE_CPU_SHARE_NUM, THREE_CPU_SHARE_DEN));
}

TEST_HARNESS_MAIN

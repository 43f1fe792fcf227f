// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: a CPU an instance gave back must take a machine check like
 * any offline CPU of the host. INIT leaves a CPU waiting for a STARTUP IPI
 * with CR4.MCE clear, and a machine check that reaches it then shuts the
 * whole machine down; the host must have taken it through its own offline
 * state instead.
 *
 * Only with an injector outside the machine: the test prints MCE_MARKER
 * and expects an uncorrected machine check on CPU MCE_CPU (QEMU's monitor
 * "mce" command; scripts/test.sh does it and checks that QEMU delivered
 * it) within MCE_WAIT_S seconds. The host must still be there afterwards,
 * and the CPU must come online and go offline again.
 */
#include "../kselftest_harness.h"
#include "mk_test.h"

#define MCE_CPU		3
#define MCE_MARKER	"MKMCE-INJECT cpu=3"
#define MCE_WAIT_S	20

FIXTURE(mce) {
	int unused;
};

FIXTURE_SETUP(mce)
{
	if (mk_skip_without_spawns(_metadata))
		return;
	mk_cleanup();
}

FIXTURE_TEARDOWN(mce)
{
	mk_cleanup();
}

TEST_F_TIMEOUT(mce, cpu_given_back_by_a_kill_takes_a_machine_check, 300)
{
	ASSERT_EQ(0, mk_sh("mkctl run a --cpus %d --memory 128M --kernel "
			   MK_KERNEL " --initrd " MK_INITRD " --cmdline '"
			   MK_CMDLINE "' --offline --wait=%d", MCE_CPU,
			   MK_TIMEOUT_S));
	ASSERT_EQ(0, mk_sh("mkctl kill a"));
	ASSERT_EQ(0, mk_sh("mkctl destroy a"));

	printf("%s\n", MCE_MARKER);
	fflush(stdout);
	sleep(MCE_WAIT_S);

	/* The host is still here, and so is the CPU. */
	ASSERT_EQ(0, mk_cpu_set_online(MCE_CPU, true));
	EXPECT_EQ(0, mk_cpu_set_online(MCE_CPU, false));
}

TEST_HARNESS_MAIN

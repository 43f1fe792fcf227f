// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel: a host whose setup failed at boot must refuse instances,
 * not run them without the CPU online veto (which keeps the host from
 * resetting an owned CPU) or without the doorbell and reboot notifier.
 *
 * Run only by scripts/test.sh, in boots with the test hook
 * multikernel.test_fail_init=veto or =host; the pool is reserved, and
 * CPU hotplug works as before.
 */
#include "../kselftest_harness.h"
#include "mk_test.h"

#define CREATE		MK_SYSFS "/create"
#define VETO_FAILED	"cannot register the CPU online veto (-28)"
#define NO_VETO		"no CPU online veto: instances disabled"
#define HOST_FAILED	"host side setup failed (-16): instances disabled"
#define REFUSED		"create a: the host side failed to set up at boot"
#define SPARE_CPU	3

static const char *step(char *buf, size_t len)
{
	return mk_cmdline_param("multikernel.test_fail_init", buf, len);
}

TEST(setup_failure_is_reported_at_boot)
{
	char mode[16];

	ASSERT_NE(NULL, step(mode, sizeof(mode)));
	if (!strcmp(mode, "veto")) {
		EXPECT_EQ(0, mk_sh("dmesg | grep -qF '%s'", VETO_FAILED));
		EXPECT_EQ(0, mk_sh("dmesg | grep -qF '%s'", NO_VETO));
	} else {
		ASSERT_STREQ("host", mode);
		EXPECT_EQ(0, mk_sh("dmesg | grep -qF '%s'", HOST_FAILED));
	}
	/* The pool is there all the same, and untouched. */
	EXPECT_LT(0, mk_read_ll(MK_SYSFS "/pool/memory_total"));
	EXPECT_EQ(mk_read_ll(MK_SYSFS "/pool/memory_total"),
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

TEST(instances_are_refused_and_nothing_is_taken)
{
	char mode[16], line[64];

	ASSERT_NE(NULL, step(mode, sizeof(mode)));
	ASSERT_EQ(0, mk_cpu_set_online(SPARE_CPU, false));
	snprintf(line, sizeof(line), "a cpus=%d memory=128M", SPARE_CPU);
	EXPECT_EQ(-ENODEV, mk_write_file(CREATE, line));
	EXPECT_TRUE(mk_dmesg_has(REFUSED));
	EXPECT_NE(0, mk_sh("test -e " MK_SYSFS "/instances/a"));
	EXPECT_EQ(mk_read_ll(MK_SYSFS "/pool/memory_total"),
		  mk_read_ll(MK_SYSFS "/pool/memory_free"));
	/* Hotplug is as it was: the CPU comes back. */
	EXPECT_EQ(0, mk_cpu_set_online(SPARE_CPU, true));
}

TEST_HARNESS_MAIN

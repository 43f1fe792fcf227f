// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel pool: a multikernel_pool= value that is malformed or that
 * cannot be reserved must be reported at boot and reserve nothing.
 *
 * Run only by run_vm.sh in a boot whose multikernel_pool= is bad; the
 * good case is pool_test.
 */
#include <sys/klog.h>

#include "../kselftest_harness.h"
#include "mk_test.h"

#define SYSLOG_ACTION_READ_ALL	3
#define SYSLOG_ACTION_SIZE_BUFFER 10

TEST(bad_parameter_reserves_nothing)
{
	char param[64];

	ASSERT_NE(NULL, mk_cmdline_param("multikernel_pool", param,
					 sizeof(param)));
	ASSERT_EQ(0, mk_iomem_pool_size());
	ASSERT_EQ(0, mk_read_ll(MK_SYSFS "/pool/memory_total"));
	ASSERT_EQ(0, mk_read_ll(MK_SYSFS "/pool/memory_free"));
}

TEST(bad_parameter_is_reported_at_boot)
{
	char param[64], want[128], *log;
	int len;

	ASSERT_NE(NULL, mk_cmdline_param("multikernel_pool", param,
					 sizeof(param)));
	snprintf(want, sizeof(want), "multikernel: ignoring multikernel_pool=%s: ",
		 param);

	len = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	ASSERT_GT(len, 0);
	log = calloc(1, len + 1);
	ASSERT_NE(NULL, log);
	ASSERT_GT(klogctl(SYSLOG_ACTION_READ_ALL, log, len), 0);
	TH_LOG("looking for \"%s\"", want);
	EXPECT_NE(NULL, strstr(log, want));
	free(log);
}

TEST_HARNESS_MAIN

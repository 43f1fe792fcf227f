/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkctl: CPU lists in the kernel's cpulist format ("0-3,8,10-11").
 */
#ifndef MKCTL_CPULIST_H
#define MKCTL_CPULIST_H

#include <stdbool.h>

/* Highest CPU number mkctl handles, plus one. */
#define MKCTL_MAX_CPUS	8192

int mk_cpulist_parse(const char *list, bool *cpus, int nr_cpus);

#endif /* MKCTL_CPULIST_H */

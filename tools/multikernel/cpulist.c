// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: parse the kernel's cpulist format. An empty list is valid.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

static int mk_cpulist_number(const char **pos, int nr_cpus, int *val)
{
	const char *s = *pos;
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v >= nr_cpus)
		return -ERANGE;
	*val = (int)v;
	*pos = end;
	return 0;
}

/*
 * Set cpus[n] for every CPU n in @list; cpus[] has @nr_cpus entries and
 * is cleared first. Returns 0, -EINVAL for malformed lists or -ERANGE
 * for CPU numbers >= @nr_cpus.
 */
int mk_cpulist_parse(const char *list, bool *cpus, int nr_cpus)
{
	const char *s = list;
	int first, last, ret, i;

	memset(cpus, 0, sizeof(*cpus) * nr_cpus);
	while (*s) {
		ret = mk_cpulist_number(&s, nr_cpus, &first);
		if (ret)
			return ret;
		last = first;
		if (*s == '-') {
			s++;
			ret = mk_cpulist_number(&s, nr_cpus, &last);
			if (ret)
				return ret;
			if (last < first)
				return -EINVAL;
		}
		for (i = first; i <= last; i++)
			cpus[i] = true;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -EINVAL;
	}
	return 0;
}

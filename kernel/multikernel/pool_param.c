// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: parser for the multikernel_pool=SIZE[@OFFSET] boot parameter.
 *
 * Unlike memparse(), this parser refuses numbers that overflow, trailing
 * characters and sizes the pool cannot use, and says why, so that a typo
 * on the kernel command line ends in a clear message instead of a pool of
 * a surprising size.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

/* "0x" and sixteen hex digits, or twenty decimal digits, plus slack. */
#define MK_NUMBER_MAX_LEN	24

static const char mk_hex_digits[] = "0123456789abcdefABCDEF";
static const char mk_dec_digits[] = "0123456789";

static unsigned int mk_suffix_shift(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 10;
	case 'm':
	case 'M':
		return 20;
	case 'g':
	case 'G':
		return 30;
	case 't':
	case 'T':
		return 40;
	default:
		return 0;
	}
}

/**
 * mk_parse_size() - parse a number with an optional K, M, G or T suffix
 * @pos:	the text; advanced past the number on success
 * @val:	the value, suffix applied
 *
 * Accepts what kstrtoull() with base 0 accepts, then the suffix. Unlike
 * memparse() it refuses overflow.
 *
 * Return: 0, -EINVAL when @pos does not start with a number, -ERANGE when
 * the value does not fit in 64 bits.
 */
int mk_parse_size(const char **pos, u64 *val)
{
	char digits[MK_NUMBER_MAX_LEN + 1];
	const char *s = *pos;
	unsigned int shift;
	size_t len;
	u64 v;
	int ret;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		len = 2 + strspn(s + 2, mk_hex_digits);
	else
		len = strspn(s, mk_dec_digits);
	if (!len || len > MK_NUMBER_MAX_LEN)
		return -EINVAL;

	memcpy(digits, s, len);
	digits[len] = '\0';
	ret = kstrtoull(digits, 0, &v);
	if (ret)
		return ret;
	s += len;

	shift = mk_suffix_shift(*s);
	if (shift)
		s++;
	if (check_shl_overflow(v, shift, val))
		return -ERANGE;

	*pos = s;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_parse_size);

/**
 * mk_pool_param_parse() - parse the value of multikernel_pool=
 * @arg:	the text after "multikernel_pool=", may be NULL
 * @param:	filled in on success
 * @why:	on failure, set to a short reason suitable for a boot message
 *
 * The value is SIZE or SIZE@OFFSET. Both are numbers as kstrtoull()
 * takes them (decimal, 0x-hex or 0-octal) with an optional K, M, G or T
 * suffix. SIZE must be a non-zero multiple of 2 MiB, OFFSET 2 MiB aligned
 * and OFFSET + SIZE must not wrap. Nothing may follow.
 *
 * Return: 0 on success, -EINVAL for malformed or unusable values,
 * -ERANGE for numbers that do not fit in 64 bits.
 */
int mk_pool_param_parse(const char *arg, struct mk_pool_param *param,
			const char **why)
{
	struct mk_pool_param p = { };
	const char *s = arg;
	u64 end;
	int ret;

	if (!s || !*s) {
		*why = "missing SIZE";
		return -EINVAL;
	}

	ret = mk_parse_size(&s, &p.size);
	if (ret) {
		*why = ret == -ERANGE ? "SIZE too large" : "SIZE is not a number";
		return ret;
	}

	if (*s == '@') {
		s++;
		ret = mk_parse_size(&s, &p.base);
		if (ret) {
			*why = ret == -ERANGE ? "OFFSET too large" :
						"OFFSET is not a number";
			return ret;
		}
		p.fixed_base = true;
	}

	if (*s) {
		*why = "unexpected characters after the value";
		return -EINVAL;
	}
	if (!p.size) {
		*why = "SIZE is zero";
		return -EINVAL;
	}
	if (!IS_ALIGNED(p.size, MK_POOL_GRANULE)) {
		*why = "SIZE is not a multiple of 2M";
		return -EINVAL;
	}
	if (!IS_ALIGNED(p.base, MK_POOL_GRANULE)) {
		*why = "OFFSET is not 2M aligned";
		return -EINVAL;
	}
	if (check_add_overflow(p.base, p.size, &end)) {
		*why = "OFFSET + SIZE wraps around";
		return -ERANGE;
	}

	*param = p;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_param_parse);

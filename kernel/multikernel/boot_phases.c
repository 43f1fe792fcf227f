// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: where the time of a start goes.
 *
 * A start is stamped with the timestamp counter of the CPU doing each
 * step: three times by the host (start accepted, image and shared area in
 * place, INIT/STARTUP IPIs about to go out) and four times by the spawn's
 * boot CPU in the shared header (start trampoline entered, kernel found
 * the handover, kernel ready, /init about to run). The differences are
 * the phases of the start.
 *
 * The spawn's stamps come from another kernel and another CPU, so they
 * are checked before they are believed: the seven stamps must not go
 * backwards, and the last must be older than the host's own counter when
 * the spawn's "/init" message arrived. A spawn whose counter is not
 * synchronised with the host's (a TSC that was written, or one that does
 * not tick alike on all CPUs) fails that check unless its offset is
 * smaller than the phases around it; the host then reports the clock as
 * unsynchronised and no phases at all rather than wrong ones.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <kunit/visibility.h>
#include <linux/math64.h>
#include <linux/multikernel.h>
#include <linux/sysfs.h>
#include <linux/time64.h>

#include "internal.h"

static const char *const mk_phase_names[MK_BOOT_PHASES] = {
	[MK_PHASE_INSTALL]	= "install",
	[MK_PHASE_IPI]		= "ipi",
	[MK_PHASE_TRAMPOLINE]	= "trampoline",
	[MK_PHASE_KERNEL]	= "kernel",
	[MK_PHASE_READY]	= "ready",
	[MK_PHASE_INIT]		= "init",
};

static const char *const mk_clock_names[] = {
	[MK_CLOCK_NONE]		= "none",
	[MK_CLOCK_OK]		= "synchronised",
	[MK_CLOCK_UNSYNCED]	= "unsynchronised",
};

/**
 * mk_boot_stamps_reset() - forget the last start's stamps
 * @bs:		the instance's stamps
 * @accepted:	the counter when this start was accepted
 */
void mk_boot_stamps_reset(struct mk_boot_stamps *bs, u64 accepted)
{
	memset(bs, 0, sizeof(*bs));
	bs->host[MK_HSTAMP_ACCEPTED] = accepted;
}
EXPORT_SYMBOL_IF_KUNIT(mk_boot_stamps_reset);

/**
 * mk_boot_stamps_take() - keep the spawn's stamps when it reaches /init
 * @bs:		the instance's stamps
 * @hdr:	the shared header's stamps, read once each
 * @seen:	the host's counter, taken after the spawn said it reached
 *		/init and so after its last stamp
 *
 * Only the first call after mk_boot_stamps_reset() counts, so that a
 * spawn repeating the message cannot change what a reader is looking at.
 */
void mk_boot_stamps_take(struct mk_boot_stamps *bs, const __le64 *hdr,
			 u64 seen)
{
	unsigned int i;

	if (READ_ONCE(bs->seen) || !seen)
		return;
	for (i = 0; i < MK_BOOT_STAMPS; i++)
		bs->spawn[i] = le64_to_cpu(READ_ONCE(hdr[i]));
	/* Pairs with the acquire in mk_boot_phases(). */
	smp_store_release(&bs->seen, seen);
}
EXPORT_SYMBOL_IF_KUNIT(mk_boot_stamps_take);

/**
 * mk_boot_phases() - check a start's stamps and derive its phases
 * @bs:		the stamps
 * @khz:	counter frequency in kHz
 * @ns:		the phases in ns, by &enum mk_boot_phase; only written with
 *		%MK_CLOCK_OK
 *
 * Return: %MK_CLOCK_NONE before the spawn reached /init, when it left a
 * stamp at 0 (a kernel that does not stamp) or when @khz is 0;
 * %MK_CLOCK_UNSYNCED when the stamps go backwards or the last lies after
 * @bs->seen; %MK_CLOCK_OK otherwise.
 */
enum mk_boot_clock mk_boot_phases(const struct mk_boot_stamps *bs, u32 khz,
				  u64 ns[MK_BOOT_PHASES])
{
	u64 t[MK_HOST_STAMPS + MK_BOOT_STAMPS];
	/* Pairs with the release in mk_boot_stamps_take(): seen, then stamps. */
	u64 seen = smp_load_acquire(&bs->seen);
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(t) != MK_BOOT_PHASES + 1);
	if (!seen || !khz)
		return MK_CLOCK_NONE;
	memcpy(t, bs->host, sizeof(bs->host));
	memcpy(t + MK_HOST_STAMPS, bs->spawn, sizeof(bs->spawn));
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (!t[i])
			return MK_CLOCK_NONE;
	for (i = 1; i < ARRAY_SIZE(t); i++)
		if (t[i] < t[i - 1])
			return MK_CLOCK_UNSYNCED;
	if (t[ARRAY_SIZE(t) - 1] > seen)
		return MK_CLOCK_UNSYNCED;

	for (i = 0; i < MK_BOOT_PHASES; i++)
		ns[i] = mul_u64_u32_div(t[i + 1] - t[i], USEC_PER_SEC, khz);
	return MK_CLOCK_OK;
}
EXPORT_SYMBOL_IF_KUNIT(mk_boot_phases);

/**
 * mk_boot_phases_show() - the phases for an instance's stats file
 * @bs:		the instance's stamps
 * @khz:	counter frequency in kHz
 * @buf:	the sysfs buffer
 * @len:	bytes already in @buf
 *
 * Adds "boot_clock NAME", then with a synchronised clock one
 * "phase_NAME_us N" line per phase, in order.
 *
 * Return: the new length of @buf.
 */
int mk_boot_phases_show(const struct mk_boot_stamps *bs, u32 khz, char *buf,
			int len)
{
	u64 ns[MK_BOOT_PHASES];
	enum mk_boot_clock clock = mk_boot_phases(bs, khz, ns);
	unsigned int i;

	len += sysfs_emit_at(buf, len, "boot_clock %s\n", mk_clock_names[clock]);
	if (clock != MK_CLOCK_OK)
		return len;
	for (i = 0; i < MK_BOOT_PHASES; i++)
		len += sysfs_emit_at(buf, len, "phase_%s_us %llu\n",
				     mk_phase_names[i],
				     div_u64(ns[i], NSEC_PER_USEC));
	return len;
}

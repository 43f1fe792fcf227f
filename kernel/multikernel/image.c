// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the loaded image in an instance's RAM.
 *
 * The host keeps the segments of the image it loaded (loader.c) and puts
 * them in the instance's RAM before each start, so that every start, and
 * every restart, begins from the same bytes. That copy is kept off the
 * start path: it is made when the image is loaded and again as soon as a
 * spawn has stopped, by a work item; a start finds the image in place
 * and only writes the shared area. Only a start that comes before that
 * work item ran (the "restart" verb, which halts and starts at once)
 * still restores the image itself.
 *
 * A restore writes only the 64-bit words that differ. Of a kernel the
 * spawn ran, most is still as it was loaded: what changed is the text it
 * patched at boot (alternatives, static keys, return thunks), its data,
 * and the init memory it freed and reused. Rewriting the rest would cost
 * a copy of the whole kernel, and under an emulator that translates code
 * (QEMU TCG) every store into code a spawn ran throws that code's
 * translations away: 2.4 s per restart when everything was copied, 0.5
 * to 0.8 s with whole pages, 0.17 s with whole cache lines (on a faster
 * machine than the 0.2 to 0.6 s measured with words; words store an
 * eighth of a line where a patched site changed only a few bytes).
 *
 * The restore also overwrites what a crashed spawn left in its RAM: what
 * is kept of a crash is in the shared area (console ring, panic message,
 * exit reason), which a restore does not touch.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"

/* A restore of tens of MiB gives the CPU up this often. */
#define MK_RESTORE_RESCHED_BYTES	SZ_2M

static const char * const mk_image_source_names[] = {
	[MK_IMAGE_FROM_LOAD]	= "load",
	[MK_IMAGE_FROM_STOP]	= "stop",
	[MK_IMAGE_FROM_START]	= "start",
};

/*
 * Make @len bytes at @dst equal to @src (or zero with @src NULL), storing
 * only the words that differ. Returns the bytes stored.
 */
static size_t mk_restore_range(u8 *dst, const u8 *src, size_t len)
{
	size_t stored = 0;
	u64 want;

	while (len && !IS_ALIGNED((unsigned long)dst, sizeof(u64))) {
		u8 byte = src ? *src++ : 0;

		if (*dst != byte) {
			*dst = byte;
			stored++;
		}
		dst++;
		len--;
	}
	for (; len >= sizeof(u64); len -= sizeof(u64), dst += sizeof(u64)) {
		if (IS_ALIGNED((unsigned long)dst, MK_RESTORE_RESCHED_BYTES))
			cond_resched();
		want = src ? get_unaligned((const u64 *)src) : 0;
		if (src)
			src += sizeof(u64);
		if (*(u64 *)dst != want) {
			*(u64 *)dst = want;
			stored += sizeof(u64);
		}
	}
	for (; len; len--, dst++) {
		u8 byte = src ? *src++ : 0;

		if (*dst != byte) {
			*dst = byte;
			stored++;
		}
	}
	return stored;
}

/**
 * mk_image_restore() - put the loaded image in the instance's RAM
 * @inst:	the instance, locked, with an image, not running
 * @from:	what the restore is done for, shown in its stats
 *
 * Does nothing when the image is already in place.
 */
void mk_image_restore(struct mk_instance *inst, enum mk_image_source from)
{
	const struct mk_image *image = inst->image;
	size_t stored = 0;
	unsigned int i;

	lockdep_assert_held(&inst->lock);
	if (!image || inst->image_in_place)
		return;
	for (i = 0; i < image->nr_segments; i++) {
		const struct mk_segment *seg = &image->segments[i];
		u8 *dst = phys_to_virt(seg->mem);

		stored += mk_restore_range(dst, seg->buf, seg->bufsz);
		stored += mk_restore_range(dst + seg->bufsz, NULL,
					   seg->memsz - seg->bufsz);
	}
	inst->image_in_place = true;
	inst->image_from = from;
	inst->image_restored_bytes = stored;
}

/**
 * mk_image_refresh() - restore the image after a spawn stopped
 * @work:	&mk_instance.image_work
 *
 * Queued by mk_image_refresh_later(). An instance started again
 * meanwhile, lost or being destroyed is left alone.
 */
void mk_image_refresh(struct work_struct *work)
{
	struct mk_instance *inst = container_of(work, struct mk_instance,
						image_work);

	mutex_lock(&inst->lock);
	if (inst->live && (inst->state == MK_STATE_STOPPED ||
			   inst->state == MK_STATE_CRASHED))
		mk_image_restore(inst, MK_IMAGE_FROM_STOP);
	mutex_unlock(&inst->lock);
}

/**
 * mk_image_refresh_later() - the spawn stopped: restore its image soon
 * @inst:	the instance, locked; its CPUs are confirmed stopped
 */
void mk_image_refresh_later(struct mk_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	inst->image_in_place = false;
	/* Not for a host going down (the reboot notifier's kills). */
	if (system_state == SYSTEM_RUNNING)
		queue_work(system_unbound_wq, &inst->image_work);
}

/**
 * mk_image_source_name() - how the last start's image was put in place
 * @from:	an &enum mk_image_source
 *
 * Return: "load", "stop" or "start".
 */
const char *mk_image_source_name(enum mk_image_source from)
{
	if (from >= ARRAY_SIZE(mk_image_source_names))
		return "unknown";
	return mk_image_source_names[from];
}

/**
 * mk_image_free() - free an image built by the loader
 * @image:	the image, may be NULL
 */
void mk_image_free(struct mk_image *image)
{
	unsigned int i;

	if (!image)
		return;
	for (i = 0; i < image->nr_segments; i++)
		vfree(image->segments[i].buf);
	kfree(image->segments);
	kfree(image);
}

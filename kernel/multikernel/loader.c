// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: loading a kernel into an instance with kexec_file_load().
 *
 * kexec_file_load(kernel_fd, initrd_fd, cmdline_len, cmdline,
 *		   KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id) [| ...])
 *
 * goes through the normal kexec_file machinery: the file is read with the
 * kexec LSM/IMA hooks, probed by the architecture's image loaders, its
 * signature checked (CONFIG_KEXEC_SIG), and laid out with purgatory.
 * Three things differ: every segment is placed inside the instance's RAM
 * (this file's walk of memory), the architecture builds boot parameters
 * that describe only the instance, and it decompresses the kernel and
 * lays it out now, so that a start enters the kernel directly instead of
 * going through purgatory and the kernel's own decompressor. The segments
 * are then kept by the host, so that every start, and every restart,
 * begins from the same bytes.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/ioport.h>
#include <linux/kexec.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../kexec_internal.h"
#include "internal.h"

#define MK_KEXEC_FLAGS	(KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID_MASK | \
			 KEXEC_FILE_UNLOAD | KEXEC_FILE_NO_INITRAMFS | \
			 KEXEC_FILE_DEBUG)

/*
 * Serialises loads into instances (each needs the kexec lock, which
 * cannot be waited for), taken before the instance's lock.
 */
static DEFINE_MUTEX(mk_load_lock);
/* The instance being loaded; set and cleared under the kexec lock. */
static struct mk_instance *mk_loading;
/* What the architecture asked to keep with the image being loaded. */
static u64 mk_loading_boot_data;

/**
 * mk_loader_instance() - the instance a multikernel image is loaded into
 * @image:	a kimage of type KEXEC_TYPE_MULTIKERNEL, being loaded
 *
 * Return: the instance; only valid while the loader runs.
 */
struct mk_instance *mk_loader_instance(struct kimage *image)
{
	WARN_ON_ONCE(image->type != KEXEC_TYPE_MULTIKERNEL || !mk_loading);
	return mk_loading;
}

/**
 * mk_loader_set_boot_data() - keep an architecture value with the image
 * @image:	a kimage of type KEXEC_TYPE_MULTIKERNEL, being loaded
 * @data:	the value, found again as &mk_image.boot_data at each start
 *		(x86: the setup_data chain the bzImage loader built)
 */
void mk_loader_set_boot_data(struct kimage *image, u64 data)
{
	if (mk_loader_instance(image))
		mk_loading_boot_data = data;
}

/**
 * multikernel_kexec_walk_mem() - offer only the instance's RAM to kexec
 * @kbuf:	the buffer kexec wants to place
 * @func:	kexec's hole-finding callback
 *
 * Called by kexec_locate_mem_hole() for KEXEC_TYPE_MULTIKERNEL images.
 *
 * Return: what @func returned: 1 when a hole was found.
 */
int multikernel_kexec_walk_mem(struct kexec_buf *kbuf,
			       int (*func)(struct resource *, void *))
{
	struct mk_instance *inst = mk_loader_instance(kbuf->image);
	struct resource res = {
		.name	= "Multikernel instance",
		.start	= inst->mem_base,
		.end	= inst->mem_base + inst->mem_size - 1,
		.flags	= IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
	};

	return func(&res, kbuf);
}

/* Every segment must land inside the instance's RAM. */
static int mk_check_segments(struct mk_instance *inst, struct kimage *image)
{
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++) {
		struct kexec_segment *seg = &image->segment[i];

		if (seg->mem < inst->mem_base || seg->memsz > inst->mem_size ||
		    seg->mem - inst->mem_base > inst->mem_size - seg->memsz) {
			pr_warn_ratelimited("%s: segment %lu outside the instance's memory\n",
					    inst->name, i);
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

/*
 * Decompress and lay out the kernel now, so that no start has to. A
 * method this kernel cannot decompress at run time is not an error: that
 * image decompresses itself at every start, through purgatory.
 */
static int mk_prepare_image(struct mk_instance *inst, struct kimage *image,
			    struct mk_prepared *prep)
{
	int ret;

	prep->method = "unknown";
	if (mk_test_keep_compressed()) {
		pr_info("%s: test hook: kernel kept compressed\n", inst->name);
		return 0;
	}
	ret = mk_arch_prepare_image(image, prep);
	if (ret == -EOPNOTSUPP) {
		pr_info("%s: kernel kept compressed (%s has no run-time decompressor here): it decompresses itself at every start\n",
			inst->name, prep->method);
		return 0;
	}
	if (ret == -ENOEXEC)
		pr_warn_ratelimited("%s: corrupt kernel image refused (%s payload)\n",
				    inst->name, prep->method);
	return ret;
}

/* Keep a copy of every segment: kexec frees its buffers after loading. */
static struct mk_image *mk_image_snapshot(struct kimage *image,
					  const struct mk_prepared *prep)
{
	struct mk_image *mki;
	unsigned long i;

	mki = kzalloc(sizeof(*mki), GFP_KERNEL);
	if (!mki)
		return NULL;
	mki->segments = kcalloc(image->nr_segments, sizeof(*mki->segments),
				GFP_KERNEL);
	if (!mki->segments)
		goto out_free;

	for (i = 0; i < image->nr_segments; i++) {
		struct kexec_segment *seg = &image->segment[i];
		struct mk_segment *dst = &mki->segments[i];

		dst->buf = vmalloc(seg->bufsz ?: 1);
		if (!dst->buf)
			goto out_free;
		memcpy(dst->buf, seg->kbuf, seg->bufsz);
		dst->bufsz = seg->bufsz;
		dst->mem = seg->mem;
		dst->memsz = seg->memsz;
		mki->nr_segments++;
	}
	mki->entry = prep->buf ? prep->entry : image->start;
	mki->boot_params = prep->buf ? prep->boot_params : 0;
	mki->boot_data = mk_loading_boot_data;
	mki->method = prep->method;
	mki->decompressed = prep->buf;
	return mki;

out_free:
	mk_image_free(mki);
	return NULL;
}

static int mk_load_image(struct mk_instance *inst, int kernel_fd,
			 int initrd_fd, unsigned long cmdline_len,
			 const char __user *cmdline_ptr, unsigned long flags)
{
	struct mk_prepared prep = { };
	struct mk_image *mki = NULL;
	struct kimage *image;
	int ret;

	image = do_kimage_alloc_init();
	if (!image)
		return -ENOMEM;
	image->file_mode = 1;
	image->type = KEXEC_TYPE_MULTIKERNEL;

	mk_loading = inst;
	mk_loading_boot_data = 0;
	ret = kimage_file_prepare_segments(image, kernel_fd, initrd_fd,
					   cmdline_ptr, cmdline_len, flags);
	if (!ret)
		ret = mk_prepare_image(inst, image, &prep);
	if (!ret)
		ret = sanity_check_segment_list(image);
	if (!ret)
		ret = mk_check_segments(inst, image);
	/*
	 * Only purgatory checks the digests: a kernel decompressed here
	 * starts at its own entry. Hashing its 30 to 60 MiB held a debug
	 * kernel's CPU for 24 s under TCG (a soft lockup).
	 */
	if (!ret && !prep.buf)
		ret = kexec_calculate_store_digests(image);
	mk_loading = NULL;
	if (ret)
		goto out;

	mki = mk_image_snapshot(image, &prep);
	if (!mki) {
		ret = -ENOMEM;
		goto out;
	}
	mk_instance_set_image(inst, mki);
	pr_info("%s: kernel loaded (%lu segments, entry %pa, %s%s)\n",
		inst->name, image->nr_segments, &mki->entry,
		mki->decompressed ? "decompressed from " : "", mki->method);
out:
	kimage_free(image);
	vfree(prep.buf);
	return ret;
}

/**
 * multikernel_kexec_file_load() - kexec_file_load() for an instance
 * @kernel_fd:	the kernel image
 * @initrd_fd:	the initramfs, unless KEXEC_FILE_NO_INITRAMFS
 * @cmdline_len: bytes at @cmdline_ptr, including the final NUL
 * @cmdline_ptr: the spawn's command line
 * @flags:	KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id), optionally with
 *		KEXEC_FILE_UNLOAD, KEXEC_FILE_NO_INITRAMFS, KEXEC_FILE_DEBUG
 *
 * Called by the kexec_file_load() system call when KEXEC_FILE_MULTIKERNEL
 * is set. Replaces the instance's image; never touches the image that
 * kexec -e would boot.
 *
 * Does not count against kexec_load_limit_reboot: the image never
 * replaces the running kernel.
 *
 * Loads into different instances wait for each other; a kexec load for
 * this kernel (kexec -l) that is under way makes them fail with -EBUSY.
 *
 * Return: 0, -EPERM without CAP_SYS_BOOT or with kexec_load_disabled,
 * -EINVAL for other flags, -ENOENT for an unknown id (or an instance
 * being created or destroyed), -ENODEV when it started being destroyed
 * meanwhile, -EBUSY while the instance runs or is lost, or while a kexec
 * load for this kernel is under way, -EINTR when a signal came while
 * waiting for another instance's load, -ENOEXEC for a file that is not a
 * kernel, or what reading, verifying or placing the image failed with.
 */
int multikernel_kexec_file_load(int kernel_fd, int initrd_fd,
				unsigned long cmdline_len,
				const char __user *cmdline_ptr,
				unsigned long flags)
{
	unsigned int id = (flags & KEXEC_FILE_MK_ID_MASK) >>
			  KEXEC_FILE_MK_ID_SHIFT;
	struct mk_instance *inst;
	int ret;

	if (!kexec_load_permitted(KEXEC_TYPE_MULTIKERNEL))
		return -EPERM;
	if (flags & ~MK_KEXEC_FLAGS)
		return -EINVAL;

	inst = mk_instance_get(NULL, id);
	if (!inst)
		return -ENOENT;

	ret = mutex_lock_interruptible(&mk_load_lock);
	if (ret)
		goto out_put;
	ret = mk_instance_lock_live(inst);
	if (ret)
		goto out_load_lock;
	if (inst->state == MK_STATE_STARTING ||
	    inst->state == MK_STATE_RUNNING ||
	    inst->state == MK_STATE_STOPPING || inst->state == MK_STATE_LOST) {
		pr_warn_ratelimited("%s: cannot load while %s\n", inst->name,
				    mk_state_name(inst->state));
		ret = -EBUSY;
		goto out_unlock;
	}
	if (!kexec_trylock()) {
		ret = -EBUSY;
		goto out_unlock;
	}

	if (flags & KEXEC_FILE_UNLOAD) {
		mk_instance_set_image(inst, NULL);
		ret = 0;
	} else {
		ret = mk_load_image(inst, kernel_fd, initrd_fd, cmdline_len,
				    cmdline_ptr, flags);
	}
	kexec_unlock();
out_unlock:
	mutex_unlock(&inst->lock);
out_load_lock:
	mutex_unlock(&mk_load_lock);
out_put:
	mk_instance_put(inst);
	return ret;
}

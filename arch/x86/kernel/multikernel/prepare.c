// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel, x86: laying a bzImage's kernel out once, at load time.
 *
 * A bzImage is a small decompressor wrapped around a compressed ELF image
 * of vmlinux (Documentation/arch/x86/boot.rst: payload_offset and
 * payload_length in the setup header; the build appends the uncompressed
 * size). Left as it is, the spawn's first CPU would decompress the kernel
 * at every start. Instead the host does what the decompressor does, once,
 * when the image is loaded: it decompresses the payload, checks the ELF
 * headers and places every PT_LOAD segment where the decompressor would
 * have placed it, at the kexec kernel segment's address plus the
 * segment's offset from the kernel's preferred address. The kernel
 * segment then holds the laid-out kernel, and the start trampoline enters
 * it at its 64-bit entry point (startup_64) with %rsi pointing to the
 * boot_params that kexec built, as a 64-bit boot loader would.
 *
 * What the decompressor would also have done, and a spawn started this
 * way does without: KASLR (the kernel runs at its link-time virtual
 * address and at the physical address the loader chose) and 5-level
 * paging (the trampoline's page tables have four levels; the kernel keeps
 * them). The file that was read, verified and measured by kexec_file is
 * the same; only what the host keeps of it changes.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <kunit/visibility.h>
#include <linux/elf-em.h>
#include <linux/kexec.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <asm/bootparam.h>

#include "../../../../kernel/multikernel/internal.h"
#include "prepare.h"

/* Setup header fields payload_offset and payload_length: boot protocol 2.08. */
#define MK_BOOT_PROTO_PAYLOAD	0x0208
/* "HdrS" in the setup header's header field. */
#define MK_SETUP_HDR_MAGIC	0x53726448
#define MK_SECTOR_SIZE		512
#define MK_DEFAULT_SETUP_SECTS	4
/* The uncompressed size the kernel build appends to the payload. */
#define MK_PAYLOAD_SIZE_BYTES	4

/* The kexec segment that holds the bzImage's protected-mode part. */
static struct kexec_segment *mk_kernel_segment(struct kimage *image,
					       const u8 *pm_code)
{
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++)
		if (image->segment[i].kbuf == pm_code)
			return &image->segment[i];
	return NULL;
}

/**
 * mk_bzimage_parse() - find the compressed kernel in a bzImage
 * @file:	the bzImage, as read from the file (not trusted)
 * @len:	its length
 * @bz:		filled in on success, pointing into @file
 *
 * Return: 0; -EOPNOTSUPP for a boot protocol older than 2.08, which does
 * not say where the payload is; -ENOEXEC when the setup header is
 * missing or points outside the file, or the recorded size is 0 or more
 * than the kernel asks the boot loader to leave room for (init_size).
 */
int mk_bzimage_parse(const u8 *file, size_t len, struct mk_bzimage *bz)
{
	const struct setup_header *hdr;
	size_t setup_len;
	unsigned int sects;

	if (len < sizeof(struct boot_params))
		return -ENOEXEC;
	hdr = (const void *)(file + offsetof(struct boot_params, hdr));
	if (hdr->header != MK_SETUP_HDR_MAGIC)
		return -ENOEXEC;
	if (hdr->version < MK_BOOT_PROTO_PAYLOAD)
		return -EOPNOTSUPP;
	sects = hdr->setup_sects ?: MK_DEFAULT_SETUP_SECTS;
	setup_len = (sects + 1) * MK_SECTOR_SIZE;
	if (len <= setup_len)
		return -ENOEXEC;
	bz->pm = file + setup_len;
	bz->pm_len = len - setup_len;
	bz->payload_len = hdr->payload_length;
	if (bz->payload_len < MK_PAYLOAD_SIZE_BYTES ||
	    hdr->payload_offset > bz->pm_len ||
	    bz->payload_len > bz->pm_len - hdr->payload_offset)
		return -ENOEXEC;
	bz->payload = bz->pm + hdr->payload_offset;
	bz->out_len = get_unaligned_le32(bz->payload + bz->payload_len -
					 MK_PAYLOAD_SIZE_BYTES);
	/* The decompressor itself has no more room than init_size. */
	if (!bz->out_len || bz->out_len > hdr->init_size)
		return -ENOEXEC;
	bz->pref_address = hdr->pref_address;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_bzimage_parse);

/**
 * mk_arch_prepare_image() - decompress and lay out a loaded bzImage
 * @image:	a multikernel kimage whose segments kexec has just built
 * @prep:	filled in on success: the laid-out kernel (owned by the
 *		caller, vfree() it), its entry and boot_params, the method
 *
 * On success the kernel segment of @image points to @prep->buf.
 *
 * Return: 0; -EOPNOTSUPP when the payload uses a method this kernel
 * cannot decompress at run time (@prep->method says which; the image
 * stays as it was and decompresses itself at each start); -ENOEXEC for a
 * corrupt or truncated image; -ENOMEM.
 */
int mk_arch_prepare_image(struct kimage *image, struct mk_prepared *prep)
{
	struct kexec_entry64_regs regs;
	struct kexec_segment *seg;
	struct mk_bzimage bz;
	size_t filesz;
	u64 entry_off;
	u8 *out;
	int ret;

	prep->method = "unknown";
	ret = mk_bzimage_parse(image->kernel_buf, image->kernel_buf_len, &bz);
	if (ret)
		return ret;
	seg = mk_kernel_segment(image, bz.pm);
	if (!seg || bz.out_len > seg->memsz)
		return -ENOEXEC;
	out = vmalloc(bz.out_len);
	if (!out)
		return -ENOMEM;
	ret = mk_decompress(bz.payload, bz.payload_len, out, bz.out_len,
			    &prep->method);
	if (ret == -EINVAL || ret == -ENOEXEC) {
		pr_warn_ratelimited("kernel payload (%s) is corrupt\n",
				    prep->method);
		ret = -ENOEXEC;
	}
	if (ret)
		goto out_free;

	ret = mk_elf_layout_check(out, bz.out_len, EM_X86_64, bz.pref_address,
				  seg->memsz, &filesz, &entry_off);
	if (ret) {
		pr_warn_ratelimited("decompressed kernel is not a loadable x86-64 ELF image\n");
		goto out_free;
	}
	ret = kexec_purgatory_get_set_symbol(image, "entry64_regs", &regs,
					     sizeof(regs), true);
	if (ret)
		goto out_free;

	prep->buf = vzalloc(filesz);
	if (!prep->buf) {
		ret = -ENOMEM;
		goto out_free;
	}
	mk_elf_layout_place(out, bz.pref_address, prep->buf);
	prep->size = filesz;
	prep->entry = seg->mem + entry_off;
	prep->boot_params = regs.rsi;
	seg->kbuf = prep->buf;
	seg->bufsz = filesz;
	ret = 0;
out_free:
	vfree(out);
	return ret;
}

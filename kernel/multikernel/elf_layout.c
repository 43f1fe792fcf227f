// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: laying out a kernel's ELF image as its boot decompressor
 * would, from a buffer the loader decompressed.
 *
 * Every PT_LOAD segment goes to its physical address's offset from the
 * kernel's preferred address (the decompressor's output buffer). The
 * image is untrusted input: headers, offsets and sizes are checked
 * against the buffer and against the room the loader has, before
 * anything is copied.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <kunit/visibility.h>
#include <linux/elf.h>
#include <linux/string.h>

#include "internal.h"

/**
 * mk_elf_layout_check() - check an ELF image that is to be laid out
 * @elf:	the image
 * @len:	bytes at @elf
 * @machine:	the ELF machine it must be for (EM_X86_64, ...)
 * @base:	the physical address that offset 0 of the layout stands for
 *		(the kernel's preferred load address)
 * @room:	bytes the layout may take, bss included
 * @filesz:	set to the bytes of the layout that come from the file
 * @entry_off:	set to the entry point's offset in the layout
 *
 * Return: 0, or -ENOEXEC when the image is not a little-endian 64-bit
 * ELF image for @machine with at least one PT_LOAD segment, when a
 * segment lies outside @elf, below @base or beyond @room, or when the
 * entry point is outside what the segments load.
 */
int mk_elf_layout_check(const u8 *elf, size_t len, u16 machine, u64 base,
			size_t room, size_t *filesz, u64 *entry_off)
{
	const struct elf64_hdr *eh = (const void *)elf;
	const struct elf64_phdr *ph;
	u64 end, off;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != machine ||
	    eh->e_phentsize != sizeof(*ph) || !eh->e_phnum ||
	    eh->e_phoff > len ||
	    (len - eh->e_phoff) / sizeof(*ph) < eh->e_phnum)
		return -ENOEXEC;

	*filesz = 0;
	ph = (const void *)(elf + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_paddr < base || ph->p_filesz > ph->p_memsz ||
		    ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
			return -ENOEXEC;
		off = ph->p_paddr - base;
		if (off > room || ph->p_memsz > room - off)
			return -ENOEXEC;
		end = off + ph->p_filesz;
		if (end > *filesz)
			*filesz = end;
	}
	if (!*filesz || eh->e_entry < base || eh->e_entry - base >= *filesz)
		return -ENOEXEC;
	*entry_off = eh->e_entry - base;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_elf_layout_check);

/**
 * mk_elf_layout_place() - copy the PT_LOAD segments of a checked image
 * @elf:	an image mk_elf_layout_check() accepted
 * @base:	the same @base
 * @out:	the layout, at least the *@filesz bytes the check gave,
 *		zeroed where no segment's file data goes
 */
void mk_elf_layout_place(const u8 *elf, u64 base, u8 *out)
{
	const struct elf64_hdr *eh = (const void *)elf;
	const struct elf64_phdr *ph = (const void *)(elf + eh->e_phoff);
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++, ph++)
		if (ph->p_type == PT_LOAD)
			memcpy(out + (ph->p_paddr - base), elf + ph->p_offset,
			       ph->p_filesz);
}
EXPORT_SYMBOL_IF_KUNIT(mk_elf_layout_place);

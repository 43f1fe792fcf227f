/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: layout of the start trampoline in an instance's low-memory
 * slot, shared by trampoline_64.S and start.c.
 *
 *   slot + 0x0000	code, then the parameters at MK_TR_PARAMS
 *   slot + 0x1000	PML4
 *   slot + 0x2000	PDPT
 *   slot + 0x3000	page directories, MK_TR_MAX_PD of them
 *
 * The rest of the slot is free for the spawn's own real-mode trampoline,
 * which its kernel places at the top of the slot long after this one has
 * done its job.
 */
#ifndef _X86_MULTIKERNEL_TRAMPOLINE_H
#define _X86_MULTIKERNEL_TRAMPOLINE_H

#define MK_LOW_SLOT_SIZE	0x10000

#define MK_TR_PARAMS		0x100	/* code must fit below this */
#define MK_TR_GDT_DESC		(MK_TR_PARAMS + 0x00)	/* u16 limit, u32 base */
#define MK_TR_IDT_DESC		(MK_TR_PARAMS + 0x08)	/* u16 0, u32 0 */
#define MK_TR_PM_JUMP		(MK_TR_PARAMS + 0x10)	/* u32 offset, u16 sel */
#define MK_TR_LM_JUMP		(MK_TR_PARAMS + 0x18)	/* u32 offset, u16 sel */
#define MK_TR_CR3		(MK_TR_PARAMS + 0x20)	/* u32 */
#define MK_TR_ENTRY		(MK_TR_PARAMS + 0x28)	/* u64 */
#define MK_TR_PARK		(MK_TR_PARAMS + 0x30)	/* u64: &park_request */
#define MK_TR_STAMP		(MK_TR_PARAMS + 0x38)	/* u64: &boot_stamp[0] */
#define MK_TR_BOOT_PARAMS	(MK_TR_PARAMS + 0x40)	/* u64: %rsi at entry */
/* MK_PARK_REQUEST of <linux/multikernel.h>, which assembly cannot include */
#define MK_TR_PARK_REQUEST	0x4b524150
#define MK_TR_GDT		(MK_TR_PARAMS + 0x48)	/* 4 descriptors */
#define MK_TR_SIZE		(MK_TR_GDT + 0x20)

/* Selectors in the trampoline's GDT. */
#define MK_TR_CS32		0x08
#define MK_TR_DS		0x10
#define MK_TR_CS64		0x18

#define MK_TR_PML4		0x1000
#define MK_TR_PDPT		0x2000
#define MK_TR_PD		0x3000
#define MK_TR_MAX_PD		5

#ifndef __ASSEMBLY__
#include <linux/types.h>

/* trampoline_64.S: the code and where its 32- and 64-bit parts start. */
extern const u8 mk_trampoline[], mk_trampoline_end[];
extern const u32 mk_trampoline_pm_offset, mk_trampoline_lm_offset;
#endif

#endif /* _X86_MULTIKERNEL_TRAMPOLINE_H */

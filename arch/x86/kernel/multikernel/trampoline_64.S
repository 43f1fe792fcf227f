/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: the start trampoline.
 *
 * The host copies this code into the low-memory slot of an instance,
 * fills in the parameters at MK_TR_PARAMS and sends INIT-SIPI-SIPI to the
 * instance's first CPU with the slot as start address. The CPU comes up
 * in real mode with CS = slot >> 4, IP = 0 and interrupts off; this code
 * takes it through protected mode into long mode with the identity map
 * that the host built in the slot, and jumps to the loaded image's entry:
 * the kernel the host decompressed at load time, with %rsi = boot_params,
 * or kexec purgatory for a kernel that decompresses itself (purgatory
 * checks the segments and sets up the registers on its own).
 *
 * The CPU's TSC at entry is kept in %edi:%esi and stored in the shared
 * header's first boot stamp once long mode can reach it, unless the
 * start was killed meanwhile.
 *
 * Only the slot's physical base is known at run time (from %cs), so every
 * absolute address comes from the parameters, which the host computed.
 * The IDT is empty: any fault on the way is a triple fault, which the host
 * sees as a spawn that never becomes ready.
 *
 * A CPU may take its STARTUP IPI only after the host killed the start
 * with INIT (QEMU keeps a pending STARTUP IPI across INIT, and an
 * overloaded machine can leave the target that late): the kill has set
 * park_request in the shared header by then, and this code halts here
 * for good instead of booting a spawn nobody owns any more. Only INIT
 * gets the CPU out again (the NMIs of a kill go to CPUs that beat).
 */

#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "trampoline.h"

	.section ".rodata", "a"
	.balign	16
SYM_DATA_START(mk_trampoline)
	.code16
	cli
	rdtsc
	movl	%eax, %esi
	movl	%edx, %edi
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx			/* %ebx = physical base of the slot */

	lidtl	MK_TR_IDT_DESC
	lgdtl	MK_TR_GDT_DESC
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*MK_TR_PM_JUMP

	.code32
.Lmk_tr_protected:
	movl	$MK_TR_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss

	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	MK_TR_CR3(%ebx), %eax
	movl	%eax, %cr3

	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr

	movl	%cr0, %eax
	orl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	*MK_TR_LM_JUMP(%ebx)

	.code64
.Lmk_tr_long:
	movl	%ebx, %ebx			/* upper half undefined after the switch */
	movq	MK_TR_PARK(%rbx), %rdx
	cmpl	$MK_TR_PARK_REQUEST, (%rdx)
	je	.Lmk_tr_parked
	/* Only a start that goes on stamps: a late one writes nothing. */
	movl	%esi, %esi
	shlq	$32, %rdi
	orq	%rdi, %rsi			/* the TSC at entry */
	movq	MK_TR_STAMP(%rbx), %rdx
	movq	%rsi, (%rdx)
	movq	MK_TR_BOOT_PARAMS(%rbx), %rsi	/* for a kernel entered directly */
	movq	MK_TR_ENTRY(%rbx), %rax
	jmpq	*%rax

.Lmk_tr_parked:
	hlt
	jmp	.Lmk_tr_parked

	.org	MK_TR_PARAMS, 0xcc
	.fill	MK_TR_SIZE - MK_TR_PARAMS, 1, 0
SYM_DATA_END_LABEL(mk_trampoline, SYM_L_GLOBAL, mk_trampoline_end)

/* Offsets of the mode-switch targets, for the host to turn into addresses. */
	.balign	4
SYM_DATA(mk_trampoline_pm_offset, .long .Lmk_tr_protected - mk_trampoline)
SYM_DATA(mk_trampoline_lm_offset, .long .Lmk_tr_long - mk_trampoline)

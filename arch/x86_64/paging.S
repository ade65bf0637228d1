/* SPDX-License-Identifier: MIT */
/*
 * Changing the paging mode (4-level <-> 5-level). CR4.LA57 cannot change while
 * long mode is active (SDM vol. 3A 4.1.1, 2.5): the CPU must leave IA-32e mode,
 * which needs paging off, which needs 32-bit code running at an identity-mapped
 * address. So:
 *
 *   64-bit, current root  -- lret -->  compatibility mode at the physical address
 *   CR0.PG = 0 (long mode inactive), CR4 = new (LA57 set or clear), CR3 = new root
 *   CR0.PG = 1 (long mode active again, EFER.LME stayed set)
 *   -- ljmp -->  64-bit at the physical address  -- jmp -->  the link address
 *
 * Requirements (the caller's, see x86_paging_switch() in paging.c): interrupts
 * off; this code's physical page identity mapped in BOTH the current and the new
 * root; the new root below 4 GiB (CR3 is loaded in 32-bit mode); the kernel image
 * and the stack mapped at the same addresses in both. Nothing touches the stack or
 * a segment register while paging is off. General-purpose registers' upper halves
 * do not survive compatibility mode, so the callee-saved ones are kept in memory.
 */
#include <arch/page.h>

#define PHYS(sym)	((sym) - KERNEL_VMA_OFFSET)
#define CR0_PG		(1 << 31)
#define SEL_CODE64	0x08
#define SEL_CODE32	0x28

	.text
/* void x86_paging_switch_asm(uint64_t root (rdi), uint64_t cr4 (rsi)) */
	.globl	x86_paging_switch_asm
x86_paging_switch_asm:
	movq	%rbx, saved + 0(%rip)
	movq	%rbp, saved + 8(%rip)
	movq	%r12, saved + 16(%rip)
	movq	%r13, saved + 24(%rip)
	movq	%r14, saved + 32(%rip)
	movq	%r15, saved + 40(%rip)
	movq	%rsp, saved + 48(%rip)
	movl	%edi, %ebx		/* survives: only the upper halves are lost */
	movl	%esi, %ebp
	/* Far return into the 32-bit code segment, at this code's physical address. */
	pushq	$SEL_CODE32
	pushq	$PHYS(compat32)
	lretq

	.code32
compat32:
	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0		/* paging off: IA-32e mode inactive */
	movl	%ebp, %cr4
	movl	%ebx, %cr3
	orl	$CR0_PG, %eax
	movl	%eax, %cr0		/* paging on with the new root: IA-32e mode again */
	ljmp	$SEL_CODE64, $PHYS(long64)

	.code64
long64:
	movabsq	$back_high, %rax
	jmp	*%rax
back_high:
	movq	saved + 0(%rip), %rbx
	movq	saved + 8(%rip), %rbp
	movq	saved + 16(%rip), %r12
	movq	saved + 24(%rip), %r13
	movq	saved + 32(%rip), %r14
	movq	saved + 40(%rip), %r15
	movq	saved + 48(%rip), %rsp
	ret

	.bss
	.balign	8
saved:	.skip	7 * 8

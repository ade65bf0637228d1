/* SPDX-License-Identifier: MIT */
/*
 * x86_64 exception and interrupt entry. One stub per vector 0..31, one for the
 * cross-CPU-call IPI and one for the local APIC timer, pushes a uniform frame (a dummy error code where the CPU
 * pushes none, then the vector number), saves every general-purpose register and
 * calls x86_trap(struct trap_frame *). The layout must match struct trap_frame in
 * <arch/trap.h>. The spurious vector has a stub of its own that only returns.
 */
#include <arch/apic.h>

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3A, table 6-1). */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.macro trap_stub vec
	.balign 16
trap_stub_\vec:
	.if !HAS_ERR(\vec)
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
	.endm

	.text
	.altmacro
	.set	i, 0
	.rept	32
	trap_stub %i
	.set	i, i + 1
	.endr

	/* The cross-CPU-call interrupt (no error code): x86_trap() serves it and EOIs. */
	.balign 16
	.globl x86_ipi_stub
x86_ipi_stub:
	pushq	$0
	pushq	$X86_VEC_IPI
	jmp	trap_common

	/* The local APIC timer (no error code): x86_trap() counts the tick and EOIs. */
	.balign 16
	.globl x86_timer_stub
x86_timer_stub:
	pushq	$0
	pushq	$X86_VEC_TIMER
	jmp	trap_common

	/*
	 * The local APIC's spurious vector (SDM vol. 3A 10.9): nothing was delivered,
	 * nothing is in service, so nothing to do and no EOI to write.
	 */
	.balign 16
	.globl x86_spurious_stub
x86_spurious_stub:
	iretq

trap_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	x86_trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	/* The stubs' addresses, for the IDT. */
	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	.macro stub_addr vec
	.quad	trap_stub_\vec
	.endm
	.set	i, 0
	.rept	32
	stub_addr %i
	.set	i, i + 1
	.endr

/* SPDX-License-Identifier: MIT */
/*
 * x86_64 exception and interrupt entry. One stub per vector 0..31, one for the
 * cross-CPU-call IPI and one for the local APIC timer, pushes a uniform frame (a dummy error code where the CPU
 * pushes none, then the vector number), saves every general-purpose register and
 * calls x86_trap(struct trap_frame *). The layout must match struct trap_frame in
 * <arch/trap.h>. The spurious vector has a stub of its own that only returns.
 */
#include <kern/percpu.h>
#include <arch/apic.h>
#include <arch/trap.h>

#define USER_CS 0x3b		/* cpu.c's GDT: user 64-bit code and data, RPL 3 */
#define USER_DS 0x33

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
	/*
	 * From user mode (the saved CS has RPL 3): the GS base is the user's; swapgs
	 * brings the kernel's (the per-CPU area) back, and the return path swaps again.
	 */
	testb	$3, 24(%rsp)
	jz	trap_saved
	swapgs
trap_saved:
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
trap_return:
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
	testb	$3, 8(%rsp)
	jz	1f
	swapgs
1:	iretq

/*
 * SYSCALL from user mode (cpu.c's MSRs): rcx holds the user rip, r11 its rflags,
 * interrupts are off (FMASK) and rsp is still the user's. The kernel stack is the
 * running thread's (PERCPU_STACK_TOP, kept current by the scheduler). The frame is
 * the one an interrupt from user mode pushes, vector X86_VEC_SYSCALL, so x86_trap()
 * serves it and it returns through the same iretq path (no SYSRET yet: iretq is
 * correct for any rip, SYSRET to a non-canonical one would fault in ring 0).
 */
	.balign 16
	.globl	x86_syscall_entry
x86_syscall_entry:
	swapgs
	movq	%rsp, %gs:(PERCPU_SCRATCH + 8)
	movq	%gs:PERCPU_STACK_TOP, %rsp
	pushq	$USER_DS
	pushq	%gs:(PERCPU_SCRATCH + 8)
	pushq	%r11
	pushq	$USER_CS
	pushq	%rcx
	pushq	$0
	pushq	$X86_VEC_SYSCALL
	jmp	trap_saved

/*
 * void x86_user_enter(uintptr_t pc (rdi), uintptr_t sp (rsi)): leave the thread's
 * kernel context for good: a zeroed frame at the top of its kernel stack that
 * returns to user mode at pc with sp, interrupts on (rflags 0x202), through the
 * common return path.
 */
	.globl	x86_user_enter
x86_user_enter:
	cli
	movq	%gs:PERCPU_STACK_TOP, %rsp
	pushq	$USER_DS
	pushq	%rsi
	pushq	$0x202
	pushq	$USER_CS
	pushq	%rdi
	pushq	$0
	pushq	$0
	.rept	15
	pushq	$0
	.endr
	jmp	trap_return

/*
 * void x86_user_resume(void): back to user mode through the frame at the top of
 * the thread's kernel stack (a cloned thread's first return, arch_user_resume()).
 */
	.globl	x86_user_resume
x86_user_resume:
	cli
	movq	%gs:PERCPU_STACK_TOP, %rsp
	subq	$(22 * 8), %rsp
	jmp	trap_return

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

/* SPDX-License-Identifier: MIT */
/*
 * x86_64 exception and interrupt entry. One stub per vector 0..31, one for the
 * cross-CPU-call IPI and one for the local APIC timer, pushes a uniform frame (a dummy error code where the CPU
 * pushes none, then the vector number), saves every general-purpose register and
 * calls x86_trap(struct trap_frame *). The layout must match struct trap_frame in
 * <arch/trap.h>. The spurious vector has a stub of its own that only returns; the
 * NMI one of its own too (x86_nmi_stub, below), and SYSCALL its entry.
 */
#include <kern/percpu.h>
#include <arch/apic.h>
#include <arch/trap.h>


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

/*
 * The general-purpose registers, in struct trap_frame's order (r15 lowest).
 */
	.macro	save_regs
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
	.endm

	.macro	restore_regs
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
	.endm

/*
 * With SMAP on, rflags.AC set lets the kernel touch user pages: only the user
 * copies set it, between stac and clac. An interrupt or exception does not clear
 * AC (SDM vol. 3A 6.12.1.3 clears TF, NT, RF and IF only), so one that arrives
 * inside a copy would run its handler, and whatever it switches to, with SMAP off;
 * every entry clears it (the interrupted rflags, AC included, come back with
 * IRETQ). clac is #UD without SMAP, hence the flag (cpu.c sets it before any
 * interrupt is enabled). SYSCALL clears AC itself (FMASK).
 */
	.macro	clac_if_smap
	cmpb	$0, x86_user_pages_guarded(%rip)
	je	.Lno_smap\@
	clac
.Lno_smap\@:
	.endm

trap_common:
	/*
	 * From user mode (the saved CS has RPL 3): the GS base is the user's; swapgs
	 * brings the kernel's (the per-CPU area) back, and the return path swaps again.
	 */
	testb	$3, 24(%rsp)
	jz	trap_saved
	swapgs
trap_saved:
	save_regs
	clac_if_smap
	movq	%rsp, %rdi
	cld
	call	x86_trap
trap_return:
	restore_regs
	addq	$16, %rsp		/* vector and error code */
	testb	$3, 8(%rsp)
	jz	1f
	swapgs
1:	iretq

/*
 * The NMI (vector 2), on its own stack (IST2, cpu.c) and "paranoid" about GS. An
 * NMI can arrive between any two instructions, among them the ones where the
 * kernel runs with the user's GS base or the user's stack: right after SYSCALL
 * before its swapgs and its stack switch, or between the swapgs and the SYSRET or
 * IRETQ of a return. So the saved CS cannot tell which GS base is loaded; the GS
 * base itself can (IA32_GS_BASE: the kernel's per-CPU area is a kernel-half
 * address, negative; a user one is not), and the handler swaps only if it must,
 * and back. IST gives it a good stack whatever rsp held. x86_nmi() never sleeps
 * and never does user-return work: it halts (a panic is stopping the CPUs) or
 * reports and panics. rbx holds the swap decision across the call (callee-saved).
 */
	.balign 16
	.globl x86_nmi_stub
x86_nmi_stub:
	pushq	$0
	pushq	$X86_VEC_NMI
	save_regs
	movl	$0xc0000101, %ecx	/* IA32_GS_BASE */
	rdmsr
	xorl	%ebx, %ebx
	testl	%edx, %edx
	js	1f			/* the kernel's: nothing to swap */
	swapgs
	movl	$1, %ebx
1:	clac_if_smap
	movq	%rsp, %rdi
	cld
	call	x86_nmi
	testl	%ebx, %ebx
	jz	2f
	swapgs
2:	restore_regs
	addq	$16, %rsp
	iretq

/*
 * SYSCALL from user mode (cpu.c's MSRs): rcx holds the user rip, r11 its rflags,
 * interrupts, DF, TF and AC are off (FMASK) and rsp is still the user's. The kernel
 * stack is the running thread's (PERCPU_STACK_TOP, kept current by the scheduler).
 * The frame is the one an interrupt from user mode pushes, vector X86_VEC_SYSCALL,
 * so everything that reads or edits a user frame (signals, clone, the ktests) sees
 * one layout. x86_syscall() serves the call and says whether the frame allows
 * SYSRET (rcx == rip, r11 == rflags, rip canonical, trap.c); if it does, the
 * registers come back from the frame and SYSRET returns; otherwise the common
 * IRETQ path does, which is right for any frame.
 *
 * The SYSRET path: interrupts stay masked from x86_syscall()'s return to SYSRET
 * (which loads rflags from r11, IF set). Between the user rsp load and SYSRET the
 * kernel runs on the user's stack with the user's GS base: an NMI there runs on
 * its own stack and finds its GS by the MSR (x86_nmi_stub); nothing else can
 * arrive (no exception: neither instruction can fault).
 */
	.balign 16
	.globl	x86_syscall_entry
x86_syscall_entry:
	swapgs
	movq	%rsp, %gs:(PERCPU_SCRATCH + 8)
	movq	%gs:PERCPU_STACK_TOP, %rsp
	pushq	$X86_USER_DS
	pushq	%gs:(PERCPU_SCRATCH + 8)
	pushq	%r11
	pushq	$X86_USER_CS
	pushq	%rcx
	pushq	$0
	pushq	$X86_VEC_SYSCALL
	save_regs
	movq	%rsp, %rdi
	call	x86_syscall
	testb	%al, %al
	jz	trap_return
	restore_regs
	movq	40(%rsp), %rsp		/* past vector, error, rip, cs, rflags: the user rsp */
	swapgs
	sysretq

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
	pushq	$X86_USER_DS
	pushq	%rsi
	pushq	$0x202
	pushq	$X86_USER_CS
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

/* SPDX-License-Identifier: MIT */
/*
 * x86_64 assembly of the user test runtime (declared in
 * include/user/{abi,cpu}_arch.h): the thread start (clone's child begins on a new
 * stack, with nothing of the parent's frame), the signal restorer, and a load and
 * a store that a SIGSEGV handler can resume past.
 */
#include <user/syscall_arch.h>

	.text

/*
 * long arch_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
 *                 void *tls, int (*fn)(void *), void *arg)
 *
 * Arguments: %rdi %rsi %rdx %rcx %r8 %r9, arg at 8(%rsp). The raw clone of
 * x86_64 (kernel/fork.c, no CLONE_BACKWARDS) takes flags, newsp, parent_tid,
 * child_tid, tls: %rdi %rsi %rdx %r10 %r8. fn and arg go on the child's stack
 * first; the child gets the parent's registers with %rax = 0 and %rsp = newsp
 * (copy_thread), pops them, calls fn with %rsp 16-byte aligned (psABI 3.2.2) and
 * passes its return to exit (the thread's, not the group's). The parent returns
 * the child's tid or -errno.
 */
	.globl	arch_clone
	.type	arch_clone, @function
arch_clone:
	andq	$-16, %rsi
	subq	$16, %rsi
	movq	8(%rsp), %rax
	movq	%r9, (%rsi)		/* fn */
	movq	%rax, 8(%rsi)		/* arg */
	movq	%rcx, %r10		/* child_tid */
	movl	$SYS_clone, %eax
	syscall
	testq	%rax, %rax
	jnz	1f
	xorl	%ebp, %ebp		/* the child's outermost frame */
	popq	%rax
	popq	%rdi
	call	*%rax
	movl	%eax, %edi
	movl	$SYS_exit, %eax
	syscall
	hlt				/* not reached */
1:	ret
	.size	arch_clone, . - arch_clone

/* long arch_vfork(void) (cpu_arch.h): the return address waits in %rdx, which the
 * system call keeps, as glibc's vfork does with %rdi. */
	.globl	arch_vfork
	.type	arch_vfork, @function
arch_vfork:
	popq	%rdx
	movl	$SYS_vfork, %eax
	syscall
	pushq	%rdx
	ret
	.size	arch_vfork, . - arch_vfork

/* void arch_syscall_regs(uint64_t out[4]) (cpu_arch.h) */
	.globl	arch_syscall_regs
	.type	arch_syscall_regs, @function
arch_syscall_regs:
	movl	$SYS_getpid, %eax
	syscall
1:	movq	%rcx, 0(%rdi)
	movq	%r11, 8(%rdi)
	leaq	1b(%rip), %rax
	movq	%rax, 16(%rdi)
	pushfq				/* no instruction since the syscall changed rflags */
	popq	%rax
	movq	%rax, 24(%rdi)
	ret
	.size	arch_syscall_regs, . - arch_syscall_regs

/* void arch_sigreturn_regs(long tgid, long tid, long sig, uint64_t out[2]) (cpu_arch.h) */
	.globl	arch_sigreturn_regs
	.type	arch_sigreturn_regs, @function
arch_sigreturn_regs:
	movq	%rcx, %r8		/* out: rcx is the syscall's */
	movl	$SYS_tgkill, %eax
	syscall
	movq	%rcx, 0(%r8)
	movq	%r11, 8(%r8)
	ret
	.size	arch_sigreturn_regs, . - arch_sigreturn_regs

/*
 * The sa_restorer of every action (arch_sigaction_prepare()): a handler returns
 * here, with %rsp just past the return address in the rt_sigframe, and
 * rt_sigreturn restores the interrupted context from the frame's ucontext.
 */
	.globl	arch_sigreturn_trampoline
	.type	arch_sigreturn_trampoline, @function
arch_sigreturn_trampoline:
	movl	$SYS_rt_sigreturn, %eax
	syscall
	hlt				/* not reached: rt_sigreturn does not return here */
	.size	arch_sigreturn_trampoline, . - arch_sigreturn_trampoline

/*
 * int arch_probe_read(const volatile void *p, uint64_t *val)
 *
 * The load at arch_probe_read_insn may fault; rt_probe_fixup() then sets the saved
 * %rax to the si_code and the saved %rip to arch_probe_read_fixup, so the return
 * skips the store.
 */
	.globl	arch_probe_read, arch_probe_read_insn, arch_probe_read_fixup
	.type	arch_probe_read, @function
arch_probe_read:
	xorl	%eax, %eax
arch_probe_read_insn:
	movq	(%rdi), %rdx
	movq	%rdx, (%rsi)
arch_probe_read_fixup:
	ret
	.size	arch_probe_read, . - arch_probe_read

/*
 * int arch_probe_write(volatile void *p, uint64_t val)
 *
 * The same for a store: rt_probe_fixup() moves a faulting store at
 * arch_probe_write_insn on to arch_probe_write_fixup with the si_code in %rax.
 */
	.globl	arch_probe_write, arch_probe_write_insn, arch_probe_write_fixup
	.type	arch_probe_write, @function
arch_probe_write:
	xorl	%eax, %eax
arch_probe_write_insn:
	movq	%rsi, (%rdi)
arch_probe_write_fixup:
	ret
	.size	arch_probe_write, . - arch_probe_write

	.section .note.GNU-stack, "", @progbits

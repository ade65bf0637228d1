/* SPDX-License-Identifier: MIT */
/*
 * x86_64 assembly helpers for the generic kernel: copy_nofault() (<kern/fault.h>),
 * whose loads and stores carry exception-table entries, and arch_setjmp() /
 * arch_longjmp() (<kern/arch.h>). System V AMD64 calling convention.
 */
#define EFAULT 14

	.text
/* int copy_nofault(void *dst (rdi), const void *src (rsi), size_t n (rdx)) */
	.globl	copy_nofault
copy_nofault:
	xorl	%eax, %eax
	testq	%rdx, %rdx
	jz	2f
1:
copy_load:
	movb	(%rsi), %cl
copy_store:
	movb	%cl, (%rdi)
	incq	%rsi
	incq	%rdi
	decq	%rdx
	jnz	1b
2:	ret
copy_fault:
	movl	$-EFAULT, %eax
	ret

	.section __ex_table, "a"
	.balign	8
	.quad	copy_load, copy_fault
	.quad	copy_store, copy_fault

	.text
/* int arch_setjmp(struct arch_jmp_buf *jb (rdi)): rbx, rbp, r12-r15, rsp, rip. */
	.globl	arch_setjmp
arch_setjmp:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx		/* the stack pointer once we have returned */
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx		/* our return address */
	movq	%rdx, 56(%rdi)
	xorl	%eax, %eax
	ret

/* void arch_longjmp(struct arch_jmp_buf *jb (rdi), int val (esi)) */
	.globl	arch_longjmp
arch_longjmp:
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax
1:	jmpq	*56(%rdi)

/*
 * Thread switch (<kern/sched.h>): void arch_switch(uintptr_t *save_sp (rdi),
 * uintptr_t new_sp (rsi)). Pushes the callee-saved registers (SysV ABI: rbx, rbp,
 * r12-r15) on the current stack, stores the stack pointer in *save_sp, loads
 * new_sp and pops the same registers in reverse order; the return address on the
 * new stack resumes the other thread. A new thread's stack is laid out by
 * arch_thread_stack_init() to "return" into thread_entry below.
 */
	.globl	arch_switch
arch_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* A new thread's first return: r12 = its function, r13 = its argument. */
	.globl	arch_thread_entry
arch_thread_entry:
	movq	%r12, %rdi
	movq	%r13, %rsi
	xorl	%ebp, %ebp		/* the frame-pointer chain ends here */
	call	sched_thread_start	/* never returns */
	ud2

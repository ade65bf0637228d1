/* SPDX-License-Identifier: MIT */
/*
 * _start for the x86_64 user test programs (tests/user/). The kernel enters with
 * %rsp at the initial stack the System V x86_64 psABI (3.4.1, "Initial Stack and
 * Register State") and Linux's create_elf_tables() (fs/binfmt_elf.c) lay out:
 *
 *   (%rsp)          argc
 *   8(%rsp)         argv[0] .. argv[argc - 1], NULL
 *   8*(argc+2)(%rsp) envp[0] .. NULL, then the auxiliary vector
 *
 * %rsp is 16-byte aligned there; %rdx holds a function for atexit (0 from Linux),
 * which a freestanding program has no use for. main's return value goes to
 * exit_group (never returns).
 */
#include <user/syscall_arch.h>

	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* psABI: the outermost frame, for unwinders */
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	leaq	16(%rsp,%rdi,8), %rdx	/* envp: past argv's NULL */
	andq	$-16, %rsp		/* aligned before the call (it already is) */
	call	main
	movl	%eax, %edi
	movl	$SYS_exit_group, %eax
	syscall
	hlt				/* not reached; faults if it were */
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits

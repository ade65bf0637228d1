/* SPDX-License-Identifier: MIT */
/*
 * User-mode code for the user ktests (tests/kernel/user_ktest.c): the same
 * programs as arch/riscv64/user_ktest.S, for x86_64 (Linux: number in rax,
 * arguments in rdi, rsi, rdx, r10, r8, r9, result in rax; <arch/unistd.h>).
 * Position independent; each ends in exit().
 */
#include <arch/unistd.h>

	.section .rodata

	.globl	ublob_hello, ublob_hello_end
ublob_hello:
	movl	$NR_write, %eax
	movl	$1, %edi
	leaq	1f(%rip), %rsi
	movl	$21, %edx
	syscall
	movl	$NR_exit, %eax
	movl	$7, %edi
	syscall
	ud2
1:	.ascii	"hello from user mode\n"
ublob_hello_end:

	.globl	ublob_null, ublob_null_end
ublob_null:
	xorl	%eax, %eax
	movq	(%rax), %rax
	movl	$NR_exit, %eax
	syscall
ublob_null_end:

	.globl	ublob_ill, ublob_ill_end
ublob_ill:
	ud2
ublob_ill_end:

	.globl	ublob_kptr, ublob_kptr_end
ublob_kptr:
	movl	$NR_write, %eax
	movl	$1, %edi
	movq	$0xffffffff80000000, %rsi
	movl	$8, %edx
	syscall
	negl	%eax
	movl	%eax, %edi
	movl	$NR_exit, %eax
	syscall
ublob_kptr_end:

	.globl	ublob_nosys, ublob_nosys_end
ublob_nosys:
	movl	$4000, %eax
	syscall
	negl	%eax
	movl	%eax, %edi
	movl	$NR_exit, %eax
	syscall
ublob_nosys_end:

	.globl	ublob_touch, ublob_touch_end
ublob_touch:
	movl	$4, %ecx
	xorl	%edi, %edi
	movq	%rsp, %rdx
2:	subq	$4096, %rdx
	movq	%rcx, (%rdx)
	addq	(%rdx), %rdi
	decl	%ecx
	jnz	2b
	movl	$NR_exit, %eax
	syscall
ublob_touch_end:

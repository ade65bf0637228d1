/* SPDX-License-Identifier: MIT */
/*
 * User-mode code for the user ktests (tests/kernel/user_ktest.c), copied into a
 * test address space and run at U-mode. Position independent; each program
 * starts at its symbol and ends in exit(). Linux riscv64 calls: number in a7,
 * arguments in a0..a5, result in a0 (<arch/unistd.h>).
 */
#include <arch/unistd.h>

	.section .rodata
	.balign	4

/* write(1, "hello from user mode\n", 21); exit(7) */
	.globl	ublob_hello, ublob_hello_end
ublob_hello:
	li	a7, NR_write
	li	a0, 1
	lla	a1, 1f
	li	a2, 21
	ecall
	li	a7, NR_exit
	li	a0, 7
	ecall
	unimp
1:	.ascii	"hello from user mode\n"
	.balign	4
ublob_hello_end:

/* A load from address 0: SIGSEGV. */
	.globl	ublob_null, ublob_null_end
ublob_null:
	li	t0, 0
	ld	t1, 0(t0)
	li	a7, NR_exit
	ecall
ublob_null_end:

/* An illegal instruction: SIGILL. */
	.globl	ublob_ill, ublob_ill_end
ublob_ill:
	.4byte	0
ublob_ill_end:

/* r = write(1, a kernel address, 8); exit(-r): EFAULT (14). */
	.globl	ublob_kptr, ublob_kptr_end
ublob_kptr:
	li	a7, NR_write
	li	a0, 1
	li	a1, -0x80000000		/* 0xffffffff80000000: the kernel image */
	li	a2, 8
	ecall
	neg	a0, a0
	li	a7, NR_exit
	ecall
ublob_kptr_end:

/* r = syscall(4000); exit(-r): ENOSYS (38). */
	.globl	ublob_nosys, ublob_nosys_end
ublob_nosys:
	li	a7, 4000
	ecall
	neg	a0, a0
	li	a7, NR_exit
	ecall
ublob_nosys_end:

/* Touch 4 stack pages below sp (demand paging), sum a word of each, exit(sum): 10. */
	.globl	ublob_touch, ublob_touch_end
ublob_touch:
	li	t0, 4			/* pages */
	li	t1, 0			/* sum */
	mv	t2, sp
2:	li	t3, 4096
	sub	t2, t2, t3
	sd	t0, 0(t2)
	ld	t4, 0(t2)
	add	t1, t1, t4
	addi	t0, t0, -1
	bnez	t0, 2b
	mv	a0, t1
	li	a7, NR_exit
	ecall
ublob_touch_end:

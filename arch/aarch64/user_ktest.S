/* SPDX-License-Identifier: MIT */
/*
 * User-mode code for the user ktests (tests/kernel/user_ktest.c), copied into a
 * test address space and run at EL0. Position independent; each program starts
 * at its symbol and ends in exit(). Linux arm64 calls: svc #0, number in x8,
 * arguments in x0..x5, result in x0 (<arch/unistd.h>).
 */
#include <arch/unistd.h>

	.section .rodata
	.balign	4

/* write(1, "hello from user mode\n", 21); exit(7) */
	.globl	ublob_hello, ublob_hello_end
ublob_hello:
	mov	x8, #NR_write
	mov	x0, #1
	adr	x1, 1f
	mov	x2, #21
	svc	#0
	mov	x8, #NR_exit
	mov	x0, #7
	svc	#0
	udf	#0
1:	.ascii	"hello from user mode\n"
	.balign	4
ublob_hello_end:

/* A load from address 0: SIGSEGV. */
	.globl	ublob_null, ublob_null_end
ublob_null:
	mov	x9, #0
	ldr	x10, [x9]
	mov	x8, #NR_exit
	svc	#0
ublob_null_end:

/* An undefined instruction: SIGILL. */
	.globl	ublob_ill, ublob_ill_end
ublob_ill:
	udf	#0
ublob_ill_end:

/* r = write(1, a kernel address, 8); exit(-r): EFAULT (14). */
	.globl	ublob_kptr, ublob_kptr_end
ublob_kptr:
	mov	x8, #NR_write
	mov	x0, #1
	mov	x1, #-0x80000000	/* 0xffffffff80000000: the kernel image */
	mov	x2, #8
	svc	#0
	neg	x0, x0
	mov	x8, #NR_exit
	svc	#0
ublob_kptr_end:

/* r = syscall(4000); exit(-r): ENOSYS (38). */
	.globl	ublob_nosys, ublob_nosys_end
ublob_nosys:
	mov	x8, #4000
	svc	#0
	neg	x0, x0
	mov	x8, #NR_exit
	svc	#0
ublob_nosys_end:

/* Touch 4 stack pages below sp (demand paging), sum a word of each, exit(sum): 10. */
	.globl	ublob_touch, ublob_touch_end
ublob_touch:
	mov	x9, #4			/* pages */
	mov	x10, #0			/* sum */
	mov	x11, sp
2:	sub	x11, x11, #4096
	str	x9, [x11]
	ldr	x12, [x11]
	add	x10, x10, x12
	subs	x9, x9, #1
	b.ne	2b
	mov	x0, x10
	mov	x8, #NR_exit
	svc	#0
ublob_touch_end:

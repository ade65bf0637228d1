/* SPDX-License-Identifier: MIT */
/*
 * _start for the riscv64 user test programs (tests/user/). The kernel enters with
 * sp at the initial stack laid out as the RISC-V psABI and Linux's
 * create_elf_tables() (fs/binfmt_elf.c) describe:
 *
 *   0(sp)           argc
 *   8(sp)           argv[0] .. argv[argc - 1], NULL
 *   8*(argc+2)(sp)  envp[0] .. NULL, then the auxiliary vector
 *
 * sp is 16-byte aligned; a0 holds a function for atexit (0 from Linux), unused here.
 * No gp set-up: the runtime is built -mno-relax, so nothing addresses through gp.
 * main's return value goes to exit_group (never returns).
 */
#include <user/syscall_arch.h>

	.text
	.globl	_start
	.type	_start, @function
_start:
	li	fp, 0			/* the outermost frame, for unwinders */
	li	ra, 0
	ld	a0, 0(sp)		/* argc */
	addi	a1, sp, 8		/* argv */
	slli	t0, a0, 3
	add	a2, a1, t0
	addi	a2, a2, 8		/* envp: past argv's NULL */
	andi	sp, sp, -16		/* aligned before the call (it already is) */
	call	main
	li	a7, SYS_exit_group	/* a0: main's return value */
	ecall
	unimp				/* not reached; traps if it were */
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits

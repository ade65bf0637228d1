/* SPDX-License-Identifier: MIT */
/*
 * _start for the aarch64 user test programs (tests/user/). The kernel enters with
 * sp at the initial stack laid out as Linux's create_elf_tables() (fs/binfmt_elf.c)
 * writes it, which the AArch64 Linux ABI adopts:
 *
 *   [sp]            argc
 *   [sp, #8]        argv[0] .. argv[argc - 1], NULL
 *   [sp, #8*(argc+2)] envp[0] .. NULL, then the auxiliary vector
 *
 * sp is 16-byte aligned, as AAPCS64 requires at every access (Linux sets
 * SCTLR_EL1.SA0, so a misaligned sp faults); x0 holds a function for atexit (0 from
 * Linux, whose start_thread() clears every register), unused here. main's return
 * value goes to exit_group (never returns).
 */
#include <user/syscall_arch.h>

	.text
	.globl	_start
	.type	_start, @function
_start:
	mov	x29, #0			/* the outermost frame record, for unwinders */
	mov	x30, #0
	ldr	x0, [sp]		/* argc */
	add	x1, sp, #8		/* argv */
	add	x2, x1, x0, lsl #3
	add	x2, x2, #8		/* envp: past argv's NULL */
	bl	main
	mov	x8, #SYS_exit_group	/* x0: main's return value */
	svc	#0
	udf	#0			/* not reached; traps if it were */
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits

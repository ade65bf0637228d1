/* SPDX-License-Identifier: MIT */
/*
 * riscv64 assembly helpers for the generic kernel: copy_nofault() (<kern/fault.h>),
 * whose loads and stores carry exception-table entries, and arch_setjmp() /
 * arch_longjmp() (<kern/arch.h>). Standard calling convention (psABI).
 */
#define EFAULT 14

	.text
/* int copy_nofault(void *dst (a0), const void *src (a1), size_t n (a2)) */
	.globl	copy_nofault
copy_nofault:
	beqz	a2, 2f
1:
copy_load:
	lb	t0, 0(a1)
copy_store:
	sb	t0, 0(a0)
	addi	a1, a1, 1
	addi	a0, a0, 1
	addi	a2, a2, -1
	bnez	a2, 1b
2:	li	a0, 0
	ret
copy_fault:
	li	a0, -EFAULT
	ret

	.section __ex_table, "a"
	.balign	8
	.quad	copy_load, copy_fault
	.quad	copy_store, copy_fault

	.text
/* int arch_setjmp(struct arch_jmp_buf *jb (a0)): ra, sp, s0-s11. */
	.globl	arch_setjmp
arch_setjmp:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	li	a0, 0
	ret

/* void arch_longjmp(struct arch_jmp_buf *jb (a0), int val (a1)) */
	.globl	arch_longjmp
arch_longjmp:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	ld	s0, 16(a0)
	ld	s1, 24(a0)
	ld	s2, 32(a0)
	ld	s3, 40(a0)
	ld	s4, 48(a0)
	ld	s5, 56(a0)
	ld	s6, 64(a0)
	ld	s7, 72(a0)
	ld	s8, 80(a0)
	ld	s9, 88(a0)
	ld	s10, 96(a0)
	ld	s11, 104(a0)
	/* Return val, or 1 if val is 0. */
	seqz	a0, a1
	add	a0, a0, a1
	ret

/*
 * Thread switch (<kern/sched.h>): void arch_switch(uintptr_t *save_sp (a0),
 * uintptr_t new_sp (a1)). Saves ra and the callee-saved s0-s11 (psABI) in a
 * 112-byte frame on the current stack (16-byte aligned), stores sp in *save_sp,
 * loads new_sp and restores the same frame; "ret" resumes the other thread. A new
 * thread's frame (arch_thread_stack_init()) returns into arch_thread_entry with
 * s1 = its function and s2 = its argument.
 */
	.globl	arch_switch
arch_switch:
	addi	sp, sp, -112
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	sd	sp, 0(a0)
	mv	sp, a1
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
	addi	sp, sp, 112
	ret

	.globl	arch_thread_entry
arch_thread_entry:
	mv	a0, s1
	mv	a1, s2
	li	s0, 0			/* the frame-pointer chain ends here */
	call	sched_thread_start	/* never returns */
	unimp

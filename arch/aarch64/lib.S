/* SPDX-License-Identifier: MIT */
/*
 * aarch64 assembly helpers for the generic kernel: copy_nofault() (<kern/fault.h>),
 * whose loads and stores carry exception-table entries, arch_setjmp() /
 * arch_longjmp() (<kern/arch.h>) and the thread switch. AAPCS64: x19-x28, x29 (fp),
 * x30 (lr) and sp are callee-saved.
 */
#define EFAULT 14

	.text
/* int copy_nofault(void *dst (x0), const void *src (x1), size_t n (x2)) */
	.globl	copy_nofault
copy_nofault:
	cbz	x2, 2f
1:
copy_load:
	ldrb	w3, [x1], #1
copy_store:
	strb	w3, [x0], #1
	subs	x2, x2, #1
	b.ne	1b
2:	mov	x0, #0
	ret
copy_fault:
	mov	x0, #-EFAULT
	ret

	.section __ex_table, "a"
	.balign	8
	.quad	copy_load, copy_fault
	.quad	copy_store, copy_fault

	.text
/* int arch_setjmp(struct arch_jmp_buf *jb (x0)): x19-x30, sp. */
	.globl	arch_setjmp
arch_setjmp:
	stp	x19, x20, [x0, #0]
	stp	x21, x22, [x0, #16]
	stp	x23, x24, [x0, #32]
	stp	x25, x26, [x0, #48]
	stp	x27, x28, [x0, #64]
	stp	x29, x30, [x0, #80]
	mov	x1, sp
	str	x1, [x0, #96]
	mov	x0, #0
	ret

/* void arch_longjmp(struct arch_jmp_buf *jb (x0), int val (w1)) */
	.globl	arch_longjmp
arch_longjmp:
	ldp	x19, x20, [x0, #0]
	ldp	x21, x22, [x0, #16]
	ldp	x23, x24, [x0, #32]
	ldp	x25, x26, [x0, #48]
	ldp	x27, x28, [x0, #64]
	ldp	x29, x30, [x0, #80]
	ldr	x2, [x0, #96]
	mov	sp, x2
	/* Return val, or 1 if val is 0. */
	cmp	w1, #0
	csinc	w0, w1, wzr, ne
	ret

/*
 * Thread switch (<kern/sched.h>): void arch_switch(uintptr_t *save_sp (x0),
 * uintptr_t new_sp (x1)). Saves x19-x30 in a 96-byte frame on the current stack
 * (16-byte aligned), stores sp in *save_sp, loads new_sp and restores the same
 * frame; "ret" resumes the other thread. A new thread's frame
 * (arch_thread_stack_init()) returns into arch_thread_entry with x19 = its
 * function and x20 = its argument.
 */
	.globl	arch_switch
arch_switch:
	sub	sp, sp, #96
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	mov	x2, sp
	str	x2, [x0]
	mov	sp, x1
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	add	sp, sp, #96
	ret

	.globl	arch_thread_entry
arch_thread_entry:
	mov	x0, x19
	mov	x1, x20
	mov	x29, #0			/* the frame-pointer chain ends here */
	mov	x30, #0
	bl	sched_thread_start	/* never returns */
	udf	#0

/*
 * The user's FP/SIMD registers to and from a struct user_fpsimd_state (<arch/cpu.h>
 * ARCH_FPU_STATE_SIZE): v0..v31 at 16 * n, fpsr at 512, fpcr at 516. The kernel is
 * built without FP (-mgeneral-regs-only), so these are the only instructions that
 * touch the registers. void aarch64_fpsimd_save(void *state (x0)),
 * void aarch64_fpsimd_load(const void *state (x0)).
 */
	.arch_extension fp
	.arch_extension simd
	.globl	aarch64_fpsimd_save
aarch64_fpsimd_save:
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpsr
	str	w1, [x0, #512]
	mrs	x1, fpcr
	str	w1, [x0, #516]
	ret

	.globl	aarch64_fpsimd_load
aarch64_fpsimd_load:
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	ldr	w1, [x0, #512]
	msr	fpsr, x1
	ldr	w1, [x0, #516]
	msr	fpcr, x1
	ret

/* SPDX-License-Identifier: MIT */
/*
 * riscv64 trap entry (stvec, direct mode: every exception and interrupt lands
 * here). Saves x1..x31 and sepc, sstatus, scause, stval into a struct trap_frame
 * (<arch/trap.h>) on the current stack and calls riscv_trap(frame). The kernel
 * runs in S-mode only for now, so the current stack is always a kernel stack and
 * sscratch is not needed yet; user mode will swap stacks through it.
 *
 * If riscv_trap() returns, the saved state is restored and SRET resumes at the
 * saved sepc (privileged spec 1.12, 4.1.7 and 3.3.2).
 */
#include <kern/percpu.h>
#include <arch/trap.h>

	.text
	.balign	4
	.globl	trap_entry
trap_entry:
	/*
	 * A kernel stack that ran into its guard page (this hart's, from its per-CPU
	 * area at tp, <kern/percpu.h>) has no room for a frame: pushing one would
	 * fault again, and again, each time lower. Such a trap continues on this
	 * hart's overflow stack instead (its top in the per-CPU scratch word 0, set
	 * before the hart runs C); the frame records the sp that overflowed.
	 * sscratch holds t0 meanwhile.
	 */
	csrw	sscratch, t0
	ld	t0, PERCPU_STACK_GUARD(tp)
	bltu	sp, t0, 1f		/* below the guard page: not this stack */
	ld	t0, PERCPU_STACK_BOTTOM(tp)
	addi	t0, t0, TF_SIZE
	bgeu	sp, t0, 1f		/* room for a frame: the usual path */
	mv	t0, sp
	ld	sp, PERCPU_SCRATCH(tp)
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_REG(2)(sp)
	csrr	t0, sscratch
	sd	x1, TF_REG(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_REG(\n)(sp)
	.endr
	j	2f

1:	csrr	t0, sscratch
	addi	sp, sp, -TF_SIZE
	sd	x1, TF_REG(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_REG(\n)(sp)
	.endr
	/* The interrupted sp: ours before the frame was pushed. */
	addi	t0, sp, TF_SIZE
	sd	t0, TF_REG(2)(sp)
2:	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)

	mv	a0, sp
	call	riscv_trap

	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, TF_REG(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	x\n, TF_REG(\n)(sp)
	.endr
	ld	x2, TF_REG(2)(sp)
	sret


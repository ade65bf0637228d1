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
#include <arch/cpu.h>
#include <arch/trap.h>

	.text
	.balign	4
	.globl	trap_entry
trap_entry:
	/*
	 * sscratch is 0 while the hart runs the kernel and holds its per-CPU area
	 * while it runs user code (set just before the sret to user mode): one swap
	 * tells where the trap came from, and from user mode gives the kernel its tp.
	 */
	csrrw	tp, sscratch, tp
	bnez	tp, from_user
	csrrw	tp, sscratch, tp	/* from the kernel: tp back, sscratch 0 again */
	/*
	 * A kernel stack that ran into its guard page (this hart's, from its per-CPU
	 * area at tp, <kern/percpu.h>) has no room for a frame: pushing one would
	 * fault again, and again, each time lower. Such a trap continues on this
	 * hart's overflow stack instead (its top in the per-CPU scratch word 0, set
	 * before the hart runs C); the frame records the sp that overflowed. The
	 * per-CPU scratch word 1 holds t0 meanwhile.
	 */
	sd	t0, PERCPU_SCRATCH + 8(tp)
	ld	t0, PERCPU_STACK_GUARD(tp)
	bltu	sp, t0, 1f		/* below the guard page: not this stack */
	ld	t0, PERCPU_STACK_BOTTOM(tp)
	addi	t0, t0, TF_SIZE
	bgeu	sp, t0, 1f		/* room for a frame: the usual path */
	mv	t0, sp
	ld	sp, PERCPU_SCRATCH(tp)
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_REG(2)(sp)
	ld	t0, PERCPU_SCRATCH + 8(tp)
	sd	x1, TF_REG(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_REG(\n)(sp)
	.endr
	j	2f

1:	ld	t0, PERCPU_SCRATCH + 8(tp)
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
	/*
	 * sstatus as it was, and SUM cleared for the handler: a trap inside a user
	 * copy (SUM set, <arch/cpu.h>) must not run its handler, or the threads the
	 * tick switches to, with user pages open to the kernel (Linux's entry clears
	 * it too). The return path writes the saved sstatus back, SUM included.
	 */
	li	t1, SSTATUS_SUM
	csrrc	t0, sstatus, t1
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)

	mv	a0, sp
	call	riscv_trap

	.globl	riscv_trap_return
riscv_trap_return:
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	andi	t1, t0, SSTATUS_SPP
	bnez	t1, 3f
	/* Back to user mode: the next trap from there finds the per-CPU area here. */
	csrw	sscratch, tp
3:	csrw	sstatus, t0
	ld	x1, TF_REG(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	x\n, TF_REG(\n)(sp)
	.endr
	ld	x2, TF_REG(2)(sp)
	sret

/*
 * A trap from user mode: tp is this hart's per-CPU area, sscratch the user's tp.
 * The frame goes at the top of the running thread's kernel stack (PERCPU_STACK_TOP,
 * which the scheduler keeps current); nothing of the kernel's lives there while
 * the thread is in user mode.
 */
from_user:
	sd	t0, PERCPU_SCRATCH + 8(tp)
	mv	t0, sp
	ld	sp, PERCPU_STACK_TOP(tp)
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_REG(2)(sp)
	ld	t0, PERCPU_SCRATCH + 8(tp)
	sd	x1, TF_REG(1)(sp)
	.irp	n, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_REG(\n)(sp)
	.endr
	csrr	t0, sscratch
	sd	t0, TF_REG(4)(sp)
	csrw	sscratch, zero
	li	s0, 0			/* a backtrace stops at the user boundary */
	j	2b

/*
 * void riscv_user_enter(uintptr_t pc (a0), uintptr_t sp (a1)): leave this
 * thread's kernel context for good and start user mode at pc with sp, every other
 * register 0: a frame at the top of the thread's kernel stack, with sstatus.SPP
 * clear (return to U-mode), SPIE set (interrupts on there), SUM clear and FS
 * Initial (FP instructions execute; for a thread of a process the registers hold
 * a new program's state, which the switch to it loaded: privileged spec 1.12,
 * 3.1.6.6), taken
 * back through riscv_trap_return.
 *
 * FS needs nothing at trap entry and exit: no trap changes it, so the frame's
 * sstatus records the user's FS at entry and the exit writes it back; the kernel
 * executes no FP instruction outside the state switch (signal.c), which turns FS
 * on for its loads and stores and keeps the Dirty/Clean tracking right.
 */
/*
 * void riscv_user_resume(void): back to U-mode through the frame at the top of the
 * thread's kernel stack (a cloned thread's first return, arch_user_resume()).
 */
	.globl	riscv_user_resume
riscv_user_resume:
	csrc	sstatus, SSTATUS_SIE
	ld	t0, PERCPU_STACK_TOP(tp)
	addi	sp, t0, -TF_SIZE
	j	riscv_trap_return

	.globl	riscv_user_enter
riscv_user_enter:
	ld	t0, PERCPU_STACK_TOP(tp)
	addi	t0, t0, -TF_SIZE
	mv	t1, t0
	addi	t2, t0, TF_SIZE
4:	sd	zero, 0(t1)
	addi	t1, t1, 8
	bltu	t1, t2, 4b
	sd	a0, TF_SEPC(t0)
	sd	a1, TF_REG(2)(t0)
	csrr	t1, sstatus
	li	t2, SSTATUS_SPP | SSTATUS_SUM | SSTATUS_SIE | SSTATUS_FS
	not	t2, t2
	and	t1, t1, t2
	li	t2, SSTATUS_SPIE | SSTATUS_FS_INITIAL
	or	t1, t1, t2
	sd	t1, TF_SSTATUS(t0)
	csrc	sstatus, SSTATUS_SIE	/* no interrupt between here and the sret */
	mv	sp, t0
	j	riscv_trap_return


/* SPDX-License-Identifier: MIT */
/*
 * aarch64 exception entry (VBAR_EL1, D1.10.2: 16 slots of 128 bytes). The kernel
 * runs on SP_EL1 (SPSel = 1), so an exception from EL1 arrives on the stack it
 * interrupted, and one from EL0 on SP_EL1 as the return to EL0 left it: the top
 * of the thread's kernel stack, where its user frame goes. Each entry saves
 * x0..x30, the interrupted sp (SP_EL1, or SP_EL0 from EL0), ELR_EL1, SPSR_EL1,
 * ESR_EL1, FAR_EL1 and from EL0 TPIDR_EL0 into a struct trap_frame (<arch/trap.h>) and calls
 * aarch64_trap(frame, kind); aarch64_trap_return restores the frame and erets.
 *
 * PSTATE.PAN is set by the exception itself where the CPU has PAN (SCTLR_EL1.SPAN
 * clear, cpu.c), and the saved SPSR gives the interrupted context its own back.
 *
 * TPIDRRO_EL0 is the entry's scratch register: native aarch64 programs never see
 * it other than 0 (Linux keeps it 0 for them), so it is 0 again before each
 * return to EL0.
 */
#include <kern/percpu.h>
#include <arch/cpu.h>
#include <arch/trap.h>

/* Save x1..x30 and the syscall-visible state into the frame at sp; x0 is in TPIDRRO_EL0. */
.macro	save_rest
	stp	x2, x3, [sp, #TF_REG(2)]
	stp	x4, x5, [sp, #TF_REG(4)]
	stp	x6, x7, [sp, #TF_REG(6)]
	stp	x8, x9, [sp, #TF_REG(8)]
	stp	x10, x11, [sp, #TF_REG(10)]
	stp	x12, x13, [sp, #TF_REG(12)]
	stp	x14, x15, [sp, #TF_REG(14)]
	stp	x16, x17, [sp, #TF_REG(16)]
	stp	x18, x19, [sp, #TF_REG(18)]
	stp	x20, x21, [sp, #TF_REG(20)]
	stp	x22, x23, [sp, #TF_REG(22)]
	stp	x24, x25, [sp, #TF_REG(24)]
	stp	x26, x27, [sp, #TF_REG(26)]
	stp	x28, x29, [sp, #TF_REG(28)]
	str	x30, [sp, #TF_REG(30)]
	mrs	x0, tpidrro_el0
	stp	x0, x1, [sp, #TF_REG(0)]
	msr	tpidrro_el0, xzr
	mrs	x21, elr_el1
	mrs	x22, spsr_el1
	stp	x21, x22, [sp, #TF_ELR]
	mrs	x23, esr_el1
	mrs	x24, far_el1
	stp	x23, x24, [sp, #TF_ESR]
.endm

/*
 * An exception at EL1. A kernel stack that ran into its guard page (this CPU's,
 * from its per-CPU area, <kern/percpu.h>) has no room for a frame: pushing one
 * would fault again, and again, each time lower. Such an exception continues on
 * this CPU's overflow stack (its top in the per-CPU scratch word 0); the frame
 * records the sp that overflowed. Only x0 is free (in TPIDRRO_EL0), so sp and x0
 * trade places by sums.
 */
.macro	el1_entry kind
	msr	tpidrro_el0, x0
	mrs	x0, tpidr_el1
	ldr	x0, [x0, #PERCPU_STACK_BOTTOM]
	add	x0, x0, #TF_SIZE
	cmp	sp, x0
	b.hs	1f			/* room for a frame: the usual path */
	mrs	x0, tpidr_el1
	ldr	x0, [x0, #PERCPU_STACK_GUARD]
	cmp	sp, x0
	b.lo	1f			/* below the guard page: not this stack */
	mrs	x0, tpidr_el1
	ldr	x0, [x0, #PERCPU_SCRATCH]
	add	sp, sp, x0		/* sp = old + new */
	sub	x0, sp, x0		/* x0 = old */
	sub	sp, sp, x0		/* sp = new */
	sub	sp, sp, #TF_SIZE
	str	x0, [sp, #TF_SP]
	b	2f
1:	sub	sp, sp, #TF_SIZE
	add	x0, sp, #TF_SIZE
	str	x0, [sp, #TF_SP]
2:	save_rest
	mov	x0, sp
	mov	x1, #\kind
	bl	aarch64_trap
	b	aarch64_trap_return
.endm

/* An exception from EL0: SP_EL1 is the top of the thread's kernel stack. */
.macro	el0_entry kind
	msr	tpidrro_el0, x0
	sub	sp, sp, #TF_SIZE
	mrs	x0, sp_el0
	str	x0, [sp, #TF_SP]
	save_rest
	mrs	x21, tpidr_el0
	str	x21, [sp, #TF_TPIDR]
	mov	x29, #0			/* a backtrace stops at the user boundary */
	mov	x0, sp
	mov	x1, #\kind
	bl	aarch64_trap
	b	aarch64_trap_return
.endm

.macro	ventry label
	.balign	128
	b	\label
.endm

	.text
	.balign	2048
	.globl	aarch64_vectors
aarch64_vectors:
	/* Current EL with SP_EL0: the kernel never runs on it. */
	ventry	el1_sync
	ventry	el1_irq
	ventry	el1_fiq
	ventry	el1_serror
	/* Current EL with SP_ELx. */
	ventry	el1_sync
	ventry	el1_irq
	ventry	el1_fiq
	ventry	el1_serror
	/* Lower EL, AArch64. */
	ventry	el0_sync
	ventry	el0_irq
	ventry	el0_fiq
	ventry	el0_serror
	/* Lower EL, AArch32: never entered (HCR_EL2.RW, and no 32-bit programs). */
	ventry	el0_sync
	ventry	el0_irq
	ventry	el0_fiq
	ventry	el0_serror

el1_sync:	el1_entry TRAP_SYNC
el1_irq:	el1_entry TRAP_IRQ
el1_fiq:	el1_entry TRAP_FIQ
el1_serror:	el1_entry TRAP_SERROR
el0_sync:	el0_entry TRAP_SYNC
el0_irq:	el0_entry TRAP_IRQ
el0_fiq:	el0_entry TRAP_FIQ
el0_serror:	el0_entry TRAP_SERROR

/*
 * Restore the frame at sp and return from the exception. To EL0, SP_EL0 comes
 * back from the frame and SP_EL1 is left at the frame's top, the thread's stack
 * top, for the next entry.
 */
	.globl	aarch64_trap_return
aarch64_trap_return:
	msr	daifset, #0xf
	ldp	x21, x22, [sp, #TF_ELR]
	msr	elr_el1, x21
	msr	spsr_el1, x22
	tst	x22, #SPSR_MODE_MASK
	b.ne	1f
	ldr	x23, [sp, #TF_SP]
	msr	sp_el0, x23
	ldr	x23, [sp, #TF_TPIDR]
	msr	tpidr_el0, x23
1:	ldp	x0, x1, [sp, #TF_REG(0)]
	ldp	x2, x3, [sp, #TF_REG(2)]
	ldp	x4, x5, [sp, #TF_REG(4)]
	ldp	x6, x7, [sp, #TF_REG(6)]
	ldp	x8, x9, [sp, #TF_REG(8)]
	ldp	x10, x11, [sp, #TF_REG(10)]
	ldp	x12, x13, [sp, #TF_REG(12)]
	ldp	x14, x15, [sp, #TF_REG(14)]
	ldp	x16, x17, [sp, #TF_REG(16)]
	ldp	x18, x19, [sp, #TF_REG(18)]
	ldp	x20, x21, [sp, #TF_REG(20)]
	ldp	x22, x23, [sp, #TF_REG(22)]
	ldp	x24, x25, [sp, #TF_REG(24)]
	ldp	x26, x27, [sp, #TF_REG(26)]
	ldp	x28, x29, [sp, #TF_REG(28)]
	ldr	x30, [sp, #TF_REG(30)]
	add	sp, sp, #TF_SIZE
	eret

/*
 * void aarch64_user_resume(void): to EL0 through the frame at the top of the
 * thread's kernel stack (a cloned thread's first return, arch_user_resume()).
 */
	.globl	aarch64_user_resume
aarch64_user_resume:
	msr	daifset, #0xf
	mrs	x0, tpidr_el1
	ldr	x0, [x0, #PERCPU_STACK_TOP]
	sub	sp, x0, #TF_SIZE
	b	aarch64_trap_return

/*
 * void aarch64_user_enter(uintptr_t pc (x0), uintptr_t sp (x1)): leave this
 * thread's kernel context for good and start EL0 at pc with sp, every other
 * register 0: a frame at the top of the thread's kernel stack with SPSR = EL0t and
 * DAIF clear (interrupts on there), taken back through aarch64_trap_return.
 */
	.globl	aarch64_user_enter
aarch64_user_enter:
	msr	daifset, #0xf
	mrs	x2, tpidr_el1
	ldr	x2, [x2, #PERCPU_STACK_TOP]
	sub	x3, x2, #TF_SIZE
	mov	x4, x3
1:	stp	xzr, xzr, [x4], #16
	cmp	x4, x2
	b.lo	1b
	str	x0, [x3, #TF_ELR]
	str	x1, [x3, #TF_SP]
	mov	sp, x3
	b	aarch64_trap_return

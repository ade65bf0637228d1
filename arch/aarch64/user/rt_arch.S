/* SPDX-License-Identifier: MIT */
/*
 * aarch64 assembly of the user test runtime (declared in include/user/cpu_arch.h):
 * the thread start (clone's child begins on a new stack, with nothing of the
 * parent's frame) and a load and a store that a SIGSEGV handler can resume past.
 * No signal restorer: Linux returns from arm64 handlers through the vDSO's
 * __kernel_rt_sigreturn when an action has no SA_RESTORER (abi_arch.h).
 */
#include <user/syscall_arch.h>

	.text

/*
 * long arch_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
 *                 void *tls, int (*fn)(void *), void *arg)
 *
 * Arguments x0..x6. arm64 selects CLONE_BACKWARDS (arch/arm64/Kconfig), so the raw
 * clone (kernel/fork.c) takes flags, newsp, parent_tid, tls, child_tid: tls and
 * child_tid trade places against this function's order (glibc's aarch64 clone.S
 * passes them the same way). The child gets the parent's registers with x0 = 0,
 * sp = newsp and TPIDR_EL0 = tls (copy_thread), so fn and arg wait in x10 and x11,
 * which the call leaves alone (glibc's clone keeps them in registers too); it calls
 * fn with sp 16-byte aligned (AAPCS64) and passes its return to exit (the thread's,
 * not the group's).
 * The parent returns the child's tid or -errno.
 */
	.globl	arch_clone
	.type	arch_clone, @function
arch_clone:
	and	x1, x1, #-16
	mov	x10, x5			/* fn */
	mov	x11, x6			/* arg */
	mov	x9, x3			/* ctid */
	mov	x3, x4			/* tls */
	mov	x4, x9			/* child_tid */
	mov	x8, #SYS_clone
	svc	#0
	cbnz	x0, 1f
	mov	x29, #0			/* the child's outermost frame record */
	mov	x30, #0
	mov	x0, x11
	blr	x10
	mov	x8, #SYS_exit		/* x0: fn's return value */
	svc	#0
	udf	#0			/* not reached */
1:	ret
	.size	arch_clone, . - arch_clone

/* long arch_vfork(void) (cpu_arch.h): a leaf, its return address in x30, which the
 * call leaves alone in parent and child. */
	.globl	arch_vfork
	.type	arch_vfork, @function
arch_vfork:
	mov	x0, #0x4111		/* CLONE_VM | CLONE_VFORK | SIGCHLD */
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	mov	x8, #SYS_clone
	svc	#0
	ret
	.size	arch_vfork, . - arch_vfork

/* void arch_syscall_regs(uint64_t out[4]) (cpu_arch.h) */
	.globl	arch_syscall_regs
	.type	arch_syscall_regs, @function
arch_syscall_regs:
	mov	x11, x0
	ldr	x9, =0x5a5a5a5a5a5a5a5a	/* from the literal pool (.ltorg below) */
	ldr	x10, =0xfedcba9876543211
	stp	x9, x10, [x11, #16]
	mov	x8, #SYS_getpid
	svc	#0
	stp	x9, x10, [x11]
	ret
	.ltorg
	.size	arch_syscall_regs, . - arch_syscall_regs

/* void arch_sigreturn_regs(long tgid, long tid, long sig, uint64_t out[2]) (cpu_arch.h) */
	.globl	arch_sigreturn_regs
	.type	arch_sigreturn_regs, @function
arch_sigreturn_regs:
	mov	x11, x3
	mov	x8, #SYS_tgkill
	svc	#0
	stp	x9, x10, [x11]
	ret
	.size	arch_sigreturn_regs, . - arch_sigreturn_regs

/*
 * int arch_probe_read(const volatile void *p, uint64_t *val)
 *
 * The load at arch_probe_read_insn may fault; rt_probe_fixup() then sets the saved
 * x0 to the si_code and the saved pc to arch_probe_read_fixup, so the return skips
 * the store.
 */
	.globl	arch_probe_read, arch_probe_read_insn, arch_probe_read_fixup
	.type	arch_probe_read, @function
arch_probe_read:
	mov	x9, x0
	mov	x0, #0
arch_probe_read_insn:
	ldr	x10, [x9]
	str	x10, [x1]
arch_probe_read_fixup:
	ret
	.size	arch_probe_read, . - arch_probe_read

/*
 * int arch_probe_write(volatile void *p, uint64_t val)
 *
 * The same for a store: rt_probe_fixup() moves a faulting store at
 * arch_probe_write_insn on to arch_probe_write_fixup with the si_code in x0.
 */
	.globl	arch_probe_write, arch_probe_write_insn, arch_probe_write_fixup
	.type	arch_probe_write, @function
arch_probe_write:
	mov	x9, x0
	mov	x0, #0
arch_probe_write_insn:
	str	x1, [x9]
arch_probe_write_fixup:
	ret
	.size	arch_probe_write, . - arch_probe_write

	.section .note.GNU-stack, "", @progbits

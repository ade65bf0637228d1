/* SPDX-License-Identifier: MIT */
/*
 * riscv64 assembly of the user test runtime (declared in include/user/cpu_arch.h):
 * the thread start (clone's child begins on a new stack, with nothing of the
 * parent's frame) and a load and a store that a SIGSEGV handler can resume past.
 * No signal restorer: Linux returns from riscv64 handlers through the vDSO
 * (abi_arch.h).
 */
#include <user/syscall_arch.h>

	.text

/*
 * long arch_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
 *                 void *tls, int (*fn)(void *), void *arg)
 *
 * Arguments a0..a6. riscv selects CLONE_BACKWARDS (arch/riscv/Kconfig), so the raw
 * clone (kernel/fork.c) takes flags, newsp, parent_tid, tls, child_tid: tls and
 * child_tid trade places against this function's order (musl's riscv64 __clone
 * passes them the same way). fn and arg go on the child's stack first; the child
 * gets the parent's registers with a0 = 0, sp = newsp and tp = tls (copy_thread),
 * loads them, calls fn with sp 16-byte aligned (psABI) and passes its return to exit
 * (the thread's, not the group's). The parent returns the child's tid or -errno.
 */
	.globl	arch_clone
	.type	arch_clone, @function
arch_clone:
	andi	a1, a1, -16
	addi	a1, a1, -16
	sd	a5, 0(a1)		/* fn */
	sd	a6, 8(a1)		/* arg */
	mv	t0, a3			/* ctid */
	mv	a3, a4			/* tls */
	mv	a4, t0			/* child_tid */
	li	a7, SYS_clone
	ecall
	bnez	a0, 1f
	li	fp, 0			/* the child's outermost frame */
	li	ra, 0
	ld	t0, 0(sp)
	ld	a0, 8(sp)
	jalr	t0
	li	a7, SYS_exit		/* a0: fn's return value */
	ecall
	unimp				/* not reached */
1:	ret
	.size	arch_clone, . - arch_clone

/* long arch_vfork(void) (cpu_arch.h): a leaf, its return address in ra. */
	.globl	arch_vfork
	.type	arch_vfork, @function
arch_vfork:
	li	a0, 0x4111		/* CLONE_VM | CLONE_VFORK | SIGCHLD */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	li	a7, SYS_clone
	ecall
	ret
	.size	arch_vfork, . - arch_vfork

/* void arch_syscall_regs(uint64_t out[4]) (cpu_arch.h) */
	.globl	arch_syscall_regs
	.type	arch_syscall_regs, @function
arch_syscall_regs:
	mv	t0, a0
	li	t5, 0x5a5a5a5a5a5a5a5a
	li	t6, -0x123456789abcdef
	sd	t5, 16(t0)
	sd	t6, 24(t0)
	li	a7, SYS_getpid
	ecall
	sd	t5, 0(t0)
	sd	t6, 8(t0)
	ret
	.size	arch_syscall_regs, . - arch_syscall_regs

/* void arch_sigreturn_regs(long tgid, long tid, long sig, uint64_t out[2]) (cpu_arch.h) */
	.globl	arch_sigreturn_regs
	.type	arch_sigreturn_regs, @function
arch_sigreturn_regs:
	mv	t0, a3
	li	a7, SYS_tgkill
	ecall
	sd	t5, 0(t0)
	sd	t6, 8(t0)
	ret
	.size	arch_sigreturn_regs, . - arch_sigreturn_regs

/*
 * int arch_probe_read(const volatile void *p, uint64_t *val)
 *
 * The load at arch_probe_read_insn may fault; rt_probe_fixup() then sets the saved
 * a0 to the si_code and the saved pc to arch_probe_read_fixup, so the return skips
 * the store.
 */
	.globl	arch_probe_read, arch_probe_read_insn, arch_probe_read_fixup
	.type	arch_probe_read, @function
arch_probe_read:
	mv	t0, a0
	li	a0, 0
arch_probe_read_insn:
	ld	t1, 0(t0)
	sd	t1, 0(a1)
arch_probe_read_fixup:
	ret
	.size	arch_probe_read, . - arch_probe_read

/*
 * int arch_probe_write(volatile void *p, uint64_t val)
 *
 * The same for a store: rt_probe_fixup() moves a faulting store at
 * arch_probe_write_insn on to arch_probe_write_fixup with the si_code in a0.
 */
	.globl	arch_probe_write, arch_probe_write_insn, arch_probe_write_fixup
	.type	arch_probe_write, @function
arch_probe_write:
	mv	t0, a0
	li	a0, 0
arch_probe_write_insn:
	sd	a1, 0(t0)
arch_probe_write_fixup:
	ret
	.size	arch_probe_write, . - arch_probe_write

	.section .note.GNU-stack, "", @progbits

// SPDX-License-Identifier: MIT
/*
 * aarch64 user-mode hooks of <kern/arch.h> and <kern/signal.h>: the frame of a
 * cloned thread, the TLS register, the FP/SIMD state and the signal frames.
 *
 * EL0 is not entered yet (ARCH_HAS_USER_MODE is 0 in <arch/cpu.h>): no process
 * runs, so the signal-frame and exec hooks refuse (-ENOSYS) rather than build
 * something untested. The frame hooks are the ones EL0 will use.
 */
#include <kern/errno.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/trap.h>

_Static_assert(sizeof(struct trap_frame) == ARCH_USER_FRAME_SIZE, "ARCH_USER_FRAME_SIZE");

uintptr_t arch_user_sp(const struct trap_frame *tf)
{
	return tf->sp;
}

long arch_user_retval(const struct trap_frame *tf)
{
	return (long)tf->regs[0];
}

int arch_signal_setup(struct trap_frame *tf, const struct signal_frame_args *a)
{
	(void)tf;
	(void)a;
	return -ENOSYS;
}

int arch_signal_return(struct trap_frame *tf, uint64_t *mask)
{
	(void)tf;
	(void)mask;
	return -ENOSYS;
}

int arch_exec_setup(struct as *as, uintptr_t *sigreturn_pc)
{
	(void)as;
	*sigreturn_pc = 0;
	return -ENOSYS;
}

__noreturn void aarch64_user_resume(void);

void arch_user_resume(void)
{
	aarch64_user_resume();
}

void arch_clone_frame(void *buf, const struct trap_frame *parent, uintptr_t sp, uintptr_t tls,
		      bool settls)
{
	struct trap_frame *tf = buf;

	*tf = *parent;
	tf->regs[0] = 0;
	if (sp)
		tf->sp = sp;
	(void)tls;
	(void)settls;
}

void arch_set_user_tls(uintptr_t base)
{
	(void)base;
}

void arch_fpu_init(void *state)
{
	memset(state, 0, ARCH_FPU_STATE_SIZE);
}

void arch_fpu_copy(void *state)
{
	memset(state, 0, ARCH_FPU_STATE_SIZE);
}

void arch_fpu_switch(struct thread *prev, struct thread *next)
{
	(void)prev;
	(void)next;
}

void arch_fpu_load(const void *state)
{
	(void)state;
}

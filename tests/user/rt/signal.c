// SPDX-License-Identifier: MIT
/*
 * Signal actions for the user test programs: rt_sigaction() with the kernel's
 * struct sigaction (arch/<arch>/user/include/user/abi_arch.h) and the arch's return
 * path (x86_64: a restorer calling rt_sigreturn; riscv64: none, the vDSO's), and the
 * fix-up that lets a SIGSEGV handler resume a faulting arch_probe_read() or
 * arch_probe_write(), as a kernel's exception table resumes a faulting user copy.
 */
#include "rt.h"

long rt_sigaction_install(int sig, linux_sigaction_fn *fn, unsigned long flags, linux_sigset_t mask)
{
	struct linux_k_sigaction act;

	memset(&act, 0, sizeof(act));
	act.handler = (void *)fn;
	act.flags = SA_SIGINFO | flags;
	act.mask = mask;
	arch_sigaction_prepare(&act);
	return sys_rt_sigaction(sig, &act, NULL, SIGSET_SIZE);
}

long rt_sigaction_default(int sig)
{
	struct linux_k_sigaction act;

	memset(&act, 0, sizeof(act));
	act.handler = SIG_DFL;
	arch_sigaction_prepare(&act);
	return sys_rt_sigaction(sig, &act, NULL, SIGSET_SIZE);
}

/* rt_sigreturn restores every register from the ucontext, so changing the saved pc
 * and return register there is how the handler redirects the interrupted code. */
bool rt_probe_fixup(void *uc, const linux_siginfo_t *si)
{
	uint64_t *pc = arch_uc_pc(uc);

	if (*pc == (uintptr_t)arch_probe_read_insn)
		*pc = (uintptr_t)arch_probe_read_fixup;
	else if (*pc == (uintptr_t)arch_probe_write_insn)
		*pc = (uintptr_t)arch_probe_write_fixup;
	else
		return false;
	*arch_uc_retval(uc) = (uint64_t)(int64_t)si->si_code;
	return true;
}

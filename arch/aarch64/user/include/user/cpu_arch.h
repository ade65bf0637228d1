/* SPDX-License-Identifier: MIT */
/*
 * aarch64 instructions and arch-only calls for the user test runtime (tests/user/rt/;
 * rt.h includes this after syscall_arch.h and linux.h): the thread pointer, the
 * virtual counter, a few bytes of machine code to execute, the assembly helpers of
 * rt_arch.S, and the arm64 prctl() cases sys_misc checks. Every arch provides the
 * same names, so the test programs hold no arch conditionals.
 */
#ifndef USER_CPU_ARCH_H
#define USER_CPU_ARCH_H

#include <stdint.h>

/*
 * The thread pointer is TPIDR_EL0, which EL0 reads and writes with mrs/msr; clone's
 * CLONE_SETTLS sets it in the child (arch/arm64/kernel/process.c copy_thread:
 * "p->thread.uw.tp_value = tls"), and the kernel saves and restores it at every
 * switch (tls_thread_switch()), so setting it never fails. The block's first word
 * points at itself, as on x86_64.
 */
static inline long arch_tls_set(void *p)
{
	__asm__ volatile("msr tpidr_el0, %0" : : "r"(p) : "memory");
	return 0;
}

static inline void *arch_tls_get(void)
{
	void *v;

	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
	return v;
}

static inline void *arch_tls_load0(void)
{
	void *v;

	__asm__ volatile("mrs %0, tpidr_el0\n\tldr %0, [%0]" : "=r"(v));
	return v;
}

/*
 * The virtual counter CNTVCT_EL0 (it counts at CNTFRQ_EL0 Hz, which EL0 may read
 * too): Linux sets CNTKCTL_EL1.EL0VCTEN for its vDSO's clock_gettime. The Arm ARM
 * lets a read of the counter be performed early, out of order with the instructions
 * before it, so an isb comes first, as in the vDSO's __arch_get_hw_counter();
 * without it two reads can come back in the wrong order.
 */
static inline uint64_t arch_cycles(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

#define ARCH_CYCLES_NAME "cntvct_el0"

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/* A function `long f(void) { return 42; }` as bytes: movz w0, #42 (0x52800540;
 * writing w0 zeroes x0's upper half); ret (0xd65f03c0); little-endian. */
#define ARCH_CODE_RETURN_42 { 0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6 }

/*
 * Making stored instructions visible to instruction fetch needs, per cache line,
 * dc cvau, dsb ish, ic ivau, dsb ish, then isb (the Arm ARM's sequence for
 * self-modifying code, which Linux's caches_clean_inval_pou() runs); this hook has no
 * address, so it can do only the barriers. That is enough for a page written while
 * it is not executable and then made executable (the one use, mm_fault): Linux
 * cleans and invalidates a page to the point of unification when it first maps it
 * executable (set_pte_at() -> __sync_icache_dcache()), and the exception return of
 * the fault that makes it so is itself a context synchronization.
 */
static inline void arch_sync_icache(void)
{
	__asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

/* rt_arch.S: a new thread on stack_top that runs fn(arg), then exit(its return). */
long arch_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid, void *tls,
		int (*fn)(void *), void *arg);

/*
 * rt_arch.S: vfork(2) (clone(CLONE_VM | CLONE_VFORK | SIGCHLD): arm64 has no vfork
 * call). The child runs in the caller's memory, on its stack, until it execs or
 * exits, and the caller sleeps meanwhile; the return address never sits on the stack
 * across the call (the child's calls overwrite what lies below the caller's frame).
 * The child may only write memory, exec or exit.
 */
long arch_vfork(void) __attribute__((returns_twice));

/*
 * rt_arch.S: one 8-byte load that may fault. Returns 0 and stores the value, or, when
 * a SIGSEGV handler passes the fault to rt_probe_fixup(), the fault's si_code.
 */
int arch_probe_read(const volatile void *p, uint64_t *val);
extern const char arch_probe_read_insn[], arch_probe_read_fixup[];

/* rt_arch.S: one 8-byte store that may fault, resumed the same way: 0, or the si_code. */
int arch_probe_write(volatile void *p, uint64_t val);
extern const char arch_probe_write_insn[], arch_probe_write_fixup[];

/*
 * rt_arch.S: two registers around a system call. arch_syscall_regs(): x9 and x10
 * set to two patterns, an svc of getpid, then out[0], out[1] = x9 and x10 after it,
 * and out[2], out[3] = what Linux's ABI leaves there: the same patterns (svc changes
 * x0 only). arch_sigreturn_regs(): tgkill(tgid, tid, sig), then out[0], out[1] = x9
 * and x10 as they are after the handler ran, which may set them in the saved
 * context (arch_uc_set_scratch()).
 */
void arch_syscall_regs(uint64_t out[4]);
void arch_sigreturn_regs(long tgid, long tid, long sig, uint64_t out[2]);

/*
 * An address no translation regime covers, and the SIGSEGV a user access to it gets.
 * Linux runs EL0 with top-byte-ignore (TCR_EL1.TBI0), so x86_64's 0x8000000000000000
 * would be address 0 with a tag, not a bad address. The tag byte is left 0 here, so
 * the address means the same with TBI0 set or clear; bit 55 (which selects TTBR1)
 * is clear, and bit 52 puts the address above the largest TTBR0 range (52 bits,
 * FEAT_LVA): a level 0 translation fault whatever the mode. Linux's
 * do_translation_fault() finds it at or above TASK_SIZE and calls do_bad_area():
 * SEGV_MAPERR, si_addr the address (untagged_addr() sign-extends bit 55, which is
 * 0, so nothing changes).
 */
#define ARCH_NONCANONICAL_ADDR		0x0010000000000000UL
#define ARCH_NONCANONICAL_SI_CODE	SEGV_MAPERR
#define ARCH_NONCANONICAL_SI_ADDR(a)	(a)

/*
 * The arch's own calls a libc start-up makes, as cases (description, call, the
 * result Linux 6.1 gives): sys_misc runs ARCH_CALL_CASES of them, the same count on
 * every arch. arm64 has no calls of its own in the generic table; its own part of
 * the ABI is prctl options, and the one glibc's start-up may make is
 * PR_SET_TAGGED_ADDR_CTRL (sysdeps/unix/sysv/linux/aarch64/cpu-features.c, when the
 * glibc.mem.tagging tunable asks for MTE). kernel/sys.c checks the unused arguments,
 * then arch/arm64/kernel/process.c {get,set}_tagged_addr_ctrl() answer.
 */
#define PR_SET_TAGGED_ADDR_CTRL	55
#define PR_GET_TAGGED_ADDR_CTRL	56

#define ARCH_CALL_CASES 2

static inline long arch_call_case(int i, const char **desc, long *want)
{
	switch (i) {
	case 0:
		/*
		 * A new program has TIF_TAGGED_ADDR clear, and with MTE
		 * mte_thread_init_user() leaves no tag included and no check mode,
		 * so get_mte_ctrl() adds nothing either.
		 */
		*desc = "prctl(PR_GET_TAGGED_ADDR_CTRL) of a new program is 0: no tagged addresses";
		*want = 0;
		return arch_syscall6(SYS_prctl, PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
	default:
		/* set_tagged_addr_ctrl(): "if (arg & ~valid_mask) return -EINVAL"; bit
		 * 63 is in no mask, with or without MTE */
		*desc = "prctl(PR_SET_TAGGED_ADDR_CTRL) with a bit outside the ABI is EINVAL";
		*want = -EINVAL;
		return arch_syscall6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, (long)(1UL << 63), 0, 0, 0, 0);
	}
}

#endif /* USER_CPU_ARCH_H */

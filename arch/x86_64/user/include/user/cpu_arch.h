/* SPDX-License-Identifier: MIT */
/*
 * x86_64 instructions and arch-only calls for the user test runtime (tests/user/rt/;
 * rt.h includes this after syscall_arch.h and linux.h): the thread pointer, the time
 * stamp counter, a few bytes of machine code to execute, the assembly helpers of
 * rt_arch.S, and the arch_prctl() cases sys_misc checks. Every arch provides the same
 * names, so the test programs hold no arch conditionals.
 */
#ifndef USER_CPU_ARCH_H
#define USER_CPU_ARCH_H

#include <stdint.h>

/* arch/x86/include/uapi/asm/prctl.h */
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003

/*
 * The thread pointer: x86_64 has the FS base, set with arch_prctl(ARCH_SET_FS) (or
 * clone's CLONE_SETTLS); by the psABI's TLS convention (variant II) the word at
 * %fs:0 points at itself, so a thread reads its own block without a system call.
 * arch_tls_set() returns 0 or -errno; arch_tls_get() asks the kernel (ARCH_GET_FS);
 * arch_tls_load0() reads the word at offset 0 of the block through the pointer.
 */
static inline long arch_tls_set(void *p)
{
	return arch_syscall6(SYS_arch_prctl, ARCH_SET_FS, (long)p, 0, 0, 0, 0);
}

static inline void *arch_tls_get(void)
{
	unsigned long v = 0;

	if (arch_syscall6(SYS_arch_prctl, ARCH_GET_FS, (long)&v, 0, 0, 0, 0) != 0)
		return (void *)-1L;
	return (void *)v;
}

static inline void *arch_tls_load0(void)
{
	void *v;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

/* The time stamp counter: user mode may read it unless CR4.TSD is set (Linux
 * leaves it clear unless prctl(PR_SET_TSC) asks). */
static inline uint64_t arch_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#define ARCH_CYCLES_NAME "rdtsc"

/* A busy-wait hint. */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* A function `long f(void) { return 42; }` as bytes: mov $42, %eax; ret. */
#define ARCH_CODE_RETURN_42 { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 }

/* x86 keeps instruction fetch coherent with stores (SDM vol. 3, 11.6). */
static inline void arch_sync_icache(void)
{
}

/* rt_arch.S: a new thread on stack_top that runs fn(arg), then exit(its return). */
long arch_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid, void *tls,
		int (*fn)(void *), void *arg);

/*
 * rt_arch.S: vfork(2) (the vfork system call). The child runs in the caller's memory, on its
 * stack, until it execs or exits, and the caller sleeps meanwhile; the return
 * address never sits on the stack across the call (the child's calls overwrite
 * what lies below the caller's frame). The child may only write memory, exec or
 * exit.
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
 * rt_arch.S: the two registers the system-call ABI says most about, around a call.
 * arch_syscall_regs(): a getpid, then out[0], out[1] = rcx and r11 after it, and
 * out[2], out[3] = what Linux's ABI leaves there: the address after the syscall
 * instruction and rflags (SYSCALL saves them there; both SYSRET and IRETQ keep
 * them). arch_sigreturn_regs(): tgkill(tgid, tid, sig), then out[0], out[1] = rcx
 * and r11 as they are after the handler ran, which may set them in the saved
 * context (arch_uc_set_scratch()): the return cannot be a SYSRET then.
 */
void arch_syscall_regs(uint64_t out[4]);
void arch_sigreturn_regs(long tgid, long tid, long sig, uint64_t out[2]);

/*
 * An address no paging mode translates, and the SIGSEGV a user access to it gets:
 * a non-canonical address raises #GP, not #PF, and Linux's
 * do_general_protection() sends a plain force_sig(SIGSEGV): si_code SI_KERNEL and
 * no address (si_addr 0).
 */
#define ARCH_NONCANONICAL_ADDR		0x8000000000000000UL
#define ARCH_NONCANONICAL_SI_CODE	SI_KERNEL
#define ARCH_NONCANONICAL_SI_ADDR(a)	((void)(a), 0UL)

/*
 * The arch's own calls a libc start-up makes, as cases (description, call, the
 * result Linux 6.1 gives): sys_misc runs ARCH_CALL_CASES of them, the same count on
 * every arch. arch_prctl: arch/x86/kernel/process_64.c do_arch_prctl_64().
 */
#define ARCH_CALL_CASES 2

static inline long arch_call_case(int i, const char **desc, long *want)
{
	switch (i) {
	case 0:
		/* "if (unlikely(arg2 >= TASK_SIZE_MAX)) return -EPERM" */
		*desc = "arch_prctl(ARCH_SET_FS) of a non-canonical address is EPERM";
		*want = -EPERM;
		return arch_syscall6(SYS_arch_prctl, ARCH_SET_FS, (long)(1UL << 63), 0, 0, 0, 0);
	default:
		/* the copy-out of ARCH_GET_FS: put_user() fails */
		*desc = "arch_prctl(ARCH_GET_FS) to an unmapped address is EFAULT";
		*want = -EFAULT;
		return arch_syscall6(SYS_arch_prctl, ARCH_GET_FS, 8, 0, 0, 0, 0);
	}
}

#endif /* USER_CPU_ARCH_H */

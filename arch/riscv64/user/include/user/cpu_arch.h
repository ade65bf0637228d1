/* SPDX-License-Identifier: MIT */
/*
 * riscv64 instructions and arch-only calls for the user test runtime (tests/user/rt/;
 * rt.h includes this after syscall_arch.h and linux.h): the thread pointer, the time
 * CSR, a few bytes of machine code to execute, the assembly helpers of rt_arch.S, and
 * the riscv_flush_icache() cases sys_misc checks. Every arch provides the same names,
 * so the test programs hold no arch conditionals.
 */
#ifndef USER_CPU_ARCH_H
#define USER_CPU_ARCH_H

#include <stdint.h>

/*
 * The thread pointer is tp (x4), a plain register user code writes; clone's
 * CLONE_SETTLS sets it in the child (arch/riscv/kernel/process.c copy_thread:
 * "childregs->tp = tls"). The kernel saves and restores it like any register, so
 * setting it never fails. The block's first word points at itself, as on x86_64.
 */
static inline long arch_tls_set(void *p)
{
	__asm__ volatile("mv tp, %0" : : "r"(p) : "memory");
	return 0;
}

static inline void *arch_tls_get(void)
{
	void *v;

	__asm__ volatile("mv %0, tp" : "=r"(v));
	return v;
}

static inline void *arch_tls_load0(void)
{
	void *v;

	__asm__ volatile("ld %0, 0(tp)" : "=r"(v));
	return v;
}

/* The time CSR (rdtime): Linux sets scounteren.TM for user mode (the vDSO's
 * clock_gettime reads it). */
static inline uint64_t arch_cycles(void)
{
	uint64_t v;

	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

#define ARCH_CYCLES_NAME "rdtime"

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("nop" ::: "memory");
}

/* A function `long f(void) { return 42; }` as bytes: addi a0, zero, 42
 * (0x02a00513); jalr zero, 0(ra) (0x00008067); little-endian. */
#define ARCH_CODE_RETURN_42 { 0x13, 0x05, 0xa0, 0x02, 0x67, 0x80, 0x00, 0x00 }

/* Instruction fetch sees this hart's earlier stores only after fence.i (Zifencei).
 * Other harts are Linux's business: it flushes every hart's instruction cache when a
 * page becomes executable (set_pte_at() -> flush_icache_pte()). */
static inline void arch_sync_icache(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

/* rt_arch.S: a new thread on stack_top that runs fn(arg), then exit(its return). */
long arch_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid, void *tls,
		int (*fn)(void *), void *arg);

/*
 * rt_arch.S: vfork(2) (clone(CLONE_VM | CLONE_VFORK | SIGCHLD): riscv64 has no vfork call). The child runs in the caller's memory, on its
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
 * rt_arch.S: two registers around a system call. arch_syscall_regs(): t5 and t6
 * set to two patterns, an ecall of getpid, then out[0], out[1] = t5 and t6 after
 * it, and out[2], out[3] = what Linux's ABI leaves there: the same patterns (ecall
 * changes a0 only). arch_sigreturn_regs(): tgkill(tgid, tid, sig), then out[0],
 * out[1] = t5 and t6 as they are after the handler ran, which may set them in the
 * saved context (arch_uc_set_scratch()).
 */
void arch_syscall_regs(uint64_t out[4]);
void arch_sigreturn_regs(long tgid, long tid, long sig, uint64_t out[2]);

/*
 * An address no paging mode translates, and the SIGSEGV a user access to it gets:
 * bits 63..39 (Sv39), ..48 (Sv48) or ..57 (Sv57) that are not copies of the one below
 * make a page fault like any unmapped address (privileged spec 4.4.1), so Linux's
 * do_page_fault() finds no VMA: SEGV_MAPERR, si_addr the address (stval).
 */
#define ARCH_NONCANONICAL_ADDR		0x8000000000000000UL
#define ARCH_NONCANONICAL_SI_CODE	SEGV_MAPERR
#define ARCH_NONCANONICAL_SI_ADDR(a)	(a)

/*
 * The arch's own calls a libc start-up makes, as cases (description, call, the
 * result Linux 6.1 gives): sys_misc runs ARCH_CALL_CASES of them, the same count on
 * every arch. riscv_flush_icache (arch/riscv/kernel/sys_riscv.c): flags other than
 * SYS_RISCV_FLUSH_ICACHE_LOCAL (1) are "reserved": -EINVAL. glibc's
 * __riscv_flush_icache calls it.
 */
#define ARCH_CALL_CASES 2

static inline long arch_call_case(int i, const char **desc, long *want)
{
	switch (i) {
	case 0:
		*desc = "riscv_flush_icache with SYS_RISCV_FLUSH_ICACHE_LOCAL succeeds";
		*want = 0;
		return arch_syscall6(SYS_riscv_flush_icache, 0, 0, 1, 0, 0, 0);
	default:
		*desc = "riscv_flush_icache with a reserved flag is EINVAL";
		*want = -EINVAL;
		return arch_syscall6(SYS_riscv_flush_icache, 0, 0, 2, 0, 0, 0);
	}
}

#endif /* USER_CPU_ARCH_H */

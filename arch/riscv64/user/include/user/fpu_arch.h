/* SPDX-License-Identifier: MIT */
/*
 * riscv64 FP access for tests/user/fpu.c (built rv64imafdc/lp64d, unlike the other
 * test programs): f0..f31 as 32 64-bit words, fcsr as the control word, and where a
 * signal frame keeps them: sc_fpregs, union __riscv_fp_state, whose d variant is
 * f[32] then fcsr and whose q variant ends in reserved[3] (offset 516), as Linux
 * 6.1's arch/riscv/kernel/signal.c writes it. x86_64's fpu_arch.h provides the same
 * names.
 */
#ifndef USER_FPU_ARCH_H
#define USER_FPU_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_FP_WORDS 32
#define ARCH_FP_REGS_NAME "f0-f31"
#define ARCH_FP_CTL_NAME "fcsr"
/* A new program's fcsr: no flags, round to nearest (Linux zeroes the state). */
#define ARCH_FP_CTL_INIT 0u
/* riscv Linux gives a handler the interrupted code's FP registers as they are. */
#define ARCH_FP_HANDLER_CLEAN 0
/* The refused rt_sigreturn's SIGSEGV: force_sig(), si_code SI_KERNEL (0x80). */
#define ARCH_FP_BAD_FRAME_CODE 0x80
/* restore_fp_state() loads the registers before it checks the reserved words. */
#define ARCH_FP_BAD_FRAME_LOADS 1

enum { FP_ROUND_NEAREST, FP_ROUND_DOWN, FP_ROUND_UP, FP_ROUND_ZERO };

static inline uint32_t arch_fp_ctl_get(void)
{
	uint32_t v;

	__asm__ volatile("frcsr %0" : "=r"(v));
	return v;
}

static inline void arch_fp_ctl_set(uint32_t v)
{
	__asm__ volatile("fscsr %0" : : "r"(v));
}

/* fcsr.frm (bits 5-7): RNE 0, RTZ 1, RDN 2, RUP 3. */
static inline uint32_t arch_fp_ctl_rounding(uint32_t ctl, int mode)
{
	static const uint32_t frm[] = { 0, 2, 3, 1 };

	return (ctl & ~(7u << 5)) | frm[mode] << 5;
}

/* The control word without its sticky exception flags (fcsr.fflags, bits 0-4). */
static inline uint32_t arch_fp_ctl_control(uint32_t ctl)
{
	return ctl & ~0x1fu;
}

#define FP_IRP32 ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
#define FP_CLOBBERS                                                                        \
	"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", \
	"f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25",     \
	"f26", "f27", "f28", "f29", "f30", "f31"

/* The registers into out[] / from in[], each in one asm statement. */
static inline void arch_fp_store(uint64_t *out)
{
	__asm__ volatile(FP_IRP32 "fsd f\\n, 8*\\n(%0)\n\t.endr" : : "r"(out) : "memory");
}

static inline void arch_fp_load(const uint64_t *in)
{
	__asm__ volatile(FP_IRP32 "fld f\\n, 8*\\n(%0)\n\t.endr"
			 : : "r"(in), "m"(*(const uint64_t(*)[ARCH_FP_WORDS])in) : FP_CLOBBERS);
}

/*
 * Loads in[] into the registers, makes system call nr(a0, a1, a2) and stores the
 * registers into out[] right after it returns, all in one asm statement, so no
 * compiled code touches them in between. Returns the call's result.
 */
static inline long arch_fp_across_syscall(const uint64_t *in, uint64_t *out, long nr, long a0,
					  long a1, long a2)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a7 __asm__("a7") = nr;

	__asm__ volatile(FP_IRP32 "fld f\\n, 8*\\n(%[in])\n\t.endr\n\t"
			 "ecall\n\t"
			 FP_IRP32 "fsd f\\n, 8*\\n(%[out])\n\t.endr"
			 : "+r"(r_a0)
			 : [in] "r"(in), [out] "r"(out), "r"(r_a1), "r"(r_a2), "r"(r_a7)
			 : "memory", FP_CLOBBERS);
	return r_a0;
}

/* The FP state in a handler's ucontext: sc_fpregs follows the 32 saved registers. */
static inline uint8_t *arch_uc_fpstate(void *uc)
{
	return (uint8_t *)uc + 176 + 32 * 8;
}

static inline uint64_t *arch_uc_fp_regs(void *uc)
{
	return (uint64_t *)arch_uc_fpstate(uc);
}

static inline uint32_t *arch_uc_fp_ctl(void *uc)
{
	return (uint32_t *)(arch_uc_fpstate(uc) + 256);
}

/* Makes the frame's FP state one rt_sigreturn refuses: a reserved word that is not
 * zero ("We support no other extension state at this time": -EINVAL, SIGSEGV). */
static inline void arch_uc_fp_spoil(void *uc)
{
	((uint32_t *)(arch_uc_fpstate(uc) + 516))[0] = 1;
}

/* The frame's layout around the FP state: the q variant's reserved words are zero. */
static inline bool arch_uc_fp_layout_ok(void *uc, const void *info, char *why, size_t n)
{
	const uint32_t *r = (const uint32_t *)(arch_uc_fpstate(uc) + 516);

	(void)info;
	for (unsigned int i = 0; i < 3; i++) {
		if (r[i]) {
			rt_snprintf(why, n, "reserved[%u] is 0x%x", i, r[i]);
			return false;
		}
	}
	return true;
}

/* The state besides the registers and fcsr: none; the point checks the rounding
 * mode read on its own (frrm), which is part of fcsr. */
#define ARCH_FP_EXTRA_NAME "frrm reads round to nearest"
static inline bool arch_fp_extra_initial(void)
{
	uint32_t rm;

	__asm__ volatile("frrm %0" : "=r"(rm));
	return rm == 0;
}

/*
 * Floating-point errors never trap on riscv64: the F and D extensions only accrue
 * them in fcsr.fflags (unprivileged spec 11.2), so Linux has no SIGFPE for them.
 * The two cases (arch_fp_trap_run(n, &r)) divide 1 by 0 (fdiv.d: DZ) and take the
 * square root of -1 (fsqrt.d: NV); r.flags is fflags after, r.bits the result.
 */
#define ARCH_FP_TRAP_CASES 2
/* struct arch_fp_trap_case and arch_fp_trap_result: tests/user/fpu.c. */
static const struct arch_fp_trap_case arch_fp_trap_case[ARCH_FP_TRAP_CASES] = {
	{ "fdiv.d by zero: fflags.DZ", false, 0x08, true },
	{ "fsqrt.d of -1: fflags.NV", false, 0x10, false },
};


static inline void arch_fp_trap_run(int n, struct arch_fp_trap_result *r)
{
	double one = 1.0, zero = 0.0, minus_one = -1.0, x;

	__asm__ volatile("fscsr zero" ::: "memory");
	if (n == 0)
		__asm__ volatile("fdiv.d %0, %1, %2" : "=f"(x) : "f"(one), "f"(zero));
	else
		__asm__ volatile("fsqrt.d %0, %1" : "=f"(x) : "f"(minus_one));
	__asm__ volatile("frflags %0" : "=r"(r->flags) :: "memory");
	r->at = 0;
	memcpy(&r->bits, &x, sizeof(x));
}

/* Never called: no SIGFPE comes. */
static inline void arch_uc_fp_trap_fix(void *uc)
{
	(void)uc;
}

#endif /* USER_FPU_ARCH_H */

/* SPDX-License-Identifier: MIT */
/*
 * x86_64 FP/SSE access for tests/user/fpu.c (built with SSE2, unlike the other test
 * programs): the sixteen XMM registers as 32 64-bit words (xmm0 low, xmm0 high,
 * xmm1 low, ...), MXCSR as the control word, and where a signal frame keeps them:
 * sigcontext.fpstate points at an FXSAVE image (SDM vol. 1 table 10-2: MXCSR at 24,
 * XMM0-15 at 160), as Linux 6.1's arch/x86/kernel/fpu/signal.c writes it without
 * XSAVE. riscv64's fpu_arch.h provides the same names.
 */
#ifndef USER_FPU_ARCH_H
#define USER_FPU_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_FP_WORDS 32
#define ARCH_FP_REGS_NAME "xmm0-15"
#define ARCH_FP_CTL_NAME "MXCSR"
/* A new program's MXCSR: every exception masked, round to nearest. */
#define ARCH_FP_CTL_INIT 0x1f80u
/* fpu__clear_user_states() before a handler runs: it starts with the initial state. */
#define ARCH_FP_HANDLER_CLEAN 1
/* The refused rt_sigreturn's SIGSEGV: force_sig(), si_code SI_KERNEL (0x80). */
#define ARCH_FP_BAD_FRAME_CODE 0x80
/* A refused frame leaves the initial state (fpu__restore_sig()'s failure path). */
#define ARCH_FP_BAD_FRAME_LOADS 0

/* The rounding modes, in MXCSR.RC (bits 13-14). */
enum { FP_ROUND_NEAREST, FP_ROUND_DOWN, FP_ROUND_UP, FP_ROUND_ZERO };

static inline uint32_t arch_fp_ctl_get(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static inline void arch_fp_ctl_set(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static inline uint32_t arch_fp_ctl_rounding(uint32_t ctl, int mode)
{
	static const uint32_t rc[] = { 0, 1, 2, 3 };

	return (ctl & ~(3u << 13)) | rc[mode] << 13;
}

/* The control word without its sticky exception flags (MXCSR bits 0-5). */
static inline uint32_t arch_fp_ctl_control(uint32_t ctl)
{
	return ctl & ~0x3fu;
}

#define FP_IRP16 ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"

/* The registers into out[] / from in[], each in one asm statement. */
static inline void arch_fp_store(uint64_t *out)
{
	__asm__ volatile(FP_IRP16 "movdqu %%xmm\\n, 16*\\n(%0)\n\t.endr" : : "r"(out) : "memory");
}

static inline void arch_fp_load(const uint64_t *in)
{
	__asm__ volatile(FP_IRP16 "movdqu 16*\\n(%0), %%xmm\\n\n\t.endr"
			 : : "r"(in), "m"(*(const uint64_t(*)[ARCH_FP_WORDS])in)
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/*
 * Loads in[] into the registers, makes system call nr(a0, a1, a2) and stores the
 * registers into out[] right after it returns, all in one asm statement, so no
 * compiled code touches them in between: whatever the kernel did (switching to
 * other threads, running a signal handler) is all that can have changed them.
 * Returns the call's result.
 */
static inline long arch_fp_across_syscall(const uint64_t *in, uint64_t *out, long nr, long a0,
					  long a1, long a2)
{
	register long rax __asm__("rax") = nr;
	register long rdi __asm__("rdi") = a0;
	register long rsi __asm__("rsi") = a1;
	register long rdx __asm__("rdx") = a2;

	__asm__ volatile(FP_IRP16 "movdqu 16*\\n(%[in]), %%xmm\\n\n\t.endr\n\t"
			 "syscall\n\t"
			 FP_IRP16 "movdqu %%xmm\\n, 16*\\n(%[out])\n\t.endr"
			 : "+r"(rax)
			 : [in] "r"(in), [out] "r"(out), "r"(rdi), "r"(rsi), "r"(rdx)
			 : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			   "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
			   "xmm14", "xmm15");
	return rax;
}

/* The FP state in a handler's ucontext (struct linux_ucontext, abi_arch.h). */
static inline uint8_t *arch_uc_fpstate(void *uc)
{
	return (uint8_t *)(uintptr_t)((struct linux_ucontext *)uc)->uc_mcontext.fpstate;
}

static inline uint64_t *arch_uc_fp_regs(void *uc)
{
	return (uint64_t *)(arch_uc_fpstate(uc) + 160);
}

static inline uint32_t *arch_uc_fp_ctl(void *uc)
{
	return (uint32_t *)(arch_uc_fpstate(uc) + 24);
}

/*
 * Makes the frame's FP state one rt_sigreturn refuses: fpstate 8 bytes off, which
 * FXRSTOR rejects with #GP (SDM vol. 2A: the operand must be 16-byte aligned), so
 * Linux's restore fails and it sends SIGSEGV. (An MXCSR with bits outside
 * MXCSR_MASK would #GP on hardware too, but QEMU's TCG FXRSTOR takes it, so Linux
 * under QEMU accepts such a frame: not a point both kernels can agree on here.)
 */
static inline void arch_uc_fp_spoil(void *uc)
{
	((struct linux_ucontext *)uc)->uc_mcontext.fpstate += 8;
}

/*
 * The frame's layout around the FP state: fpstate 64-byte aligned, above the
 * siginfo (fpu__alloc_mathframe() puts it above the frame); uc_flags without
 * UC_FP_XSTATE (0x1) and the software-reserved bytes 464..511 as 6.1's
 * save_xstate_epilog() writes them without XSAVE: FP_XSTATE_MAGIC1, extended_size
 * 512 + 4, xfeatures 0, xstate_size 512, the rest 0. Fills why on failure.
 */
static inline bool arch_uc_fp_layout_ok(void *uc, const void *info, char *why, size_t n)
{
	const uint8_t *fp = arch_uc_fpstate(uc);
	uint32_t sw[12];

	if (!fp || ((uintptr_t)fp & 63) || (uintptr_t)fp < (uintptr_t)info + 128) {
		rt_snprintf(why, n, "fpstate %p, siginfo %p", (const void *)fp, info);
		return false;
	}
	if (((struct linux_ucontext *)uc)->uc_flags & 0x1) {
		rt_snprintf(why, n, "uc_flags 0x%lx has UC_FP_XSTATE",
			    ((struct linux_ucontext *)uc)->uc_flags);
		return false;
	}
	memcpy(sw, fp + 464, sizeof(sw));
	for (unsigned int i = 0; i < 12; i++) {
		uint32_t want = i == 0 ? 0x46505853u : i == 1 ? 516 : i == 4 ? 512 : 0;
		if (sw[i] != want) {
			rt_snprintf(why, n, "sw_reserved word %u is 0x%x, not 0x%x", i, sw[i], want);
			return false;
		}
	}
	return true;
}

/* The state besides the registers and the control word that a new program starts
 * with: the x87 control word 0x37f (fninit's, Linux's fpstate_init_fxstate()). */
#define ARCH_FP_EXTRA_NAME "the x87 control word is 0x37f"
static inline bool arch_fp_extra_initial(void)
{
	uint16_t fcw;

	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	return fcw == 0x37f;
}

/*
 * Floating-point errors, two cases, each a division of 1 by 0 with the
 * divide-by-zero exception unmasked (arch_fp_trap_run(n, &r)). 1, the x87: fdiv
 * with the control word's ZM cleared leaves the error pending until the next
 * waiting instruction, the fwait, which takes #MF; Linux's math_error() sends
 * SIGFPE with si_code FPE_FLTDIV and si_addr that instruction, and a handler that
 * masks the exception in the frame (arch_uc_fp_trap_fix()) lets it run again. 0,
 * SSE: divsd with MXCSR.ZM cleared takes #XM on hardware, and the same SIGFPE would
 * follow, but QEMU 7.2's TCG never raises #XM (its SSE helpers only set MXCSR's
 * flags), so under it Linux sends nothing, divsd gives inf and MXCSR.ZE is set; the
 * expectation is what Linux does here. r.at is the instruction that takes the error,
 * r.bits the result's bits, r.flags the exception flags after it (MXCSR's).
 */
#define ARCH_FP_TRAP_CASES 2
/* struct arch_fp_trap_case and arch_fp_trap_result: tests/user/fpu.c. */
static const struct arch_fp_trap_case arch_fp_trap_case[ARCH_FP_TRAP_CASES] = {
	{ "SSE divsd by zero with MXCSR.ZM clear (no #XM under QEMU's TCG): MXCSR.ZE", false, 0x4, true },
	{ "x87 fdiv by zero with the control word's ZM clear: SIGFPE FPE_FLTDIV at the fwait after it", true, 0, true },
};


static inline void arch_fp_trap_run(int n, struct arch_fp_trap_result *r)
{
	if (n == 0) {
		uint32_t csr = 0x1f80u & ~0x200u, after;
		double x = 1.0, zero = 0.0;

		__asm__ volatile("ldmxcsr %[csr]\n\t"
				 "leaq 1f(%%rip), %[at]\n"
				 "1:\tdivsd %[z], %[x]\n\t"
				 "stmxcsr %[after]"
				 : [at] "=&r"(r->at), [x] "+x"(x), [after] "=m"(after)
				 : [csr] "m"(csr), [z] "x"(zero)
				 : "memory");
		memcpy(&r->bits, &x, sizeof(x));
		r->flags = after & 0x3f;
	} else {
		uint16_t cw = 0x37f & ~0x4;
		double x = 0;

		__asm__ volatile("fninit\n\t"
				 "fldcw %[cw]\n\t"
				 "fldz\n\t"
				 "fld1\n\t"
				 "fdiv %%st(1), %%st\n\t"
				 "leaq 1f(%%rip), %[at]\n"
				 "1:\tfwait\n\t"
				 "fstpl %[x]\n\t"
				 "fstp %%st(0)\n\t"
				 "fninit"
				 : [at] "=&r"(r->at), [x] "=m"(x)
				 : [cw] "m"(cw)
				 : "memory", "st", "st(1)");
		memcpy(&r->bits, &x, sizeof(x));
	}
}

/* In a SIGFPE handler: every exception masked and no flag raised, x87 and SSE. */
static inline void arch_uc_fp_trap_fix(void *uc)
{
	uint8_t *fp = arch_uc_fpstate(uc);
	uint16_t cwd = 0x37f, swd = 0;
	uint32_t mxcsr = 0x1f80;

	memcpy(fp + 0, &cwd, sizeof(cwd));     /* fxsave: fcw at 0, fsw at 2, mxcsr at 24 */
	memcpy(fp + 2, &swd, sizeof(swd));
	memcpy(fp + 24, &mxcsr, sizeof(mxcsr));
}

#endif /* USER_FPU_ARCH_H */

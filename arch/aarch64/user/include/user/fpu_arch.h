/* SPDX-License-Identifier: MIT */
/*
 * aarch64 FP/SIMD access for tests/user/fpu.c (built with FP/SIMD, unlike the other
 * test programs): v0..v31 as 64 64-bit words (v0 low, v0 high, v1 low, ...), FPCR as
 * the control word (the exception flags live apart, in FPSR), and where a signal
 * frame keeps them: the first record of uc_mcontext.__reserved, struct
 * fpsimd_context (uapi asm/sigcontext.h: head {FPSIMD_MAGIC, 528}, fpsr, fpcr, then
 * vregs[32] at 16), as Linux 6.1's arch/arm64/kernel/signal.c lays it out
 * (setup_sigframe_layout() allocates it first). x86_64's and riscv64's fpu_arch.h
 * provide the same names.
 */
#ifndef USER_FPU_ARCH_H
#define USER_FPU_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_FP_WORDS 64
#define ARCH_FP_REGS_NAME "v0-v31"
#define ARCH_FP_CTL_NAME "FPCR"
/* A new program's FPCR: round to nearest, no trap enabled, no flush-to-zero or
 * default NaN (fpsimd_flush_thread() zeroes the whole state at exec). */
#define ARCH_FP_CTL_INIT 0u
/* arm64 Linux gives a handler the interrupted code's FP/SIMD registers as they are
 * (setup_return() resets only SME's streaming mode and ZA). */
#define ARCH_FP_HANDLER_CLEAN 0
/*
 * A refused rt_sigreturn loads no FP state at all: restore_sigframe() loads x0..x30,
 * sp and pc, then parse_user_sigframe() rejects the records before
 * restore_fpsimd_context() runs (only an SME ZA record is checked after the FP
 * load), so the thread keeps the registers the handler returned with: fpu.c's
 * third answer (2), which checks FPCR, the one the handler's compiled code leaves
 * alone. The SIGSEGV comes from arm64_notify_segfault(regs->sp): SEGV_ACCERR (a
 * VMA holds sp), not force_sig()'s SI_KERNEL.
 */
#define ARCH_FP_BAD_FRAME_LOADS 2
#define ARCH_FP_BAD_FRAME_CODE 2

/* The frame's FP/SIMD record (uapi asm/sigcontext.h struct fpsimd_context). */
#define LINUX_FPSIMD_MAGIC	0x46508001u
struct linux_fpsimd_context {
	uint32_t magic;
	uint32_t size;
	uint32_t fpsr;
	uint32_t fpcr;
	uint64_t vregs[64] __attribute__((aligned(16)));
};
_Static_assert(sizeof(struct linux_fpsimd_context) == 528, "arm64 fpsimd_context is 528 bytes");
_Static_assert(offsetof(struct linux_fpsimd_context, vregs) == 16, "arm64 vregs at 16");

enum { FP_ROUND_NEAREST, FP_ROUND_DOWN, FP_ROUND_UP, FP_ROUND_ZERO };

static inline uint32_t arch_fp_ctl_get(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, fpcr" : "=r"(v));
	return (uint32_t)v;
}

static inline void arch_fp_ctl_set(uint32_t v)
{
	__asm__ volatile("msr fpcr, %0" : : "r"((uint64_t)v));
}

/* FPCR.RMode (bits 22-23): RN 0, RP (toward +inf) 1, RM (toward -inf) 2, RZ 3. */
static inline uint32_t arch_fp_ctl_rounding(uint32_t ctl, int mode)
{
	static const uint32_t rmode[] = { 0, 2, 1, 3 };

	return (ctl & ~(3u << 22)) | rmode[mode] << 22;
}

/* The control word without its sticky exception flags: FPCR has none (FPSR does). */
static inline uint32_t arch_fp_ctl_control(uint32_t ctl)
{
	return ctl;
}

#define FP_IRP32 ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
#define FP_CLOBBERS                                                                        \
	"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", \
	"v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",     \
	"v26", "v27", "v28", "v29", "v30", "v31"

/* The registers into out[] / from in[], each in one asm statement. */
static inline void arch_fp_store(uint64_t *out)
{
	__asm__ volatile(FP_IRP32 "str q\\n, [%0, #16*\\n]\n\t.endr" : : "r"(out) : "memory");
}

static inline void arch_fp_load(const uint64_t *in)
{
	__asm__ volatile(FP_IRP32 "ldr q\\n, [%0, #16*\\n]\n\t.endr"
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
	register long r_x0 __asm__("x0") = a0;
	register long r_x1 __asm__("x1") = a1;
	register long r_x2 __asm__("x2") = a2;
	register long r_x8 __asm__("x8") = nr;

	__asm__ volatile(FP_IRP32 "ldr q\\n, [%[in], #16*\\n]\n\t.endr\n\t"
			 "svc #0\n\t"
			 FP_IRP32 "str q\\n, [%[out], #16*\\n]\n\t.endr"
			 : "+r"(r_x0)
			 : [in] "r"(in), [out] "r"(out), "r"(r_x1), "r"(r_x2), "r"(r_x8)
			 : "memory", FP_CLOBBERS);
	return r_x0;
}

/*
 * The FP/SIMD record in a handler's ucontext: the first of uc_mcontext.__reserved.
 * It is what rt_sigreturn loads for a thread that has not used SVE: Linux then writes
 * an SVE record without register data (restore_sve_fpsimd_context() goes to
 * fpsimd_only). qemu-user on a CPU with SVE writes the Z registers into that record
 * and loads them after the fpsimd record, so an edit of this one does not take there.
 */
static inline struct linux_fpsimd_context *arch_uc_fpsimd(void *uc)
{
	return (struct linux_fpsimd_context *)(void *)((struct linux_ucontext *)uc)->uc_mcontext.__reserved;
}

static inline uint64_t *arch_uc_fp_regs(void *uc)
{
	return arch_uc_fpsimd(uc)->vregs;
}

static inline uint32_t *arch_uc_fp_ctl(void *uc)
{
	return &arch_uc_fpsimd(uc)->fpcr;
}

/*
 * Makes the frame's FP state one rt_sigreturn refuses: a record of a magic Linux does
 * not know (parse_user_sigframe(): "default: goto invalid"; -EINVAL). The SIGSEGV
 * that follows comes from arm64_notify_segfault(regs->sp): si_code SEGV_ACCERR (a
 * VMA holds sp) and si_addr the frame (ARCH_FP_BAD_FRAME_CODE).
 */
static inline void arch_uc_fp_spoil(void *uc)
{
	arch_uc_fpsimd(uc)->magic = LINUX_FPSIMD_MAGIC + 0x100;
}

/*
 * The frame's layout around the FP state: the ucontext right after the 128-byte
 * siginfo (struct rt_sigframe), uc_flags 0 (setup_rt_frame()), the fpsimd record
 * first with its magic and size, then records of sizes that are nonzero multiples of
 * 16 (sigframe_alloc()) up to the terminator, magic 0 and size 0, all within the 4096
 * bytes. What follows the fpsimd record depends on the CPU (an SVE record with no
 * register data where there is SVE, a ZA one with SME), so only the chain is
 * checked. Fills why on failure.
 */
static inline bool arch_uc_fp_layout_ok(void *uc, const void *info, char *why, size_t n)
{
	struct linux_ucontext *u = uc;
	const uint8_t *rec = u->uc_mcontext.__reserved;
	size_t off = 0;

	if ((uintptr_t)uc != (uintptr_t)info + 128 || u->uc_flags != 0) {
		rt_snprintf(why, n, "ucontext %p, siginfo %p, uc_flags 0x%lx", uc, info, u->uc_flags);
		return false;
	}
	if (arch_uc_fpsimd(uc)->magic != LINUX_FPSIMD_MAGIC ||
	    arch_uc_fpsimd(uc)->size != sizeof(struct linux_fpsimd_context)) {
		rt_snprintf(why, n, "first record: magic 0x%x size %u", arch_uc_fpsimd(uc)->magic,
			    arch_uc_fpsimd(uc)->size);
		return false;
	}
	while (off + 8 <= sizeof(u->uc_mcontext.__reserved)) {
		uint32_t head[2];

		memcpy(head, rec + off, sizeof(head));
		if (head[0] == 0 && head[1] == 0)
			return true;
		if (head[1] == 0 || head[1] % 16 || head[1] > sizeof(u->uc_mcontext.__reserved) - off) {
			rt_snprintf(why, n, "record at %zu: magic 0x%x size %u", off, head[0], head[1]);
			return false;
		}
		off += head[1];
	}
	rt_snprintf(why, n, "no terminator record in the 4096 bytes");
	return false;
}

/* The state besides the registers and FPCR that a new program starts with: FPSR 0. */
#define ARCH_FP_EXTRA_NAME "FPSR is 0: no exception flag, no QC"
static inline bool arch_fp_extra_initial(void)
{
	uint64_t fpsr;

	__asm__ volatile("mrs %0, fpsr" : "=r"(fpsr));
	return fpsr == 0;
}

/*
 * Floating-point errors do not trap here: trapping is optional in AArch64 (FPCR's
 * IOE..IDE enables read as zero where the implementation has none, and QEMU's TCG
 * has none), so the errors only set FPSR's cumulative flags. The two cases
 * (arch_fp_trap_run(n, &r)) divide 1 by 0 (fdiv: DZC, bit 1) and take the square
 * root of -1 (fsqrt: IOC, bit 0); r.flags is FPSR after, r.bits the result.
 */
#define ARCH_FP_TRAP_CASES 2
/* struct arch_fp_trap_case and arch_fp_trap_result: tests/user/fpu.c. */
static const struct arch_fp_trap_case arch_fp_trap_case[ARCH_FP_TRAP_CASES] = {
	{ "fdiv by zero: FPSR.DZC", false, 0x02, true },
	{ "fsqrt of -1: FPSR.IOC", false, 0x01, false },
};

static inline void arch_fp_trap_run(int n, struct arch_fp_trap_result *r)
{
	double one = 1.0, zero = 0.0, minus_one = -1.0, x;
	uint64_t fpsr;

	__asm__ volatile("msr fpsr, xzr" ::: "memory");
	if (n == 0)
		__asm__ volatile("fdiv %d0, %d1, %d2" : "=w"(x) : "w"(one), "w"(zero));
	else
		__asm__ volatile("fsqrt %d0, %d1" : "=w"(x) : "w"(minus_one));
	__asm__ volatile("mrs %0, fpsr" : "=r"(fpsr) : : "memory");
	r->flags = (uint32_t)fpsr;
	r->at = 0;
	memcpy(&r->bits, &x, sizeof(x));
}

/* Never called: no SIGFPE comes. */
static inline void arch_uc_fp_trap_fix(void *uc)
{
	(void)uc;
}

#endif /* USER_FPU_ARCH_H */

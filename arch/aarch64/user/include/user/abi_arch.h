/* SPDX-License-Identifier: MIT */
/*
 * The aarch64 layouts of the Linux user ABI structures that differ per arch, for the
 * user test runtime (tests/user/rt/; rt.h includes this after linux.h, whose types it
 * uses): struct sigaction as rt_sigaction() reads it, the signal frame's ucontext,
 * struct stat, and the one constant of linux.h whose arm64 value is not the generic
 * one (MINSIGSTKSZ). Written from Linux 6.1's arch/arm64/include/uapi/asm/{signal,
 * sigcontext,ucontext,stat}.h and arch/arm64/kernel/signal.c; every offset a test
 * relies on is asserted below.
 */
#ifndef USER_ABI_ARCH_H
#define USER_ABI_ARCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * arm64's uapi asm/signal.h defines SA_RESTORER (for AArch32 tasks) before it takes
 * asm-generic/signal.h, so __ARCH_HAS_SA_RESTORER is set and the kernel's struct
 * sigaction (include/linux/signal_types.h) has the restorer field: handler, flags,
 * restorer, mask. AArch64 tasks need no restorer: setup_return()
 * (arch/arm64/kernel/signal.c) points x30 at sa_restorer only when SA_RESTORER is
 * set, and otherwise at the vDSO's __kernel_rt_sigreturn. glibc 2.36's
 * __libc_sigaction for aarch64 passes none (it copies sa_restorer only if the caller
 * set SA_RESTORER itself), so the runtime passes none either, as on riscv64, and
 * handlers return through the kernel's trampoline.
 */
struct linux_k_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	linux_sigset_t mask;
};
_Static_assert(offsetof(struct linux_k_sigaction, mask) == 24, "arm64 sigaction: mask at 24");

/* What this arch adds to every action before rt_sigaction(): nothing. */
static inline void arch_sigaction_prepare(struct linux_k_sigaction *act)
{
	(void)act;
}

/*
 * uapi asm/sigcontext.h: the general registers, then 4 KiB of records (struct
 * _aarch64_ctx: magic, size) that hold the FP/SIMD state and whatever else the
 * kernel adds, aligned to 16 (fpu_arch.h reads the FP record).
 */
struct linux_sigcontext {
	uint64_t fault_address;
	uint64_t regs[31];		/* x0..x30 */
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
	uint8_t __reserved[4096] __attribute__((aligned(16)));
};

/* uapi asm/ucontext.h: uc_sigmask padded to glibc's 1024 bits, uc_mcontext last. */
struct linux_ucontext {
	unsigned long uc_flags;
	struct linux_ucontext *uc_link;
	linux_stack_t uc_stack;
	linux_sigset_t uc_sigmask;
	uint8_t __unused[1024 / 8 - sizeof(linux_sigset_t)];
	struct linux_sigcontext uc_mcontext;
};
/* glibc's aarch64 ucontext_t agrees: x0 at 184, sp 432, pc 440, __reserved 464. */
_Static_assert(offsetof(struct linux_ucontext, uc_sigmask) == 40, "arm64 uc_sigmask at 40");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 176, "arm64 uc_mcontext at 176");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext.regs) == 184, "arm64 x0 at 184");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext.pc) == 440, "arm64 saved pc at 440");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext.__reserved) == 464,
	       "arm64 records at 464");

/* The saved program counter, the return-value register (x0) and the mask that
 * rt_sigreturn restores, in a handler's ucontext. */
static inline uint64_t *arch_uc_pc(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_mcontext.pc;
}

static inline uint64_t *arch_uc_retval(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_mcontext.regs[0];
}

/* The registers arch_sigreturn_regs() reports: x9 and x10. */
static inline void arch_uc_set_scratch(void *uc, uint64_t a, uint64_t b)
{
	((struct linux_ucontext *)uc)->uc_mcontext.regs[9] = a;
	((struct linux_ucontext *)uc)->uc_mcontext.regs[10] = b;
}

static inline linux_sigset_t *arch_uc_sigmask(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_sigmask;
}

/*
 * arm64's uapi asm/signal.h sets MINSIGSTKSZ to 5120 before asm-generic's 2048 can
 * apply: its signal frame (a 4 KiB sigcontext) does not fit in 2048 bytes.
 * sys_sigaltstack passes that value to do_sigaltstack(), so on arm64 the ENOMEM
 * limit is 5120 bytes; linux.h holds the generic value.
 */
#undef MINSIGSTKSZ
#define MINSIGSTKSZ	5120

/* include/uapi/asm-generic/stat.h (arm64's uapi asm/stat.h includes it; fstat is
 * the generic table's __NR3264_fstat, newfstat). */
struct linux_stat {
	unsigned long st_dev;
	unsigned long st_ino;
	unsigned int st_mode;
	unsigned int st_nlink;
	unsigned int st_uid;
	unsigned int st_gid;
	unsigned long st_rdev;
	unsigned long __pad1;
	long st_size;
	int st_blksize;
	int __pad2;
	long st_blocks;
	long st_atime;
	unsigned long st_atime_nsec;
	long st_mtime;
	unsigned long st_mtime_nsec;
	long st_ctime;
	unsigned long st_ctime_nsec;
	unsigned int __unused4;
	unsigned int __unused5;
};
_Static_assert(sizeof(struct linux_stat) == 128, "generic struct stat is 128 bytes");
_Static_assert(offsetof(struct linux_stat, st_mode) == 16, "generic st_mode at 16");

#endif /* USER_ABI_ARCH_H */

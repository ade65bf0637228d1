/* SPDX-License-Identifier: MIT */
/*
 * The riscv64 layouts of the Linux user ABI structures that differ per arch, for the
 * user test runtime (tests/user/rt/; rt.h includes this after linux.h, whose types it
 * uses): struct sigaction as rt_sigaction() reads it, the signal frame's ucontext
 * and struct stat.
 *
 * There is no riscv64 Linux to run the tests on here, so these were checked by
 * reading Linux 6.1's sources and the two libcs that must agree with them:
 * - sigaction: riscv64 has no uapi asm/signal.h and takes asm-generic/signal.h,
 *   which leaves SA_RESTORER undefined ("New architectures should not define the
 *   obsolete SA_RESTORER"), so __ARCH_HAS_SA_RESTORER is unset and the kernel's
 *   struct sigaction (include/linux/signal_types.h) is handler, flags, mask: three
 *   words, no restorer field. glibc's kernel_sigaction.h (no HAS_SA_RESTORER for
 *   riscv) and musl's ksigaction.h agree. A handler returns through the vDSO's
 *   __vdso_rt_sigreturn: setup_rt_frame() (arch/riscv/kernel/signal.c) points ra at
 *   it, so the runtime passes no restorer here.
 * - ucontext: arch/riscv/include/uapi/asm/ucontext.h puts uc_sigmask before a pad to
 *   1024 bits and uc_mcontext last; struct sigcontext (uapi asm/sigcontext.h) is
 *   struct user_regs_struct (uapi asm/ptrace.h: pc first, then x1..x31 in register
 *   order, so a0 is the 11th word) and union __riscv_fp_state, whose Q member is
 *   aligned(16); so uc_mcontext starts at 176, not 168 (glibc's ucontext_t, the same
 *   alignment, agrees).
 * - struct stat: include/uapi/asm-generic/stat.h (riscv64 defines
 *   __ARCH_WANT_NEW_STAT; fstat is the generic table's __NR3264_fstat, newfstat):
 *   128 bytes, st_mode at 16 after st_dev and st_ino, st_nlink a 32-bit field after it.
 */
#ifndef USER_ABI_ARCH_H
#define USER_ABI_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct linux_k_sigaction {
	void *handler;
	unsigned long flags;
	linux_sigset_t mask;
};
_Static_assert(sizeof(struct linux_k_sigaction) == 24, "riscv64 sigaction: no restorer field");

/* What this arch adds to every action before rt_sigaction(): nothing. */
static inline void arch_sigaction_prepare(struct linux_k_sigaction *act)
{
	(void)act;
}

/* uapi asm/ptrace.h: struct user_regs_struct */
struct linux_user_regs {
	unsigned long pc, ra, sp, gp, tp, t0, t1, t2, s0, s1;
	unsigned long a0, a1, a2, a3, a4, a5, a6, a7;
	unsigned long s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
	unsigned long t3, t4, t5, t6;
};

/* uapi asm/ptrace.h: union __riscv_fp_state */
union linux_fp_state {
	struct { uint32_t f[32]; uint32_t fcsr; } f;
	struct { uint64_t f[32]; uint32_t fcsr; } d;
	struct {
		uint64_t f[64] __attribute__((aligned(16)));
		uint32_t fcsr;
		uint32_t reserved[3];
	} q;
};

struct linux_sigcontext {
	struct linux_user_regs sc_regs;
	union linux_fp_state sc_fpregs;
};

struct linux_ucontext {
	unsigned long uc_flags;
	struct linux_ucontext *uc_link;
	linux_stack_t uc_stack;
	linux_sigset_t uc_sigmask;
	uint8_t __unused[1024 / 8 - sizeof(linux_sigset_t)];
	struct linux_sigcontext uc_mcontext;
};
_Static_assert(offsetof(struct linux_ucontext, uc_sigmask) == 40, "riscv64 uc_sigmask at 40");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 176, "riscv64 uc_mcontext at 176");
_Static_assert(offsetof(struct linux_user_regs, a0) == 80, "riscv64 a0 is x10, the 11th word");

/* The saved program counter, the return-value register (a0) and the mask that
 * rt_sigreturn restores, in a handler's ucontext. */
static inline uint64_t *arch_uc_pc(void *uc)
{
	return (uint64_t *)&((struct linux_ucontext *)uc)->uc_mcontext.sc_regs.pc;
}

static inline uint64_t *arch_uc_retval(void *uc)
{
	return (uint64_t *)&((struct linux_ucontext *)uc)->uc_mcontext.sc_regs.a0;
}

/* The registers arch_sigreturn_regs() reports: t5 and t6. */
static inline void arch_uc_set_scratch(void *uc, uint64_t a, uint64_t b)
{
	((struct linux_ucontext *)uc)->uc_mcontext.sc_regs.t5 = a;
	((struct linux_ucontext *)uc)->uc_mcontext.sc_regs.t6 = b;
}

static inline linux_sigset_t *arch_uc_sigmask(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_sigmask;
}

/* include/uapi/asm-generic/stat.h */
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

/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 layouts of the Linux user ABI structures that differ per arch, for the
 * user test runtime (tests/user/rt/; rt.h includes this after linux.h, whose types it
 * uses): struct sigaction as rt_sigaction() reads it, the signal frame's ucontext
 * and struct stat. Written from arch/x86/include/uapi/asm/{signal,sigcontext,
 * ucontext,stat}.h and arch/x86/kernel/signal.c as of Linux 6.1; every offset a test
 * relies on is asserted below.
 */
#ifndef USER_ABI_ARCH_H
#define USER_ABI_ARCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * struct sigaction as the kernel copies it in (uapi asm/signal.h, __KERNEL__ view;
 * include/linux/signal_types.h with __ARCH_HAS_SA_RESTORER): x86_64 keeps the
 * restorer, and needs one: setup_rt_frame() (arch/x86/kernel/signal.c
 * __setup_rt_frame) refuses to build a frame for a handler without SA_RESTORER and
 * the program gets a SIGSEGV instead. The restorer is where the handler returns to;
 * it must call rt_sigreturn, as libcs' __restore_rt does.
 */
struct linux_k_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	linux_sigset_t mask;
};
_Static_assert(offsetof(struct linux_k_sigaction, mask) == 24, "x86_64 sigaction: mask at 24");

/* rt_arch.S: mov $SYS_rt_sigreturn, %eax; syscall. */
void arch_sigreturn_trampoline(void);

/* What this arch adds to every action before rt_sigaction(). */
static inline void arch_sigaction_prepare(struct linux_k_sigaction *act)
{
	act->flags |= SA_RESTORER;
	act->restorer = arch_sigreturn_trampoline;
}

/* uapi asm/sigcontext.h: the 64-bit struct sigcontext (256 bytes). */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;		/* a pointer to the FP state, elsewhere in the frame */
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct linux_sigcontext) == 256, "x86_64 sigcontext is 256 bytes");

/* uapi asm/ucontext.h: the third argument of an SA_SIGINFO handler. */
struct linux_ucontext {
	unsigned long uc_flags;
	struct linux_ucontext *uc_link;
	linux_stack_t uc_stack;
	struct linux_sigcontext uc_mcontext;
	linux_sigset_t uc_sigmask;
};
/* glibc's ucontext_i.sym agrees: oRIP 168, oSIGMASK 296. */
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 40, "x86_64 uc_mcontext at 40");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext.rip) == 168, "x86_64 saved rip at 168");
_Static_assert(offsetof(struct linux_ucontext, uc_sigmask) == 296, "x86_64 uc_sigmask at 296");

/* The saved program counter, the return-value register (rax) and the mask that
 * rt_sigreturn restores, in a handler's ucontext. */
static inline uint64_t *arch_uc_pc(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_mcontext.rip;
}

static inline uint64_t *arch_uc_retval(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_mcontext.rax;
}

/* The registers arch_sigreturn_regs() reports: rcx and r11. */
static inline void arch_uc_set_scratch(void *uc, uint64_t a, uint64_t b)
{
	((struct linux_ucontext *)uc)->uc_mcontext.rcx = a;
	((struct linux_ucontext *)uc)->uc_mcontext.r11 = b;
}

static inline linux_sigset_t *arch_uc_sigmask(void *uc)
{
	return &((struct linux_ucontext *)uc)->uc_sigmask;
}

/* uapi asm/stat.h, the 64-bit struct stat (x86_64 predates the generic one). */
struct linux_stat {
	unsigned long st_dev;
	unsigned long st_ino;
	unsigned long st_nlink;
	unsigned int st_mode;
	unsigned int st_uid;
	unsigned int st_gid;
	unsigned int __pad0;
	unsigned long st_rdev;
	long st_size;
	long st_blksize;
	long st_blocks;
	unsigned long st_atime, st_atime_nsec;
	unsigned long st_mtime, st_mtime_nsec;
	unsigned long st_ctime, st_ctime_nsec;
	long __unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "x86_64 struct stat is 144 bytes");
_Static_assert(offsetof(struct linux_stat, st_mode) == 24, "x86_64 st_mode at 24");

#endif /* USER_ABI_ARCH_H */

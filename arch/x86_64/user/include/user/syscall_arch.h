/* SPDX-License-Identifier: MIT */
/*
 * x86_64 Linux system calls for the user test runtime (tests/user/rt/): the numbers
 * of x86_64's own table (arch/x86/entry/syscalls/syscall_64.tbl, as exported in
 * <asm/unistd_64.h>) and the raw `syscall` instruction. The calling convention is
 * the kernel's (entry_SYSCALL_64 in arch/x86/entry/entry_64.S): number in %rax,
 * arguments in %rdi, %rsi, %rdx, %r10, %r8, %r9; the result (a value, or -errno
 * in -4095..-1) in %rax; %rcx and %r11 are clobbered (return RIP and RFLAGS).
 * Included by assembly too (crt0.S), so the numbers come first.
 */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#define SYS_read		0
#define SYS_write		1
#define SYS_fstat		5
#define SYS_mmap		9
#define SYS_mprotect		10
#define SYS_munmap		11
#define SYS_brk			12
#define SYS_rt_sigaction	13
#define SYS_rt_sigprocmask	14
#define SYS_rt_sigreturn	15
#define SYS_ioctl		16
#define SYS_sched_yield		24
#define SYS_mremap		25
#define SYS_msync		26
#define SYS_mincore		27
#define SYS_madvise		28
#define SYS_nanosleep		35
#define SYS_getpid		39
#define SYS_clone		56
#define SYS_vfork		58
#define SYS_execve		59
#define SYS_exit		60
#define SYS_wait4		61
#define SYS_kill		62
#define SYS_uname		63
#define SYS_getrlimit		97
#define SYS_setpgid		109
#define SYS_getppid		110
#define SYS_setsid		112
#define SYS_getpgid		121
#define SYS_getsid		124
#define SYS_rt_sigpending	127
#define SYS_sigaltstack		131
#define SYS_mlock		149
#define SYS_munlock		150
#define SYS_arch_prctl		158
#define SYS_gettid		186
#define SYS_futex		202
#define SYS_sched_getaffinity	204
#define SYS_set_tid_address	218
#define SYS_clock_gettime	228
#define SYS_clock_nanosleep	230
#define SYS_exit_group		231
#define SYS_tgkill		234
#define SYS_waitid		247
#define SYS_set_robust_list	273
#define SYS_get_robust_list	274
#define SYS_prlimit64		302
#define SYS_getrandom		318
#define SYS_rseq		334
#define SYS_clone3		435

#ifndef __ASSEMBLER__

static inline long arch_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif /* !__ASSEMBLER__ */
#endif /* USER_SYSCALL_ARCH_H */

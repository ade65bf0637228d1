/* SPDX-License-Identifier: MIT */
/*
 * riscv64 Linux system calls for the user test runtime (tests/user/rt/): riscv64
 * uses the generic table (include/uapi/asm-generic/unistd.h, with __ARCH_WANT_*
 * choices of arch/riscv/include/uapi/asm/unistd.h; mmap is __NR3264_mmap, the
 * 64-bit sys_mmap with a byte offset) and the `ecall` instruction: number in a7,
 * arguments in a0..a5, the result (a value, or -errno in -4095..-1) in a0
 * (arch/riscv/kernel/traps.c do_trap_ecall_u). Nothing else is clobbered.
 * Included by assembly too (crt0.S), so the numbers come first.
 */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#define SYS_ioctl		29
#define SYS_read		63
#define SYS_write		64
#define SYS_fstat		80	/* __NR3264_fstat: newfstat (__ARCH_WANT_NEW_STAT) */
#define SYS_exit		93
#define SYS_exit_group		94
#define SYS_waitid		95
#define SYS_set_tid_address	96
#define SYS_futex		98
#define SYS_set_robust_list	99
#define SYS_get_robust_list	100
#define SYS_nanosleep		101
#define SYS_clock_gettime	113
#define SYS_clock_nanosleep	115
#define SYS_sched_getaffinity	123
#define SYS_sched_yield		124
#define SYS_kill		129
#define SYS_tgkill		131
#define SYS_sigaltstack		132
#define SYS_rt_sigaction	134
#define SYS_rt_sigprocmask	135
#define SYS_rt_sigpending	136
#define SYS_rt_sigreturn	139
#define SYS_uname		160
#define SYS_getrlimit		163	/* __ARCH_WANT_SET_GET_RLIMIT on riscv64 */
#define SYS_getpid		172
#define SYS_getppid		173
#define SYS_setpgid		154
#define SYS_getpgid		155
#define SYS_getsid		156
#define SYS_setsid		157
#define SYS_gettid		178
#define SYS_brk			214
#define SYS_munmap		215
#define SYS_mremap		216
#define SYS_clone		220
#define SYS_execve		221
#define SYS_mmap		222
#define SYS_mprotect		226
#define SYS_msync		227
#define SYS_mlock		228
#define SYS_munlock		229
#define SYS_mincore		232
#define SYS_madvise		233
#define SYS_wait4		260
#define SYS_riscv_flush_icache	259	/* __NR_arch_specific_syscall + 15 */
#define SYS_prlimit64		261
#define SYS_getrandom		278
#define SYS_rseq		293
#define SYS_clone3		435	/* __ARCH_WANT_SYS_CLONE3 */

#ifndef __ASSEMBLER__

static inline long arch_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r_a7 __asm__("a7") = n;
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a4 __asm__("a4") = a4;
	register long r_a5 __asm__("a5") = a5;

	__asm__ volatile("ecall"
			 : "+r"(r_a0)
			 : "r"(r_a7), "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5)
			 : "memory");
	return r_a0;
}

#endif /* !__ASSEMBLER__ */
#endif /* USER_SYSCALL_ARCH_H */

/* SPDX-License-Identifier: MIT */
/*
 * aarch64 Linux system calls for the user test runtime (tests/user/rt/): arm64 uses
 * the generic table (include/uapi/asm-generic/unistd.h, with the __ARCH_WANT_*
 * choices of arch/arm64/include/uapi/asm/unistd.h: NEW_STAT, SET_GET_RLIMIT,
 * SYS_CLONE3; mmap is __NR3264_mmap, the 64-bit sys_mmap with a byte offset), so the
 * numbers are riscv64's without its riscv_flush_icache. The instruction is
 * `svc #0`: number in x8, arguments in x0..x5, the result (a value, or -errno in
 * -4095..-1) in x0 (arch/arm64/kernel/syscall.c invoke_syscall). Every other
 * register, x1..x30 and the FP/SIMD registers' low 128 bits, comes back as it was:
 * the return to user mode reloads them all from pt_regs.
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
#define SYS_setpgid		154
#define SYS_getpgid		155
#define SYS_getsid		156
#define SYS_setsid		157
#define SYS_uname		160
#define SYS_getrlimit		163	/* __ARCH_WANT_SET_GET_RLIMIT on arm64 */
#define SYS_prctl		167	/* arm64's own options: cpu_arch.h */
#define SYS_getpid		172
#define SYS_getppid		173
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
#define SYS_prlimit64		261
#define SYS_getrandom		278
#define SYS_rseq		293
#define SYS_clone3		435	/* __ARCH_WANT_SYS_CLONE3 */

#ifndef __ASSEMBLER__

static inline long arch_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r_x8 __asm__("x8") = n;
	register long r_x0 __asm__("x0") = a0;
	register long r_x1 __asm__("x1") = a1;
	register long r_x2 __asm__("x2") = a2;
	register long r_x3 __asm__("x3") = a3;
	register long r_x4 __asm__("x4") = a4;
	register long r_x5 __asm__("x5") = a5;

	__asm__ volatile("svc #0"
			 : "+r"(r_x0)
			 : "r"(r_x8), "r"(r_x1), "r"(r_x2), "r"(r_x3), "r"(r_x4), "r"(r_x5)
			 : "memory");
	return r_x0;
}

#endif /* !__ASSEMBLER__ */
#endif /* USER_SYSCALL_ARCH_H */

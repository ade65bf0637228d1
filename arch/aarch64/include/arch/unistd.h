/* SPDX-License-Identifier: MIT */
/*
 * aarch64's Linux system-call numbers, the kernel's side: the generic table
 * (include/uapi/asm-generic/unistd.h) as arch/arm64 selects it. The calls
 * kernel/syscall.c dispatches or names; any other number gets -ENOSYS.
 */
#ifndef ARCH_UNISTD_H
#define ARCH_UNISTD_H

/*
 * arm64's struct sigaction has sa_restorer (its uapi signal.h defines SA_RESTORER,
 * so asm-generic's struct has the field); a handler returns through it when the
 * flag is set, else through the vDSO's sigreturn trampoline.
 */
#define ARCH_SIGACTION_HAS_RESTORER 1

/*
 * sigaltstack()'s MINSIGSTKSZ: arm64's uapi signal.h sets 5120 (a 4 KiB sigcontext
 * __reserved area plus the frame) before asm-generic's 2048 can apply.
 */
#define ARCH_MINSIGSTKSZ 5120

/* clone(flags, newsp, parent_tid, tls, child_tid): Linux's CONFIG_CLONE_BACKWARDS. */
#define ARCH_CLONE_BACKWARDS 1

#define NR_ioctl              29
#define NR_read               63
#define NR_write              64
#define NR_writev             66
#define NR_readlinkat         78
#define NR_newfstatat         79
#define NR_fstat              80
#define NR_exit               93
#define NR_exit_group         94
#define NR_waitid             95
#define NR_set_tid_address    96
#define NR_futex              98
#define NR_set_robust_list    99
#define NR_get_robust_list    100
#define NR_nanosleep          101
#define NR_clock_gettime      113
#define NR_clock_getres       114
#define NR_clock_nanosleep    115
#define NR_sched_setaffinity  122
#define NR_sched_getaffinity  123
#define NR_sched_yield        124
#define NR_kill               129
#define NR_tkill              130
#define NR_tgkill             131
#define NR_sigaltstack        132
#define NR_rt_sigaction       134
#define NR_rt_sigprocmask     135
#define NR_rt_sigpending      136
#define NR_rt_sigreturn       139
#define NR_reboot             142
#define NR_setpgid            154
#define NR_getpgid            155
#define NR_getsid             156
#define NR_setsid             157
#define NR_uname              160
#define NR_getrlimit          163
#define NR_setrlimit          164
#define NR_umask              166
#define NR_prctl              167
#define NR_getpid             172
#define NR_getppid            173
#define NR_getuid             174
#define NR_geteuid            175
#define NR_getgid             176
#define NR_getegid            177
#define NR_gettid             178
#define NR_brk                214
#define NR_munmap             215
#define NR_mremap             216
#define NR_clone              220
#define NR_execve             221
#define NR_mmap               222
#define NR_mprotect           226
#define NR_mincore            232
#define NR_madvise            233
#define NR_wait4              260
#define NR_prlimit64          261
#define NR_getrandom          278
#define NR_rseq               293
#define NR_clone3             435

#endif

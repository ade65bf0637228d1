/* SPDX-License-Identifier: MIT */
/*
 * x86_64's Linux system-call numbers, the kernel's side
 * (arch/x86/entry/syscalls/syscall_64.tbl). Only the calls kernel/syscall.c
 * implements; any other number gets -ENOSYS.
 */
#ifndef ARCH_UNISTD_H
#define ARCH_UNISTD_H

/* x86_64 keeps Linux's sa_restorer field in struct sigaction (__ARCH_HAS_SA_RESTORER). */
#define ARCH_SIGACTION_HAS_RESTORER 1

/* sigaltstack()'s MINSIGSTKSZ: x86_64's uapi signal.h, 2048. */
#define ARCH_MINSIGSTKSZ 2048

#define NR_read               0
#define NR_write              1
#define NR_fstat              5
#define NR_mmap               9
#define NR_mprotect           10
#define NR_munmap             11
#define NR_brk                12
#define NR_rt_sigaction       13
#define NR_rt_sigprocmask     14
#define NR_rt_sigreturn       15
#define NR_ioctl              16
#define NR_writev             20
#define NR_sched_yield        24
#define NR_mremap             25
#define NR_mincore            27
#define NR_madvise            28
#define NR_nanosleep          35
#define NR_getpid             39
#define NR_clone              56
#define NR_fork               57
#define NR_vfork              58
#define NR_execve             59
#define NR_exit               60
#define NR_wait4              61
#define NR_kill               62
#define NR_uname              63
#define NR_umask              95
#define NR_getrlimit          97
#define NR_getuid             102
#define NR_getgid             104
#define NR_geteuid            107
#define NR_getegid            108
#define NR_setpgid            109
#define NR_getppid            110
#define NR_getpgrp            111
#define NR_setsid             112
#define NR_getpgid            121
#define NR_getsid             124
#define NR_rt_sigpending      127
#define NR_sigaltstack        131
#define NR_prctl              157
#define NR_arch_prctl         158
#define NR_setrlimit          160
#define NR_reboot             169
#define NR_gettid             186
#define NR_tkill              200
#define NR_futex              202
#define NR_sched_setaffinity  203
#define NR_sched_getaffinity  204
#define NR_set_tid_address    218
#define NR_clock_gettime      228
#define NR_clock_getres       229
#define NR_clock_nanosleep    230
#define NR_exit_group         231
#define NR_tgkill             234
#define NR_newfstatat         262
#define NR_readlink           89
#define NR_waitid             247
#define NR_readlinkat         267
#define NR_set_robust_list    273
#define NR_get_robust_list    274
#define NR_prlimit64          302
#define NR_getrandom          318
#define NR_rseq               334
#define NR_clone3             435

#endif

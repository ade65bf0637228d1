/* SPDX-License-Identifier: MIT */
/*
 * riscv64's Linux system-call numbers, the kernel's side: the generic table
 * (include/uapi/asm-generic/unistd.h) as arch/riscv selects it. Only the calls
 * kernel/syscall.c implements; any other number gets -ENOSYS.
 */
#ifndef ARCH_UNISTD_H
#define ARCH_UNISTD_H

#define NR_write       64
#define NR_exit        93
#define NR_exit_group  94
#define NR_getpid      172
#define NR_gettid      178

#endif

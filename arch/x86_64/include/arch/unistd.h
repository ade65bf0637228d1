/* SPDX-License-Identifier: MIT */
/*
 * x86_64's Linux system-call numbers, the kernel's side
 * (arch/x86/entry/syscalls/syscall_64.tbl). Only the calls kernel/syscall.c
 * implements; any other number gets -ENOSYS.
 */
#ifndef ARCH_UNISTD_H
#define ARCH_UNISTD_H

#define NR_write       1
#define NR_getpid      39
#define NR_exit        60
#define NR_gettid      186
#define NR_exit_group  231

#endif

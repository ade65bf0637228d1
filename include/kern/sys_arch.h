/* SPDX-License-Identifier: MIT */
/*
 * What kernel/sys_misc.c needs from each arch (arch/<arch>/sys_arch.c), besides
 * the system-call numbers (<arch/unistd.h>) and struct stat's layout
 * (<arch/stat.h>). Each arch/<arch>/ provides every function here.
 */
#ifndef KERN_SYS_ARCH_H
#define KERN_SYS_ARCH_H

#include <kern/types.h>

struct trap_frame;

/*
 * The arch's own small calls (riscv64's riscv_flush_icache, say), with the same
 * contract as sys_misc() (<kern/syscall.h>): true if @nr is one of them, with its
 * result in *@ret; false for a number the arch does not know either.
 */
bool arch_sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long args[6], long *ret);

/*
 * Fill @buf (@n bytes, at most 64) from a source of real entropy if the platform
 * has one (x86_64: RDRAND; riscv64: the device tree's /chosen/rng-seed, which the
 * boot loader or QEMU fills from the host's generator). Returns true if all @n
 * bytes came from it, false (the buffer unspecified) if there is none. Thread
 * context, called once per boot.
 */
bool arch_random_seed(uint8_t *buf, size_t n);

/*
 * prctl() options of the arch's own (arm64's PR_SET/GET_TAGGED_ADDR_CTRL, say):
 * the result for @option, or -EINVAL for an option the arch does not know either
 * (kernel/sys.c's default). Called for every option the generic prctl does not take.
 */
long arch_sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
		    unsigned long arg5);

/* For the arch's own numbers of the same calls (x86_64's readlink): kernel/sys_misc.c. */
#define SYS_AT_FDCWD (-100)
long sys_readlinkat(int dfd, uintptr_t upath, uintptr_t ubuf, int bufsiz);

#endif

// SPDX-License-Identifier: MIT
/*
 * Linux system call wrappers over the arch's raw syscall (arch_syscall6() in
 * arch/<arch>/user/include/user/syscall_arch.h). The kernel's return value is passed
 * back unchanged: negative errno values stay negative.
 */
#include "rt.h"

#define SC(n, a, b, c, d, e, f) \
	arch_syscall6(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

long sys_read(int fd, void *buf, size_t len) { return SC(read, fd, buf, len, 0, 0, 0); }
long sys_write(int fd, const void *buf, size_t len) { return SC(write, fd, buf, len, 0, 0, 0); }

/* Both arches' mmap takes a byte offset (x86_64 sys_mmap, riscv64 __NR3264_mmap on
 * 64-bit), which must be page aligned (arch/x86/kernel/sys_x86_64.c,
 * arch/riscv/kernel/sys_riscv.c riscv_sys_mmap). */
long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return SC(mmap, addr, len, prot, flags, fd, off);
}

long sys_munmap(void *addr, size_t len) { return SC(munmap, addr, len, 0, 0, 0, 0); }
long sys_mprotect(void *addr, size_t len, int prot) { return SC(mprotect, addr, len, prot, 0, 0, 0); }

long sys_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return SC(mremap, old_addr, old_len, new_len, flags, new_addr, 0);
}

/* The raw brk returns the new break, or the old one when it refuses (mm/mmap.c
 * sys_brk): it never returns -errno. */
long sys_brk(void *addr) { return SC(brk, addr, 0, 0, 0, 0, 0); }
long sys_mincore(void *addr, size_t len, unsigned char *vec) { return SC(mincore, addr, len, vec, 0, 0, 0); }
long sys_madvise(void *addr, size_t len, int advice) { return SC(madvise, addr, len, advice, 0, 0, 0); }
long sys_getpid(void) { return SC(getpid, 0, 0, 0, 0, 0, 0); }

_Noreturn void sys_exit_group(int status)
{
	SC(exit_group, status, 0, 0, 0, 0, 0);
	__builtin_trap();
}

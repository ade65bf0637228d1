/* SPDX-License-Identifier: MIT */
/*
 * The Linux user ABI constants the test programs use, written from the uapi headers
 * (include/uapi/asm-generic/errno-base.h, errno.h, mman-common.h, mman.h,
 * include/uapi/linux/mman.h). These values are the same on x86_64 and riscv64 (both
 * take the asm-generic ones; x86_64 only adds MAP_32BIT); an arch whose values differ
 * (mips, sparc, alpha, parisc) would move them under arch/<arch>/user/.
 */
#ifndef USER_RT_LINUX_H
#define USER_RT_LINUX_H

#define PAGE_SIZE	4096UL

/* errno-base.h, errno.h */
#define EPERM		1
#define ENOENT		2
#define EINTR		4
#define EBADF		9
#define EAGAIN		11
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSYS		38
#define EOVERFLOW	75
#define EOPNOTSUPP	95

/* mman-common.h, mman.h, linux/mman.h */
#define PROT_NONE	0x0
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define PROT_SEM	0x8
#define PROT_GROWSDOWN	0x01000000
#define PROT_GROWSUP	0x02000000

#define MAP_SHARED		0x01
#define MAP_PRIVATE		0x02
#define MAP_SHARED_VALIDATE	0x03
#define MAP_FIXED		0x10
#define MAP_ANONYMOUS		0x20
#define MAP_GROWSDOWN		0x0100
#define MAP_NORESERVE		0x4000
#define MAP_POPULATE		0x008000
#define MAP_FIXED_NOREPLACE	0x100000
#define MAP_SYNC		0x080000

#define MREMAP_MAYMOVE		1
#define MREMAP_FIXED		2
#define MREMAP_DONTUNMAP	4

#define MADV_NORMAL	0
#define MADV_RANDOM	1
#define MADV_SEQUENTIAL	2
#define MADV_WILLNEED	3
#define MADV_DONTNEED	4
#define MADV_FREE	8
#define MADV_REMOVE	9

#endif /* USER_RT_LINUX_H */

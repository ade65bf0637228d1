/* SPDX-License-Identifier: MIT */
/*
 * aarch64's struct stat as fstat(2) and newfstatat(2) write it: the generic layout
 * (include/uapi/asm-generic/stat.h; arm64 defines __ARCH_WANT_NEW_STAT). Every
 * arch's <arch/stat.h> names the fields the same way, so kernel/sys_misc.c fills
 * them by name.
 */
#ifndef ARCH_STAT_H
#define ARCH_STAT_H

#include <kern/types.h>

struct user_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint32_t st_mode;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_rdev;
	uint64_t pad1;
	int64_t st_size;
	int32_t st_blksize;
	int32_t pad2;
	int64_t st_blocks;
	int64_t st_atime;
	uint64_t st_atime_nsec;
	int64_t st_mtime;
	uint64_t st_mtime_nsec;
	int64_t st_ctime;
	uint64_t st_ctime_nsec;
	uint32_t unused4;
	uint32_t unused5;
};
_Static_assert(sizeof(struct user_stat) == 128, "generic struct stat is 128 bytes");
_Static_assert(__builtin_offsetof(struct user_stat, st_mode) == 16, "generic st_mode at 16");
_Static_assert(__builtin_offsetof(struct user_stat, st_atime) == 72, "generic st_atime at 72");

#endif

/* SPDX-License-Identifier: MIT */
/*
 * x86_64's struct stat as fstat(2) and newfstatat(2) write it: its own layout
 * (arch/x86/include/uapi/asm/stat.h, the 64-bit one), older than the generic
 * layout the other arches share. Every arch's <arch/stat.h> names the fields the
 * same way, so kernel/sys_misc.c fills them by name.
 */
#ifndef ARCH_STAT_H
#define ARCH_STAT_H

#include <kern/types.h>

struct user_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	uint64_t st_atime;
	uint64_t st_atime_nsec;
	uint64_t st_mtime;
	uint64_t st_mtime_nsec;
	uint64_t st_ctime;
	uint64_t st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct user_stat) == 144, "x86_64 struct stat is 144 bytes");
_Static_assert(__builtin_offsetof(struct user_stat, st_mode) == 24, "x86_64 st_mode at 24");
_Static_assert(__builtin_offsetof(struct user_stat, st_atime) == 72, "x86_64 st_atime at 72");

#endif

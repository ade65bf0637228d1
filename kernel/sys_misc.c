// SPDX-License-Identifier: MIT
/*
 * The small system calls (see <kern/syscall.h>): what a libc's start-up and
 * ordinary programs call besides memory and threads, with Linux 6.1's results.
 */
#include <kern/errno.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <arch/unistd.h>

bool sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long a[6], long *ret)
{
	(void)tf;
	(void)a;
	switch (nr) {
	case NR_sched_yield:
		thread_yield();
		*ret = 0;
		return true;
	default:
		return false;
	}
}

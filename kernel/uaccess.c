// SPDX-License-Identifier: MIT
/* Copies to and from user memory (see <kern/uaccess.h>). */
#include <kern/arch.h>
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/sched.h>
#include <kern/uaccess.h>
#include <mm/as.h>

bool user_range_ok(uintptr_t uaddr, size_t n)
{
	const struct thread *t = thread_current();

	if (!t->as)
		return false;
	/* No wrap, and below the space's end (the kernel half lies above it). */
	return uaddr >= t->as->min_addr && n <= t->as->task_size && uaddr <= t->as->task_size - n;
}

int copy_from_user(void *dst, uintptr_t usrc, size_t n)
{
	if (!n)
		return 0;
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	arch_user_access_begin();
	int r = copy_nofault(dst, (const void *)usrc, n);
	arch_user_access_end();
	return r;
}

int copy_to_user(uintptr_t udst, const void *src, size_t n)
{
	if (!n)
		return 0;
	if (!user_range_ok(udst, n))
		return -EFAULT;
	arch_user_access_begin();
	int r = copy_nofault((void *)udst, src, n);
	arch_user_access_end();
	return r;
}

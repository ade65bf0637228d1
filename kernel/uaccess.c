// SPDX-License-Identifier: MIT
/* Copies to and from user memory (see <kern/uaccess.h>). */
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/sched.h>
#include <kern/string.h>
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

bool access_ok(uintptr_t uaddr, size_t n)
{
	const struct thread *t = thread_current();

	return t->as && n <= t->as->task_size && uaddr <= t->as->task_size - n;
}

int copy_from_user(void *dst, uintptr_t usrc, size_t n)
{
	if (!n)
		return 0;
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	struct thread *t = thread_current();
	t->in_user_copy = true;
	arch_user_access_begin();
	int r = copy_nofault(dst, (const void *)usrc, n);
	arch_user_access_end();
	t->in_user_copy = false;
	return r;
}

int copy_to_user(uintptr_t udst, const void *src, size_t n)
{
	if (!n)
		return 0;
	if (!user_range_ok(udst, n))
		return -EFAULT;
	struct thread *t = thread_current();
	t->in_user_copy = true;
	arch_user_access_begin();
	int r = copy_nofault((void *)udst, src, n);
	arch_user_access_end();
	t->in_user_copy = false;
	return r;
}

bool uaccess_fault(const struct fault_info *fi, bool irqs_were_on)
{
	struct thread *t = thread_current();

	/*
	 * Only the copies above, with user pages open to the kernel: any other kernel
	 * access to a user page must fault (SMAP, SUM), even where the page is there.
	 */
	if (fi->user || !t->in_user_copy || !t->as || fi->addr >= t->as->task_size ||
	    !extable_lookup(fi->pc))
		return false;
	/* as_fault() may allocate and zero a frame: let interrupts in if they were. */
	if (irqs_were_on)
		arch_irq_enable();
	int err = as_fault(t->as, fi);
	(void)cpu_irq_save();
	return err == 0;
}

int copy_from_user_nofault(void *dst, uintptr_t usrc, size_t n)
{
	if (!n)
		return 0;
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	/* in_user_copy stays clear: a fault is not resolved, it only fails the copy. */
	arch_user_access_begin();
	int r = copy_nofault(dst, (const void *)usrc, n);
	arch_user_access_end();
	return r;
}

/* <kern/uaccess.h> */
long strncpy_from_user(char *dst, uintptr_t src, size_t max)
{
	char chunk[64];
	size_t done = 0;

	while (done < max) {
		size_t n = MIN(MIN(max - done, sizeof(chunk)),
			PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1)));
		if (copy_from_user(chunk, src + done, n))
			return -EFAULT;
		const char *nul = memchr(chunk, 0, n);
		size_t keep = nul ? (size_t)(nul - chunk) : n;
		if (dst)
			memcpy(dst + done, chunk, keep);
		done += keep;
		if (nul)
			return (long)done;
	}
	return (long)max;
}

/* SPDX-License-Identifier: MIT */
/*
 * Access to the calling thread's user memory from the kernel (kernel/uaccess.c).
 *
 * A user pointer is checked against the thread's user range before any access,
 * so a kernel address given by a program is -EFAULT, never a kernel access; the
 * copy itself runs under the exception table (copy_nofault()), so an unmapped or
 * protected user page is -EFAULT too, never a kernel fault. Only around the copy
 * does the arch open user pages to the kernel (arch_user_access_begin/end():
 * riscv64 sstatus.SUM; x86_64 stac/clac where SMAP is on).
 */
#ifndef KERN_UACCESS_H
#define KERN_UACCESS_H

#include <kern/types.h>

int copy_from_user(void *dst, uintptr_t usrc, size_t n);
int copy_to_user(uintptr_t udst, const void *src, size_t n);

/*
 * copy_from_user() that never faults a page in (and so never sleeps): -EFAULT for
 * a page that is not there, for callers holding a spinlock (futex: the caller
 * drops its lock, faults the page in with copy_from_user() and tries again).
 */
int copy_from_user_nofault(void *dst, uintptr_t usrc, size_t n);

/*
 * The arch's kernel-mode page-fault handler calls this first: a fault of a user
 * copy (an instruction of the exception table) on a user address is resolved as
 * the program's own access would be (as_fault(): demand paging), with interrupts
 * on again if they were at the fault. Returns true if the copy can retry the
 * instruction; false leaves the fault to the exception table (-EFAULT).
 */
struct fault_info;
bool uaccess_fault(const struct fault_info *fi, bool irqs_were_on);

/*
 * Linux's access_ok(): [@uaddr, @uaddr + @n) ends at or below the user top,
 * wherever it starts (0 bytes at any such address, NULL included), for a system
 * call's argument check that must give Linux's errno before any copy; the copy
 * itself still checks user_range_ok().
 */
bool access_ok(uintptr_t uaddr, size_t n);

/*
 * Copy the string at @src into @dst (@max bytes at most, no NUL added). Returns its
 * length, @max if no NUL came within @max bytes, or -EFAULT. Reads a page at a time
 * at most, so that a string ending before an unmapped page is read as on Linux;
 * @dst may be NULL to only measure.
 */
long strncpy_from_user(char *dst, uintptr_t src, size_t max);

/* Is [@uaddr, @uaddr + @n) inside the calling thread's user range? */
bool user_range_ok(uintptr_t uaddr, size_t n);

#endif

// SPDX-License-Identifier: MIT
/* System calls and user faults (see <kern/syscall.h>). */
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <mm/as.h>
#include <arch/unistd.h>

/* Linux caps one read or write at MAX_RW_COUNT (INT_MAX rounded down to a page). */
#define MAX_RW_COUNT (0x7fffffffu & ~(PAGE_SIZE - 1))

static unsigned int unknown_logged;

static __noreturn void user_exit(int status, int sig)
{
	struct thread *t = thread_current();

	t->exit_status = status & 0xff;
	t->exit_signal = sig;
	thread_exit();
}

/*
 * write(2) to the console. Copied in chunks: a bad buffer after some bytes made it
 * out returns the count written, as Linux does; before any, -EFAULT.
 */
static long sys_write(unsigned long fd, uintptr_t buf, size_t count)
{
	char chunk[256];
	size_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	while (done < count) {
		size_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
		if (copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	thread_current()->user_bytes_written += done;
	return (long)done;
}

long syscall_dispatch(unsigned long nr, const unsigned long a[6])
{
	struct thread *t = thread_current();

	t->syscalls++;
	switch (nr) {
	case NR_write:
		return sys_write(a[0], a[1], a[2]);
	case NR_exit:
	case NR_exit_group:   /* one thread per process so far */
		user_exit((int)a[0], 0);
	case NR_getpid:
	case NR_gettid:
		return t->tid;
	default:
		if (__atomic_fetch_add(&unknown_logged, 1, __ATOMIC_RELAXED) < SYSCALL_UNKNOWN_LOG_MAX)
			pr_info("syscall: %s[%u] called number %lu, not implemented: -ENOSYS\n",
				t->name, t->tid, nr);
		return -ENOSYS;
	}
}

void user_fault(const struct fault_info *fi, uintptr_t sp)
{
	struct thread *t = thread_current();

	if (t->as && as_fault(t->as, fi) == 0)
		return;
	pr_info("%s[%u]: segfault at %lx ip %lx sp %lx error %s%s\n", t->name, t->tid,
		(unsigned long)fi->addr, (unsigned long)fi->pc, (unsigned long)sp,
		fault_access_name(fi->access),
		fi->cause == FAULT_NOT_PRESENT ? " (not mapped)" :
		fi->cause == FAULT_PROTECTION ? " (protection)" : "");
	user_exit(0, SIGSEGV);
}

void user_fatal_signal(int sig, const char *what, uintptr_t pc, uintptr_t sp)
{
	struct thread *t = thread_current();

	pr_info("%s[%u]: %s ip %lx sp %lx\n", t->name, t->tid, what, (unsigned long)pc,
		(unsigned long)sp);
	user_exit(0, sig);
}

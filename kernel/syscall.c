// SPDX-License-Identifier: MIT
/* System calls and user faults (see <kern/syscall.h>). */
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/futex.h>
#include <kern/printk.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <mm/as.h>
#include <arch/unistd.h>

static unsigned int unknown_logged;

/*
 * The calling thread ends: a process's through exit(2) (@group false) or
 * exit_group(2) and fatal signals (@group true); a bare user thread (the user
 * ktests run some) ends alone either way.
 */
static __noreturn void user_exit(int status, int sig, bool group)
{
	struct thread *t = thread_current();

	if (t->proc) {
		if (group)
			proc_exit_group(status, sig);
		proc_exit_thread(status);
	}
	t->exit_status = status & 0xff;
	t->exit_signal = sig;
	thread_exit();
}

/*
 * The mm calls, on the calling thread's address space (<mm/as.h> has the rules).
 * mmap of a file: there are no files yet, and the only fds open are the
 * console's 0-2 (as_mmap() refuses them: -ENODEV); any other fd is not open,
 * which ksys_mmap_pgoff()'s fget() reports as -EBADF, as_mmap()'s answer for -1.
 * fget() takes the fd as an unsigned int.
 */
static long sys_mmap(struct as *as, const unsigned long a[6])
{
	int fd = (unsigned int)a[4] <= 2 ? (int)(unsigned int)a[4] : -1;
	uintptr_t out;
	int err = as_mmap(as, a[0], a[1], (unsigned int)a[2], (unsigned int)a[3], fd, a[5], &out);

	return err ? err : (long)out;
}

static long sys_mremap(struct as *as, const unsigned long a[6])
{
	uintptr_t out;
	int err = as_mremap(as, a[0], a[1], a[2], (unsigned int)a[3], a[4], &out);

	return err ? err : (long)out;
}

/* mincore(2): the vector goes out a chunk at a time (<mm/as.h>). */
static long sys_mincore(struct as *as, uintptr_t addr, size_t len, uintptr_t uvec)
{
	unsigned char buf[256];
	size_t pages, n;
	int err = as_mincore_check(as, addr, len, &pages);

	if (err)
		return err;
	/* access_ok(vec, pages): NULL passes (the copy-out fails after the walk). */
	if (!access_ok(uvec, pages))
		return -EFAULT;
	while (pages) {
		err = as_mincore(as, addr, pages < sizeof(buf) ? pages : sizeof(buf), buf, &n);
		if (err)
			return err;
		if (copy_to_user(uvec, buf, n))
			return -EFAULT;
		uvec += n;
		addr += n * PAGE_SIZE;
		pages -= n;
	}
	return 0;
}

long syscall_dispatch(struct trap_frame *tf, unsigned long nr, const unsigned long a[6])
{
	struct thread *t = thread_current();
	struct as *as = t->as;

	t->syscalls++;
	switch (nr) {
	case NR_write:
		return sys_write(a[0], a[1], a[2]);
	case NR_exit:
		user_exit((int)a[0], 0, false);
	case NR_exit_group:
		user_exit((int)a[0], 0, true);
	case NR_getpid:
		return proc_current_pid();
	case NR_gettid:
		return t->tid;
	case NR_getppid:
		return proc_parent_pid();
	case NR_getpgid:
		return proc_getpgid((int)a[0]);
	case NR_setpgid:
		return proc_setpgid((int)a[0], (int)a[1]);
	case NR_getsid:
		return proc_getsid((int)a[0]);
	case NR_setsid:
		return proc_setsid();
#ifdef NR_getpgrp
	case NR_getpgrp:
		return proc_getpgid(0);
#endif
	case NR_mmap:
		return sys_mmap(as, a);
	case NR_munmap:
		return as_munmap(as, a[0], a[1]);
	case NR_mprotect:
		return as_mprotect(as, a[0], a[1], (unsigned int)a[2]);
	case NR_mremap:
		return sys_mremap(as, a);
	case NR_brk:
		return (long)as_brk(as, a[0]);
	case NR_mincore:
		return sys_mincore(as, a[0], a[1], a[2]);
	case NR_madvise:
		return as_madvise(as, a[0], a[1], (int)a[2]);
	default:
		break;
	}
	if (t->proc) {
		switch (nr) {
		case NR_rt_sigaction:
			return sys_rt_sigaction((int)a[0], a[1], a[2], a[3]);
		case NR_rt_sigprocmask:
			return sys_rt_sigprocmask((int)a[0], a[1], a[2], a[3]);
		case NR_rt_sigpending:
			return sys_rt_sigpending(a[0], a[1]);
		case NR_rt_sigreturn:
			return sys_rt_sigreturn(tf);
		case NR_sigaltstack:
			return sys_sigaltstack(tf, a[0], a[1]);
		case NR_kill:
			return sys_kill((int)a[0], (int)a[1]);
		case NR_tgkill:
			return sys_tgkill((int)a[0], (int)a[1], (int)a[2]);
		case NR_tkill:
			return sys_tkill((int)a[0], (int)a[1]);
		case NR_clone: {
			/* riscv64 has CONFIG_CLONE_BACKWARDS: the TLS before the child's tid. */
#ifdef ARCH_CLONE_BACKWARDS
			uintptr_t ctid = a[4], tls = a[3];
#else
			uintptr_t ctid = a[3], tls = a[4];
#endif
			/* A new process: no CLONE_THREAD (with CLONE_VM: vfork, posix_spawn). */
			if (!(a[0] & CLONE_THREAD))
				return proc_fork(tf, a[0], a[1], a[2], ctid, tls);
			return proc_clone_thread(tf, a[0], a[1], a[2], ctid, tls);
		}
#ifdef NR_fork
		case NR_fork:
			return proc_fork(tf, SIGCHLD, 0, 0, 0, 0);
#endif
#ifdef NR_vfork
		case NR_vfork:
			/* The address space shared, the caller asleep until the child
			 * execs or exits (kernel/fork.c's vfork). */
			return proc_fork(tf, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
#endif
		case NR_execve:
			return proc_execve(a[0], a[1], a[2]);
		case NR_wait4:
			return proc_wait4((long)a[0], a[1], (long)(int)a[2], a[3]);
		case NR_waitid:
			return proc_waitid((long)(int)a[0], (long)(int)a[1], a[2], (long)(int)a[3], a[4]);
		case NR_futex:
			return sys_futex(a[0], (int)a[1], (uint32_t)a[2], a[3], a[4], (uint32_t)a[5]);
		default:
			break;
		}
	}
	switch (nr) {
	default: {
		long r;
		if (sys_misc(tf, nr, a, &r))
			return r;
	}
		if (__atomic_fetch_add(&unknown_logged, 1, __ATOMIC_RELAXED) < SYSCALL_UNKNOWN_LOG_MAX)
			pr_info("syscall: %s[%u] called number %lu, not implemented: -ENOSYS\n",
				t->name, t->tid, nr);
		return -ENOSYS;
	}
}

void user_return_work_slow(struct trap_frame *tf)
{
	struct thread *t = thread_current();
	unsigned int w;

	while ((w = __atomic_load_n(&t->work, __ATOMIC_ACQUIRE))) {
		arch_irq_enable();
		if (w & THREAD_WORK_KILL)
			proc_exit_killed();
		/* Cleared before the look, so a signal sent meanwhile sets it again. */
		__atomic_fetch_and(&t->work, ~THREAD_WORK_SIGNAL, __ATOMIC_SEQ_CST);
		signal_deliver(tf);
		(void)cpu_irq_save();
	}
}

void user_fault(const struct fault_info *fi, uintptr_t sp)
{
	struct thread *t = thread_current();
	int err = t->as ? as_fault(t->as, fi) : -EFAULT;

	if (!err)
		return;
	if (t->proc && err == -ENOMEM) {
		/* Linux's fault path calls the OOM killer; here the faulting process goes. */
		pr_err("%s[%u]: out of memory resolving a fault at %lx: killed\n", t->name, t->tid,
		       (unsigned long)fi->addr);
		proc_exit_group(0, SIGKILL);
	}
	/* Linux's show_signal_msg(): only a signal nobody handles is reported. */
	if (!t->proc || !signal_handled(SIGSEGV))
		pr_info("%s[%u]: segfault at %lx ip %lx sp %lx error %s%s\n", t->name, t->tid,
			(unsigned long)fi->addr, (unsigned long)fi->pc, (unsigned long)sp,
			fault_access_name(fi->access),
			err == -EFAULT ? " (not mapped)" : " (protection)");
	if (!t->proc)
		user_exit(0, SIGSEGV, true);
	signal_force_fault(SIGSEGV, err == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, fi->addr);
}

void user_fault_signal(int sig, int code, uintptr_t addr, const char *what, uintptr_t pc,
		       uintptr_t sp)
{
	struct thread *t = thread_current();

	if (!t->proc || !signal_handled(sig))
		pr_info("%s[%u]: %s ip %lx sp %lx\n", t->name, t->tid, what, (unsigned long)pc,
			(unsigned long)sp);
	if (!t->proc)
		user_exit(0, sig, true);
	signal_force_fault(sig, code, addr);
}

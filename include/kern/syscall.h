/* SPDX-License-Identifier: MIT */
/*
 * System calls and user faults, the generic half (kernel/syscall.c). The arch's
 * trap code decodes the call (number and six arguments in the arch's Linux
 * registers) and hands it here; numbers are the arch's own Linux ones
 * (<arch/unistd.h>), results a value or -errno, as on Linux. docs/user.md lists
 * what is implemented; any other number returns -ENOSYS and logs one line naming
 * it (at most SYSCALL_UNKNOWN_LOG_MAX lines per boot).
 */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include <kern/fault.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/types.h>

#define SYSCALL_UNKNOWN_LOG_MAX 16

struct trap_frame;

/*
 * Run system call @nr; called with interrupts on, in the calling thread, with the
 * frame the thread returns to user mode through (the arch's, opaque here: for the
 * calls that read or replace the user registers).
 */
long syscall_dispatch(struct trap_frame *tf, unsigned long nr, const unsigned long args[6]);

/*
 * kernel/sys_misc.c: the small calls a libc's start-up and programs make (identity,
 * time, limits, scheduling, random bytes, the console's ioctl and fstat, ...).
 * Returns true if @nr is one of them, with its result (a value or -errno) in *@ret.
 */
bool sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long args[6], long *ret);

/* write(2) to the console, fds 1 and 2 (kernel/sys_misc.c, with writev). */
long sys_write(unsigned long fd, uintptr_t buf, size_t count);

/*
 * The arch calls this with interrupts masked last before every return to user
 * mode (from a system call, an exception or an interrupt), with the frame it
 * returns through: does the thread's pending work (thread->work, <kern/sched.h>).
 * Does not return when the thread's process is exiting.
 */
void user_return_work_slow(struct trap_frame *tf);

/* Inline: nothing pending is the common case, one load. */
static inline void user_return_work(struct trap_frame *tf)
{
	if (__atomic_load_n(&thread_current()->work, __ATOMIC_ACQUIRE))
		user_return_work_slow(tf);
}

/*
 * A fault in user mode: demand paging through as_fault(); returns if it was
 * resolved. Otherwise SIGSEGV (SEGV_MAPERR or SEGV_ACCERR, si_addr the address) is
 * forced on the thread, after a line like Linux's ("NAME[TID]: segfault at ADDR ip
 * IP sp SP error ...") when the process has no handler; out of memory kills the
 * process. A thread of no process (the user ktests) ends as if killed by SIGSEGV.
 */
void user_fault(const struct fault_info *fi, uintptr_t sp);

/*
 * Any other synchronous exception in user mode (@what: "illegal instruction"...):
 * signal @sig with si_code @code and si_addr @addr, forced (<kern/signal.h>), and
 * a line like Linux's when the process has no handler for it. Returns; the signal
 * is delivered before the return to user mode.
 */
void user_fault_signal(int sig, int code, uintptr_t addr, const char *what, uintptr_t pc,
		       uintptr_t sp);


#endif

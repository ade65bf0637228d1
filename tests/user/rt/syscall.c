// SPDX-License-Identifier: MIT
/*
 * Linux system call wrappers over the arch's raw syscall (arch_syscall6() in
 * arch/<arch>/user/include/user/syscall_arch.h). The kernel's return value is passed
 * back unchanged: negative errno values stay negative.
 */
#include "rt.h"

#define SC(n, a, b, c, d, e, f) \
	arch_syscall6(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

long sys_read(int fd, void *buf, size_t len) { return SC(read, fd, buf, len, 0, 0, 0); }
long sys_write(int fd, const void *buf, size_t len) { return SC(write, fd, buf, len, 0, 0, 0); }

/* Both arches' mmap takes a byte offset (x86_64 sys_mmap, riscv64 __NR3264_mmap on
 * 64-bit), which must be page aligned (arch/x86/kernel/sys_x86_64.c,
 * arch/riscv/kernel/sys_riscv.c riscv_sys_mmap). */
long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return SC(mmap, addr, len, prot, flags, fd, off);
}

long sys_munmap(void *addr, size_t len) { return SC(munmap, addr, len, 0, 0, 0, 0); }
long sys_mprotect(void *addr, size_t len, int prot) { return SC(mprotect, addr, len, prot, 0, 0, 0); }

long sys_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return SC(mremap, old_addr, old_len, new_len, flags, new_addr, 0);
}

/* The raw brk returns the new break, or the old one when it refuses (mm/mmap.c
 * sys_brk): it never returns -errno. */
long sys_brk(void *addr) { return SC(brk, addr, 0, 0, 0, 0, 0); }
long sys_mincore(void *addr, size_t len, unsigned char *vec) { return SC(mincore, addr, len, vec, 0, 0, 0); }
long sys_madvise(void *addr, size_t len, int advice) { return SC(madvise, addr, len, advice, 0, 0, 0); }
long sys_getpid(void) { return SC(getpid, 0, 0, 0, 0, 0, 0); }
long sys_getppid(void) { return SC(getppid, 0, 0, 0, 0, 0, 0); }
long sys_gettid(void) { return SC(gettid, 0, 0, 0, 0, 0, 0); }

/* fork() as libcs make it on every arch: clone with only the exit signal (the
 * argument order of clone does not matter with every other argument 0). */
long sys_setpgid(int pid, int pgid) { return SC(setpgid, pid, pgid, 0, 0, 0, 0); }
long sys_getpgid(int pid) { return SC(getpgid, pid, 0, 0, 0, 0, 0); }
long sys_setsid(void) { return SC(setsid, 0, 0, 0, 0, 0, 0); }
long sys_getsid(int pid) { return SC(getsid, pid, 0, 0, 0, 0, 0); }
long sys_fork(void) { return SC(clone, SIGCHLD, 0, 0, 0, 0, 0); }
long sys_clone_process(unsigned long flags) { return SC(clone, flags, 0, 0, 0, 0, 0); }
long sys_execve(const char *path, char *const *argv, char *const *envp)
{
	return SC(execve, path, argv, envp, 0, 0, 0);
}
long sys_wait4(int pid, int *status, int options, void *rusage)
{
	return SC(wait4, pid, status, options, rusage, 0, 0);
}
long sys_waitid(int idtype, int id, linux_siginfo_t *info, int options, void *rusage)
{
	return SC(waitid, idtype, id, info, options, rusage, 0);
}

_Noreturn void sys_exit(int status)
{
	SC(exit, status, 0, 0, 0, 0, 0);
	__builtin_trap();
}

_Noreturn void sys_exit_group(int status)
{
	SC(exit_group, status, 0, 0, 0, 0, 0);
	__builtin_trap();
}

/* The rt_sig* calls take the size of the kernel's sigset_t and refuse any other
 * (kernel/signal.c: "if (sigsetsize != sizeof(sigset_t)) return -EINVAL"). */
long sys_rt_sigaction(int sig, const struct linux_k_sigaction *act, struct linux_k_sigaction *old,
		      size_t setsize)
{
	return SC(rt_sigaction, sig, act, old, setsize, 0, 0);
}

long sys_rt_sigprocmask(int how, const linux_sigset_t *set, linux_sigset_t *old, size_t setsize)
{
	return SC(rt_sigprocmask, how, set, old, setsize, 0, 0);
}

long sys_rt_sigpending(linux_sigset_t *set, size_t setsize) { return SC(rt_sigpending, set, setsize, 0, 0, 0, 0); }
long sys_sigaltstack(const linux_stack_t *ss, linux_stack_t *old) { return SC(sigaltstack, ss, old, 0, 0, 0, 0); }
long sys_kill(int pid, int sig) { return SC(kill, pid, sig, 0, 0, 0, 0); }
long sys_tgkill(int tgid, int tid, int sig) { return SC(tgkill, tgid, tid, sig, 0, 0, 0); }

long sys_clone3(struct linux_clone_args *args, size_t size) { return SC(clone3, args, size, 0, 0, 0, 0); }

long sys_futex(volatile int *uaddr, int op, int val, const struct linux_timespec *timeout,
	       volatile int *uaddr2, int val3)
{
	return SC(futex, uaddr, op, val, timeout, uaddr2, val3);
}

long sys_set_tid_address(volatile int *tidptr) { return SC(set_tid_address, tidptr, 0, 0, 0, 0, 0); }

long sys_set_robust_list(struct linux_robust_list_head *head, size_t len)
{
	return SC(set_robust_list, head, len, 0, 0, 0, 0);
}

long sys_get_robust_list(int pid, struct linux_robust_list_head **head, size_t *len)
{
	return SC(get_robust_list, pid, head, len, 0, 0, 0);
}

long sys_rseq(struct linux_rseq *rseq, uint32_t len, int flags, uint32_t sig)
{
	return SC(rseq, rseq, len, flags, sig, 0, 0);
}

long sys_sched_yield(void) { return SC(sched_yield, 0, 0, 0, 0, 0, 0); }

long sys_sched_getaffinity(int pid, size_t len, void *mask)
{
	return SC(sched_getaffinity, pid, len, mask, 0, 0, 0);
}

long sys_clock_gettime(int clock, struct linux_timespec *ts) { return SC(clock_gettime, clock, ts, 0, 0, 0, 0); }

long sys_nanosleep(const struct linux_timespec *req, struct linux_timespec *rem)
{
	return SC(nanosleep, req, rem, 0, 0, 0, 0);
}

/* The raw clock_nanosleep returns -errno like every call (the positive error
 * number is glibc's wrapper). */
long sys_clock_nanosleep(int clock, int flags, const struct linux_timespec *req,
			 struct linux_timespec *rem)
{
	return SC(clock_nanosleep, clock, flags, req, rem, 0, 0);
}

long sys_uname(struct linux_utsname *u) { return SC(uname, u, 0, 0, 0, 0, 0); }
long sys_getrlimit(int resource, struct linux_rlimit *rl) { return SC(getrlimit, resource, rl, 0, 0, 0, 0); }

long sys_prlimit64(int pid, int resource, const struct linux_rlimit *new_rl,
		   struct linux_rlimit *old_rl)
{
	return SC(prlimit64, pid, resource, new_rl, old_rl, 0, 0);
}

long sys_getrandom(void *buf, size_t len, unsigned int flags) { return SC(getrandom, buf, len, flags, 0, 0, 0); }
long sys_ioctl(int fd, unsigned long req, void *arg) { return SC(ioctl, fd, req, arg, 0, 0, 0); }
long sys_fstat(int fd, struct linux_stat *st) { return SC(fstat, fd, st, 0, 0, 0, 0); }

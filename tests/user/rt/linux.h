/* SPDX-License-Identifier: MIT */
/*
 * The Linux user ABI constants and structures the test programs use, written from the
 * uapi headers (include/uapi/asm-generic/errno-base.h, errno.h, mman-common.h,
 * mman.h, signal.h, signal-defs.h, siginfo.h, resource.h, ioctls.h,
 * include/uapi/linux/mman.h, futex.h, sched.h, time.h, random.h, rseq.h, utsname.h,
 * stat.h). These values and layouts are the same on x86_64 and riscv64 (both take
 * the asm-generic ones; x86_64 only adds MAP_32BIT and SA_RESTORER); an arch whose
 * values differ (mips, sparc, alpha, parisc) would move them under arch/<arch>/user/.
 * What does differ between the two, struct sigaction, the signal frame's ucontext and
 * struct stat, is in arch/<arch>/user/include/user/abi_arch.h.
 */
#ifndef USER_RT_LINUX_H
#define USER_RT_LINUX_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE	4096UL

/* errno-base.h, errno.h */
#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define E2BIG		7
#define EBADF		9
#define ECHILD		10
#define EAGAIN		11
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOTTY		25
#define ENOSYS		38
#define EOVERFLOW	75
#define EOPNOTSUPP	95
#define ETIMEDOUT	110

/* mman-common.h, mman.h, linux/mman.h */
#define PROT_NONE	0x0
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define PROT_SEM	0x8
#define PROT_GROWSDOWN	0x01000000
#define PROT_GROWSUP	0x02000000

#define MAP_SHARED		0x01
#define MAP_PRIVATE		0x02
#define MAP_SHARED_VALIDATE	0x03
#define MAP_FIXED		0x10
#define MAP_ANONYMOUS		0x20
#define MAP_GROWSDOWN		0x0100
#define MAP_DENYWRITE		0x0800	/* legacy: mmap ignores it */
#define MAP_EXECUTABLE		0x1000	/* legacy: mmap ignores it */
#define MAP_NORESERVE		0x4000
#define MAP_POPULATE		0x008000
#define MAP_NONBLOCK		0x010000
#define MAP_STACK		0x020000
#define MAP_FIXED_NOREPLACE	0x100000
#define MAP_SYNC		0x080000

#define MREMAP_MAYMOVE		1
#define MREMAP_FIXED		2
#define MREMAP_DONTUNMAP	4

#define MADV_NORMAL	0
#define MADV_RANDOM	1
#define MADV_SEQUENTIAL	2
#define MADV_WILLNEED	3
#define MADV_DONTNEED	4
#define MADV_FREE	8
#define MADV_REMOVE	9
#define MADV_DONTFORK	10
#define MADV_DOFORK	11
#define MADV_MERGEABLE	12
#define MADV_UNMERGEABLE 13
#define MADV_HUGEPAGE	14
#define MADV_NOHUGEPAGE	15
#define MADV_DONTDUMP	16
#define MADV_DODUMP	17
#define MADV_WIPEONFORK	18
#define MADV_KEEPONFORK	19
#define MADV_COLD	20
#define MADV_PAGEOUT	21
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#define MADV_DONTNEED_LOCKED 24
#define MADV_COLLAPSE	25

/* asm-generic/signal.h, signal-defs.h: the numbers, sa_flags and sigprocmask's how */
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGCHLD		17
#define SIGSTOP		19
#define SIGRTMIN	32
#define LINUX_NSIG	64	/* _NSIG: signals are 1..64 */

#define SA_NOCLDWAIT	0x00000002
#define SA_SIGINFO	0x00000004
#define SA_RESTORER	0x04000000	/* x86_64 only: generic arches have none */
#define SA_ONSTACK	0x08000000
#define SA_RESTART	0x10000000
#define SA_NODEFER	0x40000000
#define SA_RESETHAND	0x80000000

#define SIG_DFL		((void *)0)
#define SIG_IGN		((void *)1)

#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2

/* The kernel's sigset_t is _NSIG bits: what rt_sig*()'s sigsetsize must be. */
typedef uint64_t linux_sigset_t;
#define SIGSET_SIZE	sizeof(linux_sigset_t)
#define SIGMASK(sig)	(1ULL << ((sig) - 1))

#define MINSIGSTKSZ	2048
#define SS_ONSTACK	1
#define SS_DISABLE	2

typedef struct {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
} linux_stack_t;

/* siginfo.h: si_code values */
#define SI_USER		0
#define SI_KERNEL	0x80
#define SI_TKILL	(-6)
#define SEGV_MAPERR	1
#define SEGV_ACCERR	2

/* siginfo.h: 128 bytes; the union starts at 16 on 64-bit arches
 * (__ARCH_SI_PREAMBLE_SIZE), si_errno before si_code except on mips. */
typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	int __pad0;
	union {
		struct {		/* kill, tgkill: SI_USER, SI_TKILL */
			int pid;
			unsigned int uid;
		} kill;
		struct {		/* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
			void *addr;
		} fault;
		struct {		/* SIGCHLD, and waitid's answer */
			int pid;
			unsigned int uid;
			int status;
		} chld;
		char __pad[128 - 16];
	} u;
} linux_siginfo_t;
_Static_assert(sizeof(linux_siginfo_t) == 128, "siginfo is 128 bytes");

/* The handler of an SA_SIGINFO action: uc is the arch's struct ucontext. */
typedef void linux_sigaction_fn(int sig, linux_siginfo_t *si, void *uc);

/* linux/time.h: struct __kernel_timespec; clock ids of linux/time.h */
struct linux_timespec {
	long tv_sec;
	long tv_nsec;
};
#define NSEC_PER_SEC		1000000000L
#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	3
#define CLOCK_MONOTONIC_RAW	4
#define CLOCK_BOOTTIME		7
#define CLOCK_TAI		11
#define LINUX_MAX_CLOCKS	16
#define TIMER_ABSTIME		1

/* linux/futex.h */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_WAIT_BITSET	9
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_BITSET_MATCH_ANY	0xffffffffU

struct linux_robust_list_head {
	void *list;
	long futex_offset;
	void *list_op_pending;
};

/* linux/sched.h: clone flags; struct clone_args as Linux 6.1 knows it (VER2) */
#define CSIGNAL			0x000000ff
#define CLONE_VM		0x00000100
#define CLONE_FS		0x00000200
#define CLONE_FILES		0x00000400
#define CLONE_SIGHAND		0x00000800
#define CLONE_THREAD		0x00010000
#define CLONE_SYSVSEM		0x00040000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000

struct linux_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0	64
#define CLONE_ARGS_SIZE_VER1	80
#define CLONE_ARGS_SIZE_VER2	88
_Static_assert(sizeof(struct linux_clone_args) == CLONE_ARGS_SIZE_VER2, "clone_args VER2");

/* linux/rseq.h: the 6.1 ABI, 32 bytes aligned to 32 */
struct linux_rseq {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
} __attribute__((aligned(32)));
_Static_assert(sizeof(struct linux_rseq) == 32, "struct rseq is 32 bytes");
#define RSEQ_FLAG_UNREGISTER	1
#define RSEQ_CPU_ID_UNINITIALIZED ((uint32_t)-1)

/* linux/random.h */
#define GRND_NONBLOCK	0x0001
#define GRND_RANDOM	0x0002
#define GRND_INSECURE	0x0004

/* asm-generic/resource.h */
#define RLIMIT_STACK	3
#define RLIMIT_NOFILE	7
#define RLIMIT_RTTIME	15
#define RLIM_NLIMITS	16
#define RLIM_INFINITY	(~0UL)

struct linux_rlimit {
	unsigned long rlim_cur, rlim_max;
};

/* linux/utsname.h: struct new_utsname */
#define UTSNAME_LEN	65
struct linux_utsname {
	char sysname[UTSNAME_LEN], nodename[UTSNAME_LEN], release[UTSNAME_LEN];
	char version[UTSNAME_LEN], machine[UTSNAME_LEN], domainname[UTSNAME_LEN];
};

/* asm-generic/ioctls.h (x86_64 uses it too), asm-generic/termios.h */
#define TCSBRK		0x5409	/* with a nonzero argument: tcdrain() */
#define TIOCGWINSZ	0x5413
struct linux_winsize {
	unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* linux/stat.h */
#define S_IFMT		0170000
#define S_IFCHR		0020000

#endif /* USER_RT_LINUX_H */

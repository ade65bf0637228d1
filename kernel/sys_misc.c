// SPDX-License-Identifier: MIT
/*
 * The small system calls (see <kern/syscall.h>): what a libc's start-up and
 * ordinary programs call besides memory, threads and signals, with Linux 6.1's
 * results and errno values, in Linux's order of checks. Each call cites the Linux
 * function it follows; docs/user.md lists where kestrel differs and why.
 *
 * State: per thread (struct thread: the robust list, rseq, the name), written only
 * by the thread itself; per process (struct proc: limits and umask, under
 * proc->lock, set up at first use by proc_sys_locked()); the console's terminal
 * settings (console_tty.lock); the random generator (rng.lock). Every lock here is
 * a spinlock taken with interrupts masked and held only around kernel copies,
 * never across a user copy (a user copy may fault and sleep).
 *
 * The console is the only file: fds 0, 1 and 2 are it, as /init's are
 * /dev/console on Linux (opened once by the kernel and duplicated); any other fd
 * is not open (-EBADF). There is no filesystem, so a path looks nothing up.
 */
#include <kern/arch.h>
#include <kern/errno.h>
#include <kern/printk.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/sys_arch.h>
#include <kern/syscall.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <kern/uaccess.h>
#include <mm/as.h>
#include <mm/buddy.h>
#include <mm/slab.h>
#include <arch/stat.h>
#include <arch/unistd.h>

/* Linux caps one read or write at MAX_RW_COUNT (INT_MAX rounded down to a page). */
#define MAX_RW_COUNT (0x7fffffffu & ~(PAGE_SIZE - 1))

#define NSEC_PER_SEC 1000000000ull

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Linux's find_task_by_vpid(@pid) for the tasks kestrel can name: the calling
 * thread's own process only (other processes' threads are not looked up yet). True if @pid is
 * one of its threads' ids (the first thread's is the pid), with that thread's
 * robust list head in *@robust (may be NULL). A bare user thread finds only itself.
 */
static bool tid_lookup(long pid, uintptr_t *robust)
{
	struct thread *self = thread_current();
	struct proc *p = self->proc;
	bool found = false;

	if (pid <= 0 || pid >= PID_MAX)
		return false;
	if (!p) {
		if (pid == self->tid && robust)
			*robust = self->robust_list;
		return pid == self->tid;
	}
	unsigned long flags = spin_lock_irqsave(&p->lock);
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		if (t->tid == (unsigned int)pid) {
			if (robust)
				*robust = __atomic_load_n(&t->robust_list, __ATOMIC_RELAXED);
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return found;
}

/* ---- identity (kernel/sys.c, kernel/fork.c, kernel/futex/syscalls.c) ---- */

#define UTS_LEN 65

struct new_utsname {
	char sysname[UTS_LEN], nodename[UTS_LEN], release[UTS_LEN];
	char version[UTS_LEN], machine[UTS_LEN], domainname[UTS_LEN];
};

/*
 * newuname(). The kernel says its own name; the release starts with the Linux
 * version whose ABI it follows, for programs that parse it to decide what the
 * kernel can do (docs/user.md). nodename and domainname are Linux's defaults
 * (UTS_NODENAME, UTS_DOMAINNAME) before anyone sets them.
 */
static long sys_uname(uintptr_t ubuf)
{
	static const struct new_utsname uts = {
		.sysname = KERNEL_NAME,
		.nodename = "(none)",
		.release = "6.1.0-" KERNEL_NAME,
		.version = "#1 SMP " KERNEL_NAME " " KERNEL_VERSION,
		.machine = KERNEL_ARCH,
		.domainname = "(none)",
	};

	return copy_to_user(ubuf, &uts, sizeof(uts)) ? -EFAULT : 0;
}

/* set_tid_address(): "return task_pid_vnr(current)", the caller's tid. */
static long sys_set_tid_address(uintptr_t tidptr)
{
	struct thread *t = thread_current();

	t->clear_child_tid = tidptr;
	return t->tid;
}

/* sizeof(struct robust_list_head): list, futex_offset, list_op_pending. */
#define ROBUST_LIST_HEAD_SIZE 24

/*
 * set_robust_list(): only the length is checked, and the head is only kept: the
 * futex code walks the list when the thread exits (handle_futex_death()).
 */
static long sys_set_robust_list(uintptr_t head, size_t len)
{
	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	__atomic_store_n(&thread_current()->robust_list, head, __ATOMIC_RELAXED);
	return 0;
}

/* get_robust_list(): pid 0 is the caller; root may read any thread's (ptrace_may_access). */
static long sys_get_robust_list(int pid, uintptr_t head_ptr, uintptr_t len_ptr)
{
	uintptr_t head;
	uint64_t len = ROBUST_LIST_HEAD_SIZE;

	if (pid == 0)
		head = thread_current()->robust_list;
	else if (!tid_lookup(pid, &head))
		return -ESRCH;
	if (copy_to_user(len_ptr, &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user(head_ptr, &head, sizeof(head)) ? -EFAULT : 0;
}

/* ---- per-process state: limits and umask (kernel/sys.c, include/asm-generic/resource.h) ---- */

#define RLIMIT_CPU        0
#define RLIMIT_FSIZE      1
#define RLIMIT_DATA       2
#define RLIMIT_STACK      3
#define RLIMIT_CORE       4
#define RLIMIT_RSS        5
#define RLIMIT_NPROC      6
#define RLIMIT_NOFILE     7
#define RLIMIT_MEMLOCK    8
#define RLIMIT_AS         9
#define RLIMIT_LOCKS      10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE   12
#define RLIMIT_NICE       13
#define RLIMIT_RTPRIO     14
#define RLIMIT_RTTIME     15
#define RLIM_INFINITY     (~0ull)
#define NR_OPEN           (1024 * 1024)  /* sysctl_nr_open's default: the hard NOFILE cap */

_Static_assert(PROC_RLIMITS == RLIMIT_RTTIME + 1, "Linux has 16 resources");

/*
 * INIT_RLIMITS (include/asm-generic/resource.h): _STK_LIM 8 MiB, INR_OPEN_CUR/MAX
 * 1024/4096, MLOCK_LIMIT 8 MiB, MQ_BYTES_MAX 819200. NPROC and SIGPENDING are
 * fork_init()'s, from the memory size (init_nproc()).
 */
static const struct proc_rlimit init_rlimits[PROC_RLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { 8 * 1024 * 1024, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { 0, 0 },
	[RLIMIT_NOFILE] = { 1024, 4096 },
	[RLIMIT_MEMLOCK] = { 8 * 1024 * 1024, 8 * 1024 * 1024 },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_SIGPENDING] = { 0, 0 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_NICE] = { 0, 0 },
	[RLIMIT_RTPRIO] = { 0, 0 },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

/*
 * fork_init(): RLIMIT_NPROC (and SIGPENDING) is max_threads / 2, where
 * set_max_threads() allows the thread structures an eighth of RAM at THREAD_SIZE
 * (16 KiB on both arches) each, clamped to [MIN_THREADS, FUTEX_TID_MASK].
 */
static uint64_t init_nproc(void)
{
	static uint64_t nproc;
	uint64_t v = __atomic_load_n(&nproc, __ATOMIC_RELAXED);

	if (v)
		return v;
	uint64_t frames = 0;
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		frames += st.managed_frames;
	}
	uint64_t threads = frames * PAGE_SIZE / (16 * 1024 * 8);
	if (threads < 20)
		threads = 20;
	if (threads > 0x3fffffff)
		threads = 0x3fffffff;
	v = threads / 2;
	__atomic_store_n(&nproc, v, __ATOMIC_RELAXED);
	return v;
}

/*
 * The process's limits and umask, set up on first use: a spawned process starts
 * from zeroes and gets Linux's init values here; a forked one inherits its
 * parent's, sys_ready included (proc_fork()). Call with p->lock held; @nproc from
 * init_nproc(), got before the lock.
 */
static void proc_sys_locked(struct proc *p, uint64_t nproc)
{
	if (p->sys_ready)
		return;
	memcpy(p->rlim, init_rlimits, sizeof(p->rlim));
	p->rlim[RLIMIT_NPROC] = p->rlim[RLIMIT_SIGPENDING] = (struct proc_rlimit){ nproc, nproc };
	p->umask = 022;            /* init_fs's umask */
	p->sys_ready = true;
}

/*
 * do_prlimit() on the calling thread's process: *@old gets the limit before the
 * change, *@new (if given) replaces it. Root holds CAP_SYS_RESOURCE, so a hard
 * limit may rise, up to NR_OPEN for NOFILE. The limits are kept and read back;
 * nothing enforces them yet (docs/user.md).
 */
static int do_prlimit(unsigned int resource, const struct proc_rlimit *new, struct proc_rlimit *old)
{
	struct proc *p = thread_current()->proc;

	if (resource >= PROC_RLIMITS)
		return -EINVAL;
	if (new) {
		if (new->cur > new->max)
			return -EINVAL;
		if (resource == RLIMIT_NOFILE && new->max > NR_OPEN)
			return -EPERM;
	}
	if (!p)
		return -ESRCH;     /* a bare user thread has no process to hold limits */
	uint64_t nproc = init_nproc();
	unsigned long flags = spin_lock_irqsave(&p->lock);
	proc_sys_locked(p, nproc);
	if (old)
		*old = p->rlim[resource];
	if (new)
		p->rlim[resource] = *new;
	spin_unlock_irqrestore(&p->lock, flags);
	return 0;
}

/* prlimit64(): the new limit is copied in first, then the task looked up, as Linux does. */
static long sys_prlimit64(int pid, unsigned int resource, uintptr_t unew, uintptr_t uold)
{
	struct proc_rlimit new, old;
	int err;

	if (unew && copy_from_user(&new, unew, sizeof(new)))
		return -EFAULT;
	if (pid != 0 && !tid_lookup(pid, NULL))
		return -ESRCH;
	err = do_prlimit(resource, unew ? &new : NULL, uold ? &old : NULL);
	if (!err && uold && copy_to_user(uold, &old, sizeof(old)))
		err = -EFAULT;
	return err;
}

/* getrlimit() and setrlimit(): both arches have them (riscv64 by __ARCH_WANT_SET_GET_RLIMIT). */
static long sys_getrlimit(unsigned int resource, uintptr_t urlim)
{
	struct proc_rlimit r;
	int err = do_prlimit(resource, NULL, &r);

	if (!err && copy_to_user(urlim, &r, sizeof(r)))
		err = -EFAULT;
	return err;
}

static long sys_setrlimit(unsigned int resource, uintptr_t urlim)
{
	struct proc_rlimit r;

	if (copy_from_user(&r, urlim, sizeof(r)))
		return -EFAULT;
	return do_prlimit(resource, &r, NULL);
}

/* umask(): the file-mode creation mask, shared by the process's threads (CLONE_FS). */
#define S_IRWXUGO 0777

static long sys_umask(unsigned int mask)
{
	struct proc *p = thread_current()->proc;

	if (!p)
		return -ESRCH;
	uint64_t nproc = init_nproc();
	unsigned long flags = spin_lock_irqsave(&p->lock);
	proc_sys_locked(p, nproc);
	unsigned int old = p->umask;
	p->umask = mask & S_IRWXUGO;
	spin_unlock_irqrestore(&p->lock, flags);
	return old;
}

/* ---- prctl (kernel/sys.c): the thread's name only ---- */

#define PR_SET_NAME 15
#define PR_GET_NAME 16

/*
 * PR_SET_NAME: at most 15 bytes, then a NUL (the name is always terminated, so
 * reports printing it from another CPU meanwhile never run past it). PR_GET_NAME
 * copies all 16 bytes. Every other option is the arch's (arch_sys_prctl()), which
 * answers -EINVAL for those it does not know either (docs/user.md).
 */
static long sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
		      unsigned long arg5)
{
	struct thread *t = thread_current();
	char name[sizeof(t->name)];

	switch (option) {
	case PR_SET_NAME: {
		/* set_task_comm() pads with NULs: PR_GET_NAME shows none of the old name. */
		memset(name, 0, sizeof(name));
		if (strncpy_from_user(name, arg2, sizeof(name) - 1) < 0)
			return -EFAULT;
		for (size_t i = 0; i < sizeof(name); i++)
			__atomic_store_n(&t->name[i], name[i], __ATOMIC_RELAXED);
		return 0;
	}
	case PR_GET_NAME:
		memcpy(name, t->name, sizeof(name));
		name[sizeof(name) - 1] = 0;
		return copy_to_user(arg2, name, sizeof(name)) ? -EFAULT : 0;
	default:
		return arch_sys_prctl(option, arg2, arg3, arg4, arg5);
	}
}

/* ---- rseq (kernel/rseq.c, 6.1) ---- */

#define RSEQ_LEN 32                /* sizeof(struct rseq) in 6.1, and its alignment */
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_CPU_ID_UNINITIALIZED 0xffffffffu

/*
 * sys_rseq(). The area's first two words are cpu_id_start and cpu_id. Linux
 * writes them on the way back to user mode after a registration and after every
 * migration; a thread here never changes CPU (<kern/sched.h>), so writing them
 * once at registration keeps them right. A write that faults is Linux's
 * force_sigsegv() on the way out. Critical sections (rseq_cs) are not aborted on
 * preemption or signal delivery: docs/user.md.
 */
static long sys_rseq(uintptr_t rseq, uint32_t len, int flags, uint32_t sig)
{
	struct thread *t = thread_current();

	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		if (t->rseq != rseq || !t->rseq)
			return -EINVAL;
		if (len != RSEQ_LEN)
			return -EINVAL;
		if (t->rseq_sig != sig)
			return -EPERM;
		/* rseq_reset_rseq_cpu_id(): cpu_id_start 0, cpu_id uninitialized. */
		uint32_t reset[2] = { 0, RSEQ_CPU_ID_UNINITIALIZED };
		if (copy_to_user(rseq, reset, sizeof(reset)))
			return -EFAULT;
		t->rseq = 0;
		t->rseq_sig = 0;
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (t->rseq) {
		if (t->rseq != rseq || len != RSEQ_LEN)
			return -EINVAL;
		if (t->rseq_sig != sig)
			return -EPERM;
		return -EBUSY;
	}
	if ((rseq & (RSEQ_LEN - 1)) || len != RSEQ_LEN)
		return -EINVAL;
	if (!access_ok(rseq, len))
		return -EFAULT;
	t->rseq = rseq;
	t->rseq_sig = sig;
	uint32_t cpu[2] = { t->cpu, t->cpu };
	if (copy_to_user(rseq, cpu, sizeof(cpu))) {
		if (t->proc)
			signal_force_fault(SIGSEGV, SI_KERNEL, 0);
		else
			return -EFAULT;  /* a bare user thread has no signals */
	}
	return 0;
}

/* ---- clocks (kernel/time/posix-timers.c, posix-cpu-timers.c) ---- */

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define CLOCK_REALTIME_ALARM     8
#define CLOCK_BOOTTIME_ALARM     9
#define CLOCK_TAI                11
#define NR_POSIX_CLOCKS          12   /* ARRAY_SIZE(posix_clocks): 10 is an empty slot */
#define TIMER_ABSTIME            1

/* Negative ids (include/linux/posix-timers.h): CPU clocks of a pid, or a clock fd. */
#define CPUCLOCK_PERTHREAD_MASK 4
#define CPUCLOCK_CLOCK_MASK     3
#define CPUCLOCK_SCHED          2
#define CPUCLOCK_MAX            3
#define CLOCKFD                 3
#define CLOCKFD_MASK            (CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_CLOCK_MASK)

#define TICK_NSEC (NSEC_PER_SEC / TIMER_HZ)

/* What a clock id reads. */
enum clock_base {
	CB_REAL,        /* REALTIME, REALTIME_ALARM, TAI (the TAI offset is 0 until set) */
	CB_MONO,        /* MONOTONIC, MONOTONIC_RAW, BOOTTIME, BOOTTIME_ALARM: no suspend */
	CB_REAL_COARSE, /* the same at the tick's granularity */
	CB_MONO_COARSE,
	CB_CPU,         /* a CPU-time clock */
};

struct clock_sel {
	enum clock_base base;
	bool nsleep;     /* the k_clock has an nsleep */
	bool sched;      /* a CPU clock counting CPUCLOCK_SCHED (1 ns resolution) */
	bool self_thread;  /* a per-thread CPU clock of the caller (its nsleep is -EINVAL) */
};

/*
 * clockid_to_kclock() and, for CPU clocks, pid_for_clock(): 0 and *@out, or
 * -EINVAL for a clock that does not exist. Only the caller's process is
 * visible (tid_lookup()), and there are no posix clock fds.
 */
static int clock_select(int id, bool gettime, struct clock_sel *out)
{
	*out = (struct clock_sel){ .nsleep = true };
	if (id < 0) {
		/* A dynamic clock (no fd is a posix clock), or CPUCLOCK_WHICH() >= CPUCLOCK_MAX. */
		if ((id & CPUCLOCK_CLOCK_MASK) == CPUCLOCK_MAX)
			return -EINVAL;
		int pid = ~(id >> 3);
		bool thread = id & CPUCLOCK_PERTHREAD_MASK;
		struct thread *self = thread_current();
		unsigned int own_pid = proc_current_pid();

		if (pid != 0) {
			if (thread ? !tid_lookup(pid, NULL)
				   : !((unsigned int)pid == own_pid ||
				       (gettime && (unsigned int)pid == self->tid)))
				return -EINVAL;
		}
		out->base = CB_CPU;
		out->sched = (id & CPUCLOCK_CLOCK_MASK) == CPUCLOCK_SCHED;
		out->self_thread = thread && (pid == 0 || (unsigned int)pid == self->tid);
		return 0;
	}
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		out->base = CB_REAL;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		out->base = CB_MONO;
		return 0;
	case CLOCK_MONOTONIC_RAW:
		out->base = CB_MONO;
		out->nsleep = false;
		return 0;
	case CLOCK_REALTIME_COARSE:
		out->base = CB_REAL_COARSE;
		out->nsleep = false;
		return 0;
	case CLOCK_MONOTONIC_COARSE:
		out->base = CB_MONO_COARSE;
		out->nsleep = false;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		out->base = CB_CPU;
		out->sched = true;
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		out->base = CB_CPU;
		out->sched = true;
		out->nsleep = false;   /* clock_thread has no nsleep */
		return 0;
	default:
		return -EINVAL;        /* 10 (CLOCK_SGI_CYCLE's empty slot), >= NR_POSIX_CLOCKS */
	}
}

/*
 * A clock's time in nanoseconds. The CPU-time clocks read the monotonic clock:
 * the scheduler keeps no per-thread run time yet, so this is a stand-in that
 * advances while the thread sleeps too (docs/user.md).
 */
static uint64_t clock_read(enum clock_base base)
{
	switch (base) {
	case CB_REAL:
		return time_realtime_ns();
	case CB_REAL_COARSE:
		return time_realtime_base() + time_ns() / TICK_NSEC * TICK_NSEC;
	case CB_MONO_COARSE:
		return time_ns() / TICK_NSEC * TICK_NSEC;
	case CB_MONO:
	case CB_CPU:
	default:
		return time_ns();
	}
}

/* struct __kernel_timespec */
struct k_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

static int put_timespec(uintptr_t uts, uint64_t ns)
{
	struct k_timespec ts = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };

	return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sys_clock_gettime(int id, uintptr_t uts)
{
	struct clock_sel c;
	int err = clock_select(id, true, &c);

	return err ? err : put_timespec(uts, clock_read(c.base));
}

/*
 * clock_getres(): hrtimer_resolution (1 ns with high-resolution timers, what Linux
 * reports on both arches), the tick for the coarse clocks, and for CPU clocks 1 ns
 * (SCHED) or the tick (PROF, VIRT). A NULL buffer only checks the clock.
 */
static long sys_clock_getres(int id, uintptr_t uts)
{
	struct clock_sel c;
	int err = clock_select(id, false, &c);
	uint64_t res = 1;

	if (err)
		return err;
	if (c.base == CB_REAL_COARSE || c.base == CB_MONO_COARSE || (c.base == CB_CPU && !c.sched))
		res = TICK_NSEC;
	return uts ? put_timespec(uts, res) : 0;
}

/* ---- sleeps (kernel/time/hrtimer.c, posix-timers.c) ---- */

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/*
 * Sleep until time_ns() reaches @deadline, or until the thread has work (a
 * signal, or its process exiting): 0 or -EINTR. The deadline is checked at every
 * tick, so the sleep ends at the first tick at or after it, never before.
 */
static int sleep_until(uint64_t deadline)
{
	struct waitq wq;

	if (deadline <= time_ns())
		return 0;
	waitq_init(&wq);  /* a private queue: only the deadline or work end the wait */
	return wait_event_timeout(&wq, never, NULL, deadline, WAIT_INTERRUPTIBLE) == -EINTR ? -EINTR : 0;
}

/* get_timespec64() then timespec64_valid(); the value in ns, saturated as ktime_t is. */
static int get_sleep_time(uintptr_t uts, uint64_t *ns)
{
	struct k_timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	/* timespec64_to_ktime(): KTIME_MAX from KTIME_SEC_MAX on. */
	if ((uint64_t)ts.tv_sec >= (uint64_t)INT64_MAX / NSEC_PER_SEC)
		*ns = INT64_MAX;
	else
		*ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	return 0;
}

/*
 * do_nanosleep()/hrtimer_nanosleep() on @base: absolute or relative @ns. Interrupted,
 * a relative sleep with @urem writes what remains there (and returns 0 if nothing
 * does); Linux then restarts the call if no handler runs, but kestrel has no
 * restart, so the call returns -EINTR (<kern/signal.h>).
 */
static long do_nanosleep(enum clock_base base, bool abs, uint64_t ns, uintptr_t urem)
{
	uint64_t now = time_ns(), deadline;

	if (!abs)
		deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	else if (base == CB_REAL)
		deadline = ns > time_realtime_base() ? ns - time_realtime_base() : 0;
	else
		deadline = ns;
	if (sleep_until(deadline) == 0)
		return 0;
	if (abs || !urem)
		return -EINTR;
	now = time_ns();
	if (deadline <= now)
		return 0;
	return put_timespec(urem, deadline - now) ? -EFAULT : -EINTR;
}

static long sys_nanosleep(uintptr_t ureq, uintptr_t urem)
{
	uint64_t ns;
	int err = get_sleep_time(ureq, &ns);

	return err ? err : do_nanosleep(CB_MONO, false, ns, urem);
}

/*
 * clock_nanosleep(): Linux's order (the clock, whether it can sleep, the copy, the
 * time's validity). Sleeping on a CPU-time clock needs CPU-time accounting, which
 * the scheduler does not keep yet: -EOPNOTSUPP where Linux would sleep (its own
 * per-thread clock is -EINVAL on Linux too, posix_cpu_nsleep()).
 */
static long sys_clock_nanosleep(int id, int flags, uintptr_t ureq, uintptr_t urem)
{
	struct clock_sel c;
	uint64_t ns;
	int err;

	/* clock_posix_dynamic has no nsleep: checked before its fd would be looked up. */
	if (id < 0 && (id & CLOCKFD_MASK) == CLOCKFD)
		return -EOPNOTSUPP;
	err = clock_select(id, false, &c);
	if (err)
		return err;
	if (!c.nsleep)
		return -EOPNOTSUPP;
	err = get_sleep_time(ureq, &ns);
	if (err)
		return err;
	if (c.base == CB_CPU)
		return c.self_thread ? -EINVAL : -EOPNOTSUPP;
	return do_nanosleep(c.base, flags & TIMER_ABSTIME, ns, urem);
}

/* ---- CPU affinity (kernel/sched/core.c) ---- */

/* cpumask_size(): the kernel's mask is NCPUS bits (NR_CPUS), in whole longs. */
#define CPUMASK_BYTES (CPUSET_WORDS * 8)

/*
 * sched_getaffinity(): every online CPU, for any thread (docs/user.md): a thread
 * stays on the CPU it was created on, but the mask says where the process's
 * threads may be placed, which is what programs size their thread pools by.
 * Returns the bytes written, min(len, cpumask_size()).
 */
static long sys_sched_getaffinity(int pid, unsigned int len, uintptr_t umask)
{
	struct cpuset online;

	if ((uint64_t)len * 8 < smp_possible_count())
		return -EINVAL;
	if (len & (sizeof(unsigned long) - 1))
		return -EINVAL;
	if (pid != 0 && !tid_lookup(pid, NULL))
		return -ESRCH;
	for (unsigned int w = 0; w < CPUSET_WORDS; w++)
		online.bits[w] = __atomic_load_n(&cpu_online_set.bits[w], __ATOMIC_RELAXED);
	size_t n = min_size(len, CPUMASK_BYTES);
	return copy_to_user(umask, online.bits, n) ? -EFAULT : (long)n;
}

/*
 * sched_setaffinity(): threads cannot be moved between CPUs, so only the mask
 * sched_getaffinity() reports is accepted (a superset of it included: Linux
 * drops CPUs that are not there); a mask without an online CPU is -EINVAL as on
 * Linux, and so is any other (kestrel's difference).
 */
static long sys_sched_setaffinity(int pid, unsigned int len, uintptr_t umask)
{
	struct cpuset want;
	bool any = false, all = true;

	cpuset_clear(&want);
	if (copy_from_user(want.bits, umask, min_size(len, CPUMASK_BYTES)))
		return -EFAULT;
	if (pid != 0 && !tid_lookup(pid, NULL))
		return -ESRCH;
	for (unsigned int w = 0; w < CPUSET_WORDS; w++) {
		uint64_t online = __atomic_load_n(&cpu_online_set.bits[w], __ATOMIC_RELAXED);
		any |= (want.bits[w] & online) != 0;
		all &= (want.bits[w] & online) == online;
	}
	return any && all ? 0 : -EINVAL;
}

/* ---- getrandom (drivers/char/random.c) ---- */

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

/*
 * The generator: ChaCha20 (RFC 8439's block function) with a 256-bit key, a block
 * counter, and fast key erasure (after each request the key is replaced by fresh
 * output, so earlier output cannot be recomputed from the state), as Linux's
 * crng does. It is only as good as its seed: cryptographic when
 * arch_random_seed() had real entropy (x86_64 RDRAND, riscv64 the device tree's
 * rng-seed), NOT cryptographic otherwise, when the key comes from the time
 * counter alone (said once in the log). rng.lock: the key and the counter.
 */
static struct {
	spinlock_t lock;
	bool seeded;
	uint32_t key[8];
	uint64_t counter;
} rng = { .lock = SPINLOCK_INIT };

static uint32_t rotl32(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

#define CHACHA_QR(x, a, b, c, d)                                           \
	do {                                                               \
		x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 16);              \
		x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 12);              \
		x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 8);               \
		x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 7);               \
	} while (0)

/* One 64-byte block of key @key at block @counter (nonce 0). */
static void chacha20_block(const uint32_t key[8], uint64_t counter, uint32_t out[16])
{
	uint32_t x[16] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,  /* "expand 32-byte k" */
		key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
		(uint32_t)counter, (uint32_t)(counter >> 32), 0, 0,
	};
	uint32_t in[16];

	memcpy(in, x, sizeof(in));
	for (int i = 0; i < 10; i++) {
		CHACHA_QR(x, 0, 4, 8, 12);
		CHACHA_QR(x, 1, 5, 9, 13);
		CHACHA_QR(x, 2, 6, 10, 14);
		CHACHA_QR(x, 3, 7, 11, 15);
		CHACHA_QR(x, 0, 5, 10, 15);
		CHACHA_QR(x, 1, 6, 11, 12);
		CHACHA_QR(x, 2, 7, 8, 13);
		CHACHA_QR(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

/* Clear a buffer of secrets in a way the compiler cannot drop as a dead store. */
static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/*
 * The key, once: the arch's entropy if it has some, and the time counter mixed
 * in either way (splitmix64 of a few reads, whose low bits vary from boot to boot).
 */
static void rng_seed(void)
{
	uint8_t seed[32];
	uint32_t key[8];
	bool hw = arch_random_seed(seed, sizeof(seed)), used = false;

	if (!hw)
		memset(seed, 0, sizeof(seed));
	memcpy(key, seed, sizeof(key));
	for (int i = 0; i < 8; i++) {
		uint64_t z = arch_counter_read() + (uint64_t)i * 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		key[i] ^= (uint32_t)(z ^ (z >> 31));
	}
	unsigned long flags = spin_lock_irqsave(&rng.lock);
	if (!rng.seeded) {
		memcpy(rng.key, key, sizeof(key));
		__atomic_store_n(&rng.seeded, true, __ATOMIC_RELEASE);
		used = true;
	}
	spin_unlock_irqrestore(&rng.lock, flags);
	wipe(seed, sizeof(seed));
	wipe(key, sizeof(key));
	if (used && !hw)
		pr_warn("random: no entropy source: getrandom() is seeded from the time counter "
			"only and is not cryptographic\n");
}

/* @n (at most 256) bytes of output; the key is renewed after them. */
static void rng_fill(uint8_t *out, size_t n)
{
	uint32_t block[16];

	if (!__atomic_load_n(&rng.seeded, __ATOMIC_ACQUIRE))
		rng_seed();
	unsigned long flags = spin_lock_irqsave(&rng.lock);
	for (size_t i = 0; i < n; i += sizeof(block)) {
		chacha20_block(rng.key, rng.counter++, block);
		memcpy(out + i, block, min_size(n - i, sizeof(block)));
	}
	chacha20_block(rng.key, rng.counter++, block);
	memcpy(rng.key, block, sizeof(rng.key));
	spin_unlock_irqrestore(&rng.lock, flags);
	wipe(block, sizeof(block));
}

/*
 * getrandom(): the generator is seeded at its first use and never blocks, so
 * Linux's crng_ready() always holds and the flags only get checked. Output goes
 * out in pieces that never cross a user page or a multiple of PAGE_SIZE of
 * output: a fault stops at a page, as Linux's count does, and a pending signal
 * ends the call at each PAGE_SIZE of output (get_random_bytes_user()).
 */
static long sys_getrandom(uintptr_t ubuf, size_t len, unsigned int flags)
{
	uint8_t buf[256];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (!access_ok(ubuf, len))
		return -EFAULT;
	if (!len)
		return 0;
	while (done < len) {
		size_t n = min_size(min_size(len - done, sizeof(buf)),
				    min_size(PAGE_SIZE - ((ubuf + done) & (PAGE_SIZE - 1)),
					     PAGE_SIZE - (done & (PAGE_SIZE - 1))));
		rng_fill(buf, n);
		if (copy_to_user(ubuf + done, buf, n))
			break;
		done += n;
		if (done < len && !(done & (PAGE_SIZE - 1)) && thread_has_work())
			break;
	}
	wipe(buf, sizeof(buf));
	return done ? (long)done : -EFAULT;
}

/* ---- the console: read, writev, ioctl (drivers/tty/tty_io.c, tty_ioctl.c) ---- */

static bool fd_is_console(unsigned long fd)
{
	return fd <= 2;
}

/*
 * Console input does not exist yet: a read is end of file at once, after Linux's
 * checks (vfs_read(): the buffer's range). Linux would wait for a line.
 */
static long sys_read(unsigned int fd, uintptr_t buf, size_t count)
{
	if (!fd_is_console(fd))
		return -EBADF;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	return access_ok(buf, count) ? 0 : -EFAULT;
}

/*
 * The console's write path for write(2) and writev(2): copied in chunks, so a
 * fault after some bytes went out stops there. Adds what went out to *@done; 0 or
 * -EFAULT.
 */
static int console_write_user(uintptr_t buf, size_t count, size_t *done)
{
	char chunk[256];
	size_t off = 0;
	int err = 0;

	while (off < count) {
		size_t n = min_size(count - off, sizeof(chunk));
		if (copy_from_user(chunk, buf + off, n)) {
			err = -EFAULT;
			break;
		}
		proc_console_write(chunk, n);
		off += n;
	}
	*done += off;
	thread_current()->user_bytes_written += off;
	return err;
}

long sys_write(unsigned long fd, uintptr_t buf, size_t count)
{
	size_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	/* A bad buffer after some bytes went out gives that count, as Linux; before any, -EFAULT. */
	int err = console_write_user(buf, count, &done);
	return done ? (long)done : err;
}

struct iovec_k {
	uintptr_t base;
	uint64_t len;
};

#define UIO_FASTIOV 8
#define UIO_MAXIOV  1024

/*
 * writev(): __import_iovec()'s checks first, over every element, before anything
 * is written (each element read in order: -EFAULT, or -EINVAL for a negative
 * length; then each range against the user half), the total capped at
 * MAX_RW_COUNT; then the pieces go out in order. Fds 1 and 2, as write(2) here.
 */
static long sys_writev(unsigned int fd, uintptr_t uvec, unsigned long vlen)
{
	struct iovec_k fast[UIO_FASTIOV], *iov = fast;
	unsigned int nr = (unsigned int)vlen;   /* import_iovec() takes an unsigned int */
	size_t total = 0, done = 0;
	long ret;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (nr == 0)
		return 0;
	if (nr > UIO_MAXIOV)
		return -EINVAL;
	if (nr > UIO_FASTIOV) {
		iov = kmalloc(nr * sizeof(*iov), 0);
		if (!iov)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < nr; i++) {
		ret = -EFAULT;
		if (copy_from_user(&iov[i], uvec + i * sizeof(*iov), sizeof(*iov)))
			goto out;
		ret = -EINVAL;
		if ((int64_t)iov[i].len < 0)
			goto out;
	}
	for (unsigned int i = 0; i < nr; i++) {
		ret = -EFAULT;
		if (!access_ok(iov[i].base, iov[i].len))
			goto out;
		if (iov[i].len > MAX_RW_COUNT - total)
			iov[i].len = MAX_RW_COUNT - total;
		total += iov[i].len;
	}
	ret = 0;
	for (unsigned int i = 0; i < nr && !ret; i++)
		ret = console_write_user(iov[i].base, iov[i].len, &done);
	ret = done ? (long)done : ret;
out:
	if (iov != fast)
		kfree(iov);
	return ret;
}

/* asm-generic/ioctls.h (x86_64 uses it too) */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TCSBRK     0x5409
#define TIOCOUTQ   0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541b
#define FIONBIO    0x5421
#define TCSBRKP    0x5425
#define FIONCLEX   0x5450
#define FIOCLEX    0x5451

/* struct termios of asm-generic/termbits.h (both arches): what TCGETS copies. */
struct k_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
_Static_assert(sizeof(struct k_termios) == 36, "struct termios is 36 bytes");

struct k_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/*
 * The console's terminal settings, as Linux's /dev/console on a serial port has
 * them at boot: tty_std_termios with the console's cflag (uart_set_options():
 * B115200 | CS8 | CREAD | HUPCL | CLOCAL) and INIT_C_CC; the window size is 0x0
 * until someone sets it. TCSETS and TIOCSWINSZ record new values, which read back
 * but change nothing: output always maps "\n" to "\r\n" (console_write()), and
 * there is no input.
 */
static struct {
	spinlock_t lock;
	struct k_termios termios;
	struct k_winsize ws;
} console_tty = {
	.lock = SPINLOCK_INIT,
	.termios = {
		.c_iflag = 0000400 | 0002000,                       /* ICRNL | IXON */
		.c_oflag = 0000001 | 0000004,                       /* OPOST | ONLCR */
		.c_cflag = 0010002 | 0000060 | 0000200 | 0002000 | 0004000,
		/* B115200 | CS8 | CREAD | HUPCL | CLOCAL */
		.c_lflag = 0000001 | 0000002 | 0000010 | 0000020 | 0000040 | 0001000 |
			   0004000 | 0100000,
		/* ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN */
		.c_line = 0,                                        /* N_TTY */
		.c_cc = { 003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0 },
	},
};

/* send_break(): there is no break condition to put on the line; the time it takes. */
static long console_break(uint64_t ms)
{
	return sleep_until(time_ns() + ms * 1000000ull) ? -EINTR : 0;
}

/*
 * ioctl() on the console. do_vfs_ioctl()'s generic requests (FIOCLEX, FIONCLEX,
 * FIONBIO) have nothing to act on (no exec, and console I/O never blocks) and
 * succeed as on Linux; then tty_ioctl()'s. The console is not the process's
 * controlling terminal (Linux's /dev/console never is), so the job-control
 * requests are -ENOTTY there too; so is anything else here.
 */
static long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg)
{
	int v;

	if (!fd_is_console(fd))
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		return 0;
	case FIONBIO:
		return copy_from_user(&v, arg, sizeof(v)) ? -EFAULT : 0;
	case FIONREAD:
	case TIOCOUTQ:
		/* Bytes waiting to be read (none: no input) or to go out (none: synchronous). */
		v = 0;
		return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TCGETS: {
		struct k_termios t;
		unsigned long flags = spin_lock_irqsave(&console_tty.lock);
		t = console_tty.termios;
		spin_unlock_irqrestore(&console_tty.lock, flags);
		return copy_to_user(arg, &t, sizeof(t)) ? -EFAULT : 0;
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		/* set_termios(): the wait (SETSW, SETSF) is for output, which is synchronous. */
		struct k_termios t;
		if (copy_from_user(&t, arg, sizeof(t)))
			return -EFAULT;
		if (cmd != TCSETS && thread_has_work())
			return -EINTR;
		unsigned long flags = spin_lock_irqsave(&console_tty.lock);
		console_tty.termios = t;
		spin_unlock_irqrestore(&console_tty.lock, flags);
		return 0;
	}
	case TIOCGWINSZ: {
		struct k_winsize ws;
		unsigned long flags = spin_lock_irqsave(&console_tty.lock);
		ws = console_tty.ws;
		spin_unlock_irqrestore(&console_tty.lock, flags);
		return copy_to_user(arg, &ws, sizeof(ws)) ? -EFAULT : 0;
	}
	case TIOCSWINSZ: {
		struct k_winsize ws;
		if (copy_from_user(&ws, arg, sizeof(ws)))
			return -EFAULT;
		unsigned long flags = spin_lock_irqsave(&console_tty.lock);
		console_tty.ws = ws;
		spin_unlock_irqrestore(&console_tty.lock, flags);
		return 0;
	}
	case TCSBRK:
	case TCSBRKP:
		/* tty_wait_until_sent() first: output is written synchronously, so it has
		 * all left; a pending signal still ends the call there. A nonzero TCSBRK
		 * is tcdrain(): nothing more. */
		if (thread_has_work())
			return -EINTR;
		if (cmd == TCSBRK)
			return arg ? 0 : console_break(250);
		return console_break(arg ? (unsigned int)(arg * 100) : 250);  /* send_break()'s unsigned int */
	default:
		return -ENOTTY;
	}
}

/* ---- fstat, newfstatat (fs/stat.c) ---- */

#define S_IFCHR 0020000
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000
#define PATH_MAX            4096

/* new_encode_dev() */
static uint64_t encode_dev(unsigned int major, unsigned int minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/*
 * The console as Linux's /init sees fds 0-2: /dev/console from the kernel's
 * built-in initramfs list ("nod /dev/console 0600 0 0 c 5 1"), on the root
 * filesystem (st_dev and st_ino are kestrel's own constants), its times the boot's.
 */
static long console_stat(uintptr_t ubuf)
{
	struct user_stat st;
	uint64_t boot = time_realtime_base();

	memset(&st, 0, sizeof(st));
	st.st_dev = encode_dev(0, 1);
	st.st_ino = 2;
	st.st_mode = S_IFCHR | 0600;
	st.st_nlink = 1;
	st.st_rdev = encode_dev(5, 1);
	st.st_blksize = PAGE_SIZE;
	st.st_atime = st.st_mtime = st.st_ctime = boot / NSEC_PER_SEC;
	st.st_atime_nsec = st.st_mtime_nsec = st.st_ctime_nsec = boot % NSEC_PER_SEC;
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

static long sys_fstat(unsigned int fd, uintptr_t ubuf)
{
	return fd_is_console(fd) ? console_stat(ubuf) : -EBADF;
}

/*
 * newfstatat(): vfs_statx()'s flag check, getname()'s (-EFAULT, -ENAMETOOLONG, an
 * empty name -ENOENT without AT_EMPTY_PATH), then path_init()'s dfd rules. With no
 * filesystem every lookup of a name fails (-ENOENT), "/" and the cwd included;
 * an empty path with AT_EMPTY_PATH stats the fd itself.
 */
static long sys_newfstatat(int dfd, uintptr_t upath, uintptr_t ubuf, int flags)
{
	char first;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	long len = strncpy_from_user(NULL, upath, PATH_MAX);
	if (len < 0)
		return -EFAULT;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0 && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	if (len > 0 && copy_from_user(&first, upath, 1))
		return -EFAULT;
	if (len > 0 && first == '/')
		return -ENOENT;
	if (dfd == AT_FDCWD)
		return -ENOENT;
	if (dfd < 0 || !fd_is_console((unsigned int)dfd))
		return -EBADF;
	if (len > 0)
		return -ENOTDIR;
	return console_stat(ubuf);
}

/*
 * readlinkat(2) (x86_64's readlink(2) too, through arch_sys_misc()): do_readlinkat()
 * with no filesystem, so nothing is a symlink and most paths do not exist: glibc's
 * static start-up asks for /proc/self/exe and copes with -ENOENT. bufsiz first,
 * then getname()'s errors, then the lookup's: below / and the cwd nothing exists;
 * an empty path names the dfd itself (LOOKUP_EMPTY), a console, not a symlink:
 * -ENOENT for an empty name (6.1's "empty ? -ENOENT : -EINVAL"); a name relative
 * to a console is -ENOTDIR.
 */
_Static_assert(SYS_AT_FDCWD == AT_FDCWD, "<kern/sys_arch.h>'s AT_FDCWD");

long sys_readlinkat(int dfd, uintptr_t upath, uintptr_t ubuf, int bufsiz)
{
	char first;

	(void)ubuf;
	if (bufsiz <= 0)
		return -EINVAL;
	long len = strncpy_from_user(NULL, upath, PATH_MAX);
	if (len < 0)
		return -EFAULT;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len > 0 && copy_from_user(&first, upath, 1))
		return -EFAULT;
	if ((len > 0 && first == '/') || dfd == AT_FDCWD)
		return -ENOENT;
	if (dfd < 0 || !fd_is_console((unsigned int)dfd))
		return -EBADF;
	return len > 0 ? -ENOTDIR : -ENOENT;
}

/* ---- ids ---- */

/* Everything runs as root: uid, euid, gid, egid 0 (init's credentials). */
static long sys_getid(void)
{
	return 0;
}

/* ---- reboot (kernel/reboot.c) ---- */

#define LINUX_REBOOT_MAGIC1  0xfee1dead
#define LINUX_REBOOT_MAGIC2  672274793
#define LINUX_REBOOT_MAGIC2A 85072278
#define LINUX_REBOOT_MAGIC2B 369367448
#define LINUX_REBOOT_MAGIC2C 537993216

#define LINUX_REBOOT_CMD_RESTART    0x01234567u
#define LINUX_REBOOT_CMD_HALT       0xcdef0123u
#define LINUX_REBOOT_CMD_CAD_ON     0x89abcdefu
#define LINUX_REBOOT_CMD_CAD_OFF    0x00000000u
#define LINUX_REBOOT_CMD_POWER_OFF  0x4321fedcu
#define LINUX_REBOOT_CMD_RESTART2   0xa1b2c3d4u

/*
 * reboot(): the caller is root (CAP_SYS_BOOT). POWER_OFF, HALT, RESTART and
 * RESTART2 end the calling process and, once /init has ended, the machine powers
 * off (proc_reboot()): there is no reset, and a halted machine would hold the
 * verdict back. CAD_ON/OFF only set what Ctrl-Alt-Del does, and there is no
 * keyboard. KEXEC and SW_SUSPEND are -EINVAL, as on a Linux without kexec or
 * hibernation.
 */
static long sys_reboot(int magic1, int magic2, unsigned int cmd, uintptr_t arg)
{
	char buf[256];

	if (!thread_current()->proc)
		return -EPERM;
	if (magic1 != (int)LINUX_REBOOT_MAGIC1 ||
	    (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A &&
	     magic2 != LINUX_REBOOT_MAGIC2B && magic2 != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch (cmd) {
	case LINUX_REBOOT_CMD_RESTART:
		proc_reboot("RESTART");
	case LINUX_REBOOT_CMD_CAD_ON:
	case LINUX_REBOOT_CMD_CAD_OFF:
		return 0;
	case LINUX_REBOOT_CMD_HALT:
		proc_reboot("HALT");
	case LINUX_REBOOT_CMD_POWER_OFF:
		proc_reboot("POWER_OFF");
	case LINUX_REBOOT_CMD_RESTART2:
		/* The command for the firmware is read (-EFAULT) but has nobody to go to. */
		if (strncpy_from_user(buf, arg, sizeof(buf) - 1) < 0)
			return -EFAULT;
		proc_reboot("RESTART2");
	default:
		return -EINVAL;
	}
}

/* ---- clone3's argument checks (kernel/fork.c) ---- */

#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_ARGS_SIZE_VER2 88    /* sizeof(struct clone_args) in 6.1 */
#define MAX_PID_NS_LEVEL     32
/* The flags clone() has too are in <kern/proc.h>; these are clone3()'s own. */
#define CLONE_NEWTIME        0x00000080ull
#define CLONE_LEGACY_FLAGS   0xffffffffull
#define CLONE_CLEAR_SIGHAND  0x100000000ull
#define CLONE_INTO_CGROUP    0x200000000ull

struct clone_args_k {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
_Static_assert(sizeof(struct clone_args_k) == CLONE_ARGS_SIZE_VER2, "clone_args VER2");

/* check_zeroed_user(): 1 if [@src, +@n) is all zero, 0 if not, -EFAULT. */
static int check_zeroed_user(uintptr_t src, size_t n)
{
	uint8_t chunk[64];

	while (n) {
		size_t k = min_size(min_size(n, sizeof(chunk)), PAGE_SIZE - (src & (PAGE_SIZE - 1)));
		if (copy_from_user(chunk, src, k))
			return -EFAULT;
		for (size_t i = 0; i < k; i++)
			if (chunk[i])
				return 0;
		src += k;
		n -= k;
	}
	return 1;
}

/*
 * clone3(): copy_clone_args_from_user() (sizes, copy_struct_from_user()'s zeroed
 * tail, set_tid), clone3_args_valid(), and copy_process()'s checks of the flags
 * alone, each with Linux's errno. A request that passes them all is -ENOSYS: the
 * process is not made (clone3 does not exist here yet), and libcs take that as
 * their cue to use clone(2) instead.
 */
static long sys_clone3(uintptr_t uargs, size_t size)
{
	struct clone_args_k a;
	uint32_t set_tid[MAX_PID_NS_LEVEL];

	if (size > PAGE_SIZE)
		return -E2BIG;
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	if (size > sizeof(a)) {
		int z = check_zeroed_user(uargs + sizeof(a), size - sizeof(a));
		if (z <= 0)
			return z ? z : -E2BIG;
	}
	if (copy_from_user(&a, uargs, min_size(size, sizeof(a))))
		return -EFAULT;
	if (a.set_tid_size > MAX_PID_NS_LEVEL)
		return -EINVAL;
	if (!a.set_tid != !a.set_tid_size)
		return -EINVAL;
	if ((a.exit_signal & ~CSIGNAL) || a.exit_signal > NSIG)
		return -EINVAL;
	if ((a.flags & CLONE_INTO_CGROUP) && (a.cgroup > 0x7fffffff || size < CLONE_ARGS_SIZE_VER2))
		return -EINVAL;
	if (a.set_tid && copy_from_user(set_tid, a.set_tid, a.set_tid_size * sizeof(set_tid[0])))
		return -EFAULT;

	/* clone3_args_valid() */
	if (a.flags & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return -EINVAL;
	if (a.flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)))
		return -EINVAL;
	if ((a.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((a.flags & (CLONE_THREAD | CLONE_PARENT)) && a.exit_signal)
		return -EINVAL;
	if (a.stack ? !a.stack_size || !access_ok(a.stack, a.stack_size) : a.stack_size > 0)
		return -EINVAL;

	/* kernel_clone() */
	if ((a.flags & CLONE_PIDFD) && (a.flags & CLONE_PARENT_SETTID) && a.pidfd == a.parent_tid)
		return -EINVAL;
	/* copy_process(), before anything is allocated */
	if ((a.flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return -EINVAL;
	if ((a.flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((a.flags & CLONE_THREAD) && !(a.flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((a.flags & CLONE_SIGHAND) && !(a.flags & CLONE_VM))
		return -EINVAL;
	/* /init is SIGNAL_UNKILLABLE: no siblings for it */
	if ((a.flags & CLONE_PARENT) && proc_current_pid() == 1)
		return -EINVAL;
	if ((a.flags & CLONE_THREAD) && (a.flags & (CLONE_NEWUSER | CLONE_NEWPID)))
		return -EINVAL;
	if ((a.flags & CLONE_PIDFD) && (a.flags & (CLONE_DETACHED | CLONE_THREAD)))
		return -EINVAL;
	return -ENOSYS;
}

/* ---- the table ---- */

bool sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long a[6], long *ret)
{
	long r;

	switch (nr) {
	case NR_sched_yield:
		thread_yield();
		r = 0;
		break;
	case NR_uname:
		r = sys_uname(a[0]);
		break;
	case NR_set_tid_address:
		r = sys_set_tid_address(a[0]);
		break;
	case NR_set_robust_list:
		r = sys_set_robust_list(a[0], a[1]);
		break;
	case NR_get_robust_list:
		r = sys_get_robust_list((int)a[0], a[1], a[2]);
		break;
	case NR_rseq:
		r = sys_rseq(a[0], (uint32_t)a[1], (int)a[2], (uint32_t)a[3]);
		break;
	case NR_prlimit64:
		r = sys_prlimit64((int)a[0], (unsigned int)a[1], a[2], a[3]);
		break;
	case NR_getrlimit:
		r = sys_getrlimit((unsigned int)a[0], a[1]);
		break;
	case NR_setrlimit:
		r = sys_setrlimit((unsigned int)a[0], a[1]);
		break;
	case NR_umask:
		r = sys_umask((unsigned int)a[0]);
		break;
	case NR_prctl:
		r = sys_prctl((int)a[0], a[1], a[2], a[3], a[4]);
		break;
	case NR_getuid:
	case NR_geteuid:
	case NR_getgid:
	case NR_getegid:
		r = sys_getid();
		break;
	case NR_clock_gettime:
		r = sys_clock_gettime((int)a[0], a[1]);
		break;
	case NR_clock_getres:
		r = sys_clock_getres((int)a[0], a[1]);
		break;
	case NR_nanosleep:
		r = sys_nanosleep(a[0], a[1]);
		break;
	case NR_clock_nanosleep:
		r = sys_clock_nanosleep((int)a[0], (int)a[1], a[2], a[3]);
		break;
	case NR_sched_getaffinity:
		r = sys_sched_getaffinity((int)a[0], (unsigned int)a[1], a[2]);
		break;
	case NR_sched_setaffinity:
		r = sys_sched_setaffinity((int)a[0], (unsigned int)a[1], a[2]);
		break;
	case NR_getrandom:
		r = sys_getrandom(a[0], a[1], (unsigned int)a[2]);
		break;
	case NR_read:
		r = sys_read((unsigned int)a[0], a[1], a[2]);
		break;
	case NR_writev:
		r = sys_writev((unsigned int)a[0], a[1], a[2]);
		break;
	case NR_ioctl:
		r = sys_ioctl((unsigned int)a[0], (unsigned int)a[1], a[2]);
		break;
	case NR_fstat:
		r = sys_fstat((unsigned int)a[0], a[1]);
		break;
	case NR_newfstatat:
		r = sys_newfstatat((int)a[0], a[1], a[2], (int)a[3]);
		break;
	case NR_readlinkat:
		r = sys_readlinkat((int)a[0], a[1], a[2], (int)a[3]);
		break;
	case NR_reboot:
		r = sys_reboot((int)a[0], (int)a[1], (unsigned int)a[2], a[3]);
		break;
	case NR_clone3:
		r = sys_clone3(a[0], a[1]);
		break;
	default:
		return arch_sys_misc(tf, nr, a, ret);
	}
	*ret = r;
	return true;
}

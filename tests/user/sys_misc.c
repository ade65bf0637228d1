// SPDX-License-Identifier: MIT
/*
 * The small system calls a libc's start-up and its thin wrappers make, with Linux
 * 6.1's answers: process and thread ids as /init, set_tid_address, the robust list,
 * rseq registration, uname, resource limits, clocks and sleeps, sched_yield and the
 * affinity mask, getrandom, the signal mask, kill and tgkill (with a handled signal),
 * the registers a call and a handler's edit of the saved context leave,
 * what fd 1 is, clone3's argument checks, the arch's thread pointer and its own calls,
 * and the cycle counter user mode may read. Every expected value is Linux's (cited
 * at each case), checked by running this program on it (scripts/linux-peer).
 *
 * Values that are the kernel's own choice (uname's strings, which CPU, what the clock
 * says beyond plausibility) are checked for form only. The number of points is the
 * same on every arch; the descriptions of the arch's own cases come from
 * arch/<arch>/user/include/user/cpu_arch.h.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MS (1000 * 1000L)
#define NO_SUCH_PID 99999	/* above anything a fresh boot has handed out */
#define BAD_PTR ((void *)8)	/* below mmap_min_addr: never mapped */

static long pid, tid;

#define SETUP(cond, name)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			tap_ok(false, "%s", name);                              \
			tap_diag("set-up failed: %s", #cond);                    \
			return;                                                  \
		}                                                                \
	} while (0)

static int64_t now(void)
{
	return rt_clock_ns(CLOCK_MONOTONIC);
}

/* ---- ids (kernel/sys.c, kernel/fork.c) ---- */

static void ids_cases(void)
{
	static volatile int tid_word;

	/* /init is the first process: pid 1, and its parent is the idle task, pid 0
	 * in no namespace (getppid: task_tgid_vnr(real_parent)) */
	tap_expect(pid, 1, "getpid is 1 for /init");
	tap_expect(sys_getppid(), 0, "getppid is 0 for /init");
	tap_expect(tid, pid, "gettid of the main thread is its pid");
	/* set_tid_address: "return task_pid_vnr(current)" */
	tap_expect(sys_set_tid_address(&tid_word), tid, "set_tid_address returns the caller's tid");
}

/* ---- robust list (kernel/futex/syscalls.c) ---- */

static void robust_list_cases(void)
{
	static struct linux_robust_list_head head;
	struct linux_robust_list_head *got = NULL;
	size_t len = 0;

	head.list = &head.list;		/* an empty list points at itself */
	tap_expect(sys_set_robust_list(&head, sizeof(head)), 0,
		   "set_robust_list with sizeof(struct robust_list_head) succeeds");
	tap_ok(sys_get_robust_list(0, &got, &len) == 0 && got == &head && len == sizeof(head),
	       "get_robust_list gives back that head and length");
	/* "if (unlikely(len != sizeof(*head))) return -EINVAL" */
	tap_expect(sys_set_robust_list(&head, sizeof(head) - 1), -EINVAL,
		   "set_robust_list with any other length is EINVAL");
}

/* ---- rseq (kernel/rseq.c sys_rseq) ---- */

#define RSEQ_SIG 0x53053053u

static void rseq_cases(void)
{
	static struct linux_rseq area, other;
	static char unaligned[2 * sizeof(struct linux_rseq)] __attribute__((aligned(32)));
	unsigned char mask[128];
	long n = sys_sched_getaffinity(0, sizeof(mask), mask);

	area.cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
	/* a new registration: "!IS_ALIGNED(rseq, __alignof__(*rseq)) ||
	 * rseq_len != sizeof(*rseq)" -> EINVAL; other flags -> EINVAL */
	tap_expect(sys_rseq(&area, sizeof(area) - 1, 0, RSEQ_SIG), -EINVAL,
		   "rseq with a length other than 32 is EINVAL");
	tap_expect(sys_rseq((struct linux_rseq *)(uintptr_t)(unaligned + 8), sizeof(area), 0, RSEQ_SIG),
		   -EINVAL, "rseq of an area not aligned to 32 is EINVAL");
	tap_expect(sys_rseq(&area, sizeof(area), 2, RSEQ_SIG), -EINVAL, "rseq with an unknown flag is EINVAL");
	tap_expect(sys_rseq(&area, sizeof(area), 0, RSEQ_SIG), 0, "rseq registers an aligned 32-byte area");
	/* rseq_set_notify_resume(): the fields are written before the return to user mode */
	uint32_t cpu = __atomic_load_n(&area.cpu_id, __ATOMIC_RELAXED);

	tap_ok(cpu != RSEQ_CPU_ID_UNINITIALIZED && n > 0 && cpu / 8 < (uint64_t)n &&
	       (mask[cpu / 8] >> (cpu % 8) & 1) && area.cpu_id_start == cpu,
	       "after registering, cpu_id and cpu_id_start hold a CPU the thread may run on");
	tap_expect(sys_rseq(&area, sizeof(area), 0, RSEQ_SIG), -EBUSY,
		   "registering the same area again is EBUSY");
	tap_expect(sys_rseq(&area, sizeof(area), 0, RSEQ_SIG + 1), -EPERM,
		   "registering it again with another signature is EPERM");
	tap_expect(sys_rseq(&other, sizeof(other), 0, RSEQ_SIG), -EINVAL,
		   "registering another area while one is registered is EINVAL");
	tap_expect(sys_rseq(&area, sizeof(area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG + 1), -EPERM,
		   "unregistering with another signature is EPERM");
	/* rseq_reset_rseq_cpu_id(): cpu_id_start 0, cpu_id RSEQ_CPU_ID_UNINITIALIZED */
	tap_ok(sys_rseq(&area, sizeof(area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0 &&
	       area.cpu_id == RSEQ_CPU_ID_UNINITIALIZED && area.cpu_id_start == 0,
	       "unregistering succeeds and resets cpu_id to RSEQ_CPU_ID_UNINITIALIZED");
	tap_expect(sys_rseq(&area, sizeof(area), RSEQ_FLAG_UNREGISTER, RSEQ_SIG), -EINVAL,
		   "unregistering when nothing is registered is EINVAL");
}

/* ---- uname (kernel/sys.c newuname) ---- */

static bool has_nul(const char *f)
{
	for (int i = 0; i < UTSNAME_LEN; i++)
		if (!f[i])
			return true;
	return false;
}

static void uname_cases(void)
{
	struct linux_utsname u;

	memset(&u, 'x', sizeof(u));
	/* the strings are the kernel's own (kestrel reports its name): form only */
	tap_ok(sys_uname(&u) == 0 && u.sysname[0] && has_nul(u.sysname) && has_nul(u.nodename) &&
	       has_nul(u.release) && has_nul(u.version) && has_nul(u.machine) && has_nul(u.domainname),
	       "uname succeeds, sysname is not empty and every field ends within its 65 bytes");
	tap_expect(sys_uname(BAD_PTR), -EFAULT, "uname into an unmapped buffer is EFAULT");
}

/* ---- resource limits (kernel/sys.c prlimit64, do_prlimit; INIT_RLIMITS) ---- */

static void rlimits_cases(void)
{
	struct linux_rlimit rl = { 0, 0 }, old = { 0, 0 }, got = { 0, 0 };

	/* include/asm-generic/resource.h INIT_RLIMITS: what init starts with */
	tap_ok(sys_getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8 * 1024 * 1024 &&
	       rl.rlim_max == RLIM_INFINITY,
	       "getrlimit(RLIMIT_STACK) is 8 MiB soft, unlimited hard (_STK_LIM)");
	tap_ok(sys_prlimit64(0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_cur == 1024 && rl.rlim_max == 4096,
	       "prlimit64 reads RLIMIT_NOFILE as 1024 soft, 4096 hard (INR_OPEN_CUR, INR_OPEN_MAX)");
	rl = (struct linux_rlimit){ 512, 4096 };
	tap_ok(sys_prlimit64(0, RLIMIT_NOFILE, &rl, &old) == 0 && old.rlim_cur == 1024 &&
	       sys_getrlimit(RLIMIT_NOFILE, &got) == 0 && got.rlim_cur == 512 && got.rlim_max == 4096,
	       "prlimit64 sets a lower soft RLIMIT_NOFILE, returns the old one, getrlimit reads it back");
	rl = (struct linux_rlimit){ 1024, 4096 };
	sys_prlimit64(0, RLIMIT_NOFILE, &rl, NULL);
	rl = (struct linux_rlimit){ 4097, 4096 };
	tap_expect(sys_prlimit64(0, RLIMIT_NOFILE, &rl, NULL), -EINVAL,
		   "prlimit64 with the soft limit above the hard one is EINVAL");
	tap_expect(sys_prlimit64(0, RLIMIT_RTTIME, NULL, &old), 0,
		   "prlimit64 of RLIMIT_RTTIME, the last resource, succeeds");
	tap_expect(sys_prlimit64(0, RLIM_NLIMITS, NULL, &old), -EINVAL,
		   "prlimit64 of resource RLIM_NLIMITS is EINVAL");
	tap_expect(sys_getrlimit(RLIM_NLIMITS, &old), -EINVAL, "getrlimit of resource RLIM_NLIMITS is EINVAL");
	tap_expect(sys_prlimit64(NO_SUCH_PID, RLIMIT_NOFILE, NULL, &old), -ESRCH,
		   "prlimit64 of a pid that does not exist is ESRCH");
}

/* ---- clocks (kernel/time/posix-timers.c, posix-stubs.c) ---- */

static void clocks_cases(void)
{
	static const int ids[] = {
		CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
		CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI,
	};
	struct linux_timespec ts;
	bool all = true, mono = true;

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		ts.tv_nsec = -1;
		if (sys_clock_gettime(ids[i], &ts) != 0 || ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= NSEC_PER_SEC) {
			tap_diag("clock %d: tv_sec %ld tv_nsec %ld", ids[i], ts.tv_sec, ts.tv_nsec);
			all = false;
		}
	}
	tap_ok(all, "clock_gettime of REALTIME, MONOTONIC, the CPU-time clocks, MONOTONIC_RAW, "
		    "BOOTTIME and TAI succeeds with a normalized time");
	/* the RTC's time, read at boot (x86: the CMOS clock; riscv64 virt: goldfish) */
	tap_ok(sys_clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 1577836800L,
	       "CLOCK_REALTIME is after 2020");
	int64_t prev = now();

	for (int i = 0; i < 1000; i++) {
		int64_t t = now();

		mono &= t >= prev;
		prev = t;
	}
	tap_ok(mono, "CLOCK_MONOTONIC never goes back over 1000 reads");
	/* posix_clocks[] ends at CLOCK_TAI; CLOCK_SGI_CYCLE's entry is empty */
	tap_expect(sys_clock_gettime(12, &ts), -EINVAL, "clock_gettime of clock 12, past CLOCK_TAI, is EINVAL");
	tap_expect(sys_clock_gettime(10, &ts), -EINVAL,
		   "clock_gettime of clock 10, the retired CLOCK_SGI_CYCLE, is EINVAL");
	tap_expect(sys_clock_gettime(CLOCK_MONOTONIC, NULL), -EFAULT, "clock_gettime into NULL is EFAULT");
}

/* ---- sleeps (kernel/time/hrtimer.c nanosleep, posix-timers.c clock_nanosleep) ---- */

static void sleeps_cases(void)
{
	struct linux_timespec req = rt_ns_ts(10 * MS), rem;
	int64_t t0, t1;
	long r;

	t0 = now();
	r = sys_nanosleep(&req, &rem);
	t1 = now();
	tap_ok(r == 0 && t1 - t0 >= 10 * MS, "nanosleep of 10 ms returns 0 after at least 10 ms");
	t0 = now();
	r = sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	t1 = now();
	tap_ok(r == 0 && t1 - t0 >= 10 * MS, "clock_nanosleep(CLOCK_MONOTONIC) of 10 ms takes at least 10 ms");
	int64_t deadline = now() + 10 * MS;

	req = rt_ns_ts(deadline);
	r = sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL);
	tap_ok(r == 0 && now() >= deadline, "clock_nanosleep TIMER_ABSTIME returns at the deadline or after");
	req = (struct linux_timespec){ 0, NSEC_PER_SEC - 1 };
	tap_expect(sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL), 0,
		   "clock_nanosleep TIMER_ABSTIME to a past time with tv_nsec 999999999 returns 0");
	/* timespec64_valid(): tv_sec >= 0, 0 <= tv_nsec < NSEC_PER_SEC */
	req = (struct linux_timespec){ 0, NSEC_PER_SEC };
	tap_expect(sys_nanosleep(&req, NULL), -EINVAL, "nanosleep with tv_nsec of one second is EINVAL");
	req = (struct linux_timespec){ -1, 0 };
	tap_expect(sys_nanosleep(&req, NULL), -EINVAL, "nanosleep with a negative tv_sec is EINVAL");
	req = (struct linux_timespec){ 0, -1 };
	tap_expect(sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), -EINVAL,
		   "clock_nanosleep with a negative tv_nsec is EINVAL");
	req = rt_ns_ts(MS);
	tap_expect(sys_clock_nanosleep(12, 0, &req, NULL), -EINVAL, "clock_nanosleep on clock 12 is EINVAL");
	/* clock_thread has no nsleep: "if (!kc->nsleep) return -EOPNOTSUPP" */
	tap_expect(sys_clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), -EOPNOTSUPP,
		   "clock_nanosleep on CLOCK_THREAD_CPUTIME_ID is EOPNOTSUPP");
}

/* ---- scheduling (kernel/sched/core.c) ---- */

static void sched_cases(void)
{
	unsigned char mask[128];
	bool any = false;

	tap_expect(sys_sched_yield(), 0, "sched_yield returns 0");
	memset(mask, 0, sizeof(mask));
	/* returns the bytes written: min(len, cpumask_size()) */
	long r = sys_sched_getaffinity(0, 8, mask);

	for (int i = 0; i < 8; i++)
		any |= mask[i] != 0;
	tap_ok(r == 8 && any, "sched_getaffinity with 8 bytes returns 8 and a mask holding a CPU");
	/* cpumask_size() is nr_cpu_ids rounded up to longs (Debian's amd64 kernel has
	 * CONFIG_CPUMASK_OFFSTACK): 8 bytes for 64 CPUs or fewer. Without OFFSTACK it
	 * is NR_CPUS rounded up, so a riscv64 Linux built for more than 64 would say
	 * more; kestrel's mask is CONFIG_MAX_CPUS bits. */
	tap_expect(sys_sched_getaffinity(0, sizeof(mask), mask), 8,
		   "sched_getaffinity with 128 bytes returns 8, the size of the kernel's mask");
	/* "if (len & (sizeof(unsigned long)-1)) return -EINVAL" */
	tap_expect(sys_sched_getaffinity(0, 4, mask), -EINVAL,
		   "sched_getaffinity with a length that is no multiple of 8 is EINVAL");
	/* "if ((len * BITS_PER_BYTE) < nr_cpu_ids) return -EINVAL" */
	tap_expect(sys_sched_getaffinity(0, 0, mask), -EINVAL, "sched_getaffinity with length 0 is EINVAL");
	tap_expect(sys_sched_getaffinity(NO_SUCH_PID, 8, mask), -ESRCH,
		   "sched_getaffinity of a pid that does not exist is ESRCH");
}

/* ---- getrandom (drivers/char/random.c) ---- */

static void random_cases(void)
{
	unsigned char a[16], b[16];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	/* flags 0 waits until the CRNG is ready; after that GRND_NONBLOCK cannot fail */
	tap_expect(sys_getrandom(a, sizeof(a), 0), 16, "getrandom of 16 bytes with flags 0 returns 16");
	tap_ok(sys_getrandom(b, sizeof(b), GRND_NONBLOCK) == 16 && memcmp(a, b, sizeof(a)) != 0,
	       "getrandom with GRND_NONBLOCK returns 16 other bytes");
	tap_expect(sys_getrandom(a, 0, 0), 0, "getrandom of 0 bytes returns 0");
	tap_expect(sys_getrandom(a, sizeof(a), 0x8), -EINVAL, "getrandom with an unknown flag is EINVAL");
	tap_expect(sys_getrandom(a, sizeof(a), GRND_INSECURE | GRND_RANDOM), -EINVAL,
		   "getrandom with GRND_INSECURE and GRND_RANDOM together is EINVAL");
}

/* ---- the signal mask and actions (kernel/signal.c) ---- */

static void sigmask_cases(void)
{
	linux_sigset_t old = ~0ULL, set, cur = 0;

	tap_ok(sys_rt_sigprocmask(SIG_BLOCK, NULL, &old, SIGSET_SIZE) == 0 && old == 0,
	       "rt_sigprocmask: /init starts with no signal blocked");
	set = SIGMASK(SIGUSR1);
	tap_ok(sys_rt_sigprocmask(SIG_BLOCK, &set, &old, SIGSET_SIZE) == 0 && old == 0 &&
	       sys_rt_sigprocmask(SIG_BLOCK, NULL, &cur, SIGSET_SIZE) == 0 && cur == SIGMASK(SIGUSR1),
	       "SIG_BLOCK of SIGUSR1 returns the old mask, and the mask then holds SIGUSR1");
	set = ~0ULL;
	/* sigprocmask(): "sigdelsetmask(&newset, sigmask(SIGKILL)|sigmask(SIGSTOP))" */
	tap_ok(sys_rt_sigprocmask(SIG_SETMASK, &set, NULL, SIGSET_SIZE) == 0 &&
	       sys_rt_sigprocmask(SIG_BLOCK, NULL, &cur, SIGSET_SIZE) == 0 &&
	       cur == ~(SIGMASK(SIGKILL) | SIGMASK(SIGSTOP)),
	       "SIG_SETMASK of every signal blocks all but SIGKILL and SIGSTOP");
	set = 0;
	tap_ok(sys_rt_sigprocmask(SIG_SETMASK, &set, NULL, SIGSET_SIZE) == 0 &&
	       sys_rt_sigprocmask(SIG_BLOCK, NULL, &cur, SIGSET_SIZE) == 0 && cur == 0,
	       "SIG_SETMASK of the empty set unblocks everything");
	tap_expect(sys_rt_sigprocmask(3, &set, NULL, SIGSET_SIZE), -EINVAL, "rt_sigprocmask with how 3 is EINVAL");
	tap_expect(sys_rt_sigprocmask(SIG_BLOCK, &set, NULL, 4), -EINVAL,
		   "rt_sigprocmask with a sigsetsize of 4 is EINVAL");
	/* how is looked at only when there is a new set */
	tap_expect(sys_rt_sigprocmask(99, NULL, &cur, SIGSET_SIZE), 0,
		   "rt_sigprocmask with no new set ignores how");
}

static struct {
	int count;
	int code, pid;
} usr1;

static void on_usr1(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1.count++;
	usr1.code = si->si_code;
	usr1.pid = si->u.kill.pid;
}

static void actions_cases(void)
{
	struct linux_k_sigaction old;

	memset(&old, 0xff, sizeof(old));
	tap_ok(sys_rt_sigaction(SIGUSR1, NULL, &old, SIGSET_SIZE) == 0 && old.handler == SIG_DFL,
	       "rt_sigaction reads SIGUSR1's action back as SIG_DFL");
	rt_sigaction_install(SIGUSR1, on_usr1, 0, 0);
	memset(&old, 0, sizeof(old));
	tap_ok(sys_rt_sigaction(SIGUSR1, NULL, &old, SIGSET_SIZE) == 0 && old.handler == (void *)on_usr1 &&
	       (old.flags & SA_SIGINFO),
	       "after installing a handler, rt_sigaction reads it back with SA_SIGINFO");
	/* do_sigaction: "if (!valid_signal(sig) || sig < 1 || (act && sig_kernel_only(sig)))" */
	struct linux_k_sigaction act;

	memset(&act, 0, sizeof(act));
	act.handler = SIG_IGN;
	arch_sigaction_prepare(&act);
	tap_expect(sys_rt_sigaction(SIGKILL, &act, NULL, SIGSET_SIZE), -EINVAL,
		   "rt_sigaction setting SIGKILL's action is EINVAL");
	tap_expect(sys_rt_sigaction(0, NULL, &old, SIGSET_SIZE), -EINVAL, "rt_sigaction of signal 0 is EINVAL");
	tap_expect(sys_rt_sigaction(LINUX_NSIG, NULL, &old, SIGSET_SIZE), 0,
		   "rt_sigaction of signal 64, the last, succeeds");
	tap_expect(sys_rt_sigaction(LINUX_NSIG + 1, NULL, &old, SIGSET_SIZE), -EINVAL,
		   "rt_sigaction of signal 65 is EINVAL");
	tap_expect(sys_rt_sigaction(SIGUSR1, NULL, &old, 4), -EINVAL,
		   "rt_sigaction with a sigsetsize of 4 is EINVAL");
}

/* ---- kill, tgkill (kernel/signal.c kill_pid_info, do_tkill) ---- */

static void kills_cases(void)
{
	linux_sigset_t set, pending = 0;

	tap_expect(sys_kill((int)pid, 0), 0, "kill(getpid(), 0) is 0");
	tap_expect(sys_tgkill((int)pid, (int)tid, 0), 0, "tgkill(getpid(), gettid(), 0) is 0");
	tap_expect(sys_kill((int)pid, LINUX_NSIG + 1), -EINVAL, "kill with signal 65 is EINVAL");
	tap_expect(sys_tgkill((int)pid, (int)tid, LINUX_NSIG + 1), -EINVAL, "tgkill with signal 65 is EINVAL");
	tap_expect(sys_kill(NO_SUCH_PID, 0), -ESRCH, "kill of a pid that does not exist is ESRCH");
	tap_expect(sys_tgkill((int)pid, NO_SUCH_PID, 0), -ESRCH, "tgkill of a tid not in the group is ESRCH");
	tap_expect(sys_tgkill(0, (int)tid, 0), -EINVAL, "tgkill with tgid 0 is EINVAL");

	/* a signal to oneself is delivered on the way out of the call that sent it;
	 * init ignores signals it has no handler for (sig_task_ignored), so SIGUSR1
	 * has one (actions()) */
	memset(&usr1, 0, sizeof(usr1));
	long r = sys_kill((int)pid, SIGUSR1);
	int count = usr1.count;

	tap_ok(r == 0 && count == 1 && usr1.code == SI_USER && usr1.pid == pid,
	       "a handled SIGUSR1 from kill arrives before kill returns: SI_USER, si_pid the sender");
	memset(&usr1, 0, sizeof(usr1));
	r = sys_tgkill((int)pid, (int)tid, SIGUSR1);
	count = usr1.count;
	tap_ok(r == 0 && count == 1 && usr1.code == SI_TKILL && usr1.pid == pid,
	       "a handled SIGUSR1 from tgkill arrives before tgkill returns: SI_TKILL");

	/* a standard signal is pending at most once (legacy_queue) */
	memset(&usr1, 0, sizeof(usr1));
	set = SIGMASK(SIGUSR1);
	sys_rt_sigprocmask(SIG_BLOCK, &set, NULL, SIGSET_SIZE);
	sys_kill((int)pid, SIGUSR1);
	sys_kill((int)pid, SIGUSR1);
	int blocked_count = usr1.count;

	sys_rt_sigpending(&pending, SIGSET_SIZE);
	sys_rt_sigprocmask(SIG_UNBLOCK, &set, NULL, SIGSET_SIZE);
	count = usr1.count;
	tap_ok(blocked_count == 0 && pending == SIGMASK(SIGUSR1) && count == 1,
	       "SIGUSR1 sent twice while blocked is pending once and delivered once when unblocked");
}

/* ---- registers across a call and a handler (the arch's entry and exit) ---- */

#define SCRATCH_A 0x1111111111111111ull
#define SCRATCH_B 0x2222222222222222ull

static void on_usr2_set_regs(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	arch_uc_set_scratch(uc, SCRATCH_A, SCRATCH_B);
}

static void registers_cases(void)
{
	uint64_t out[4] = { 0, 0, 1, 1 };

	arch_syscall_regs(out);
	tap_ok(out[0] == out[2] && out[1] == out[3],
	       "after a system call the registers hold what the ABI says (x86_64: rcx the return address, r11 rflags; riscv64: unchanged)");
	rt_sigaction_install(SIGUSR2, on_usr2_set_regs, 0, 0);
	memset(out, 0, sizeof(out));
	arch_sigreturn_regs(pid, tid, SIGUSR2, out);
	rt_sigaction_default(SIGUSR2);
	tap_ok(out[0] == SCRATCH_A && out[1] == SCRATCH_B,
	       "rt_sigreturn gives back the registers a handler set in the saved context, those a fast return path would lose too (x86_64: rcx, r11)");
}

/* ---- fd 1 (drivers/tty/tty_io.c, fs/stat.c) ---- */

static void stdout_fd_cases(void)
{
	struct linux_winsize ws;
	struct linux_stat st;
	long r;

	/* a tty on Linux (/dev/console); the kernel under test may give fd 1 to
	 * something that is not: either answer, and nothing printed that differs */
	r = sys_ioctl(1, TIOCGWINSZ, &ws);
	tap_ok(r == 0 || r == -ENOTTY, "ioctl(1, TIOCGWINSZ) is 0 or ENOTTY");
	tap_expect(sys_ioctl(100, TIOCGWINSZ, &ws), -EBADF, "ioctl on a closed fd is EBADF");
	memset(&st, 0, sizeof(st));
	tap_ok(sys_fstat(1, &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR,
	       "fstat(1) succeeds and st_mode says character device");
	tap_expect(sys_fstat(100, &st), -EBADF, "fstat of a closed fd is EBADF");
}

/* ---- clone3's argument checks (kernel/fork.c copy_clone_args_from_user) ---- */

static void clone3_cases(void)
{
	char *page = (char *)sys_mmap(NULL, 2 * PG, RW, ANON, -1, 0);

	SETUP(!sys_is_err((long)page), "clone3 with size 0 is EINVAL");
	struct linux_clone_args *a = (struct linux_clone_args *)(uintptr_t)page;

	/* Each call is refused before a process could be made: the size checks, then
	 * copy_struct_from_user's zeroed tail, then the set_tid copy (EFAULT, from an
	 * unmapped address). CLONE_THREAD without CLONE_SIGHAND would be refused
	 * later still, should one get that far. */
	a->flags = CLONE_THREAD;
	a->set_tid = (uintptr_t)BAD_PTR;
	a->set_tid_size = 1;
	tap_expect(sys_clone3(a, 0), -EINVAL, "clone3 with size 0 is EINVAL");
	tap_expect(sys_clone3(a, CLONE_ARGS_SIZE_VER0 - 1), -EINVAL,
		   "clone3 with size 63, below CLONE_ARGS_SIZE_VER0, is EINVAL");
	/* set_tid is at 64: with VER0's 64 bytes it reads as zero, so this one gets
	 * past the copy and is refused for its flags (copy_process) */
	tap_expect(sys_clone3(a, CLONE_ARGS_SIZE_VER0), -EINVAL,
		   "clone3 of CLONE_ARGS_SIZE_VER0 bytes reads nothing past them: no set_tid, EINVAL later");
	tap_expect(sys_clone3(a, CLONE_ARGS_SIZE_VER1), -EFAULT,
		   "clone3 of CLONE_ARGS_SIZE_VER1 bytes reads set_tid (unmapped: EFAULT)");
	tap_expect(sys_clone3(a, PG), -EFAULT,
		   "clone3 of a whole page with a zero tail passes the size check (EFAULT)");
	tap_expect(sys_clone3(a, PG + 1), -E2BIG, "clone3 of a page and one byte is E2BIG");
	page[CLONE_ARGS_SIZE_VER2] = 1;
	tap_expect(sys_clone3(a, CLONE_ARGS_SIZE_VER2 + 8), -E2BIG,
		   "clone3 with a nonzero byte past the 88-byte struct Linux knows is E2BIG");
	tap_expect(sys_clone3(NULL, CLONE_ARGS_SIZE_VER0), -EFAULT, "clone3 of an unreadable struct is EFAULT");
	sys_munmap(page, 2 * PG);
}

/* ---- the thread pointer, the arch's own calls, the cycle counter ---- */

static struct rt_tls main_tls = { &main_tls, NULL };

static void arch_calls_cases(void)
{
	tap_expect(arch_tls_set(&main_tls), 0, "the thread pointer is set the arch's way");
	sys_sched_yield();
	tap_ok(arch_tls_get() == &main_tls, "the thread pointer reads back after a system call");
	tap_ok(arch_tls_load0() == &main_tls, "a load through the thread pointer reads its block");
	for (int i = 0; i < ARCH_CALL_CASES; i++) {
		const char *desc = "";
		long want = 0;
		long got = arch_call_case(i, &desc, &want);

		tap_expect(got, want, "%s", desc);
	}
}

static void cycles_cases(void)
{
	uint64_t prev = arch_cycles(), first = prev;
	bool mono = true;

	for (int i = 0; i < 1000; i++) {
		uint64_t c = arch_cycles();

		mono &= c >= prev;
		prev = c;
	}
	tap_ok(mono, "%s works in user mode and never goes back over 1000 reads", ARCH_CYCLES_NAME);
	rt_sleep_ns(10 * MS);
	tap_ok(arch_cycles() > first, "%s advances across a 10 ms sleep", ARCH_CYCLES_NAME);
}

int main(void)
{
	pid = sys_getpid();
	tid = sys_gettid();
	tap_plan(97 + ARCH_CALL_CASES);
	ids_cases();
	robust_list_cases();
	rseq_cases();
	uname_cases();
	rlimits_cases();
	clocks_cases();
	sleeps_cases();
	sched_cases();
	random_cases();
	sigmask_cases();
	actions_cases();
	kills_cases();
	registers_cases();
	stdout_fd_cases();
	clone3_cases();
	arch_calls_cases();
	cycles_cases();
	return tap_done();
}

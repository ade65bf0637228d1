// SPDX-License-Identifier: MIT
/*
 * Threads as a libc makes them, on Linux 6.1: raw clone with the flags glibc's
 * pthread_create() passes (rt/thread.c), futex waits and wakes (timeouts, bitsets,
 * the errors), joining through CLONE_CHILD_CLEARTID and the kernel's futex wake, as
 * pthread_join() does, thread ids, the TLS pointer, a futex mutex under contention, a
 * signal aimed at one thread, one thread's exit() while the others go on, a check
 * for stale TLB entries (readers on every CPU while the main thread replaces,
 * protects and unmaps what they read), and at the very end exit_group() from a
 * thread that is not the main one, which must end the whole process with the status
 * it passes. Expected values are Linux's (kernel/fork.c, kernel/futex/, kernel/exit.c,
 * kernel/signal.c, mm/), checked by running this program on it (scripts/linux-peer,
 * with --smp 1 and 4).
 *
 * One thread per CPU the program may run on (sched_getaffinity), at least two so
 * that something runs concurrently even on one CPU. Nothing printed depends on the
 * number of CPUs or on timing: the TAP lines are the same at any --smp. Only the
 * main thread prints TAP points.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MAX_THREADS 64
#define MS (1000 * 1000L)
#define SEC (1000 * MS)
#define JOIN_TIMEOUT (10 * SEC)

static unsigned int nthreads;

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

/* Spins until *flag is set or timeout_ns passed; returns whether it was set. */
static bool wait_flag(volatile int *flag, int64_t timeout_ns)
{
	int64_t end = now() + timeout_ns;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (now() > end)
			return false;
		arch_cpu_relax();
	}
	return true;
}

/* A SIGSEGV is expected only from arch_probe_read() (the stale-TLB readers). */
static void on_segv(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	if (rt_probe_fixup(uc, si))
		return;
	tap_diag("unexpected SIGSEGV at %p (si_code %d) in thread %ld", si->u.fault.addr,
		 si->si_code, sys_gettid());
	rt_drain_stdout();
	sys_exit_group(1);
}

/* ---- clone, ids, TLS, join (kernel/fork.c copy_process, kernel_clone) ---- */

static struct basic {
	struct rt_thread t;
	long clone_ret;
	int tid_at_start;	/* t.tid as the thread found it on entry */
	long tid, pid;		/* gettid(), getpid() in the thread */
	void *tls_get, *tls_load0;
} basics[MAX_THREADS];

static int basic_fn(void *arg)
{
	struct basic *b = arg;

	b->tid_at_start = b->t.tid;
	b->tid = sys_gettid();
	b->pid = sys_getpid();
	b->tls_get = arch_tls_get();
	b->tls_load0 = arch_tls_load0();
	return 0;
}

static void clone_basics(void)
{
	long pid = sys_getpid(), main_tid = sys_gettid();
	bool started = true, joined = true, settid = true, tids = true, distinct = true;
	bool pids = true, tls = true;

	for (unsigned int i = 0; i < nthreads; i++) {
		basics[i].clone_ret = rt_thread_start(&basics[i].t, basic_fn, &basics[i], 0, NULL);
		started &= basics[i].clone_ret > 0;
	}
	for (unsigned int i = 0; i < nthreads; i++)
		if (basics[i].clone_ret > 0)
			joined &= rt_thread_join(&basics[i].t, JOIN_TIMEOUT) == 0;
	tap_ok(started, "clone with glibc's thread flags starts one thread per CPU");
	tap_ok(started && joined,
	       "each thread is joined: CLONE_CHILD_CLEARTID clears the tid and futex-wakes the joiner");
	if (!started || !joined)
		tap_diag("started %d joined %d", started, joined);
	for (unsigned int i = 0; i < nthreads; i++) {
		struct basic *b = &basics[i];

		settid &= b->tid_at_start == b->clone_ret;
		tids &= b->tid == b->clone_ret;
		pids &= b->pid == pid;
		tls &= b->tls_get == &b->t.tls && b->tls_load0 == &b->t.tls;
		distinct &= b->tid != main_tid && b->tid != pid;
		for (unsigned int j = 0; j < i; j++)
			distinct &= basics[j].tid != b->tid;
	}
	tap_ok(started && settid, "CLONE_PARENT_SETTID: the tid is in place before the thread runs");
	tap_ok(started && tids, "gettid in each thread is the tid clone returned");
	tap_ok(started && distinct, "the threads' tids are distinct and differ from the main thread's");
	tap_ok(started && pids, "getpid in each thread is the process's pid");
	tap_ok(started && tls, "CLONE_SETTLS: each thread's thread pointer is its own TLS block");
}

/* ---- futex calls on their own (kernel/futex/syscalls.c, waitwake.c, core.c) ---- */

static void futex_errors(void)
{
	static volatile int word[2];
	struct linux_timespec ts;
	int64_t t0, t1;
	long r;

	word[0] = 1;
	tap_expect(sys_futex(&word[0], FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), -EAGAIN,
		   "FUTEX_WAIT when the word does not hold the value is EAGAIN");

	ts = rt_ns_ts(50 * MS);
	t0 = now();
	r = sys_futex(&word[0], FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, &ts, NULL, 0);
	t1 = now();
	tap_ok(r == -ETIMEDOUT && t1 - t0 >= 50 * MS,
	       "FUTEX_WAIT with a 50 ms timeout is ETIMEDOUT, after at least 50 ms");
	if (r != -ETIMEDOUT || t1 - t0 < 50 * MS)
		tap_diag("returned %ld after %ld ns", r, (long)(t1 - t0));

	/* FUTEX_WAIT_BITSET's timeout is absolute, on CLOCK_MONOTONIC without
	 * FUTEX_CLOCK_REALTIME (futex_init_timeout) */
	int64_t deadline = now() + 30 * MS;

	ts = rt_ns_ts(deadline);
	r = sys_futex(&word[0], FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 1, &ts, NULL,
		      (int)FUTEX_BITSET_MATCH_ANY);
	t1 = now();
	tap_ok(r == -ETIMEDOUT && t1 >= deadline,
	       "FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline is ETIMEDOUT at it");
	tap_expect(sys_futex(&word[0], FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), -EINVAL,
		   "FUTEX_WAIT_BITSET with bitset 0 is EINVAL");
	tap_expect(sys_futex((volatile int *)((char *)&word[0] + 2), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0,
			     NULL, NULL, 0),
		   -EINVAL, "FUTEX_WAIT at an address that is not 4-byte aligned is EINVAL");
	ts = (struct linux_timespec){ 0, NSEC_PER_SEC };
	tap_expect(sys_futex(&word[0], FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, &ts, NULL, 0), -EINVAL,
		   "FUTEX_WAIT with tv_nsec of one second is EINVAL");
	tap_expect(sys_futex(&word[0], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), 0,
		   "FUTEX_WAKE with nobody waiting wakes nobody");
	tap_expect(sys_futex(&word[0], 99 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), -ENOSYS,
		   "an unknown futex operation is ENOSYS");
}

/* ---- wait and wake between threads ---- */

static volatile int ww_word;
static struct waiter {
	struct rt_thread t;
	long started;
	long wait_ret;
} waiters[MAX_THREADS];

static int waiter_fn(void *arg)
{
	struct waiter *w = arg;

	/* the word stays 0: only a FUTEX_WAKE ends this wait */
	w->wait_ret = sys_futex(&ww_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	return 0;
}

/* Wakes n waiters one FUTEX_WAKE(1) at a time, retrying while they are not yet
 * queued; returns whether every wake woke at most one and n were woken. */
static bool wake_one_by_one(unsigned int n)
{
	unsigned int woken = 0;
	int64_t end = now() + JOIN_TIMEOUT;

	while (woken < n && now() < end) {
		long r = sys_futex(&ww_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);

		if (r < 0 || r > 1) {
			tap_diag("FUTEX_WAKE(1) returned %ld", r);
			return false;
		}
		woken += (unsigned int)r;
		if (!r)
			rt_sleep_ns(MS);
	}
	if (woken != n)
		tap_diag("woke %u of %u", woken, n);
	return woken == n;
}

static void wait_wake(unsigned int n, const char *desc)
{
	bool started = true, joined = true, woken_ok, rets = true;

	ww_word = 0;
	for (unsigned int i = 0; i < n; i++) {
		waiters[i].wait_ret = 1;
		waiters[i].started = rt_thread_start(&waiters[i].t, waiter_fn, &waiters[i], 0, NULL);
		started &= waiters[i].started > 0;
	}
	SETUP(started, desc);
	woken_ok = wake_one_by_one(n);
	for (unsigned int i = 0; i < n; i++) {
		joined &= rt_thread_join(&waiters[i].t, JOIN_TIMEOUT) == 0;
		rets &= waiters[i].wait_ret == 0;
	}
	tap_ok(woken_ok && joined && rets, "%s", desc);
}

/* ---- a futex mutex under contention ---- */

#define MUTEX_ROUNDS 2000

static rt_mutex_t mutex;
static volatile long counter;
static volatile int inside, overlaps, mutex_go;
static struct rt_thread lockers[MAX_THREADS];

static int locker_fn(void *arg)
{
	(void)arg;
	wait_flag(&mutex_go, JOIN_TIMEOUT);
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		rt_mutex_lock(&mutex);
		if (__atomic_fetch_add(&inside, 1, __ATOMIC_RELAXED) != 0)
			__atomic_fetch_add(&overlaps, 1, __ATOMIC_RELAXED);
		long c = counter;	/* a plain read-modify-write: only the lock protects it */

		for (int k = 0; k < 8; k++)
			arch_cpu_relax();
		counter = c + 1;
		__atomic_fetch_sub(&inside, 1, __ATOMIC_RELAXED);
		rt_mutex_unlock(&mutex);
	}
	return 0;
}

static void mutex_contention(void)
{
	bool started = true, joined = true;

	for (unsigned int i = 0; i < nthreads; i++)
		started &= rt_thread_start(&lockers[i], locker_fn, NULL, 0, NULL) > 0;
	SETUP(started, "a futex mutex taken by every thread at once: the shared counter is exact");
	__atomic_store_n(&mutex_go, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < nthreads; i++)
		joined &= rt_thread_join(&lockers[i], JOIN_TIMEOUT) == 0;
	tap_ok(joined && counter == (long)nthreads * MUTEX_ROUNDS,
	       "a futex mutex taken by every thread at once: the shared counter is exact");
	if (counter != (long)nthreads * MUTEX_ROUNDS)
		tap_diag("counter %ld, want %ld", counter, (long)nthreads * MUTEX_ROUNDS);
	tap_ok(joined && overlaps == 0 && mutex.word == 0,
	       "no two threads were inside the mutex at once, and it ends free");
}

/* ---- a signal to one thread (kernel/signal.c do_tkill: the thread's own queue) ---- */

static volatile int usr1_hit;
static volatile long usr1_tid;

static void on_usr1(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	usr1_tid = sys_gettid();
	__atomic_store_n(&usr1_hit, 1, __ATOMIC_RELEASE);
}

static int usr1_target_fn(void *arg)
{
	(void)arg;
	wait_flag(&usr1_hit, JOIN_TIMEOUT);	/* busy in user mode until the handler ran */
	return 0;
}

static void tgkill_thread(void)
{
	struct rt_thread t;
	long tid;

	SETUP(rt_sigaction_install(SIGUSR1, on_usr1, 0, 0) == 0,
	      "tgkill to a thread runs the SIGUSR1 handler in that thread");
	tid = rt_thread_start(&t, usr1_target_fn, NULL, 0, NULL);
	SETUP(tid > 0, "tgkill to a thread runs the SIGUSR1 handler in that thread");
	long r = sys_tgkill((int)sys_getpid(), (int)tid, SIGUSR1);
	bool joined = rt_thread_join(&t, JOIN_TIMEOUT) == 0;

	tap_ok(r == 0 && joined && usr1_hit && usr1_tid == tid,
	       "tgkill to a thread runs the SIGUSR1 handler in that thread");
}

/* ---- one thread's exit() (kernel/exit.c do_exit: the group lives on) ---- */

static volatile int survivors_go;
static struct survivor {
	struct rt_thread t;
	volatile int done;
} survivors[MAX_THREADS];

static int survivor_fn(void *arg)
{
	struct survivor *s = arg;

	if (wait_flag(&survivors_go, JOIN_TIMEOUT))
		s->done = 1;
	return 0;
}

static __attribute__((noinline)) _Noreturn void exit_deep(int depth)
{
	if (depth)
		exit_deep(depth - 1);
	sys_exit(0);	/* the calling thread only: not from the thread's function */
}

static int exiter_fn(void *arg)
{
	(void)arg;
	exit_deep(3);
}

static void thread_exit(void)
{
	struct rt_thread ex;
	unsigned int n = nthreads - 1;
	bool started = true, joined = true, done = true;

	for (unsigned int i = 0; i < n; i++) {
		survivors[i].done = 0;
		started &= rt_thread_start(&survivors[i].t, survivor_fn, &survivors[i], 0, NULL) > 0;
	}
	started &= rt_thread_start(&ex, exiter_fn, NULL, 0, NULL) > 0;
	SETUP(started, "a thread's exit() ends that thread alone: the others go on and finish");
	bool ex_joined = rt_thread_join(&ex, JOIN_TIMEOUT) == 0;

	/* the survivors were all waiting while it exited; now they may finish */
	__atomic_store_n(&survivors_go, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n; i++) {
		joined &= rt_thread_join(&survivors[i].t, JOIN_TIMEOUT) == 0;
		done &= survivors[i].done;
	}
	tap_ok(ex_joined && joined && done,
	       "a thread's exit() ends that thread alone: the others go on and finish");
}

/*
 * ---- stale TLB entries ----
 *
 * Reader threads on every CPU read one word of each page of a mapping, through
 * arch_probe_read() so that a fault is an outcome, not an end. The main thread
 * changes the mapping in phases and publishes each with a sequence word, as a
 * seqlock: odd 2k+1 while phase k is settled, even 2k+2 while the change to phase
 * k+1 is under way. A reader that saw the same odd value before and after its reads
 * made them entirely within the settled phase, so they must give exactly that
 * phase's outcome; a stale TLB entry left on its CPU by a change the kernel did not
 * shoot down shows as the previous phase's outcome. Reads that overlap a change may
 * give anything and are not checked. Each phase lasts until every reader has made
 * TLB_READS checked reads in it, so each had the old translation cached before the
 * next change.
 */
#define TLB_PAGES 4
#define TLB_READS 100
#define TLB_STOP 0xffffffffu

enum { PH_INITIAL, PH_MREMAP, PH_MAP_FIXED, PH_WRITTEN, PH_PROT_NONE, PH_PROT_READ, PH_MUNMAP, PH_COUNT };

static char *tlb_area;
static volatile unsigned int tlb_seq;
static struct reader {
	struct rt_thread t;
	volatile long checked[PH_COUNT];
	volatile long bad[PH_COUNT];
	int bad_page, bad_code;		/* the first bad read */
	uint64_t bad_val;
} readers[MAX_THREADS];

static uint64_t tlb_value(int phase, int page)
{
	return 0x5afe0000UL + 0x100UL * (unsigned int)phase + (unsigned int)page;
}

/* A settled read of page in phase: the value (code 0) or the fault's si_code. */
static void tlb_expect(int phase, int page, int *code, uint64_t *val)
{
	*code = 0;
	*val = 0;
	switch (phase) {
	case PH_INITIAL:
	case PH_MREMAP:
		*val = tlb_value(phase, page);
		break;
	case PH_MAP_FIXED:
		break;			/* fresh anonymous memory: zero */
	case PH_WRITTEN:
	case PH_PROT_READ:
		*val = tlb_value(PH_WRITTEN, page);
		break;
	case PH_PROT_NONE:
		*code = SEGV_ACCERR;	/* a VMA without VM_READ */
		break;
	default:
		*code = SEGV_MAPERR;	/* no VMA */
		break;
	}
}

static int reader_fn(void *arg)
{
	struct reader *r = arg;

	for (;;) {
		unsigned int s1 = __atomic_load_n(&tlb_seq, __ATOMIC_ACQUIRE);
		int codes[TLB_PAGES];
		uint64_t vals[TLB_PAGES];

		if (s1 == TLB_STOP)
			return 0;
		for (int i = 0; i < TLB_PAGES; i++) {
			vals[i] = 0;
			codes[i] = arch_probe_read(tlb_area + i * PG, &vals[i]);
		}
		/* the reads before the second look at the sequence (RVWMO too) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		unsigned int s2 = __atomic_load_n(&tlb_seq, __ATOMIC_ACQUIRE);

		if (s1 != s2 || !(s1 & 1))
			continue;
		int ph = (int)(s1 / 2);
		bool ok = true;

		for (int i = 0; i < TLB_PAGES; i++) {
			int code;
			uint64_t val;

			tlb_expect(ph, i, &code, &val);
			if (codes[i] != code || (code == 0 && vals[i] != val)) {
				if (ok && !r->bad[ph]) {
					r->bad_page = i;
					r->bad_code = codes[i];
					r->bad_val = vals[i];
				}
				ok = false;
			}
		}
		if (!ok)
			r->bad[ph]++;
		r->checked[ph]++;
	}
}

/* Publishes phase as settled and waits until every reader made TLB_READS checked
 * reads in it; returns whether they did, and none was bad. */
static bool tlb_settle(unsigned int n, int phase)
{
	int64_t end = now() + JOIN_TIMEOUT;
	bool all;

	__atomic_store_n(&tlb_seq, 2u * (unsigned int)phase + 1, __ATOMIC_RELEASE);
	do {
		all = true;
		for (unsigned int i = 0; i < n; i++)
			all &= readers[i].checked[phase] >= TLB_READS;
		if (!all)
			rt_sleep_ns(MS);
	} while (!all && now() < end);
	if (!all)
		tap_diag("phase %d: not every reader made %d checked reads", phase, TLB_READS);
	for (unsigned int i = 0; i < n; i++) {
		if (readers[i].bad[phase]) {
			int code;
			uint64_t val;

			tlb_expect(phase, readers[i].bad_page, &code, &val);
			tap_diag("phase %d: reader %u: %ld of %ld reads wrong; first: page %d code %d "
				 "value 0x%lx, want code %d value 0x%lx", phase, i,
				 readers[i].bad[phase], readers[i].checked[phase], readers[i].bad_page,
				 readers[i].bad_code, (unsigned long)readers[i].bad_val, code,
				 (unsigned long)val);
			all = false;
		}
	}
	return all;
}

/* The change to phase is under way from here: readers' overlapping reads are not
 * checked. The fence orders the store before the system call's page-table work. */
static void tlb_change(int phase)
{
	__atomic_store_n(&tlb_seq, 2u * (unsigned int)phase, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void fill(char *area, int phase)
{
	for (int i = 0; i < TLB_PAGES; i++)
		*(volatile uint64_t *)(area + i * PG) = tlb_value(phase, i);
}

static void stale_tlb(void)
{
	const size_t len = TLB_PAGES * PG;
	unsigned int n = nthreads;
	bool started = true, joined = true, ok;
	long r;

	tlb_area = (char *)sys_mmap(NULL, len, RW, ANON, -1, 0);
	SETUP(!sys_is_err((long)tlb_area), "stale TLB: readers on every CPU see the mapping's content");
	fill(tlb_area, PH_INITIAL);
	tlb_seq = 0;
	for (unsigned int i = 0; i < n; i++)
		started &= rt_thread_start(&readers[i].t, reader_fn, &readers[i], 0, NULL) > 0;
	if (!started) {
		/* readers that did start must not wait for a phase that never comes */
		__atomic_store_n(&tlb_seq, TLB_STOP, __ATOMIC_RELEASE);
		SETUP(started, "stale TLB: readers on every CPU see the mapping's content");
	}

	tap_ok(tlb_settle(n, PH_INITIAL), "stale TLB: readers on every CPU see the mapping's content");

	tlb_change(PH_MREMAP);
	char *b = (char *)sys_mmap(NULL, len, RW, ANON, -1, 0);

	ok = !sys_is_err((long)b);
	if (ok) {
		fill(b, PH_MREMAP);
		r = sys_mremap(b, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, tlb_area);
		ok = r == (long)tlb_area;
	}
	tap_ok(ok && tlb_settle(n, PH_MREMAP),
	       "stale TLB: after mremap(MREMAP_FIXED) onto the mapping, no reader sees the old content");

	tlb_change(PH_MAP_FIXED);
	r = sys_mmap(tlb_area, len, RW, ANON | MAP_FIXED, -1, 0);
	tap_ok(r == (long)tlb_area && tlb_settle(n, PH_MAP_FIXED),
	       "stale TLB: after mmap(MAP_FIXED) over it, readers see only zero pages");

	/* the readers' reads mapped the zero page; these writes replace it (do_wp_page) */
	tlb_change(PH_WRITTEN);
	fill(tlb_area, PH_WRITTEN);
	tap_ok(tlb_settle(n, PH_WRITTEN),
	       "stale TLB: after the main thread writes those zero pages, readers see only the new data");

	tlb_change(PH_PROT_NONE);
	r = sys_mprotect(tlb_area, len, PROT_NONE);
	tap_ok(r == 0 && tlb_settle(n, PH_PROT_NONE),
	       "stale TLB: after mprotect(PROT_NONE), every read faults SEGV_ACCERR");

	tlb_change(PH_PROT_READ);
	r = sys_mprotect(tlb_area, len, PROT_READ);
	tap_ok(r == 0 && tlb_settle(n, PH_PROT_READ),
	       "stale TLB: after mprotect(PROT_READ), every read succeeds with the data");

	tlb_change(PH_MUNMAP);
	r = sys_munmap(tlb_area, len);
	tap_ok(r == 0 && tlb_settle(n, PH_MUNMAP), "stale TLB: after munmap, every read faults SEGV_MAPERR");

	__atomic_store_n(&tlb_seq, TLB_STOP, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n; i++)
		joined &= rt_thread_join(&readers[i].t, JOIN_TIMEOUT) == 0;
	tap_ok(joined, "stale TLB: every reader is joined");
}

/* ---- the end: exit_group() from another thread (kernel/exit.c do_group_exit) ---- */

static int spinner_fn(void *arg)
{
	(void)arg;
	for (;;)
		arch_cpu_relax();	/* busy in user mode: exit_group must stop it */
}

static int group_exit_fn(void *arg)
{
	sys_exit_group(*(int *)arg);
}

/*
 * Ends the process from a thread other than the main one, with the TAP verdict as
 * the exit status, while the main thread sleeps in a futex nobody wakes and another
 * thread spins. If exit_group() left any of them alive the program would not exit
 * and the run would time out.
 */
static _Noreturn void exit_from_thread(int status)
{
	static struct rt_thread spinner, exiter;
	static int exit_status;
	static volatile int never;

	exit_status = status;
	if (rt_thread_start(&spinner, spinner_fn, NULL, 0, NULL) < 0 ||
	    rt_thread_start(&exiter, group_exit_fn, &exit_status, 0, NULL) < 0) {
		tap_diag("could not start the threads of the final exit_group");
		rt_drain_stdout();
		sys_exit_group(1);
	}
	for (;;)
		sys_futex(&never, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
}

int main(void)
{
	unsigned int ncpu = rt_cpu_count();

	nthreads = ncpu < 2 ? 2 : ncpu > MAX_THREADS ? MAX_THREADS : ncpu;
	tap_plan(30);
	tap_expect(rt_sigaction_install(SIGSEGV, on_segv, 0, 0), 0,
		   "rt_sigaction installs the SIGSEGV handler the probes need");
	clone_basics();
	futex_errors();
	wait_wake(1, "FUTEX_WAKE wakes a thread blocked in FUTEX_WAIT: wake gives 1, the wait 0");
	wait_wake(nthreads, "FUTEX_WAKE of 1 wakes one of several waiters at a time, each once");
	mutex_contention();
	tgkill_thread();
	thread_exit();
	stale_tlb();
	exit_from_thread(tap_done());
}

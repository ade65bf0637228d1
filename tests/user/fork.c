// SPDX-License-Identifier: MIT
/*
 * Processes that make processes, as on Linux 6.1: fork (clone with only SIGCHLD,
 * as libcs call it) and what the child gets: a copy-on-write copy of private memory
 * (each side's writes invisible to the other at every page of a mapping), MAP_SHARED
 * memory shared, the fork advices (DONTFORK, WIPEONFORK and their undoing), its own brk and
 * residency, only the calling thread; wait4 and
 * waitid with their exit statuses and errors; a fork chain 50 deep and 1000 forks in
 * a loop; kill between processes (SIGTERM's and SIGKILL's default actions, a
 * handled signal, a zombie); execve of this same program (argv[0]) with "--exec-child" in a child, which
 * checks what the new image got and reports through its exit status, and execve's
 * failures, after which the caller goes on. Expected values are Linux's (kernel/fork.c, kernel/exit.c), checked by
 * running this program on it (scripts/linux-peer). The kernel under test checks that
 * every frame is back once the program and its children are gone.
 *
 * A child reports through its exit status (0: all it checked held), so nothing a
 * child prints can interleave with the parent's lines.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define NPAGES 16
#define WNOHANG 1
#define __WALL 0x40000000
#define WEXITED 4
#define WNOWAIT 0x01000000
#define P_ALL 0
#define P_PID 1
#define CLD_EXITED 1
#define CLD_KILLED 2

#define BARRIER() __asm__ volatile("" ::: "memory")

static unsigned int pattern(unsigned int page, unsigned int round)
{
	return 0x1000u * round + page;
}

static void *map(size_t len, int flags)
{
	long r = sys_mmap(NULL, len, RW, flags | MAP_ANONYMOUS, -1, 0);

	return sys_is_err(r) ? NULL : (void *)r;
}

/* wait4 for @pid; returns its raw status, or -errno. */
static int reap(long pid)
{
	int status = -1;
	long r = sys_wait4((int)pid, &status, 0, NULL);

	return r == pid ? status : (int)(r < 0 ? r : -1);
}

static void ids_and_status(void)
{
	long me = sys_getpid();
	long pid = sys_fork();

	if (pid == 0) {
		/* the child: its own pid, the parent as its parent */
		sys_exit_group(sys_getppid() == me && sys_getpid() != me ? 42 : 1);
	}
	tap_ok(pid > 0 && pid != me, "fork returns the child's pid in the parent");
	int st = reap(pid);
	tap_ok(st == 42 << 8, "wait4 gives the child's exit status 42 (status 0x2a00): it saw its own pid and the parent's as getppid");
	tap_expect(sys_wait4(-1, NULL, 0, NULL), -ECHILD, "wait4 with no children left is ECHILD");
	tap_expect(sys_wait4((int)me, NULL, 0, NULL), -ECHILD, "wait4 of a pid that is not a child is ECHILD");
	tap_expect(sys_wait4(-1, NULL, 0x10000, NULL), -EINVAL, "wait4 with an unknown option is EINVAL");

	/* killed by a signal: SIGSEGV, no core (RLIMIT_CORE is 0) */
	pid = sys_fork();
	if (pid == 0) {
		*(volatile int *)16 = 1;
		sys_exit_group(1);
	}
	st = reap(pid);
	tap_ok(st == SIGSEGV, "a child killed by SIGSEGV: status 11 (WIFSIGNALED, no core dump)");
}

/* Private memory: copy-on-write in both directions, at every page. */
static void private_memory(void)
{
	unsigned int *m = map(NPAGES * PG, MAP_PRIVATE);
	volatile unsigned int *sync = map(PG, MAP_SHARED);

	if (!m || !sync) {
		tap_ok(false, "mappings for the private-memory cases");
		return;
	}
	for (unsigned int i = 0; i < NPAGES; i++)
		m[i * PG / 4] = pattern(i, 1);
	/* Child A sees the parent's data, then writes its own: the parent keeps its. */
	long pid = sys_fork();
	if (pid == 0) {
		int bad = 0;
		for (unsigned int i = 0; i < NPAGES; i++)
			bad += m[i * PG / 4] != pattern(i, 1);
		for (unsigned int i = 0; i < NPAGES; i++)
			m[i * PG / 4] = pattern(i, 2);
		for (unsigned int i = 0; i < NPAGES; i++)
			bad += m[i * PG / 4] != pattern(i, 2);
		sys_exit_group(bad ? 1 : 0);
	}
	int st = reap(pid);
	int bad = 0;
	for (unsigned int i = 0; i < NPAGES; i++)
		bad += m[i * PG / 4] != pattern(i, 1);
	tap_ok(st == 0, "the child sees the parent's data at every page, then its own writes");
	tap_ok(bad == 0, "the child's writes at every page are invisible to the parent");

	/* Child B waits until the parent has written every page: it keeps the old data. */
	sync[0] = 0;
	pid = sys_fork();
	if (pid == 0) {
		while (sync[0] == 0)
			sys_sched_yield();
		int b = 0;
		for (unsigned int i = 0; i < NPAGES; i++)
			b += m[i * PG / 4] != pattern(i, 1);
		sys_exit_group(b ? 1 : 0);
	}
	for (unsigned int i = 0; i < NPAGES; i++)
		m[i * PG / 4] = pattern(i, 3);
	BARRIER();
	sync[0] = 1;
	st = reap(pid);
	tap_ok(st == 0, "the parent's writes after the fork, at every page, are invisible to the child");
	sys_munmap(m, NPAGES * PG);
	sys_munmap((void *)sync, PG);
}

/* MAP_SHARED memory: one memory for both, pages touched before the fork or not. */
static void shared_memory(void)
{
	volatile unsigned int *s = map(4 * PG, MAP_SHARED);

	if (!s) {
		tap_ok(false, "a shared mapping");
		return;
	}
	s[0] = 7;                       /* page 0 touched; pages 1-3 not */
	long pid = sys_fork();
	if (pid == 0) {
		int ok = s[0] == 7;
		s[0] = 8;
		s[PG / 4] = 9;
		s[3 * PG / 4] = 10;
		sys_exit_group(ok ? 0 : 1);
	}
	int st = reap(pid);
	tap_ok(st == 0 && s[0] == 8 && s[PG / 4] == 9 && s[3 * PG / 4] == 10,
	       "MAP_SHARED writes of the child are the parent's, on pages touched before the fork and not");
	sys_munmap((void *)s, 4 * PG);
}

/*
 * The fork advices, as LTP's madvise03 (DONTFORK, DOFORK) and madvise10
 * (WIPEONFORK, its length 0, a grandchild, KEEPONFORK) check them, with Linux's
 * answers (madvise_vma_behavior(), dup_mmap()): a DONTFORK range is a hole in the
 * child, a WIPEONFORK range reads zeros there and in its children, the parent
 * keeps its data either way.
 */
static int wiped_check(volatile unsigned int *m, unsigned int npages, bool want_zero)
{
	for (unsigned int i = 0; i < npages; i++)
		if (m[i * PG / 4] != (want_zero ? 0 : pattern(i, 3)) || m[i * PG / 4 + 1] != 0)
			return 1;
	return 0;
}

static void fork_advice(void)
{
	volatile unsigned int *m = map(4 * PG, MAP_PRIVATE), *sh = map(PG, MAP_SHARED);
	unsigned char vec[4];

	if (!m || !sh) {
		tap_ok(false, "mappings for the fork advices");
		return;
	}
	for (unsigned int i = 0; i < 4; i++)
		m[i * PG / 4] = pattern(i, 3);
	tap_expect(sys_madvise((void *)sh, PG, MADV_WIPEONFORK), -EINVAL,
		   "MADV_WIPEONFORK of MAP_SHARED memory is EINVAL");

	/* WIPEONFORK: zeros in the child and in the grandchild; the parent's data stays. */
	tap_expect(sys_madvise((void *)m, 4 * PG, MADV_WIPEONFORK), 0, "MADV_WIPEONFORK of private memory");
	long pid = sys_fork();
	if (pid == 0) {
		int bad = wiped_check(m, 4, true);
		m[0] = 5;                       /* the child's own page, wiped again below */
		long gc = sys_fork();
		if (gc == 0)
			sys_exit_group(wiped_check(m, 4, true));
		sys_exit_group(bad | (reap(gc) != 0) << 1 | (m[0] != 5) << 2);
	}
	int st = reap(pid);
	tap_ok(st == 0 && wiped_check(m, 4, false) == 0,
	       "after MADV_WIPEONFORK the child reads zeros at every page, and so does its own child; the parent keeps its data");
	/* madvise10's length 0 changes nothing: KEEPONFORK first, so only it could wipe */
	tap_expect(sys_madvise((void *)m, 4 * PG, MADV_KEEPONFORK), 0, "MADV_KEEPONFORK undoes it");
	sys_madvise((void *)m, 0, MADV_WIPEONFORK);
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group(wiped_check(m, 4, false));
	tap_ok(reap(pid) == 0, "after MADV_KEEPONFORK (and a WIPEONFORK of length 0) the child sees the data again");

	/* DONTFORK of pages 1 and 2: a hole in the child; DOFORK undoes it. */
	tap_expect(sys_madvise((void *)(m + PG / 4), 2 * PG, MADV_DONTFORK), 0, "MADV_DONTFORK of two pages");
	pid = sys_fork();
	if (pid == 0) {
		int bad = m[0] != pattern(0, 3) || m[3 * PG / 4] != pattern(3, 3);
		bad |= (sys_mincore((void *)m, 4 * PG, vec) != -ENOMEM) << 1;
		bad |= (sys_madvise((void *)(m + PG / 4), PG, MADV_NORMAL) != -ENOMEM) << 2;
		bad |= (sys_munmap((void *)(m + PG / 4), 2 * PG) != 0) << 3;   /* a hole: fine */
		sys_exit_group(bad);
	}
	tap_ok(reap(pid) == 0, "in the child the MADV_DONTFORK pages are a hole (mincore and madvise ENOMEM), the others are there");
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group((int)m[PG / 4] == 12345);   /* never returns: a SIGSEGV */
	st = reap(pid);
	m[2 * PG / 4] = pattern(2, 3);          /* the parent's pages stay writable */
	tap_ok(st == SIGSEGV && m[PG / 4] == pattern(1, 3) && m[2 * PG / 4] == pattern(2, 3),
	       "a child touching a MADV_DONTFORK page gets SIGSEGV (status 11); the parent's pages keep their data");
	tap_expect(sys_madvise((void *)m, 4 * PG, MADV_DOFORK), 0, "MADV_DOFORK undoes it");
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group(wiped_check(m, 4, false) | (sys_mincore((void *)m, 4 * PG, vec) != 0) << 1);
	tap_ok(reap(pid) == 0, "after MADV_DOFORK the child gets every page with its data");
	sys_munmap((void *)m, 4 * PG);
	sys_munmap((void *)sh, PG);
}

/*
 * A child's death tells its parent (Linux's do_notify_parent()): the clone's exit
 * signal, SIGCHLD for a fork, with CLD_EXITED or CLD_KILLED, the child's pid and
 * status; with SIGCHLD ignored or SA_NOCLDWAIT the kernel reaps the child, so wait4
 * waits for it and then finds none (ECHILD). The signal is blocked around each
 * wait: a handler run while wait4 sleeps would make it EINTR or not depending on
 * timing, on Linux too (no SA_RESTART).
 */
static volatile int chld_runs, chld_signo, chld_code, chld_pid, chld_status;

static void on_chld(int sig, linux_siginfo_t *si, void *uc)
{
	(void)uc;
	chld_runs++;
	chld_signo = sig;
	chld_code = si->si_code;
	chld_pid = si->u.chld.pid;
	chld_status = si->u.chld.status;
}

static bool pending(int sig)
{
	linux_sigset_t set = 0;

	return sys_rt_sigpending(&set, SIGSET_SIZE) == 0 && (set & SIGMASK(sig));
}

static void set_mask(int how, int sig)
{
	linux_sigset_t set = SIGMASK(sig);

	sys_rt_sigprocmask(how, &set, NULL, SIGSET_SIZE);
}

static void ignore_sigchld(void)
{
	struct linux_k_sigaction act;

	memset(&act, 0, sizeof(act));
	act.handler = SIG_IGN;
	arch_sigaction_prepare(&act);
	sys_rt_sigaction(SIGCHLD, &act, NULL, SIGSET_SIZE);
}

static void child_signals(void)
{
	rt_sigaction_install(SIGCHLD, on_chld, 0, 0);
	set_mask(SIG_BLOCK, SIGCHLD);
	long pid = sys_fork();
	if (pid == 0)
		sys_exit_group(3);
	int st = reap(pid);
	bool was_pending = pending(SIGCHLD);
	set_mask(SIG_UNBLOCK, SIGCHLD);
	tap_ok(st == 3 << 8 && was_pending && chld_runs == 1 && chld_signo == SIGCHLD &&
	       chld_code == CLD_EXITED && chld_pid == pid && chld_status == 3,
	       "a child's exit sends its parent SIGCHLD: CLD_EXITED, its pid, status 3");

	set_mask(SIG_BLOCK, SIGCHLD);
	pid = sys_fork();
	if (pid == 0) {
		*(volatile int *)16 = 1;
		sys_exit_group(1);
	}
	st = reap(pid);
	set_mask(SIG_UNBLOCK, SIGCHLD);
	tap_ok(st == SIGSEGV && chld_runs == 2 && chld_code == CLD_KILLED && chld_pid == pid &&
	       chld_status == SIGSEGV, "a child killed by SIGSEGV: SIGCHLD with CLD_KILLED, status 11");

	/* SA_NOCLDWAIT: the handler still runs, but no zombie stays for wait4. */
	rt_sigaction_install(SIGCHLD, on_chld, SA_NOCLDWAIT, 0);
	set_mask(SIG_BLOCK, SIGCHLD);
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group(4);
	long r = sys_wait4(-1, NULL, 0, NULL);
	was_pending = pending(SIGCHLD);
	set_mask(SIG_UNBLOCK, SIGCHLD);
	tap_ok(r == -ECHILD && was_pending && chld_runs == 3 && chld_pid == pid && chld_status == 4,
	       "with SA_NOCLDWAIT the child is reaped as it exits (wait4 waits, then ECHILD) and SIGCHLD still comes");

	/* SIG_IGN: nothing is sent, every child is reaped as it exits. */
	ignore_sigchld();
	set_mask(SIG_BLOCK, SIGCHLD);
	for (int i = 0; i < 3; i++)
		if (sys_fork() == 0)
			sys_exit_group(0);
	r = sys_wait4(-1, NULL, 0, NULL);
	was_pending = pending(SIGCHLD);
	set_mask(SIG_UNBLOCK, SIGCHLD);
	tap_ok(r == -ECHILD && !was_pending && chld_runs == 3,
	       "with SIGCHLD ignored three children are reaped as they exit: wait4 waits, then ECHILD; no SIGCHLD");
	rt_sigaction_default(SIGCHLD);

	/* clone with SIGUSR1 as the exit signal: a "clone" child for wait. */
	rt_sigaction_install(SIGUSR1, on_chld, 0, 0);
	set_mask(SIG_BLOCK, SIGUSR1);
	pid = sys_clone_process(SIGUSR1);
	if (pid == 0)
		sys_exit_group(6);
	long r1 = sys_wait4((int)pid, NULL, 0, NULL);
	int st2 = -1;
	long r2 = sys_wait4((int)pid, &st2, __WALL, NULL);
	was_pending = pending(SIGUSR1);
	bool no_chld = !pending(SIGCHLD);
	set_mask(SIG_UNBLOCK, SIGUSR1);
	tap_ok(r1 == -ECHILD && r2 == pid && st2 == 6 << 8 && was_pending && no_chld && chld_runs == 4 &&
	       chld_signo == SIGUSR1 && chld_code == CLD_EXITED && chld_pid == pid,
	       "a clone child with SIGUSR1 as its exit signal: wait4 needs __WALL, its parent gets SIGUSR1 (CLD_EXITED), not SIGCHLD");
	rt_sigaction_default(SIGUSR1);
	rt_sigaction_default(SIGCHLD);
}

/* The child's own brk and residency. */
static void brk_and_mincore(void)
{
	long brk0 = sys_brk(NULL);
	unsigned char *m = map(2 * PG, MAP_PRIVATE);
	unsigned char vec[2] = { 9, 9 };

	if (!m) {
		tap_ok(false, "a mapping for mincore");
		return;
	}
	long pid = sys_fork();
	if (pid == 0) {
		int bad = 0;
		long b = sys_brk((void *)(brk0 + 4 * PG));
		if (b != brk0 + 4 * (long)PG)
			bad |= 1;
		else
			((volatile char *)brk0)[PG] = 1;
		m[PG] = 1;              /* page 1 faulted in by the child only */
		unsigned char v[2];
		if (sys_mincore(m, 2 * PG, v) != 0 || v[0] != 0 || v[1] != 1)
			bad |= 2;
		sys_exit_group(bad);
	}
	int st = reap(pid);
	tap_ok(st == 0, "in the child: brk grows and its memory is writable; mincore shows its own fault");
	tap_ok(sys_brk(NULL) == brk0, "the parent's brk is where it was");
	tap_ok(sys_mincore(m, 2 * PG, vec) == 0 && vec[0] == 0 && vec[1] == 0,
	       "a page the child faulted in is not resident in the parent");
	sys_munmap(m, 2 * PG);
}

/* WNOHANG, waitid and WNOWAIT. */
static void wait_variants(void)
{
	volatile unsigned int *go = map(PG, MAP_SHARED);
	linux_siginfo_t si;

	if (!go) {
		tap_ok(false, "a shared mapping");
		return;
	}
	go[0] = 0;
	long pid = sys_fork();
	if (pid == 0) {
		while (go[0] == 0)
			sys_sched_yield();
		sys_exit_group(7);
	}
	int st = -1;
	tap_expect(sys_wait4((int)pid, &st, WNOHANG, NULL), 0, "wait4 WNOHANG of a running child is 0");
	go[0] = 1;
	memset(&si, 0xff, sizeof(si));
	long r = sys_waitid(P_PID, (int)pid, &si, WEXITED | WNOWAIT, NULL);
	tap_ok(r == 0 && si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.u.chld.pid == pid &&
	       si.u.chld.status == 7, "waitid(P_PID, WEXITED | WNOWAIT): SIGCHLD, CLD_EXITED, the pid, status 7");
	tap_ok(reap(pid) == 7 << 8, "after WNOWAIT the child is still there for wait4");
	memset(&si, 0xff, sizeof(si));
	tap_ok(sys_waitid(P_ALL, 0, &si, WEXITED | WNOHANG, NULL) == -ECHILD,
	       "waitid with no children is ECHILD");
	tap_expect(sys_waitid(P_ALL, 0, &si, 0, NULL), -EINVAL, "waitid without WEXITED, WSTOPPED or WCONTINUED is EINVAL");
	tap_expect(sys_waitid(9, 0, &si, WEXITED, NULL), -EINVAL, "waitid with an unknown idtype is EINVAL");

	/* Killed: waitid's CLD_KILLED with the signal as the status. */
	pid = sys_fork();
	if (pid == 0) {
		*(volatile int *)16 = 1;
		sys_exit_group(1);
	}
	memset(&si, 0, sizeof(si));
	r = sys_waitid(P_ALL, 0, &si, WEXITED, NULL);
	tap_ok(r == 0 && si.si_code == CLD_KILLED && si.u.chld.status == SIGSEGV && si.u.chld.pid == pid,
	       "waitid of a child killed by SIGSEGV: CLD_KILLED, status 11");
	sys_munmap((void *)go, PG);
}

/* Each level forks the next and exits with its child's status plus one. */
static int chain(int depth)
{
	if (depth == 0)
		return 0;
	long pid = sys_fork();
	if (pid == 0)
		sys_exit_group(chain(depth - 1));
	int st = reap(pid);
	return st >= 0 && (st & 0x7f) == 0 ? ((st >> 8) & 0xff) + 1 : 200;
}

static void many(void)
{
	tap_ok(chain(50) == 50, "a fork chain 50 deep: each level's status comes back up");
	unsigned int *m = map(4 * PG, MAP_PRIVATE);
	int bad = 0;

	for (unsigned int i = 0; i < 4; i++)
		m[i * PG / 4] = i;
	for (unsigned int i = 0; i < 1000; i++) {
		long pid = sys_fork();
		if (pid == 0) {
			unsigned int p = i % 4;
			int ok = m[p * PG / 4] == p;
			m[p * PG / 4] = 1000 + i;      /* a copy-on-write fault */
			sys_exit_group(ok ? 0 : 1);
		}
		if (pid < 0 || reap(pid) != 0)
			bad++;
	}
	for (unsigned int i = 0; i < 4; i++)
		bad += m[i * PG / 4] != i;
	tap_ok(bad == 0, "1000 forks in a loop, each child writing a page and exiting, all reaped");
	sys_munmap(m, 4 * PG);
}

/* Fork from a process with a second thread: the child has only the caller. */
static volatile int spin_stop;
static volatile unsigned long spins;

static int spinner(void *arg)
{
	(void)arg;
	while (!spin_stop) {
		spins++;
		sys_sched_yield();
	}
	return 0;
}

static void threads(void)
{
	static struct rt_thread t;

	if (rt_thread_start(&t, spinner, NULL, 0, NULL) < 0) {
		tap_ok(false, "a second thread");
		return;
	}
	while (spins < 10)
		sys_sched_yield();
	long pid = sys_fork();
	if (pid == 0) {
		unsigned long before = spins;
		for (int i = 0; i < 200; i++)
			sys_sched_yield();
		rt_sleep_ns(20 * 1000 * 1000);
		sys_exit_group(spins == before ? 0 : 1);
	}
	int st = reap(pid);
	unsigned long before = spins;
	rt_sleep_ns(20 * 1000 * 1000);
	tap_ok(st == 0 && spins != before,
	       "fork from a process with two threads: only the caller goes on in the child");
	spin_stop = 1;
	rt_thread_join(&t, 10 * 1000 * 1000 * 1000LL);
}

/* ---- kill between processes ---- */

#define SIGTERM 15

static const char *self_path;
static volatile int usr1_seen;

static void on_usr1_flag(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	usr1_seen = 1;
}

/* A child that sleeps until killed (or, with a SIGUSR1 handler, until it comes). */
static long sleeper(bool handle_usr1, volatile unsigned int *ready)
{
	long pid = sys_fork();

	if (pid == 0) {
		if (handle_usr1)
			rt_sigaction_install(SIGUSR1, on_usr1_flag, 0, 0);
		ready[0] = 1;
		for (int i = 0; i < 2000 && !usr1_seen; i++)
			rt_sleep_ns(5 * 1000 * 1000);
		sys_exit_group(usr1_seen ? 3 : 4);
	}
	while (ready[0] == 0)
		sys_sched_yield();
	return pid;
}

static void kill_cases(void)
{
	volatile unsigned int *ready = map(PG, MAP_SHARED);

	if (!ready) {
		tap_ok(false, "a shared mapping");
		return;
	}
	ready[0] = 0;
	long pid = sleeper(false, ready);
	tap_expect(sys_kill((int)pid, 0), 0, "kill(child, 0) of a live child is 0");
	tap_expect(sys_kill((int)pid, SIGTERM), 0, "kill(child, SIGTERM) is 0");
	tap_ok(reap(pid) == SIGTERM, "a sleeping child's default action for SIGTERM ends it: status 15");
	tap_expect(sys_kill((int)pid, 0), -ESRCH, "kill of a reaped child is ESRCH");

	ready[0] = 0;
	pid = sleeper(false, ready);
	sys_kill((int)pid, SIGKILL);
	tap_ok(reap(pid) == SIGKILL, "SIGKILL ends a sleeping child: status 9");

	ready[0] = 0;
	pid = sleeper(true, ready);
	sys_kill((int)pid, SIGUSR1);
	tap_ok(reap(pid) == 3 << 8, "a SIGUSR1 from the parent runs the child's handler");

	/* A zombie: kill succeeds and changes nothing. */
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group(5);
	linux_siginfo_t si;
	sys_waitid(P_PID, (int)pid, &si, WEXITED | WNOWAIT, NULL);
	tap_expect(sys_kill((int)pid, SIGKILL), 0, "kill of a zombie child is 0");
	tap_ok(reap(pid) == 5 << 8, "and its exit status stays what it was");
	sys_munmap((void *)ready, PG);
}

/* ---- execve ---- */

#define EXEC_OK 33

/*
 * Process groups and sessions (kernel/sys.c ksys_setpgid(), ksys_setsid(),
 * getpgid, getsid; kernel/signal.c kill_something_info() for 0, -1 and -pgid;
 * kernel/exit.c eligible_pid() for wait4 of 0 and -pgid). Children report
 * through exit statuses; the values that depend on the pid numbering are
 * compared, never printed.
 */
static long group_child(int pgid, volatile unsigned int *ready, unsigned int slot)
{
	long pid = sys_fork();

	if (pid == 0) {
		if (pgid >= 0 && sys_setpgid(0, pgid) != 0)
			sys_exit_group(1);
		ready[slot] = 1;
		for (int i = 0; i < 2000; i++)
			rt_sleep_ns(5 * 1000 * 1000);
		sys_exit_group(2);      /* nothing ended it */
	}
	while (pid > 0 && ready[slot] == 0)
		sys_sched_yield();
	return pid;
}

static void group_cases(volatile unsigned int *ready)
{
	long me = sys_getpid(), mypg = sys_getpgid(0), mysid = sys_getsid(0);

	tap_ok(mypg == 0 && mysid == 0,
	       "/init starts in process group 0 and session 0 (it inherits them from the idle task)");
	tap_expect(sys_getpgid(-5), -ESRCH, "getpgid of a negative pid is ESRCH");
	tap_expect(sys_setpgid(0, -1), -EINVAL, "setpgid to a negative group is EINVAL");
	tap_expect(sys_setpgid(0x7ffffff0, 0), -ESRCH, "setpgid of a pid that does not exist is ESRCH");
	tap_expect(sys_setpgid(0, 0x7ffffff0), -EPERM, "setpgid into a group that does not exist is EPERM");

	/* A child makes its own group; its parent sees it; a second joins it. */
	long a = group_child(0, ready, 0);
	long b = group_child((int)a, ready, 1);
	tap_ok(a > 0 && b > 0 && sys_getpgid((int)a) == a && sys_getpgid((int)b) == a &&
	       sys_getsid((int)a) == mysid,
	       "setpgid(0, 0) in a child makes a group of its pid; a second child joins it; both stay in the session");
	tap_expect(sys_wait4(-(int)a, NULL, WNOHANG, NULL), 0,
		   "wait4(-pgid, WNOHANG) with that group alive is 0");
	tap_expect(sys_wait4(0, NULL, WNOHANG, NULL), -ECHILD,
		   "wait4(0): no child is left in the caller's group: ECHILD");
	tap_expect(sys_kill(-(int)a, SIGTERM), 0, "kill(-pgid, SIGTERM) is 0");
	int sa = -1, sb = -1;
	long ra = sys_wait4(-(int)a, &sa, 0, NULL), rb = sys_wait4(-(int)a, &sb, 0, NULL);
	tap_ok(((ra == a && rb == b) || (ra == b && rb == a)) && sa == SIGTERM && sb == SIGTERM,
	       "both members of the group end by SIGTERM, and wait4(-pgid) reaps them");
	tap_expect(sys_kill(-(int)a, SIGTERM), -ESRCH, "kill of a group with no process left is ESRCH");

	/* The parent moves a child that has not exec'd; one that has is EACCES. */
	ready[0] = ready[1] = 0;
	long a1 = group_child(-1, ready, 0);
	long r1 = sys_setpgid((int)a1, (int)a1);
	bool moved = sys_getpgid((int)a1) == a1;
	sys_kill((int)a1, SIGKILL);
	reap(a1);
	char *argv[] = { (char *)self_path, "--exec-sleep", NULL };
	char *envp[] = { NULL };
	a = arch_vfork();
	if (a == 0) {
		sys_execve(self_path, argv, envp);
		sys_exit_group(127);
	}
	/*
	 * The parent wakes once the child's old memory is released, a little before
	 * its execve marks it exec'd (begin_new_exec() clears PF_FORKNOEXEC after
	 * exec_mmap()), so the answer may still be 0 for a moment: asked until it
	 * is not, at most a second.
	 */
	long r2 = 0;
	for (int i = 0; i < 200 && r2 == 0; i++) {
		r2 = sys_setpgid((int)a, (int)a);
		if (r2 == 0)
			rt_sleep_ns(5 * 1000 * 1000);
	}
	sys_kill((int)a, SIGKILL);
	reap(a);
	tap_ok(r1 == 0 && moved && r2 == -EACCES,
	       "setpgid of a child by its parent: 0 before the child's execve, EACCES after");

	/* setsid: a session and group of the child's own; then it may not setpgid. */
	long pid = sys_fork();
	if (pid == 0) {
		long self = sys_getpid();
		int bad = sys_setsid() != self;
		bad |= (sys_getsid(0) != self || sys_getpgid(0) != self) << 1;
		bad |= (sys_setsid() != -EPERM) << 2;           /* a session leader already */
		bad |= (sys_setpgid(0, 0) != -EPERM) << 3;      /* a session leader */
		bad |= (sys_setpgid(0, (int)mypg) != -EPERM) << 4;
		sys_exit_group(bad);
	}
	tap_ok(reap(pid) == 0, "setsid in a child: its pid becomes its session and group; a second setsid and setpgid are EPERM");
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group(sys_setpgid(0, 0) != 0 || sys_setsid() != -EPERM);
	tap_ok(reap(pid) == 0, "setsid of a process group leader is EPERM");
	tap_ok(sys_getpgid(0) == mypg && sys_getsid(0) == mysid && sys_getpid() == me,
	       "the parent's own group and session are as they were");

	/* kill(0, sig) reaches the caller's group, itself included; kill(-1) all but init and the caller. */
	ready[0] = ready[1] = 0;
	pid = sys_fork();
	if (pid == 0) {
		sys_setpgid(0, 0);
		rt_sigaction_install(SIGUSR1, on_usr1_flag, 0, 0);
		long r = sys_kill(0, SIGUSR1);
		sys_exit_group(r == 0 && usr1_seen ? 0 : 1);
	}
	tap_ok(reap(pid) == 0, "kill(0, SIGUSR1) in a child's own group runs its own handler");
	a = group_child(-1, ready, 0);
	pid = sys_fork();
	if (pid == 0)
		sys_exit_group(sys_kill(-1, SIGTERM) == 0 ? 0 : 1);
	int sk = reap(pid), sv = reap(a);
	tap_ok(sk == 0 && sv == SIGTERM,
	       "kill(-1, SIGTERM) from a child ends its sibling, and not init or itself");
}


/* Parses a hex number (the runtime has no strtoul). */
static uintptr_t hex(const char *s)
{
	uintptr_t v = 0;

	for (; *s; s++)
		v = v * 16 + (uintptr_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	return v;
}

/*
 * The program as an execve made it: argv[2] "alpha", argv[3] "" and argv[4] the
 * address of a mapping the old image had, argv[5] the pid; envp exactly
 * { "KESTREL_EXEC=1" }. Exits EXEC_OK when everything holds, else a bit per failure.
 */
static int exec_child(int argc, char **argv, char **envp)
{
	struct linux_k_sigaction act;
	linux_sigset_t mask;
	unsigned char v;
	int bad = 0;

	if (argc != 6 || strcmp(argv[2], "alpha") || argv[3][0] != 0)
		bad |= 1;
	if (!envp[0] || strcmp(envp[0], "KESTREL_EXEC=1") || envp[1])
		bad |= 2;
	if (argc == 6 && sys_mincore((void *)hex(argv[4]), PG, &v) != -ENOMEM)
		bad |= 4;           /* the old image's mapping is gone */
	if (argc == 6 && (uintptr_t)sys_getpid() != hex(argv[5]))
		bad |= 8;           /* the same process */
	if (sys_rt_sigaction(SIGUSR1, NULL, &act, SIGSET_SIZE) || act.handler != SIG_DFL)
		bad |= 16;          /* a handled signal is SIG_DFL again */
	if (sys_rt_sigaction(SIGUSR2, NULL, &act, SIGSET_SIZE) || act.handler != SIG_IGN)
		bad |= 32;          /* an ignored one stays ignored */
	if (sys_rt_sigprocmask(SIG_BLOCK, NULL, &mask, SIGSET_SIZE) || !(mask & SIGMASK(SIGUSR1)))
		bad |= 64;          /* the mask is kept */
	return bad ? bad : EXEC_OK;
}

/*
 * vfork and CLONE_VM processes (kernel/fork.c: copy_mm() with CLONE_VM shares the
 * mm; CLONE_VFORK's wait_for_vfork_done() until the child's mm_release(): its exec
 * or exit). The vfork child writes only globals, execs or exits.
 */
static volatile long vf_pid, vf_late;
static volatile uintptr_t vm_child_map;

static int vm_child(void *arg)
{
	volatile unsigned int *shared = arg;
	long r = sys_mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (sys_is_err(r))
		return 1;
	*(volatile unsigned int *)r = 0xc10e;
	vm_child_map = (uintptr_t)r;
	shared[0] = (unsigned int)sys_getpid();
	return sys_getppid() == (long)shared[1] ? 9 : 2;
}

static void vfork_cases(void)
{
	long me = sys_getpid();

	vf_pid = vf_late = 0;
	long pid = arch_vfork();
	if (pid == 0) {
		vf_pid = sys_getpid();
		rt_sleep_ns(30 * 1000 * 1000);  /* the parent sleeps meanwhile */
		vf_late = 1;
		sys_exit_group(7);
	}
	bool seen = vf_pid == pid && vf_late == 1;
	tap_ok(pid > 0 && seen && reap(pid) == 7 << 8,
	       "vfork: the child runs in the parent's memory while the parent sleeps until it exits (status 7)");

	/* The parent wakes at the child's execve: the new program runs on its own. */
	char *argv[] = { (char *)self_path, "--exec-sleep", NULL };
	char *envp[] = { NULL };
	pid = arch_vfork();
	if (pid == 0) {
		sys_execve(self_path, argv, envp);
		sys_exit_group(127);
	}
	sys_kill((int)pid, SIGTERM);
	tap_ok(pid > 0 && reap(pid) == SIGTERM,
	       "vfork then execve: the parent goes on as the program starts (it is killed by SIGTERM while it sleeps)");

	/* A failing execve leaves the child in the parent's memory: it exits with the errno. */
	char *none[] = { "/no/such/program", NULL };
	pid = arch_vfork();
	if (pid == 0)
		sys_exit_group((int)-sys_execve(none[0], none, envp));
	tap_ok(pid > 0 && reap(pid) == ENOENT << 8 && sys_getpid() == me,
	       "vfork then a failing execve: the child exits with ENOENT (2), the parent goes on");

	/* clone(CLONE_VM | SIGCHLD) on a stack of its own: a process in the same memory. */
	volatile unsigned int *shared = map(PG, MAP_PRIVATE);
	void *stack = map(64 * 1024, MAP_PRIVATE);
	if (!shared || !stack) {
		tap_ok(false, "mappings for a CLONE_VM child");
		return;
	}
	shared[1] = (unsigned int)me;
	vm_child_map = 0;
	pid = arch_clone(CLONE_VM | SIGCHLD, (char *)stack + 64 * 1024, NULL, NULL, NULL, vm_child,
			 (void *)shared);
	int st = reap(pid);
	tap_ok(pid > 0 && pid != me && st == 9 << 8 && shared[0] == (unsigned int)pid &&
	       vm_child_map && *(volatile unsigned int *)vm_child_map == 0xc10e,
	       "clone(CLONE_VM | SIGCHLD): a process of its own (pid, getppid) whose writes and mmap are the parent's; its memory stays after it is reaped");
	sys_munmap((void *)vm_child_map, PG);
	sys_munmap((void *)shared, PG);
	sys_munmap(stack, 64 * 1024);
}

static void on_usr1_nothing(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

/* A child that sets up what exec must reset or keep, then execs this program. */
static _Noreturn void exec_self(void)
{
	char addr[20], pid[20];
	void *m = map(PG, MAP_PRIVATE);
	struct linux_k_sigaction ign = { .handler = SIG_IGN };
	linux_sigset_t block = SIGMASK(SIGUSR1);

	rt_sigaction_install(SIGUSR1, on_usr1_nothing, 0, 0);
	arch_sigaction_prepare(&ign);
	sys_rt_sigaction(SIGUSR2, &ign, NULL, SIGSET_SIZE);
	sys_rt_sigprocmask(SIG_BLOCK, &block, NULL, SIGSET_SIZE);
	rt_snprintf(addr, sizeof(addr), "%lx", (unsigned long)(uintptr_t)m);
	rt_snprintf(pid, sizeof(pid), "%lx", (unsigned long)sys_getpid());
	char *argv[] = { (char *)self_path, "--exec-child", "alpha", "", addr, pid, NULL };
	char *envp[] = { "KESTREL_EXEC=1", NULL };
	long r = sys_execve(self_path, argv, envp);
	sys_exit_group(r == 0 ? 100 : 101);     /* not reached when it worked */
}

static int two_threads_then_exec(void *arg)
{
	(void)arg;
	for (;;)
		sys_sched_yield();
	return 0;
}

static void exec_cases(void)
{
	long pid = sys_fork();

	if (pid == 0)
		exec_self();
	int st = reap(pid);
	tap_ok(st == EXEC_OK << 8,
	       "execve of this program in a child: its argv and envp, the same pid, a new address space, handled signals back to SIG_DFL, ignored ones and the mask kept; its status reaches wait4");
	if (st != EXEC_OK << 8)
		tap_diag("status 0x%x", st);

	pid = sys_fork();
	if (pid == 0) {
		static struct rt_thread t;
		if (rt_thread_start(&t, two_threads_then_exec, NULL, 0, NULL) < 0)
			sys_exit_group(102);
		exec_self();
	}
	st = reap(pid);
	tap_ok(st == EXEC_OK << 8, "execve from a process with two threads: the other thread ends, the program runs");

	char *argv[] = { "x", NULL };
	char *envp[] = { NULL };
	tap_expect(sys_execve("/no/such/program", argv, envp), -ENOENT,
		   "execve of a file that does not exist is ENOENT, and the caller goes on");
	tap_expect(sys_execve("", argv, envp), -ENOENT, "execve of an empty path is ENOENT");
	tap_expect(sys_execve(self_path, (char *const *)16, envp), -EFAULT,
		   "execve with an argv at an unmapped address is EFAULT");
	tap_expect(sys_execve((const char *)16, argv, envp), -EFAULT,
		   "execve with a path at an unmapped address is EFAULT");
}

int main(int argc, char **argv, char **envp)
{
	if (argc >= 2 && !strcmp(argv[1], "--exec-child"))
		return exec_child(argc, argv, envp);
	if (argc >= 2 && !strcmp(argv[1], "--exec-sleep")) {
		for (;;)
			rt_sleep_ns(1000 * 1000 * 1000);    /* until a signal ends it */
	}
	self_path = argv[0];
	tap_plan(73);
	ids_and_status();
	private_memory();
	shared_memory();
	fork_advice();
	brk_and_mincore();
	wait_variants();
	child_signals();
	many();
	threads();
	kill_cases();
	exec_cases();
	vfork_cases();
	volatile unsigned int *ready = map(PG, MAP_SHARED);
	if (ready)
		group_cases(ready);
	return tap_done();
}

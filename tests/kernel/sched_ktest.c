// SPDX-License-Identifier: MIT
/*
 * Kernel threads and the scheduler on every CPU: threads run on the CPU they were
 * placed on and are joined with their stacks freed (the suite's end-of-suite check
 * finds every frame back); yielding is round robin; placement spreads runnable
 * threads; sleeping and waking across CPUs loses no wake-up (a ping-pong of many
 * rounds); a stress of threads created and exiting on every CPU at once.
 */
#include <kern/cpu.h>
#include <kern/ktest.h>
#include <kern/sched.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <kern/percpu.h>
#include <mm/as.h>
#include <mm/init.h>
#include <mm/mman.h>

#define MAX_THREADS 64

struct rec {
	unsigned int placed, ran_on;
	bool ran;
};

static void record(void *arg)
{
	struct rec *r = arg;

	r->ran_on = cpu_current();
	__atomic_store_n(&r->ran, true, __ATOMIC_RELEASE);
}

KTEST(sched, create_run_join_on_every_cpu)
{
	static struct rec recs[MAX_THREADS];
	struct thread *th[MAX_THREADS];
	unsigned int n = 0;
	uint64_t before = mm_settled_free_frames();

	memset(recs, 0, sizeof(recs));
	for (unsigned int round = 0; round < 3; round++)
		for (unsigned int c = 0; c < NCPUS && n < MAX_THREADS; c++) {
			if (!cpuset_has(&cpu_online_set, c))
				continue;
			int err;
			recs[n].placed = c;
			th[n] = thread_create(record, &recs[n], (int)c, "rec", &err);
			KT_ASSERT(t, th[n], "thread_create on CPU %u: %d", c, err);
			n++;
		}
	for (unsigned int i = 0; i < n; i++)
		thread_join(th[i]);
	for (unsigned int i = 0; i < n; i++) {
		KT_EXPECT(t, recs[i].ran, "thread %u never ran", i);
		KT_EXPECT(t, recs[i].ran_on == recs[i].placed, "thread %u placed on CPU %u ran on %u",
			  i, recs[i].placed, recs[i].ran_on);
	}
	/* Every stack and struct is back once joined. */
	KT_EXPECT_EQ(t, mm_settled_free_frames(), before);
	int err;
	KT_EXPECT(t, !thread_create(record, &recs[0], (int)NCPUS, "bad", &err) && err == -EINVAL,
		  "a thread on CPU %u (beyond max_cpus) was created", (unsigned int)NCPUS);
}

/* Three threads on this CPU, each logging its id then yielding: round robin. */
static char rr_log[64];
static unsigned int rr_len;

static void rr_thread(void *arg)
{
	char id = (char)(uintptr_t)arg;

	/*
	 * The order of yields is the subject: no tick may switch in between. The tick
	 * may have preempted a thread before it got here (threads start with
	 * preemption on), changing their order once: one yield lets it settle.
	 */
	preempt_disable();
	thread_yield();
	for (int i = 0; i < 4; i++) {
		rr_log[rr_len++] = id;
		thread_yield();
	}
	preempt_enable();
}

KTEST(sched, yield_is_round_robin)
{
	struct thread *th[3];
	unsigned int self = cpu_current();

	rr_len = 0;
	memset(rr_log, 0, sizeof(rr_log));
	for (int i = 0; i < 3; i++) {
		th[i] = thread_create(rr_thread, (void *)(uintptr_t)('a' + i), (int)self, "rr", NULL);
		KT_ASSERT(t, th[i], "no thread");
	}
	/* The caller is on the same queue: each yield lets the three take a turn. */
	while (rr_len < 12)
		thread_yield();
	for (int i = 0; i < 3; i++)
		thread_join(th[i]);
	/* Round robin: one order of the three, repeated. */
	bool rr = rr_len == 12 && rr_log[0] != rr_log[1] && rr_log[1] != rr_log[2] &&
		  rr_log[0] != rr_log[2];
	for (unsigned int i = 3; i < 12; i++)
		rr = rr && rr_log[i] == rr_log[i % 3];
	KT_EXPECT(t, rr, "order %s", rr_log);
}

/* Runnable threads spread over the CPUs: placed where the fewest run. */
static unsigned int spread_release;

static void spinner(void *arg)
{
	struct rec *r = arg;

	r->ran_on = cpu_current();
	while (!__atomic_load_n(&spread_release, __ATOMIC_ACQUIRE)) {
		cpu_relax();
		thread_yield();
	}
}

KTEST(sched, placement_spreads_runnable_threads)
{
	static struct rec recs[MAX_THREADS];
	struct thread *th[MAX_THREADS];
	unsigned int n = 2 * smp_online_count(), per[NCPUS] = { 0 };

	if (n > MAX_THREADS)
		n = MAX_THREADS;
	spread_release = 0;
	for (unsigned int i = 0; i < n; i++) {
		th[i] = thread_create(spinner, &recs[i], -1, "spin", NULL);
		KT_ASSERT(t, th[i], "no thread");
		recs[i].placed = th[i]->cpu;
		per[th[i]->cpu]++;
	}
	__atomic_store_n(&spread_release, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n; i++)
		thread_join(th[i]);
	/* This thread counts on its own CPU. */
	per[cpu_current()]++;
	unsigned int lo = ~0u, hi = 0;
	for (unsigned int c = 0; c < NCPUS; c++)
		if (cpuset_has(&cpu_online_set, c)) {
			lo = per[c] < lo ? per[c] : lo;
			hi = per[c] > hi ? per[c] : hi;
		}
	KT_EXPECT(t, hi - lo <= 1, "placement from %u to %u threads per CPU", lo, hi);
	for (unsigned int i = 0; i < n; i++)
		KT_EXPECT(t, recs[i].ran_on == recs[i].placed, "thread %u placed on CPU %u ran on %u", i,
			  recs[i].placed, recs[i].ran_on);
}

/* Two threads on two CPUs hand a token back and forth through wait queues. */
#define PINGS 300

static struct waitq ping_wq = WAITQ_INIT, pong_wq = WAITQ_INIT;
static unsigned int token;      /* even: ping's turn; odd: pong's */

struct turn {
	unsigned int parity;
};

static bool my_turn(void *arg)
{
	const struct turn *tu = arg;

	return (__atomic_load_n(&token, __ATOMIC_ACQUIRE) & 1) == tu->parity ||
	       __atomic_load_n(&token, __ATOMIC_ACQUIRE) >= 2 * PINGS;
}

static void player(void *arg)
{
	struct turn tu = { (unsigned int)(uintptr_t)arg };
	struct waitq *mine = tu.parity ? &pong_wq : &ping_wq;
	struct waitq *theirs = tu.parity ? &ping_wq : &pong_wq;

	for (;;) {
		wait_event(mine, my_turn, &tu);
		if (__atomic_load_n(&token, __ATOMIC_ACQUIRE) >= 2 * PINGS)
			break;
		__atomic_fetch_add(&token, 1, __ATOMIC_RELEASE);
		wake_up_all(theirs);
	}
	wake_up_all(theirs);
}

KTEST(sched, sleep_and_wake_across_cpus)
{
	unsigned int n = smp_online_count();
	int c0 = 0, c1 = n > 1 ? 1 : 0;
	uint64_t sw0 = sched_switches((unsigned int)c0), sw1 = sched_switches((unsigned int)c1);

	token = 0;
	struct thread *a = thread_create(player, (void *)0, c0, "ping", NULL);
	struct thread *b = thread_create(player, (void *)1, c1, "pong", NULL);
	KT_ASSERT(t, a && b, "no threads");
	thread_join(a);
	thread_join(b);
	KT_EXPECT_EQ(t, token, 2 * PINGS);
	ktest_log(t, "%u hand-overs between CPUs %d and %d, %llu + %llu switches", 2 * PINGS, c0, c1,
		  (unsigned long long)(sched_switches((unsigned int)c0) - sw0),
		  (unsigned long long)(sched_switches((unsigned int)c1) - sw1));
}

/* Threads on every CPU creating and joining threads of their own, at once. */
static unsigned int stress_done[NCPUS];

static void leaf(void *arg)
{
	__atomic_fetch_add((unsigned int *)arg, 1, __ATOMIC_RELAXED);
}

static void spawner(void *arg)
{
	unsigned int *count = arg;

	for (unsigned int r = 0; r < 20; r++) {
		struct thread *k[4];
		for (unsigned int i = 0; i < 4; i++)
			k[i] = thread_create(leaf, count, -1, "leaf", NULL);
		for (unsigned int i = 0; i < 4; i++)
			if (k[i])
				thread_join(k[i]);
	}
}

KTEST(sched, create_and_exit_stress)
{
	struct thread *sp[NCPUS];
	unsigned int count = 0, spawners = 0;

	memset(stress_done, 0, sizeof(stress_done));
	for (unsigned int c = 0; c < NCPUS; c++) {
		sp[c] = NULL;
		if (cpuset_has(&cpu_online_set, c)) {
			sp[c] = thread_create(spawner, &count, (int)c, "spawner", NULL);
			KT_ASSERT(t, sp[c], "no spawner for CPU %u", c);
			spawners++;
		}
	}
	for (unsigned int c = 0; c < NCPUS; c++)
		if (sp[c])
			thread_join(sp[c]);
	KT_EXPECT_EQ(t, count, spawners * 20 * 4);
}

/*
 * Preemption: two threads on one CPU that never yield both make progress, in
 * turns, because the tick switches between them. Without preemption the first
 * would run its whole 300 ms, then the second: one change of turn instead of
 * dozens.
 */
static unsigned int last_runner, turns;
static uint64_t spin_until;

static void busy(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg;

	while (time_ns() < spin_until) {
		if (__atomic_exchange_n(&last_runner, me, __ATOMIC_RELAXED) != me)
			__atomic_fetch_add(&turns, 1, __ATOMIC_RELAXED);
		cpu_relax();
	}
}

KTEST(sched, tick_preempts_busy_threads)
{
	unsigned int cpu = 0;

	for (unsigned int c = 0; c < NCPUS; c++)
		if (cpuset_has(&cpu_online_set, c) && timer_running(c))
			cpu = c;
	KT_ASSERT(t, timer_running(cpu), "no tick on CPU %u", cpu);
	uint64_t p0 = sched_preemptions(cpu);
	last_runner = 0;
	turns = 0;
	spin_until = time_ns() + 300000000ull;
	struct thread *a = thread_create(busy, (void *)1, (int)cpu, "busy1", NULL);
	struct thread *b = thread_create(busy, (void *)2, (int)cpu, "busy2", NULL);
	KT_ASSERT(t, a && b, "no threads");
	thread_join(a);
	thread_join(b);
	uint64_t p = sched_preemptions(cpu) - p0;
	KT_EXPECT(t, turns >= 6 && p >= 5, "%u turns, %llu preemptions in 300 ms on CPU %u", turns,
		  (unsigned long long)p, cpu);
	ktest_log(t, "CPU %u: %u turns, %llu preemptions in 300 ms", cpu, turns, (unsigned long long)p);
}

/*
 * A thread in a user address space: while it runs, its CPU is in the space's CPU
 * set (a shootdown of the space reaches it, and only it); once it exited and its
 * CPU switched away, the set is empty and an edit shoots down nobody.
 */
static unsigned int in_as_ready, in_as_release, in_as_cpu;
static bool in_as_saw_itself;

static void in_as(void *arg)
{
	const struct as *as = arg;

	in_as_cpu = cpu_current();
	in_as_saw_itself = cpuset_has(&as->cpus, in_as_cpu);
	__atomic_store_n(&in_as_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&in_as_release, __ATOMIC_ACQUIRE))
		cpu_relax();
}

KTEST(sched, address_space_follows_the_thread)
{
	static struct as as;
	unsigned int self = cpu_current(), cpu = self;
	uintptr_t addr;

	for (unsigned int c = 0; c < NCPUS; c++)
		if (c != self && cpuset_has(&cpu_online_set, c))
			cpu = c;
	KT_ASSERT(t, as_create(&as, &mm_kernel_pt, NULL) == 0, "as_create");
	KT_ASSERT(t, as_mmap(&as, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0, &addr) == 0, "mmap");
	KT_EXPECT(t, cpuset_is_empty(&as.cpus), "live before any thread ran in it");
	in_as_ready = in_as_release = 0;
	struct thread *th = thread_create_in(&as, in_as, &as, (int)cpu, "in-as", NULL);
	KT_ASSERT(t, th, "no thread");
	while (!__atomic_load_n(&in_as_ready, __ATOMIC_ACQUIRE))
		thread_yield();
	KT_EXPECT(t, in_as_saw_itself, "CPU %u ran it outside the set", in_as_cpu);
	/* On this CPU the switch back to this thread took the CPU out of the set. */
	for (unsigned int c = 0; c < NCPUS; c++)
		KT_EXPECT(t, cpuset_has(&as.cpus, c) == (c == in_as_cpu && c != self),
			  "CPU %u: in the set %d, runs it %d", c, cpuset_has(&as.cpus, c),
			  c == in_as_cpu && c != self);
	uint64_t served = cpu_area(in_as_cpu)->shootdowns_served;
	uint64_t sent = this_cpu()->shootdowns_sent;
	KT_EXPECT(t, as_munmap(&as, addr, PAGE_SIZE) == 0, "munmap");
	if (in_as_cpu != self) {
		KT_EXPECT_EQ(t, this_cpu()->shootdowns_sent - sent, 1);
		if (this_cpu()->shootdowns_by_call)
			KT_EXPECT_EQ(t, cpu_area(in_as_cpu)->shootdowns_served - served, 1);
	}
	__atomic_store_n(&in_as_release, 1, __ATOMIC_RELEASE);
	thread_join(th);
	KT_EXPECT(t, cpuset_is_empty(&as.cpus), "the set keeps a CPU after the thread left");
	sent = this_cpu()->shootdowns_sent;
	KT_EXPECT(t, as_munmap(&as, addr + PAGE_SIZE, PAGE_SIZE) == 0, "munmap");
	KT_EXPECT_EQ(t, this_cpu()->shootdowns_sent - sent, 0);
	as_destroy(&as);
}

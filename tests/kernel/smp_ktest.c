// SPDX-License-Identifier: MIT
/*
 * SMP ktests: every CPU online and running code, cross-CPU calls in every shape
 * (one, a mask, all; waiting or not; every CPU calling every other at once), and
 * a stress that mixes kernel-map edits, ioremap(), allocations and calls on every
 * CPU at once. The other CPUs run test code through smp_work_start(). A hang
 * fails the boot through scripts/run's timeout; an unanswered call panics.
 *
 * With "smp.expect=N" on the command line (the boot matrix passes its -smp),
 * smp.cpus_online also checks that N CPUs were found.
 */
#include <kern/cmdline.h>
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/ktest.h>
#include <kern/percpu.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <mm/frame.h>
#include <mm/kmap.h>
#include <mm/mmio.h>
#include <mm/slab.h>

/* Run @fn(@arg) on every other online CPU (as work) and on this one; wait for all. */
static void run_everywhere(smp_call_fn fn, void *arg)
{
	unsigned int self = cpu_current();

	for (unsigned int c = 0; c < NCPUS; c++)
		if (c != self && cpuset_has(&cpu_online_set, c))
			while (smp_work_start(c, fn, arg) == -EBUSY)
				cpu_relax();
	fn(arg);
	for (unsigned int c = 0; c < NCPUS; c++)
		if (c != self && cpuset_has(&cpu_online_set, c))
			smp_work_wait(c);
}

KTEST(smp, cpus_online)
{
	char buf[8];
	unsigned int expect = 0;

	KT_EXPECT_EQ(t, smp_online_count(), smp_possible_count());
	KT_EXPECT(t, cpuset_has(&cpu_online_set, cpu_current()), "the boot CPU is not online");
	for (unsigned int c = 0; c < NCPUS; c++)
		if (cpuset_has(&cpu_online_set, c))
			KT_EXPECT(t, cpuset_has(&tlb_kernel_cpus, c),
				  "CPU %u is online but not in the kernel TLB set", c);
	if (cmdline_get_value("smp.expect", buf, sizeof(buf)) > 0) {
		for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
			expect = expect * 10 + (unsigned int)(*p - '0');
		KT_EXPECT_EQ(t, smp_possible_count(), expect);
	}
	ktest_log(t, "%u of %u CPUs online", smp_online_count(), smp_possible_count());
}

/* Dense indices: each CPU's area says its own index, and hardware ids are distinct. */
KTEST(smp, dense_indices)
{
	for (unsigned int c = 0; c < smp_possible_count(); c++) {
		KT_EXPECT_EQ(t, cpu_area(c)->index, c);
		KT_EXPECT(t, cpu_area(c)->self == cpu_area(c), "CPU %u's self pointer", c);
		KT_EXPECT_EQ(t, smp_cpu_of_hwid(cpu_area(c)->hwid), c);
		for (unsigned int d = 0; d < c; d++)
			KT_EXPECT(t, cpu_area(c)->hwid != cpu_area(d)->hwid,
				  "CPUs %u and %u share hardware id %lu", c, d, cpu_area(c)->hwid);
	}
}

static uint64_t hits[NCPUS];
static unsigned int ran_on[NCPUS];

/* A request: counts on the CPU it runs on (only that CPU writes its slot). */
static void count_here(void *arg)
{
	(void)arg;
	hits[cpu_current()]++;
}

/* Where did work run? Each CPU records its own index. */
static void record_index(void *arg)
{
	(void)arg;
	ran_on[cpu_current()] = cpu_current() + 1;
}

KTEST(smp, every_cpu_runs_code)
{
	memset(ran_on, 0, sizeof(ran_on));
	run_everywhere(record_index, NULL);
	for (unsigned int c = 0; c < NCPUS; c++)
		KT_EXPECT_EQ(t, ran_on[c], cpuset_has(&cpu_online_set, c) ? c + 1 : 0);
}

#define ROUNDS 200

KTEST(smp, call_others_waiting)
{
	unsigned int self = cpu_current();

	memset(hits, 0, sizeof(hits));
	for (unsigned int r = 0; r < ROUNDS; r++)
		smp_call_others(count_here, NULL, true);
	uint64_t total = 0;
	for (unsigned int c = 0; c < NCPUS; c++) {
		uint64_t want = c != self && cpuset_has(&cpu_online_set, c) ? ROUNDS : 0;
		KT_EXPECT(t, hits[c] == want, "CPU %u ran %llu of %llu calls", c,
			  (unsigned long long)hits[c], (unsigned long long)want);
		total += hits[c];
	}
	KT_EXPECT_EQ(t, total, (uint64_t)ROUNDS * (smp_online_count() - 1));
}

KTEST(smp, call_one_and_mask_not_waiting)
{
	unsigned int self = cpu_current();
	struct cpuset all = cpu_online_set;

	memset(hits, 0, sizeof(hits));
	/* One at a time, without waiting: each call waits for the previous one's slot. */
	for (unsigned int r = 0; r < ROUNDS; r++)
		for (unsigned int c = 0; c < NCPUS; c++)
			if (cpuset_has(&cpu_online_set, c))
				smp_call_cpu(c, count_here, NULL, false);
	smp_call_sync();
	/* The whole set, the caller included: the caller runs it directly. */
	smp_call_mask(&all, count_here, NULL, true);
	for (unsigned int c = 0; c < NCPUS; c++) {
		uint64_t want = cpuset_has(&cpu_online_set, c) ? ROUNDS + 1 : 0;
		KT_EXPECT(t, hits[c] == want, "CPU %u ran %llu of %llu calls%s", c,
			  (unsigned long long)hits[c], (unsigned long long)want,
			  c == self ? " (the caller)" : "");
	}
}

/* Every CPU calls every other one at once, waiting, many times. */
static uint64_t storm_hits[NCPUS];

static void storm_count(void *arg)
{
	(void)arg;
	storm_hits[cpu_current()]++;
}

#define STORM_ROUNDS 300

static void storm(void *arg)
{
	(void)arg;
	for (unsigned int r = 0; r < STORM_ROUNDS; r++) {
		smp_call_others(storm_count, NULL, r % 3 != 0);
		/* Every other round to one neighbour: pairs calling each other at once. */
		unsigned int next = (cpu_current() + 1) % smp_online_count();
		if (next != cpu_current())
			smp_call_cpu(next, storm_count, NULL, true);
	}
	smp_call_sync();
}

KTEST(smp, call_storm)
{
	unsigned int n = smp_online_count();

	if (n < 2) {
		ktest_skip(t, "one CPU");
		return;
	}
	memset(storm_hits, 0, sizeof(storm_hits));
	run_everywhere(storm, NULL);
	/* Each CPU gets one call per round from each other CPU, plus one from its neighbour. */
	for (unsigned int c = 0; c < n; c++)
		KT_EXPECT(t, storm_hits[c] == (uint64_t)STORM_ROUNDS * (n - 1 + 1),
			  "CPU %u ran %llu calls, %llu expected", c,
			  (unsigned long long)storm_hits[c],
			  (unsigned long long)STORM_ROUNDS * n);
}

/*
 * Deadlock stress: every CPU at once maps and unmaps pages of its own in the
 * kernel map, ioremap()s and iounmap()s a frame, allocates and frees frames and
 * kmalloc memory, and calls the others, for a fixed number of rounds. Every
 * shootdown of one CPU's kernel-map edit meets CPUs spinning on kmap_lock, on
 * mmio_lock, in the allocators and in their own calls.
 */
/*
 * Rounds per CPU: 120 in all, at least 12 each. Every edit serialises on
 * kmap_lock and shoots down every other CPU, so the cost grows with the square of
 * the CPU count, and more vCPUs than host cores make each contended wait long.
 */
static unsigned int stress_rounds(void)
{
	unsigned int r = 120 / smp_online_count();

	return r < 12 ? 12 : r;
}

static unsigned int stress_errors[NCPUS];

static void stress(void *arg)
{
	unsigned int self = cpu_current();
	vaddr_t va;

	(void)arg;
	if (mmio_alloc(4 * PAGE_SIZE, PAGE_SIZE, &va)) {
		stress_errors[self]++;
		return;
	}
	for (unsigned int r = 0, rounds = stress_rounds(); r < rounds; r++) {
		paddr_t pa;
		if (frame_alloc(0, 0, &pa)) {
			stress_errors[self]++;
			continue;
		}
		if (kmap_map(va, pa, PAGE_SIZE, MMU_READ | MMU_WRITE | MMU_GLOBAL, MMU_CACHE_WB)) {
			stress_errors[self]++;
		} else {
			*(volatile uint64_t *)va.raw = r;
			if (kmap_unmap(va, PAGE_SIZE))
				stress_errors[self]++;
		}
		volatile uint64_t *io = ioremap(pa, PAGE_SIZE, MMU_CACHE_WB);
		if (!io)
			stress_errors[self]++;
		else
			iounmap((void *)io);
		void *m = kmalloc(16 + 8 * (r % 64), 0);
		if (!m)
			stress_errors[self]++;
		frame_free(pa, 0);
		smp_call_others(storm_count, NULL, r % 2);
		kfree(m);
	}
	smp_call_sync();
	mmio_free(va, 4 * PAGE_SIZE);
}

KTEST(smp, deadlock_stress)
{
	memset(stress_errors, 0, sizeof(stress_errors));
	run_everywhere(stress, NULL);
	for (unsigned int c = 0; c < NCPUS; c++)
		KT_EXPECT(t, stress_errors[c] == 0, "CPU %u: %u operations failed", c, stress_errors[c]);
}

/*
 * Remote frees: each CPU allocates frames and kmalloc blocks and hands them to
 * the next CPU, which frees them (A frees what B allocated); the suite's
 * end-of-suite check then finds every frame back once the caches are drained.
 */
#define HANDOFF 64

static struct handoff {
	paddr_t frames[HANDOFF];
	void *blocks[HANDOFF];
	unsigned int ready;     /* set by the producer, cleared by the consumer */
} handoffs[NCPUS];
static unsigned int handoff_errors[NCPUS];

static void remote_free(void *arg)
{
	unsigned int self = cpu_current(), n = smp_online_count();
	unsigned int prev = (self + n - 1) % n;

	(void)arg;
	for (unsigned int r = 0; r < 8; r++) {
		struct handoff *mine = &handoffs[self];
		while (__atomic_load_n(&mine->ready, __ATOMIC_ACQUIRE))
			cpu_relax();
		for (unsigned int i = 0; i < HANDOFF; i++) {
			if (frame_alloc(0, 0, &mine->frames[i]))
				mine->frames[i] = paddr(0), handoff_errors[self]++;
			mine->blocks[i] = kmalloc(8u << (i % 8), 0);
			if (!mine->blocks[i])
				handoff_errors[self]++;
		}
		__atomic_store_n(&mine->ready, 1, __ATOMIC_RELEASE);
		/* Free what the previous CPU allocated. */
		struct handoff *theirs = &handoffs[prev];
		while (!__atomic_load_n(&theirs->ready, __ATOMIC_ACQUIRE))
			cpu_relax();
		for (unsigned int i = 0; i < HANDOFF; i++) {
			if (theirs->frames[i].raw)
				frame_free(theirs->frames[i], 0);
			kfree(theirs->blocks[i]);
		}
		__atomic_store_n(&theirs->ready, 0, __ATOMIC_RELEASE);
	}
}

KTEST(smp, remote_frees)
{
	if (smp_online_count() < 2) {
		ktest_skip(t, "one CPU");
		return;
	}
	memset(handoffs, 0, sizeof(handoffs));
	memset(handoff_errors, 0, sizeof(handoff_errors));
	run_everywhere(remote_free, NULL);
	for (unsigned int c = 0; c < NCPUS; c++)
		KT_EXPECT(t, handoff_errors[c] == 0, "CPU %u: %u allocations failed", c, handoff_errors[c]);
}

/*
 * The tick on every CPU: the other CPUs take it in their idle loop; this one
 * idles (interrupts open) until its own count moves. Each count grows by at
 * least two ticks within a bounded wait (TIMER_HZ ticks a second).
 */
static uint64_t ticks_before[NCPUS];

KTEST(smp, timer_tick_every_cpu)
{
	unsigned int self = cpu_current();
	uint64_t start = time_ns();

	for (unsigned int c = 0; c < NCPUS; c++)
		ticks_before[c] = timer_ticks(c);
	for (unsigned int c = 0; c < NCPUS; c++)
		if (cpuset_has(&cpu_online_set, c))
			KT_ASSERT(t, timer_running(c), "CPU %u has no tick", c);
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c))
			continue;
		while (timer_ticks(c) < ticks_before[c] + 2 && time_ns() - start < 5000000000ull) {
			unsigned long flags = cpu_irq_save();
			if (c == self)
				arch_cpu_idle();   /* the tick wakes us */
			else
				cpu_relax();
			cpu_irq_restore(flags);
		}
		KT_EXPECT(t, timer_ticks(c) >= ticks_before[c] + 2, "CPU %u took %llu ticks in 5 s", c,
			  (unsigned long long)(timer_ticks(c) - ticks_before[c]));
	}
	uint64_t ms = (time_ns() - start) / 1000000;
	ktest_log(t, "every CPU ticked at least twice within %llu ms", (unsigned long long)ms);

	/*
	 * The rate, on this CPU over 200 ms of idling: never more ticks than the
	 * period allows (a re-armed one-shot only falls behind), and not far fewer.
	 * The lower bound is loose, an eighth: vCPUs share two host cores, and with
	 * other QEMUs on them a descheduled vCPU misses ticks whose time (the TSC,
	 * the host's clock) still passes; a quarter failed once so.
	 */
	uint64_t t0 = time_ns(), n0 = timer_ticks(self);
	while (time_ns() - t0 < 200000000ull) {
		unsigned long flags = cpu_irq_save();
		arch_cpu_idle();
		cpu_irq_restore(flags);
	}
	uint64_t n = timer_ticks(self) - n0, el = time_ns() - t0;
	uint64_t most = el * TIMER_HZ / 1000000000ull + 2;
	KT_EXPECT(t, n <= most && n >= most / 8, "%llu ticks in %llu ms at %u Hz",
		  (unsigned long long)n, (unsigned long long)(el / 1000000), TIMER_HZ);
	ktest_log(t, "CPU %u: %llu ticks in %llu ms", self, (unsigned long long)n,
		  (unsigned long long)(el / 1000000));
}

// SPDX-License-Identifier: MIT
/*
 * The "bench" suite (only run when named: ktest=bench): the cost of a cross-CPU
 * call and of TLB shootdowns, in nanoseconds of the guest's clock per operation.
 * Under QEMU's -icount the clock counts instructions (2^shift ns each), so the
 * figures are deterministic and comparable; docs/smp.md gives the command lines
 * and the results. Each measurement also passes a sanity check (it must be able
 * to fail): the calls and shootdowns it times really reached their targets.
 */
#include <kern/cpu.h>
#include <kern/ktest.h>
#include <kern/percpu.h>
#include <kern/smp.h>
#include <kern/time.h>
#include <mm/mmio.h>
#include <mm/tlb.h>

#define CALLS 1000
#define FLUSHES 200

static unsigned int bench_hits;

static void bench_noop(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&bench_hits, 1, __ATOMIC_RELAXED);
}

/* The first CPU other than the caller, or NCPUS. */
static unsigned int other_cpu(unsigned int self, unsigned int skip)
{
	for (unsigned int c = 0; c < NCPUS; c++)
		if (c != self && cpuset_has(&cpu_online_set, c) && skip-- == 0)
			return c;
	return NCPUS;
}

KTEST(bench, call_round_trip)
{
	unsigned int self = cpu_current(), other = other_cpu(self, 0);

	if (other == NCPUS) {
		ktest_skip(t, "one CPU");
		return;
	}
	bench_hits = 0;
	smp_call_cpu(other, bench_noop, NULL, true);   /* warm */
	uint64_t t0 = time_ns();
	for (unsigned int i = 0; i < CALLS; i++)
		smp_call_cpu(other, bench_noop, NULL, true);
	uint64_t ns = time_ns() - t0;
	KT_EXPECT_EQ(t, bench_hits, CALLS + 1);
	ktest_log(t, "bench: cross-CPU call round trip, CPU %u -> CPU %u: %llu ns", self, other,
		  (unsigned long long)(ns / CALLS));
}

KTEST(bench, shootdown)
{
	static const unsigned int pages[] = { 1, 32, 33, 512 };
	static const unsigned int targets[] = { 1, 3, 7 };
	unsigned int self = cpu_current();
	vaddr_t va;

	/* A range nothing maps: invalidating it costs the same and harms nothing. */
	KT_ASSERT(t, mmio_alloc(512 * PAGE_SIZE, PAGE_SIZE, &va) == 0, "no room");
	for (unsigned int ti = 0; ti < sizeof(targets) / sizeof(targets[0]); ti++) {
		struct cpuset set;
		cpuset_clear(&set);
		cpuset_add(&set, self);
		unsigned int k = 0;
		for (; k < targets[ti]; k++) {
			unsigned int c = other_cpu(self, k);
			if (c == NCPUS)
				break;
			cpuset_add(&set, c);
		}
		if (k < targets[ti])
			continue;
		for (unsigned int pi = 0; pi < sizeof(pages) / sizeof(pages[0]); pi++) {
			uint64_t sent0 = this_cpu()->shootdowns_sent, ipis0 = this_cpu()->ipis_sent;
			uint64_t rounds0 = this_cpu()->call_rounds;
			unsigned long flags = cpu_irq_save();
			uint64_t t0 = time_ns();
			for (unsigned int i = 0; i < FLUSHES; i++) {
				struct tlb_batch b;
				tlb_batch_init(&b, &set);
				tlb_batch_add(&b, va, (size_t)pages[pi] * PAGE_SIZE, PAGE_SIZE, true);
				tlb_batch_flush(&b);
			}
			uint64_t ns = time_ns() - t0;
			cpu_irq_restore(flags);
			uint64_t sent = this_cpu()->shootdowns_sent - sent0;
			uint64_t ipis = this_cpu()->ipis_sent - ipis0;
			uint64_t rounds = this_cpu()->call_rounds - rounds0;
			KT_EXPECT_EQ(t, sent, FLUSHES);
			/* By call: one round per flush, one interrupt per target (none by firmware). */
			KT_EXPECT(t, rounds == 0 || (rounds == FLUSHES && ipis == (uint64_t)FLUSHES * targets[ti]),
				  "%llu rounds, %llu IPIs for %u flushes to %u CPUs", (unsigned long long)rounds,
				  (unsigned long long)ipis, FLUSHES, targets[ti]);
			ktest_log(t, "bench: shootdown of %u pages to %u CPUs: %llu ns, %llu IPIs in %llu round(s)",
				  pages[pi], targets[ti], (unsigned long long)(ns / FLUSHES),
				  (unsigned long long)(ipis / FLUSHES), (unsigned long long)(rounds / FLUSHES));
		}
	}
	mmio_free(va, 512 * PAGE_SIZE);
}

// SPDX-License-Identifier: MIT
/*
 * The remote half of the TLB flusher for architectures that shoot down by
 * cross-CPU call (see <mm/tlb.h>): one round of calls per flush, the ranges
 * passed by reference (the initiator's batch stays live while it waits), every
 * target flushing locally with tlb_flush_local_ranges(). Kernel only.
 */
#include <kern/cpu.h>
#include <kern/percpu.h>
#include <kern/smp.h>
#include <mm/tlb.h>

struct shootdown {
	const struct mmu_flush_range *ranges;
	unsigned int n;
};

/* Runs on each target with interrupts masked (<kern/smp.h> rule 1: no lock, no wait). */
static void shootdown_fn(void *arg)
{
	const struct shootdown *s = arg;

	tlb_flush_local_ranges(s->ranges, s->n);
	this_cpu()->shootdowns_served++;
}

void tlb_shootdown_by_call(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			   unsigned int n)
{
	struct shootdown s = { ranges, n };
	struct cpuset targets = *cpus;
	unsigned long flags = cpu_irq_save();

	/* The caller flushed itself already. */
	cpuset_del(&targets, cpu_current());
	if (!cpuset_is_empty(&targets)) {
		this_cpu()->shootdowns_sent++;
		this_cpu()->shootdowns_by_call++;
		smp_call_mask(&targets, shootdown_fn, &s, true);
	}
	cpu_irq_restore(flags);
}

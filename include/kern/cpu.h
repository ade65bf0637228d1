/* SPDX-License-Identifier: MIT */
/*
 * The current CPU and local interrupt masking, as the generic core sees them.
 *
 * All four hooks are static inline so that the allocator fast paths pay no call for
 * them, in the kernel and in the host builds alike (the benchmark measures the same
 * code the kernel runs):
 *
 * - freestanding (the kernel): the arch hooks of <kern/arch.h> (x86_64: pushfq/cli,
 *   riscv64: csrrc sstatus.SIE; the CPU index from the arch);
 * - hosted (unit tests, fuzzers, benchmarks; selected by __STDC_HOSTED__, a feature
 *   of the compilation, not an arch): threads act as CPUs. Each thread has its own
 *   CPU id (host_cpu_index, set with host_cpu_set() from tests/unit/host/), and
 *   masking interrupts is only a compiler barrier: a thread is never interrupted by
 *   code that touches the same per-CPU data.
 *
 * Per-CPU data is an array of NCPUS entries indexed by cpu_current(). Code that
 * uses such an entry holds interrupts off (cpu_irq_save()) from reading the id
 * until it is done, so it neither migrates nor races with an interrupt handler on
 * the same CPU.
 */
#ifndef KERN_CPU_H
#define KERN_CPU_H

#include <kern/types.h>
#include "config.h"

/* The compile-time maximum number of CPUs (meson option max_cpus). */
#define NCPUS CONFIG_MAX_CPUS

/*
 * unsigned int cpu_current(void): the index of the calling CPU, in [0, NCPUS).
 *   Stable while interrupts are off.
 * unsigned long cpu_irq_save(void): mask interrupts on this CPU; returns the
 *   previous state for cpu_irq_restore().
 * void cpu_irq_restore(unsigned long flags): restore what cpu_irq_save() returned.
 * void cpu_relax(void): spin-wait hint for busy loops; in the kernel it also
 *   serves cross-CPU calls sent to this CPU (<kern/smp.h>).
 */
#if __STDC_HOSTED__

/* The calling thread's CPU (tests/unit/host/kern_host.c). */
extern _Thread_local unsigned int host_cpu_index;

static inline unsigned int cpu_current(void)
{
	return host_cpu_index;
}

static inline unsigned long cpu_irq_save(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 0;
}

static inline void cpu_irq_restore(unsigned long flags)
{
	(void)flags;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* More test threads than host cores: lets the lock holder run (sched_yield()). */
void cpu_relax(void);

/* Host threads are never preempted by the kernel's scheduler. */
static inline void preempt_disable(void)
{
}

static inline void preempt_enable(void)
{
}

#else /* the kernel */

#include <kern/arch.h>

/* Out of line: the report of an arch index at or above NCPUS (kernel/cpu.c). */
__noreturn void cpu_index_bad(unsigned int id);

static inline unsigned int cpu_current(void)
{
	unsigned int id = arch_cpu_index();

	if (__builtin_expect(id >= NCPUS, 0))
		cpu_index_bad(id);
	return id;
}

static inline unsigned long cpu_irq_save(void)
{
	return arch_irq_save();
}

static inline void cpu_irq_restore(unsigned long flags)
{
	arch_irq_restore(flags);
}

/*
 * Out of line (kernel/smp.c): the spin-wait hint, plus serving this CPU's
 * cross-CPU-call mailbox, so that every spin loop answers the CPU it may be
 * waiting for (<kern/smp.h>, rule 2). Only waiting loops call it.
 */
void smp_relax(void);

static inline void cpu_relax(void)
{
	smp_relax();
}

/*
 * Preemption (<kern/sched.h>): the tick may switch threads only where the running
 * thread's count is 0. A thread never changes CPU, so the index read here stays
 * its own even if the tick lands between the read and the update.
 */
extern unsigned int preempt_counts[NCPUS];

static inline void preempt_disable(void)
{
	preempt_counts[cpu_current()]++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void preempt_enable(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	preempt_counts[cpu_current()]--;
}

#endif

#endif

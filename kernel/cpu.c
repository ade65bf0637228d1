// SPDX-License-Identifier: MIT
/*
 * The kernel's side of <kern/cpu.h>: the current CPU and interrupt masking, over
 * the arch hooks of <kern/arch.h>. Host unit tests supply their own versions.
 */
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/panic.h>

unsigned int cpu_current(void)
{
	unsigned int id = arch_cpu_index();

	KASSERT(id < NCPUS, "CPU index %u, but max_cpus is %u", id, (unsigned int)NCPUS);
	return id;
}

unsigned long cpu_irq_save(void)
{
	return arch_irq_save();
}

void cpu_irq_restore(unsigned long flags)
{
	arch_irq_restore(flags);
}

void cpu_relax(void)
{
	arch_cpu_relax();
}

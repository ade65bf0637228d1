// SPDX-License-Identifier: MIT
/*
 * x86_64 SMP hooks (<kern/arch.h>). Bring-up of the application processors is
 * not here yet: enumeration reports the boot CPU only, so no other CPU is ever
 * started or targeted.
 */
#include <kern/arch.h>
#include <kern/cpuset.h>
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/smp.h>

void arch_smp_enumerate(void)
{
	smp_cpu_found(percpu_areas[0].hwid);
}

int arch_cpu_start(unsigned int cpu)
{
	(void)cpu;
	return -ENOSYS;
}

void arch_smp_send_ipi(const struct cpuset *cpus)
{
	KASSERT(cpuset_is_empty(cpus), "x86_64: no cross-CPU interrupts yet");
}

void arch_smp_send_stop(const struct cpuset *cpus)
{
	(void)cpus;
}

void arch_cpu_idle(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

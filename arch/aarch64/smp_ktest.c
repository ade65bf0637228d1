// SPDX-License-Identifier: MIT
/*
 * ktest suite "aarch64_smp": every online CPU's MPIDR is the hardware id it was
 * started by, and each holds the kernel's root in TTBR1_EL1.
 */
#include <kern/cpu.h>
#include <kern/ktest.h>
#include <kern/percpu.h>
#include <kern/smp.h>
#include <arch/cpu.h>

static uint64_t seen_mpidr[NCPUS], seen_ttbr1[NCPUS];

static void look(void *arg)
{
	(void)arg;
	seen_mpidr[cpu_current()] = sysreg_read(mpidr_el1) & 0xff00ffffffull;
	seen_ttbr1[cpu_current()] = sysreg_read(ttbr1_el1);
}

KTEST(aarch64_smp, ids_and_roots)
{
	/* Every CPU but the caller, then the caller (interrupts off: it stays the caller). */
	smp_call_mask(&cpu_online_set, look, NULL, true);
	unsigned long flags = cpu_irq_save();
	look(NULL);
	uint64_t mine = sysreg_read(ttbr1_el1);
	cpu_irq_restore(flags);
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c))
			continue;
		KT_EXPECT_EQ(t, seen_mpidr[c], (uint64_t)percpu_areas[c].hwid);
		KT_EXPECT_EQ(t, seen_ttbr1[c], mine);
	}
}

// SPDX-License-Identifier: MIT
/*
 * aarch64 TLB maintenance for <mm/mmu.h>, Arm ARM D8.13 (TLB maintenance
 * instructions) and D8.16 (the required barriers):
 *
 *  - a local flush: DSB ISHST (the page-table stores before the invalidation),
 *    TLBI VAAE1 (by VA, every ASID, global entries too; not the last-level
 *    VAALE1, so the walk caches of the tables above go too), DSB NSH (completed on
 *    this CPU), ISB;
 *  - everything: TLBI VMALLE1;
 *  - the shootdown: the same invalidations in their Inner Shareable form (VAAE1IS,
 *    VMALLE1IS), which the hardware broadcasts to every CPU of the domain, then
 *    DSB ISH, which completes only when every CPU has done them (D8.16.4). No IPI,
 *    no acknowledgement, no CPU set: the targets run none of our code, so a CPU
 *    with interrupts masked is flushed all the same.
 *
 * tlb_remote=ipi on the command line shoots down by cross-CPU call instead
 * (mm/tlb_smp.c, each target flushing locally), as x86_64 does: the harness's
 * test of a CPU that never answers needs a shootdown that waits for one.
 */
#include <kern/cmdline.h>
#include <kern/cpu.h>
#include <kern/cpuset.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/mmu.h>
#include <mm/tlb.h>

/* The TLBI VA operand (D8.13.2): VA[55:12] in bits 43..0, ASID 0 (ignored by VAA). */
static inline uint64_t tlbi_va(uintptr_t va)
{
	return (va >> 12) & ((1ull << 44) - 1);
}

void arch_tlb_flush_page(vaddr_t va)
{
	__asm__ __volatile__("dsb ishst\n\ttlbi vaae1, %0\n\tdsb nsh\n\tisb"
			     : : "r"(tlbi_va(va.raw)) : "memory");
}

void arch_tlb_flush_all(void)
{
	__asm__ __volatile__("dsb ishst\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
}

static int remote_mode = -1;    /* 0: broadcast TLBI, 1: ipi; chosen at the first shootdown */

static bool use_ipi(void)
{
	if (__builtin_expect(remote_mode < 0, 0)) {
		char want[8];
		int mode = 0;
		if (cmdline_get_value("tlb_remote", want, sizeof(want)) > 0) {
			if (!strcmp(want, "ipi"))
				mode = 1;
			else if (strcmp(want, "tlbi"))
				pr_warn("tlb: tlb_remote=%s unknown (tlbi, ipi); using tlbi\n", want);
		}
		pr_info("tlb: remote flushes by %s\n",
			mode ? "cross-CPU call" : "broadcast TLBI (Inner Shareable)");
		remote_mode = mode;
	}
	return remote_mode == 1;
}

void arch_tlb_shootdown(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			unsigned int n)
{
	if (use_ipi()) {
		tlb_shootdown_by_call(cpus, ranges, n);
		return;
	}
	this_cpu()->shootdowns_sent++;
	__asm__ __volatile__("dsb ishst" ::: "memory");
	if (n == 0) {
		__asm__ __volatile__("tlbi vmalle1is" ::: "memory");
	} else {
		for (unsigned int i = 0; i < n; i++)
			for (uintptr_t va = ranges[i].start.raw; va != ranges[i].end.raw;
			     va += ranges[i].stride)
				__asm__ __volatile__("tlbi vaae1is, %0" : : "r"(tlbi_va(va)) : "memory");
	}
	__asm__ __volatile__("dsb ish\n\tisb" ::: "memory");
}

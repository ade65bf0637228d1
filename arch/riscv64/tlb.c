// SPDX-License-Identifier: MIT
/*
 * riscv64 TLB maintenance for <mm/mmu.h>: sfence.vma per page (privileged spec
 * 1.12, 4.2.1: "SFENCE.VMA with rs1 = va, rs2 = x0" orders earlier page-table stores
 * and drops that page's translations for every ASID, global ones included) and a
 * bare sfence.vma for everything. Called by the generic flusher (mm/tlb.c).
 */
#include <kern/cpu.h>
#include <kern/cpuset.h>
#include <kern/panic.h>
#include <kern/cmdline.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/mmu.h>
#include <mm/tlb.h>
#include <arch/riscv.h>
#include <arch/sbi.h>

static inline void sfence_vma_page(uintptr_t va)
{
	__asm__ __volatile__("sfence.vma %0, zero" : : "r"(va) : "memory");
}

void arch_tlb_flush_page(vaddr_t va)
{
	sfence_vma_page(va.raw);
}

void arch_tlb_flush_all(void)
{
	__asm__ __volatile__("sfence.vma" : : : "memory");
}

/*
 * Remote shootdown, two ways behind the one hook (command line tlb_remote=):
 *
 *  - "sbi": the RFENCE extension's remote_sfence_vma (SBI spec 8.3) per range,
 *    for up to 64 harts per call; OpenSBI returns once every target hart has
 *    fenced (it waits for their acknowledgements in M-mode), and turns any range
 *    above one page into a full flush. Targets run none of our code, so a hart
 *    with interrupts masked is flushed all the same.
 *  - "ipi": a round of cross-CPU calls (mm/tlb_smp.c), each target running
 *    sfence.vma itself.
 *
 * Default: "ipi". Measured under QEMU 7.2 TCG with OpenSBI 1.1, 8 harts, the
 * smp.deadlock_stress ktest takes 18 s with "sbi" and 3 s with "ipi" (even with
 * the IPI itself sent through SBI sPI): OpenSBI serves each RFENCE by IPIs among
 * the harts in M-mode, one call per range, and widens any range to a full flush.
 */
static int remote_mode = -1;    /* 0: sbi, 1: ipi; chosen at the first shootdown */

static bool use_ipi(void)
{
	if (__builtin_expect(remote_mode < 0, 0)) {
		char want[8];
		int mode = 1;
		if (cmdline_get_value("tlb_remote", want, sizeof(want)) > 0) {
			if (!strcmp(want, "ipi"))
				mode = 1;
			else if (!strcmp(want, "sbi") && sbi_has_extension(SBI_EXT_RFENCE))
				mode = 0;
			else
				pr_warn("tlb: tlb_remote=%s unknown or unavailable (ipi, sbi); using ipi\n",
					want);
		}
		pr_info("tlb: remote flushes by %s\n", mode ? "cross-CPU call" : "SBI RFENCE");
		remote_mode = mode;
	}
	return remote_mode == 1;
}

static void rfence(const struct cpuset *cpus, unsigned long start, unsigned long size)
{
	struct cpuset left = *cpus;

	while (!cpuset_is_empty(&left)) {
		unsigned long base;
		unsigned long mask = riscv_hart_mask(&left, &base);
		struct sbiret r = sbi_call4(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, mask, base, start, size);
		KASSERT(r.error == SBI_SUCCESS, "SBI remote_sfence_vma: error %ld", r.error);
	}
}

void arch_tlb_shootdown(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			unsigned int n)
{
	if (use_ipi()) {
		tlb_shootdown_by_call(cpus, ranges, n);
		return;
	}
	struct cpuset targets = *cpus;
	cpuset_del(&targets, cpu_current());
	if (cpuset_is_empty(&targets))
		return;
	this_cpu()->shootdowns_sent++;
	if (n == 0) {
		/* start 0, size all ones: the whole address space (SBI spec 8.3). */
		rfence(&targets, 0, ~0ul);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		rfence(&targets, ranges[i].start.raw, ranges[i].end.raw - ranges[i].start.raw);
}

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
#include <mm/mmu.h>

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
 * Remote shootdown. Secondary harts stay in HSM STOPPED today (they never load a
 * page table the mapper edits), so only the local hart can hold translations and
 * the caller has already flushed it. With SMP this becomes an SBI remote fence
 * (RFENCE extension, sbi_remote_sfence_vma) or an IPI plus a local sfence.vma on
 * each target, waiting for completion; until then a request naming another hart
 * is a broken invariant.
 */
void arch_tlb_shootdown(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			unsigned int n)
{
	(void)ranges;
	(void)n;
	KASSERT(!cpuset_has_other(cpus, cpu_current()),
		"TLB shootdown to another hart before SMP support");
}

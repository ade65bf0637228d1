// SPDX-License-Identifier: MIT
/*
 * x86_64 TLB maintenance for <mm/mmu.h>: invlpg for pages and ranges, a CR4.PGE
 * toggle (or a CR3 reload without global pages) for everything. Called by the
 * generic flusher (mm/tlb.c) with the page-table edits already stored.
 */
#include <kern/cpu.h>
#include <kern/cpuset.h>
#include <kern/panic.h>
#include <mm/mmu.h>
#include <mm/tlb.h>

#define CR4_PGE (1ull << 7)

static inline void invlpg(uintptr_t va)
{
	/* SDM vol. 3A 4.10.4.1: invlpg also drops global entries and paging-structure caches. */
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

void arch_tlb_flush_page(vaddr_t va)
{
	invlpg(va.raw);
}

void arch_tlb_flush_all(void)
{
	uint64_t cr4;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & CR4_PGE) {
		/* SDM 4.10.4.1: toggling CR4.PGE invalidates all entries, global ones included. */
		__asm__ __volatile__("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PGE) : "memory");
		__asm__ __volatile__("mov %0, %%cr4" : : "r"(cr4) : "memory");
	} else {
		uint64_t cr3;
		__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
		__asm__ __volatile__("mov %0, %%cr3" : : "r"(cr3) : "memory");
	}
}

/*
 * Remote shootdown: a round of cross-CPU calls, each target invalidating the
 * ranges itself (x86 has no broadcast invalidation), acknowledged before the
 * flusher frees anything (mm/tlb_smp.c).
 */
void arch_tlb_shootdown(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			unsigned int n)
{
	tlb_shootdown_by_call(cpus, ranges, n);
}

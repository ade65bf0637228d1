// SPDX-License-Identifier: MIT
/*
 * x86_64 MMU control for <mm/mmu.h>: the PAT layout the format assumes and root
 * activation through CR3. The paging mode (CR4.LA57) is fixed while long mode is
 * on, so activation only accepts roots of the running mode.
 */
#include <kern/panic.h>
#include <mm/mmu.h>

#define MSR_IA32_PAT 0x277
#define CR4_LA57     (1ull << 12)

/*
 * PA0..PA7 = WB, WC, UC-, UC, WB, WP, UC-, WT (memory types 6, 1, 7, 0, 6, 5, 7, 4;
 * SDM vol. 3A 11.12.2), the layout <arch/mmu.h> encodes caching for.
 */
#define X86_PAT_VALUE 0x0407050600070106ull

void arch_mmu_cpu_init(void)
{
	uint32_t lo = (uint32_t)X86_PAT_VALUE, hi = (uint32_t)(X86_PAT_VALUE >> 32);

	__asm__ __volatile__("wrmsr" : : "c"(MSR_IA32_PAT), "a"(lo), "d"(hi) : "memory");
}

void arch_mmu_activate(paddr_t root, unsigned int levels)
{
	uint64_t cr4;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	KASSERT(levels == ((cr4 & CR4_LA57) ? 5u : 4u), "root of a %u-level mode", levels);
	KASSERT((root.raw & 0xfff) == 0, "unaligned root %llx", (unsigned long long)root.raw);
	/* SDM 4.10.4.1: a CR3 write drops every non-global translation (no PCIDs in use). */
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(root.raw) : "memory");
}

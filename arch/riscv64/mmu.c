// SPDX-License-Identifier: MIT
/*
 * riscv64 MMU control for <mm/mmu.h>: root activation through satp (privileged spec
 * 1.12, 4.1.11). The mode field follows the root's number of levels (Sv39 = 8,
 * Sv48 = 9, Sv57 = 10); ASIDs are not used yet (always 0).
 */
#include <kern/panic.h>
#include <mm/mmu.h>
#include <arch/cpu.h>

void arch_mmu_cpu_init(void)
{
	/* Svpbmt needs no per-hart setup; PMAs are fixed by the platform. */
}

void arch_mmu_activate(paddr_t root, unsigned int levels)
{
	static const uint64_t mode[] = { [3] = SATP_MODE_SV39, [4] = SATP_MODE_SV48,
					 [5] = SATP_MODE_SV57 };

	KASSERT(mmu_levels_supported(levels), "bad mode %u", levels);
	KASSERT((root.raw & 0xfff) == 0, "unaligned root %llx", (unsigned long long)root.raw);
	/*
	 * 4.1.11: writing satp does not order earlier stores to the new tables against
	 * the walks that follow, so fence before; 4.2.1: the fence after drops the old
	 * root's translations.
	 */
	__asm__ __volatile__("sfence.vma" : : : "memory");
	csr_write(satp, mode[levels] | ((root.raw >> 12) & SATP_PPN_MASK));
	__asm__ __volatile__("sfence.vma" : : : "memory");
}

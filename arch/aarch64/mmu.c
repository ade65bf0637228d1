// SPDX-License-Identifier: MIT
/*
 * aarch64 MMU control for <mm/mmu.h>: root activation through TTBR0_EL1 and
 * TTBR1_EL1 (D8.2.5, the split VA ranges). TTBR1 holds the kernel's root for
 * good: it is written when the kernel root itself is activated (mm_init(), each
 * secondary's entry). Every activation writes TTBR0 with the root, whose lower
 * half holds the space's user entries (the kernel root's is empty); the copies of
 * the kernel entries in a user root's upper half are never walked. ASIDs are not
 * used yet (always 0): writing TTBR0 does not flush (D8.13), so the old space's
 * non-global entries go with a local TLBI ASIDE1 of ASID 0.
 */
#include <kern/panic.h>
#include <mm/init.h>
#include <mm/mapper.h>
#include <mm/mmu.h>
#include <arch/cpu.h>

/* 52-bit mode: the hardware walks TTBR1's 16-entry table from the core's entry 496. */
#define LPA2_TTBR1_OFFSET (496 * 8)

/* TTBRn_EL1.BADDR of @root (D19.2.143): with DS = 1, bits 51..48 go in bits 5..2. */
static uint64_t ttbr_of(paddr_t root, unsigned int levels)
{
	uint64_t pa = root.raw;

	if (levels == 5)
		return (pa & 0xffffffffffc0ull & ((1ull << 48) - 1)) | (pa >> 48 & 0xf) << 2;
	return pa;
}

void arch_mmu_cpu_init(void)
{
	/* MAIR_EL1 (the layout <arch/mmu.h> assumes) is set by boot.S on every CPU. */
}

void arch_mmu_activate(paddr_t root, unsigned int levels)
{
	KASSERT(mmu_levels_supported(levels), "bad mode %u", levels);
	KASSERT((root.raw & 0xfff) == 0, "unaligned root %llx", (unsigned long long)root.raw);
	/*
	 * The stores to the new tables before the walks that use them (D8.2.6: the
	 * walker is not ordered with earlier stores without a DSB).
	 */
	__asm__ __volatile__("dsb ishst" ::: "memory");
	bool kernel = root.raw == mm_kernel_pt.root.raw;
	if (kernel) {
		uint64_t t1 = ttbr_of(paddr(root.raw + (levels == 5 ? LPA2_TTBR1_OFFSET : 0)), levels);
		sysreg_write(ttbr1_el1, t1);
	}
	sysreg_write(ttbr0_el1, ttbr_of(root, levels));
	isb();
	if (kernel)
		__asm__ __volatile__("tlbi vmalle1" ::: "memory");   /* the boot tables' entries too */
	else
		__asm__ __volatile__("tlbi aside1, xzr" ::: "memory");   /* ASID 0, non-global */
	__asm__ __volatile__("dsb nsh\n\tisb" ::: "memory");
}

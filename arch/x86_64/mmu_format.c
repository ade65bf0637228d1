// SPDX-License-Identifier: MIT
/*
 * x86_64 page-table format: the out-of-line hooks of <mm/mmu.h> (mode names, the
 * canonical rule, the virtual layout per mode). Pure C: built into the kernel and
 * into the host unit tests of the x86_64 format.
 *
 * Layout per mode (48-bit 4-level, 57-bit 5-level; H = 2^(va_bits - 1)):
 *   user    [64 KiB, H - 4 KiB)   the last page below the hole stays unmapped, as
 *                                 on Linux (a SYSRET from a canonical-edge RIP faults)
 *   kernel  [-H, 2^64): direct map [-H, -H/2), MMIO window [-H/2, -H/4),
 *           kernel image in the top 2 GiB (KERNEL_VMA_OFFSET)
 * 4-level: direct map 0xffff800000000000; 5-level: 0xff00000000000000.
 */
#include <mm/mmu.h>
#include <arch/page.h>

/* CPUID 0x80000001 EDX bit 26; assumed present until boot code says otherwise. */
bool x86_mmu_gbpages = true;

const char *mmu_mode_name(unsigned int levels)
{
	return levels == 4 ? "4-level" : levels == 5 ? "5-level" : "?";
}

bool mmu_va_is_canonical(unsigned int levels, vaddr_t va)
{
	if (!mmu_levels_supported(levels))
		return false;
	return mmu_common_va_is_canonical(mmu_va_bits(levels), va);
}

int mmu_layout_get(unsigned int levels, struct mmu_layout *out)
{
	if (!mmu_levels_supported(levels))
		return -EINVAL;
	mmu_common_layout(mmu_va_bits(levels), PAGE_SIZE, KERNEL_VMA_OFFSET, out);
	return 0;
}

/* Descriptors are the same in every mode. */
void mmu_mode_set(unsigned int levels)
{
	(void)levels;
}

unsigned int mmu_root_kernel_first(unsigned int levels)
{
	/* The root index's top bit is the sign bit of the address in every mode. */
	(void)levels;
	return MMU_PT_ENTRIES / 2;
}

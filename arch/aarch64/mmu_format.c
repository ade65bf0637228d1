// SPDX-License-Identifier: MIT
/*
 * aarch64 page-table format: the out-of-line hooks of <mm/mmu.h> (mode names, the
 * canonical rule, the virtual layout). Pure C: built into the host unit tests of the
 * aarch64 format (and into the kernel once the port boots).
 *
 * The root model is the generic one: one root per address space whose upper half
 * holds the kernel's entries. On aarch64 the upper half is never walked through a
 * user root: TTBR1_EL1 holds the kernel's root for good and TTBR0_EL1 the space's,
 * with T0SZ = T1SZ = 16, so an address's root index is bits 47..39 in either half
 * and the kernel's entries [256, 512) of TTBR1's table are those of the split
 * layout. The kernel uses the upper 2^47 bytes of the TTBR1 range and user space
 * the lower 2^47 of TTBR0's (Linux gives user space all 2^48): the sign-extension
 * rule of bit 47 is the canonical rule, and an address the hardware would accept
 * outside those halves is one kestrel never maps.
 *
 * Layout (H = 2^47): user [64 KiB, H); kernel [-H, 2^64): direct map [-H, -H/2),
 * MMIO window [-H/2, -H/4), the image in the top 2 GiB (KERNEL_VMA_OFFSET).
 */
#include <mm/mmu.h>
#include <arch/page.h>

const char *mmu_mode_name(unsigned int levels)
{
	return levels == 4 ? "48-bit" : "?";
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
	mmu_common_layout(mmu_va_bits(levels), 0, KERNEL_VMA_OFFSET, out);
	return 0;
}

unsigned int mmu_root_kernel_first(unsigned int levels)
{
	(void)levels;
	return MMU_PT_ENTRIES / 2;
}

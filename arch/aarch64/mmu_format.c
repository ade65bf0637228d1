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
 *
 * The 52-bit mode (FEAT_LPA2, T0SZ = T1SZ = 12) is the same with H = 2^51. Its
 * hardware root has 16 entries, indexed by VA bits 51..48; the core's 9-bit index of
 * the root (bits 56..48) is the same for user addresses (0..7) and 496 more for
 * kernel ones (504..511 for the hardware's 8..15). So a user root goes into TTBR0 as
 * it is, and TTBR1 holds the kernel root's address plus 496 * 8 bytes, a multiple of
 * the 128-byte table size as D19's TTBR1_EL1.BADDR requires.
 */
#include <mm/mmu.h>
#include <arch/page.h>

/* The 48-bit mode's descriptors until mmu_mode_set() says otherwise. */
bool aarch64_mmu_ds;

void mmu_mode_set(unsigned int levels)
{
	aarch64_mmu_ds = levels == 5;
}

const char *mmu_mode_name(unsigned int levels)
{
	return levels == 4 ? "48-bit" : levels == 5 ? "52-bit" : "?";
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
	/* The root index of the lowest kernel address, -2^(va_bits - 1): 256 or 504. */
	uintptr_t low = (uintptr_t)0 - ((uintptr_t)1 << (mmu_va_bits(levels) - 1));
	return (unsigned int)(low >> mmu_level_shift(levels - 1)) & (MMU_PT_ENTRIES - 1);
}

// SPDX-License-Identifier: MIT
/*
 * riscv64 page-table format: the out-of-line hooks of <mm/mmu.h> (mode names, the
 * canonical rule, the virtual layout per mode). Pure C: built into the kernel and
 * into the host unit tests of the riscv64 format.
 *
 * Layout per mode (Sv39, Sv48, Sv57; H = 2^(va_bits - 1)), privileged spec 4.4.1:
 * bits 63..va_bits of a virtual address copy bit va_bits - 1.
 *   user    [64 KiB, H)
 *   kernel  [-H, 2^64): direct map [-H, -H/2), MMIO window [-H/2, -H/4),
 *           kernel image in the top 4 GiB (KERNEL_VMA_OFFSET)
 * Sv39: direct map 0xffffffc000000000; Sv48: 0xffff800000000000; Sv57: 0xff00000000000000.
 */
#include <mm/mmu.h>
#include <arch/page.h>

/* Svpbmt: off until boot code finds it in the device tree (riscv,isa / riscv,isa-extensions). */
bool riscv_mmu_svpbmt;

const char *mmu_mode_name(unsigned int levels)
{
	return levels == 3 ? "Sv39" : levels == 4 ? "Sv48" : levels == 5 ? "Sv57" : "?";
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

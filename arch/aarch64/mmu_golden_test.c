// SPDX-License-Identifier: MIT
/*
 * aarch64 bit patterns, from the Arm ARM (DDI 0487) D8.3 (VMSAv8-64 descriptor
 * formats: valid bit, table/block/page type bit, output address) and D8.4
 * (AttrIndx, AP[2:1], SH, AF, nG, PXN, UXN), with the MAIR_EL1 layout of
 * arch/aarch64/include/arch/mmu.h, for the conformance test.
 */
#include "vm_fake.h"         /* tests/unit/mm, on the test's include path */

void golden_checks(void);

void golden_checks(void)
{
	pte_t e;

	mmu_mode_set(4);
	/* 4 KiB user RW, WB: page (bits 1:0 = 11), SH inner, AF, AP = 01, nG, PXN and UXN. */
	e = mmu_pte_make_leaf(paddr(0x1000), MMU_READ | MMU_WRITE | MMU_USER, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x0060000000001f43ull);
	/* 4 KiB user RX: AP = 11 (read-only at both levels), UXN clear, PXN set. */
	e = mmu_pte_make_leaf(paddr(0x2000), MMU_READ | MMU_EXEC | MMU_USER, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x0020000000002fc3ull);
	/* 4 KiB kernel text, global: AP = 10, UXN set, PXN clear, nG clear. */
	e = mmu_pte_make_leaf(paddr(0x40200000), MMU_READ | MMU_EXEC | MMU_GLOBAL, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x0040000040200783ull);
	/* 2 MiB kernel data block (bits 1:0 = 01), global, never executable. */
	e = mmu_pte_make_leaf(paddr(0x40000000), MMU_READ | MMU_WRITE | MMU_GLOBAL, MMU_CACHE_WB, 1);
	CHECK_EQ(e.raw, 0x0060000040000701ull);
	CHECK(mmu_pte_is_leaf(e, 1) && !mmu_pte_is_table(e, 1), "a block is a leaf, not a table");
	/* The same bits at level 0 are reserved (bit 1 clear): neither leaf nor table. */
	CHECK(!mmu_pte_is_leaf(e, 0) && !mmu_pte_is_table(e, 0), "block encoding at level 0");
	/* 1 GiB block. */
	e = mmu_pte_make_leaf(paddr(0x80000000), MMU_READ | MMU_WRITE | MMU_GLOBAL, MMU_CACHE_WB, 2);
	CHECK_EQ(e.raw, 0x0060000080000701ull);
	/* Device-nGnRE (AttrIndx 2) for UC, without SH: the PL011 of QEMU virt. */
	e = mmu_pte_make_leaf(paddr(0x09000000), MMU_READ | MMU_WRITE | MMU_GLOBAL, MMU_CACHE_UC, 0);
	CHECK_EQ(e.raw, 0x006000000900040bull);
	/* Normal Non-cacheable (AttrIndx 1) for WC, Write-Through (AttrIndx 3) for WT. */
	e = mmu_pte_make_leaf(paddr(0x10000000), MMU_READ | MMU_WRITE | MMU_GLOBAL, MMU_CACHE_WC, 0);
	CHECK_EQ(e.raw, 0x0060000010000707ull);
	e = mmu_pte_make_leaf(paddr(0x10000000), MMU_READ | MMU_WRITE | MMU_GLOBAL, MMU_CACHE_WT, 0);
	CHECK_EQ(e.raw, 0x006000001000070full);
	CHECK_EQ(AARCH64_MAIR_VALUE, 0xaa0444ffull);
	/* The widest output address, 48 bits. */
	e = mmu_pte_make_leaf(paddr(0xfffffffff000ull), MMU_READ, MMU_CACHE_WB, 0);
	CHECK_EQ(mmu_pte_phys(e, 0).raw, 0xfffffffff000ull);
	CHECK(mmu_pa_is_valid(paddr(0xfffffffff000ull)) && !mmu_pa_is_valid(paddr(1ull << 48)),
	      "48-bit physical addresses");
	/* Table descriptor: address | 11, every table attribute (59..63) zero. */
	e = mmu_pte_make_table(paddr(0x5000), 3);
	CHECK_EQ(e.raw, 0x0000000000005003ull);
	/* Inaccessible leaf: invalid, software bit 55, address and attributes kept. */
	e = mmu_pte_make_leaf(paddr(0x3000), MMU_USER, MMU_CACHE_WB, 0);
	CHECK(!(e.raw & 1) && (e.raw & (1ull << 55)) && (e.raw & 0xfffffffff000ull) == 0x3000,
	      "%#" PRIx64, e.raw);
	CHECK(mmu_pte_is_leaf(e, 0) && !mmu_pte_is_present(e), "inaccessible leaf");
	/* Leaves at lookup levels 3, 2 and 1 only (no 512 GiB block without LPA2). */
	CHECK(mmu_level_has_leaf(4, 2) && !mmu_level_has_leaf(4, 3), "block levels");
	/* Layout: the split halves of 48 bits, the image in the top 2 GiB. */
	struct mmu_layout l;
	mmu_layout_get(4, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xffff800000000000ull);
	CHECK_EQ(l.user_end, 0x0000800000000000ull);
	CHECK_EQ(l.image_base.raw, 0xffffffff80000000ull);
	CHECK_EQ(mmu_root_kernel_first(4), 256);
	CHECK(strcmp(mmu_mode_name(4), "48-bit") == 0, "names");

	/*
	 * The 52-bit mode (FEAT_LPA2, TCR_EL1.DS = 1; D8.3.1 "descriptor formats with
	 * 52-bit output addresses"): bits 49..12 are OA[49:12] and bits 9..8 OA[51:50]
	 * of block, page and table descriptors alike, with no SH field.
	 * PA 0xd_2345_6789_a000: OA[51:50] = 11, OA[49:48] = 01.
	 */
	mmu_mode_set(5);
	e = mmu_pte_make_leaf(paddr(0xd23456789a000ull), MMU_READ | MMU_WRITE | MMU_GLOBAL,
			      MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x006123456789a703ull);
	CHECK_EQ(mmu_pte_phys(e, 0).raw, 0xd23456789a000ull);
	/* No SH in the leaf: 0x1000 maps with bits 9..8 clear. */
	e = mmu_pte_make_leaf(paddr(0x1000), MMU_READ | MMU_WRITE | MMU_USER, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x0060000000001c43ull);
	/* 2 MiB block at the top of the 52-bit space. */
	e = mmu_pte_make_leaf(paddr(0xfffffffe00000ull), MMU_READ | MMU_GLOBAL, MMU_CACHE_WB, 1);
	CHECK_EQ(e.raw, 0x0063ffffffe00781ull);
	CHECK_EQ(mmu_pte_phys(e, 1).raw, 0xfffffffe00000ull);
	e = mmu_pte_make_table(paddr(0x8000000005000ull), 4);
	CHECK_EQ(e.raw, 0x0000000000005203ull);
	CHECK_EQ(mmu_pte_phys(e, 4).raw, 0x8000000005000ull);
	CHECK(mmu_pa_is_valid(paddr(0xffffffffff000ull)) && !mmu_pa_is_valid(paddr(1ull << 52)),
	      "52-bit physical addresses");
	CHECK_EQ(mmu_va_bits(5), 52);
	CHECK_EQ(mmu_level_shift(4), 48);
	mmu_layout_get(5, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xfff8000000000000ull);
	CHECK_EQ(l.user_end, 0x0008000000000000ull);
	/* Kernel addresses index the core's root at 504..511, TTBR1's 8..15 from entry 496. */
	CHECK_EQ(mmu_root_kernel_first(5), 504);
	CHECK(strcmp(mmu_mode_name(5), "52-bit") == 0, "names");
	mmu_mode_set(4);
}

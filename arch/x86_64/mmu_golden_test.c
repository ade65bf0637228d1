// SPDX-License-Identifier: MIT
/*
 * x86_64 bit patterns, from the Intel SDM vol. 3A 4.5 (tables 4-15..4-20) and the
 * PAT layout documented in arch/x86_64/include/arch/mmu.h, for the conformance test.
 */
#include "vm_fake.h"         /* tests/unit/mm, on the test's include path */

void golden_checks(void);

void golden_checks(void)
{
	pte_t e;

	/* 4 KiB, read/write, user, WB: P|RW|US|A|D, NX. */
	e = mmu_pte_make_leaf(paddr(0x1000), MMU_READ | MMU_WRITE | MMU_USER, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x8000000000001067ull);
	/* 4 KiB kernel text: P|A|D|G, executable. */
	e = mmu_pte_make_leaf(paddr(0x200000), MMU_READ | MMU_EXEC | MMU_GLOBAL, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x0000000000200161ull);
	/* 2 MiB: PS; WT is PAT index 7, the PAT bit at 12 for PS leaves, 7 for 4 KiB. */
	e = mmu_pte_make_leaf(paddr(0x40000000), MMU_READ, MMU_CACHE_WT, 1);
	CHECK_EQ(e.raw, 0x80000000400010f9ull);
	e = mmu_pte_make_leaf(paddr(0x40000000), MMU_READ, MMU_CACHE_WT, 0);
	CHECK_EQ(e.raw, 0x80000000400000f9ull);
	/* UC = PCD|PWT (index 3), WC = PWT (index 1). */
	e = mmu_pte_make_leaf(paddr(0xfee00000), MMU_READ | MMU_WRITE, MMU_CACHE_UC, 0);
	CHECK_EQ(e.raw, 0x80000000fee0007bull);
	e = mmu_pte_make_leaf(paddr(0xfd000000), MMU_READ | MMU_WRITE, MMU_CACHE_WC, 0);
	CHECK_EQ(e.raw, 0x80000000fd00006bull);
	/* 1 GiB leaf. */
	e = mmu_pte_make_leaf(paddr(0x80000000), MMU_READ | MMU_WRITE, MMU_CACHE_WB, 2);
	CHECK_EQ(e.raw, 0x80000000800000e3ull);
	CHECK(mmu_pte_is_leaf(e, 2) && !mmu_pte_is_table(e, 2), "1 GiB PS leaf");
	/* The same bits at level 0 are a leaf too (bit 7 is PAT there, not PS). */
	CHECK(mmu_pte_is_leaf(e, 0), "level-0 entry with bit 7");
	/* No 512 GiB leaves; none at all at level 2 without Page1GB. */
	CHECK(!mmu_level_has_leaf(5, 3), "512 GiB leaf");
	x86_mmu_gbpages = false;
	CHECK(!mmu_level_has_leaf(4, 2), "1 GiB without Page1GB");
	x86_mmu_gbpages = true;
	CHECK(mmu_level_has_leaf(4, 2), "1 GiB with Page1GB");
	/* Table pointer: P|RW|US|A. */
	e = mmu_pte_make_table(paddr(0x5000), 3);
	CHECK_EQ(e.raw, 0x0000000000005027ull);
	/* Inaccessible leaf: P clear, software bit 9, frame kept. */
	e = mmu_pte_make_leaf(paddr(0x3000), MMU_USER, MMU_CACHE_WB, 0);
	CHECK(!(e.raw & 1) && (e.raw & (1u << 9)) && (e.raw & 0xfffff000) == 0x3000, "%#" PRIx64, e.raw);
	/* Layout: Linux's direct-map bases and the SYSRET guard page. */
	struct mmu_layout l;
	mmu_layout_get(4, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xffff800000000000ull);
	CHECK_EQ(l.user_end, 0x00007ffffffff000ull);
	mmu_layout_get(5, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xff00000000000000ull);
	CHECK_EQ(l.user_end, 0x00fffffffffff000ull);
	CHECK_EQ(l.image_base.raw, 0xffffffff80000000ull);
	CHECK(strcmp(mmu_mode_name(4), "4-level") == 0 && strcmp(mmu_mode_name(5), "5-level") == 0,
	      "names");
}

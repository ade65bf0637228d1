// SPDX-License-Identifier: MIT
/*
 * riscv64 bit patterns, from the privileged spec 1.12 4.4.1 (Sv39 PTE), 4.5/4.6
 * (Sv48, Sv57) and the Svpbmt chapter, for the conformance test.
 */
#include "vm_fake.h"         /* tests/unit/mm, on the test's include path */

void golden_checks(void);

void golden_checks(void)
{
	pte_t e;

	/* 4 KiB, read/write, user: PPN 1 << 10 | V|R|W|U|A|D. */
	e = mmu_pte_make_leaf(paddr(0x1000), MMU_READ | MMU_WRITE | MMU_USER, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, 0x4d7ull);
	/* Kernel text megapage: V|R|X|G|A|D. */
	e = mmu_pte_make_leaf(paddr(0x80200000), MMU_READ | MMU_EXEC | MMU_GLOBAL, MMU_CACHE_WB, 1);
	CHECK_EQ(e.raw, (0x80200ull << 10) | 0xeb);
	/* Leaves at every level, the root included (Sv39 gigapage, Sv48 terapage, Sv57 petapage). */
	for (unsigned int levels = 3; levels <= 5; levels++)
		for (unsigned int level = 0; level < levels; level++)
			CHECK(mmu_level_has_leaf(levels, level), "Sv%u level %u", 12 + 9 * levels, level);
	/* Table pointer: V only, no U/A/D (reserved on non-leaf entries). */
	e = mmu_pte_make_table(paddr(0x81234000), 2);
	CHECK_EQ(e.raw, (0x81234ull << 10) | 1);
	CHECK(mmu_pte_is_table(e, 2) && !mmu_pte_is_leaf(e, 2), "table");
	/* A valid entry with only X is a leaf; with W only it is reserved and refused. */
	CHECK(mmu_pte_is_leaf((pte_t){ 0x9 }, 1), "X-only leaf");
	/* Inaccessible leaf: V clear, RSW bit 8, frame kept. */
	e = mmu_pte_make_leaf(paddr(0x3000), MMU_USER, MMU_CACHE_WB, 0);
	CHECK_EQ(e.raw, (3ull << 10) | 0x1d0);
	/* Svpbmt off: no PBMT bits, every cache reads back WB. */
	e = mmu_pte_make_leaf(paddr(0x10000000), MMU_READ | MMU_WRITE, MMU_CACHE_UC, 0);
	CHECK_EQ(e.raw >> 61, 0);
	CHECK_EQ(mmu_pte_cache(e, 0), MMU_CACHE_WB);
	/* Svpbmt on: UC = IO (2), WC = NC (1), WT -> IO, WB = PMA (0). */
	riscv_mmu_svpbmt = true;
	e = mmu_pte_make_leaf(paddr(0x10000000), MMU_READ | MMU_WRITE, MMU_CACHE_UC, 0);
	CHECK_EQ(e.raw >> 61, 2);
	CHECK_EQ(mmu_pte_cache(e, 0), MMU_CACHE_UC);
	e = mmu_pte_make_leaf(paddr(0x10000000), MMU_READ | MMU_WRITE, MMU_CACHE_WC, 0);
	CHECK_EQ(e.raw >> 61, 1);
	e = mmu_pte_make_leaf(paddr(0x10000000), MMU_READ | MMU_WRITE, MMU_CACHE_WT, 0);
	CHECK_EQ(mmu_pte_cache(e, 0), MMU_CACHE_UC);
	CHECK_EQ(mmu_cache_effective(MMU_CACHE_WT), MMU_CACHE_UC);
	e = mmu_pte_make_table(paddr(0x5000), 1);
	CHECK_EQ(e.raw >> 61, 0);
	/* Round trips of every cache with Svpbmt on. */
	for (unsigned int c = 0; c < MMU_CACHE_COUNT; c++) {
		e = mmu_pte_make_leaf(paddr(0x200000), MMU_READ, c, 1);
		CHECK_EQ(mmu_pte_cache(e, 1), mmu_cache_effective(c));
	}
	riscv_mmu_svpbmt = false;
	/* Layout: the direct-map bases of docs/hal.md (Sv39 0xffffffc0..., Sv48 0xffff8000..., Sv57 0xff00...). */
	struct mmu_layout l;
	mmu_layout_get(3, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xffffffc000000000ull);
	CHECK_EQ(l.user_end, 0x0000004000000000ull);
	mmu_layout_get(4, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xffff800000000000ull);
	mmu_layout_get(5, &l);
	CHECK_EQ(l.direct_map_base.raw, 0xff00000000000000ull);
	CHECK(strcmp(mmu_mode_name(3), "Sv39") == 0 && strcmp(mmu_mode_name(5), "Sv57") == 0, "names");
}

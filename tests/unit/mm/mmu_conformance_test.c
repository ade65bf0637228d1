// SPDX-License-Identifier: MIT
/*
 * Conformance test of an arch's page-table format against the semantics of
 * <mm/mmu.h>, built once per arch format (unit-mm-mmu-x86_64, unit-mm-mmu-riscv64)
 * and run for every paging mode of that arch. The generic checks here come from
 * the contract alone; arch/<arch>/mmu_golden_test.c adds the arch's own bit patterns from
 * its manual, so a format that is self-consistent but wrong still fails.
 *
 * Checked, per mode: round trips of leaves at every level, protection and caching
 * combination (and of inaccessible leaves); refusal of misaligned, too-wide and
 * malformed input; table entries; the empty entry; level sizes; the canonical rule;
 * the layout (user half below, kernel half above, regions ordered and canonical)
 * and the root split between the halves.
 */
#include "vm_fake.h"

/* Arch-specific checks (arch/<arch>/mmu_golden_test.c). */
void golden_checks(void);

static const unsigned int valid_rwx[] = { 0, MMU_READ, MMU_READ | MMU_WRITE,
					  MMU_READ | MMU_EXEC, MMU_RWX };

static uint64_t sample_pas(unsigned int level, unsigned int k)
{
	uint64_t sz = 1ull << mmu_level_shift(level);
	switch (k) {
	case 0: return 0;
	case 1: return sz;
	case 2: return 0x80000000ull & ~(sz - 1);
	default: return sz < (1ull << 44) ? (1ull << 44) - sz : 2 * sz;   /* wide, accepted by both */
	}
}

static void test_leaf_round_trip(void)
{
	unsigned int levels = test_levels, leaves = 0;

	for (unsigned int level = 0; level < levels; level++) {
		if (!mmu_level_has_leaf(levels, level))
			continue;
		for (unsigned int k = 0; k < 4; k++)
		for (unsigned int r = 0; r < ARRAY_SIZE(valid_rwx); r++)
		for (unsigned int ug = 0; ug < 4; ug++)
		for (unsigned int c = 0; c < MMU_CACHE_COUNT; c++) {
			unsigned int prot = valid_rwx[r] | (ug & 1 ? MMU_USER : 0) |
					    (ug & 2 ? MMU_GLOBAL : 0);
			paddr_t pa = paddr(sample_pas(level, k));
			if (!CHECK(mmu_attrs_are_valid(prot, c) && mmu_pa_is_valid(pa),
				   "level %u prot %#x cache %u pa %#" PRIx64 " refused", level, prot, c,
				   pa.raw))
				continue;
			pte_t e = mmu_pte_make_leaf(pa, prot, c, level);
			leaves++;
			CHECK(!mmu_pte_is_none(e), "leaf is none");
			CHECK(mmu_pte_is_leaf(e, level), "not a leaf at %u: %#" PRIx64, level, e.raw);
			CHECK(!mmu_pte_is_table(e, level), "leaf seen as table: %#" PRIx64, e.raw);
			CHECK(mmu_pte_is_present(e) == (valid_rwx[r] != 0), "present %#" PRIx64, e.raw);
			CHECK_EQ(mmu_pte_phys(e, level).raw, pa.raw);
			CHECK_EQ(mmu_pte_prot(e, level), prot);
			CHECK_EQ(mmu_pte_cache(e, level), mmu_cache_effective(c));
			/* Rebuilding from the decoded fields is the identity (split/protect rely on it). */
			CHECK(mmu_attrs_are_valid(mmu_pte_prot(e, level), mmu_pte_cache(e, level)),
			      "decoded attributes refused");
			pte_t e2 = mmu_pte_make_leaf(mmu_pte_phys(e, level), mmu_pte_prot(e, level),
						     mmu_pte_cache(e, level), level);
			CHECK_EQ(e2.raw, e.raw);
			/* Single-copy access helpers. */
			pte_t slot = { 0 };
			mmu_pte_write(&slot, e);
			CHECK_EQ(mmu_pte_read(&slot).raw, e.raw);
		}
	}
	CHECK(leaves > 0, "no leaf level at all");
	/* Level 0 always holds leaves, and leaf levels are downward closed. */
	CHECK(mmu_level_has_leaf(levels, 0), "level 0 cannot hold a leaf");
	for (unsigned int level = 1; level < levels; level++)
		if (mmu_level_has_leaf(levels, level))
			CHECK(mmu_level_has_leaf(levels, level - 1), "level %u leaf, %u not",
			      level, level - 1);
	CHECK(!mmu_level_has_leaf(levels, levels), "leaf above the root");
}

/*
 * The validity predicates the mapper checks before it encodes: they refuse exactly
 * what no leaf may carry, so that the encodes after them cannot fail.
 */
static void test_leaf_refusals(void)
{
	static const unsigned int bad_prot[] = { MMU_WRITE, MMU_EXEC, MMU_WRITE | MMU_EXEC,
						 MMU_WRITE | MMU_USER, MMU_EXEC | MMU_GLOBAL,
						 0x20, 0x80000000u, MMU_READ | 0x40 };

	for (unsigned int i = 0; i < ARRAY_SIZE(bad_prot); i++)
		CHECK(!mmu_attrs_are_valid(bad_prot[i], MMU_CACHE_WB), "prot %#x accepted",
		      bad_prot[i]);
	for (unsigned int r = 0; r < ARRAY_SIZE(valid_rwx); r++)
		for (unsigned int c = 0; c < MMU_CACHE_COUNT; c++)
			CHECK(mmu_attrs_are_valid(valid_rwx[r] | MMU_USER | MMU_GLOBAL, c),
			      "prot %#x cache %u refused", valid_rwx[r], c);
	CHECK(!mmu_attrs_are_valid(MMU_READ, MMU_CACHE_COUNT), "cache count accepted");
	CHECK(!mmu_attrs_are_valid(MMU_READ, (enum mmu_cache)-1), "cache -1 accepted");
	/* Beyond every format's physical width; the widest address both formats take. */
	CHECK(!mmu_pa_is_valid(paddr(1ull << 60)), "2^60 accepted");
	CHECK(!mmu_pa_is_valid(paddr(~0ull)), "~0 accepted");
	CHECK(mmu_pa_is_valid(paddr((1ull << 44) - PAGE_SIZE)), "2^44 - 4 KiB refused");
	CHECK(mmu_pa_is_valid(paddr(0)), "0 refused");
	/* The level-size helpers agree with the format's shifts. */
	CHECK_EQ(mmu_level_size(0), PAGE_SIZE);
	for (unsigned int level = 1; level < test_levels; level++)
		CHECK_EQ(mmu_level_size(level), mmu_level_size(level - 1) * MMU_PT_ENTRIES);
	CHECK(mmu_level_has_leaf(test_levels, mmu_leaf_level_max(test_levels)), "largest leaf");
	CHECK(mmu_leaf_level_max(test_levels) + 1 == test_levels ||
	      !mmu_level_has_leaf(test_levels, mmu_leaf_level_max(test_levels) + 1), "largest leaf");
}

static void test_tables_and_none(void)
{
	unsigned int levels = test_levels;
	pte_t none = mmu_pte_none(), e;

	CHECK_EQ(none.raw, 0);
	CHECK(mmu_pte_is_none(none), "none");
	CHECK(!mmu_pte_is_present(none), "none present");
	for (unsigned int level = 0; level < levels; level++) {
		CHECK(!mmu_pte_is_leaf(none, level), "none is a leaf at %u", level);
		CHECK(!mmu_pte_is_table(none, level), "none is a table at %u", level);
	}
	for (unsigned int level = 1; level < levels; level++) {
		for (unsigned int k = 0; k < 3; k++) {
			paddr_t pa = paddr(k == 0 ? 0x1000 : k == 1 ? 0x7ffff000 : (1ull << 44) - 0x1000);
			CHECK(mmu_pa_is_valid(pa), "table at %#" PRIx64 " refused", pa.raw);
			e = mmu_pte_make_table(pa, level);
			CHECK(mmu_pte_is_table(e, level), "table at %u: %#" PRIx64, level, e.raw);
			CHECK(!mmu_pte_is_leaf(e, level), "table is a leaf at %u", level);
			CHECK(mmu_pte_is_present(e), "table not present");
			CHECK_EQ(mmu_pte_phys(e, level).raw, pa.raw);
		}
	}
}

static void test_sizes_and_canonical(void)
{
	unsigned int levels = test_levels;
	unsigned int bits = mmu_va_bits(levels);

	CHECK(mmu_levels_supported(levels), "mode");
	CHECK(!mmu_levels_supported(MMU_LEVELS_MIN - 1) && !mmu_levels_supported(MMU_LEVELS_MAX + 1),
	      "modes outside the range");
	CHECK_EQ(MMU_PT_ENTRIES * sizeof(pte_t), 4096);
	CHECK_EQ(mmu_level_shift(0), 12);
	for (unsigned int l = 0; l + 1 < levels; l++)
		CHECK_EQ(1ull << mmu_level_shift(l + 1), MMU_PT_ENTRIES * (1ull << mmu_level_shift(l)));
	/*
	 * The root holds the top 9 bits of the address, or fewer (aarch64's 52-bit
	 * mode: 4), and each half's canonical addresses start at its root index.
	 */
	CHECK(bits > mmu_level_shift(levels - 1) && bits <= mmu_level_shift(levels - 1) + 9,
	      "%u address bits over a root at shift %u", bits, mmu_level_shift(levels - 1));
	uintptr_t klow = (uintptr_t)0 - ((uintptr_t)1 << (bits - 1));
	CHECK_EQ(mmu_root_kernel_first(levels),
		 (klow >> mmu_level_shift(levels - 1)) & (MMU_PT_ENTRIES - 1));
	CHECK_EQ(((((uintptr_t)1 << (bits - 1)) - 1) >> mmu_level_shift(levels - 1)) &
		 (MMU_PT_ENTRIES - 1), (1u << (bits - 1 - mmu_level_shift(levels - 1))) - 1);
	CHECK(strcmp(mmu_mode_name(levels), "?") != 0, "mode name");

	uintptr_t half = (uintptr_t)1 << (bits - 1);
	CHECK(mmu_va_is_canonical(levels, vaddr(0)), "0");
	CHECK(mmu_va_is_canonical(levels, vaddr(half - 1)), "top of the lower half");
	CHECK(!mmu_va_is_canonical(levels, vaddr(half)), "first hole address");
	CHECK(!mmu_va_is_canonical(levels, vaddr((uintptr_t)0 - half - 1)), "last hole address");
	CHECK(mmu_va_is_canonical(levels, vaddr((uintptr_t)0 - half)), "kernel half start");
	CHECK(mmu_va_is_canonical(levels, vaddr(UINTPTR_MAX)), "top");
	CHECK(!mmu_va_is_canonical(levels, vaddr(1ull << 62)), "bit 62");
	CHECK(!mmu_va_is_canonical(levels + 7, vaddr(0)), "unsupported mode");
}

static void test_layout(void)
{
	unsigned int levels = test_levels;
	unsigned int top = levels - 1, first = mmu_root_kernel_first(levels);
	struct mmu_layout l;

	CHECK_EQ(mmu_layout_get(levels, &l), 0);
	CHECK_EQ(mmu_layout_get(MMU_LEVELS_MAX + 1, &l), -EINVAL);
	mmu_layout_get(levels, &l);
	uintptr_t half = (uintptr_t)1 << (mmu_va_bits(levels) - 1);
	CHECK(l.user_start > 0 && l.user_start < l.user_end && l.user_end <= half, "user range");
	CHECK_EQ(l.kernel_start.raw, (uintptr_t)0 - half);
	CHECK(l.kernel_start.raw <= l.direct_map_base.raw && l.direct_map_base.raw < l.direct_map_end.raw &&
	      l.direct_map_end.raw <= l.mmio_start.raw && l.mmio_start.raw < l.mmio_end.raw &&
	      l.mmio_end.raw <= l.image_base.raw, "kernel regions ordered");
	uintptr_t ends[] = { l.user_start, l.user_end - 1, l.direct_map_base.raw, l.direct_map_end.raw - 1,
			     l.mmio_start.raw, l.mmio_end.raw - 1, l.image_base.raw };
	for (unsigned int i = 0; i < ARRAY_SIZE(ends); i++) {
		CHECK(mmu_va_is_canonical(levels, vaddr(ends[i])), "%#" PRIxPTR, ends[i]);
		CHECK(((ends[i] + (i & 1)) & 0xfff) == 0, "aligned %#" PRIxPTR, ends[i]);
	}
	/* The root split: user addresses below mmu_root_kernel_first(), kernel ones above. */
	unsigned int shift = mmu_level_shift(top);
	CHECK(((l.user_end - 1) >> shift & (MMU_PT_ENTRIES - 1)) < first, "user root index");
	CHECK((l.kernel_start.raw >> shift & (MMU_PT_ENTRIES - 1)) == first, "kernel root index");
	CHECK((UINTPTR_MAX >> shift & (MMU_PT_ENTRIES - 1)) == MMU_PT_ENTRIES - 1, "top index");
}

int main(void)
{
	tap_start();
	tap_run_modes("leaf round trips, every level/prot/cache", test_leaf_round_trip);
	tap_run_modes("validity predicates refuse what no leaf may carry", test_leaf_refusals);
	tap_run_modes("tables and the empty entry", test_tables_and_none);
	tap_run_modes("level sizes and the canonical rule", test_sizes_and_canonical);
	tap_run_modes("layout and the kernel/user split", test_layout);
	tap_run("arch golden encodings", golden_checks);
	return tap_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * riscv64 page-table format (Sv39, Sv48, Sv57) for the MemoryManagementArch HAL
 * (<mm/mmu.h> documents every hook). Pure C: included by the generic core in the
 * kernel and in host unit tests, so no inline assembly here (sfence.vma and satp
 * live in arch/riscv64/tlb.c and mmu.c).
 *
 * Entry layout (privileged spec 1.12, 4.4.1 and 4.5.1/4.6.1 for Sv48/Sv57):
 *   bit 0 V, 1 R, 2 W, 3 X, 4 U, 5 G, 6 A, 7 D, 8..9 RSW (software),
 *   10..53 PPN (44 bits: 56-bit physical addresses), 54..60 reserved,
 *   61..62 PBMT (Svpbmt), 63 N (Svnapot, unused).
 * A valid entry with R = W = X = 0 points to the next table; one with R or X set is
 * a leaf at any level (4.3.2 step 4), so every level of every mode can hold a leaf.
 * Non-leaf entries keep U, A, D (and PBMT) zero: they are reserved there (4.4.1).
 * W without R is reserved (4.3.2 step 3): such prot is refused.
 *
 * Inaccessible leaves (prot without READ) have V clear and the software bit
 * RISCV_PTE_KEPT (RSW bit 8) set; hardware ignores every other bit when V is 0.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#ifndef MM_MMU_H
#error "include <mm/mmu.h>, which includes this file after the generic definitions"
#endif

#include <kern/errno.h>
#include <kern/types.h>
#include <mm/types.h>

typedef struct { uint64_t raw; } pte_t;

#define MMU_PT_ENTRIES  512
#define MMU_LEVELS_MIN  3      /* Sv39 */
#define MMU_LEVELS_MAX  5      /* Sv57 */

#define RISCV_PTE_V     (1ull << 0)
#define RISCV_PTE_R     (1ull << 1)
#define RISCV_PTE_W     (1ull << 2)
#define RISCV_PTE_X     (1ull << 3)
#define RISCV_PTE_U     (1ull << 4)
#define RISCV_PTE_G     (1ull << 5)
#define RISCV_PTE_A     (1ull << 6)
#define RISCV_PTE_D     (1ull << 7)
#define RISCV_PTE_KEPT  (1ull << 8)    /* RSW: inaccessible leaf */
#define RISCV_PTE_PPN_SHIFT 10
#define RISCV_PTE_PPN   (((1ull << 44) - 1) << RISCV_PTE_PPN_SHIFT)
#define RISCV_PTE_PBMT_SHIFT 61
#define RISCV_PTE_PBMT  (3ull << RISCV_PTE_PBMT_SHIFT)
#define RISCV_PBMT_PMA  0ull           /* Svpbmt: the PMAs decide (normal memory) */
#define RISCV_PBMT_NC   1ull           /* non-cacheable, idempotent, weakly ordered */
#define RISCV_PBMT_IO   2ull           /* non-cacheable, non-idempotent, strongly ordered */
#define RISCV_PA_BITS   56

/* Svpbmt present (set at boot from the device tree's riscv,isa); PBMT bits used only then. */
extern bool riscv_mmu_svpbmt;

/* Privileged spec 4.2.1: sfence.vma is needed even after an invalid-to-valid change
 * (it orders the store before later implicit page-table reads on this hart). */
#define MMU_MAP_NEEDS_FENCE 1
/* 4.2.1: after changing a non-leaf entry, sfence.vma must use rs1 = x0 (everything). */
#define MMU_TABLE_FREE_FLUSH_ALL 1
/* 4.2.1: a valid entry may be replaced by another in one store; until the sfence.vma
 * a hart may use either translation. */
#define MMU_NEEDS_BBM 0

static inline pte_t mmu_pte_none(void) { return (pte_t){ 0 }; }
static inline bool mmu_pte_is_none(pte_t e) { return e.raw == 0; }

static inline pte_t mmu_pte_read(const pte_t *slot)
{
	return (pte_t){ __atomic_load_n(&slot->raw, __ATOMIC_RELAXED) };
}

static inline void mmu_pte_write(pte_t *slot, pte_t e)
{
	__atomic_store_n(&slot->raw, e.raw, __ATOMIC_RELEASE);
}

static inline unsigned int mmu_level_shift(unsigned int level)
{
	return 12 + 9 * level;
}

static inline bool mmu_levels_supported(unsigned int levels)
{
	return levels >= MMU_LEVELS_MIN && levels <= MMU_LEVELS_MAX;
}

static inline unsigned int mmu_va_bits(unsigned int levels)
{
	return 12 + 9 * levels;
}

static inline bool mmu_level_has_leaf(unsigned int levels, unsigned int level)
{
	return level < levels;
}

static inline enum mmu_cache mmu_cache_effective(enum mmu_cache c)
{
	if (!riscv_mmu_svpbmt)
		return MMU_CACHE_WB;    /* the PMAs alone decide: one attribute per region */
	return c == MMU_CACHE_WT ? MMU_CACHE_UC : c;   /* Svpbmt has no write-through */
}

static inline bool mmu_attrs_are_valid(unsigned int prot, enum mmu_cache cache)
{
	return mmu_common_attrs_are_valid(prot, cache);
}

static inline bool mmu_pa_is_valid(paddr_t pa)
{
	return !(pa.raw >> RISCV_PA_BITS);
}

/* Preconditions (<mm/mmu.h>): checked by the caller, not here. */
static inline pte_t mmu_pte_make_leaf(paddr_t pa, unsigned int prot, enum mmu_cache cache,
				      unsigned int level)
{
	unsigned int rwx = prot & MMU_RWX;

	(void)level;   /* 4.3.1: a leaf is encoded the same at every level */

	/* 4.3.2: A and D set at creation, so hardware without Svadu never faults for them. */
	uint64_t e = ((pa.raw >> 12) << RISCV_PTE_PPN_SHIFT) | RISCV_PTE_A | RISCV_PTE_D;
	if (rwx) {
		e |= RISCV_PTE_V | RISCV_PTE_R;
		if (prot & MMU_WRITE)
			e |= RISCV_PTE_W;
		if (prot & MMU_EXEC)
			e |= RISCV_PTE_X;
	} else {
		e |= RISCV_PTE_KEPT;
	}
	if (prot & MMU_USER)
		e |= RISCV_PTE_U;
	if (prot & MMU_GLOBAL)
		e |= RISCV_PTE_G;
	if (riscv_mmu_svpbmt) {
		uint64_t t = cache == MMU_CACHE_WB ? RISCV_PBMT_PMA :
			     cache == MMU_CACHE_WC ? RISCV_PBMT_NC : RISCV_PBMT_IO;
		e |= t << RISCV_PTE_PBMT_SHIFT;
	}
	return (pte_t){ e };
}

static inline pte_t mmu_pte_make_table(paddr_t table, unsigned int level)
{
	(void)level;
	return (pte_t){ ((table.raw >> 12) << RISCV_PTE_PPN_SHIFT) | RISCV_PTE_V };
}

static inline bool mmu_pte_is_present(pte_t e)
{
	return e.raw & RISCV_PTE_V;
}

static inline bool mmu_pte_is_leaf(pte_t e, unsigned int level)
{
	(void)level;
	if (!(e.raw & RISCV_PTE_V))
		return e.raw & RISCV_PTE_KEPT;
	return e.raw & (RISCV_PTE_R | RISCV_PTE_X);
}

static inline bool mmu_pte_is_table(pte_t e, unsigned int level)
{
	return level > 0 && (e.raw & RISCV_PTE_V) && !(e.raw & (RISCV_PTE_R | RISCV_PTE_W | RISCV_PTE_X));
}

static inline paddr_t mmu_pte_phys(pte_t e, unsigned int level)
{
	(void)level;
	return paddr(((e.raw & RISCV_PTE_PPN) >> RISCV_PTE_PPN_SHIFT) << 12);
}

static inline unsigned int mmu_pte_prot(pte_t e, unsigned int level)
{
	unsigned int p = 0;

	(void)level;
	if (e.raw & RISCV_PTE_V) {
		if (e.raw & RISCV_PTE_R)
			p |= MMU_READ;
		if (e.raw & RISCV_PTE_W)
			p |= MMU_WRITE;
		if (e.raw & RISCV_PTE_X)
			p |= MMU_EXEC;
	}
	if (e.raw & RISCV_PTE_U)
		p |= MMU_USER;
	if (e.raw & RISCV_PTE_G)
		p |= MMU_GLOBAL;
	return p;
}

static inline enum mmu_cache mmu_pte_cache(pte_t e, unsigned int level)
{
	(void)level;
	if (!riscv_mmu_svpbmt)
		return MMU_CACHE_WB;
	switch ((e.raw & RISCV_PTE_PBMT) >> RISCV_PTE_PBMT_SHIFT) {
	case RISCV_PBMT_PMA: return MMU_CACHE_WB;
	case RISCV_PBMT_NC: return MMU_CACHE_WC;
	default: return MMU_CACHE_UC;
	}
}

#endif

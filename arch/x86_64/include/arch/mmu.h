/* SPDX-License-Identifier: MIT */
/*
 * x86_64 page-table format for the MemoryManagementArch HAL (<mm/mmu.h> documents
 * every hook). Pure C: included by the generic core in the kernel and in host unit
 * tests, so no inline assembly here (that lives in arch/x86_64/tlb.c and mmu.c).
 *
 * Entry layout (Intel SDM vol. 3A, 4.5, tables 4-15..4-20; AMD APM vol. 2, 5.3):
 *   bit 0 P, 1 R/W, 2 U/S, 3 PWT, 4 PCD, 5 A, 6 D (leaves), 7 PS (levels 1, 2) or
 *   PAT (level 0), 8 G (leaves), 9..11 ignored (software), 12 PAT (PS leaves),
 *   12..51 physical address, 52..62 ignored, 63 XD/NX (needs EFER.NXE, set by boot.S).
 *
 * Caching uses the PAT layout Linux programs (x86_pat_init() in mmu.c writes it):
 *   index (PAT<<2 | PCD<<1 | PWT): 0 WB, 1 WC, 2 UC-, 3 UC, 4 WB, 5 WP, 6 UC-, 7 WT.
 *
 * Inaccessible leaves (prot without READ) have P clear and the software bit
 * X86_PTE_KEPT (bit 9) set; the other bits keep their meaning for the core and are
 * ignored by hardware (SDM 4.5: "if P is 0, ... the other bits are ignored").
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
#define MMU_LEVELS_MIN  4      /* 4-level paging (48-bit) */
#define MMU_LEVELS_MAX  5      /* 5-level paging, CR4.LA57 (57-bit) */

#define X86_PTE_P       (1ull << 0)
#define X86_PTE_RW      (1ull << 1)
#define X86_PTE_US      (1ull << 2)
#define X86_PTE_PWT     (1ull << 3)
#define X86_PTE_PCD     (1ull << 4)
#define X86_PTE_A       (1ull << 5)
#define X86_PTE_D       (1ull << 6)
#define X86_PTE_PS      (1ull << 7)
#define X86_PTE_PAT4K   (1ull << 7)
#define X86_PTE_G       (1ull << 8)
#define X86_PTE_KEPT    (1ull << 9)    /* software: inaccessible leaf */
#define X86_PTE_PATPS   (1ull << 12)
#define X86_PTE_NX      (1ull << 63)
#define X86_PA_BITS     52             /* architectural MAXPHYADDR limit */
#define X86_PTE_ADDR    (((1ull << X86_PA_BITS) - 1) & ~0xfffull)

/* 1 GiB leaves need CPUID 0x80000001 EDX.Page1GB; set at boot (mmu_format.c). */
extern bool x86_mmu_gbpages;

/* SDM 4.10.4.3: a not-present entry is never cached, so a new leaf needs no invalidation. */
#define MMU_MAP_NEEDS_FENCE 0
/* SDM 4.10.4.1: invlpg of any address under a freed table also drops paging-structure
 * caches, so a table's region flushed by address suffices. */
#define MMU_TABLE_FREE_FLUSH_ALL 0
/* SDM 4.10.4: a present entry may be rewritten in place (a copy-on-write replacement,
 * a huge page split into a table); the old translation stays usable until the flush. */
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

/* SDM 4.5: PS leaves exist at the PD (2 MiB) and PDPT (1 GiB) levels only. */
static inline bool mmu_level_has_leaf(unsigned int levels, unsigned int level)
{
	if (level >= levels)
		return false;
	return level <= 1 || (level == 2 && x86_mmu_gbpages);
}

static inline enum mmu_cache mmu_cache_effective(enum mmu_cache c)
{
	return c;
}

/* Where the PAT bit sits depends on the level: bit 7 in a 4 KiB PTE, bit 12 in a PS leaf. */
static inline uint64_t x86_pat_bit(unsigned int level)
{
	return level == 0 ? X86_PTE_PAT4K : X86_PTE_PATPS;
}

static inline bool mmu_attrs_are_valid(unsigned int prot, enum mmu_cache cache)
{
	return mmu_common_attrs_are_valid(prot, cache);
}

static inline bool mmu_pa_is_valid(paddr_t pa)
{
	return !(pa.raw >> X86_PA_BITS);
}

/* Preconditions (<mm/mmu.h>): checked by the caller, not here. */
static inline pte_t mmu_pte_make_leaf(paddr_t pa, unsigned int prot, enum mmu_cache cache,
				      unsigned int level)
{
	unsigned int rwx = prot & MMU_RWX;

	uint64_t e = pa.raw | X86_PTE_A | X86_PTE_D;
	e |= rwx ? X86_PTE_P : X86_PTE_KEPT;
	if (prot & MMU_WRITE)
		e |= X86_PTE_RW;
	if (!(prot & MMU_EXEC))
		e |= X86_PTE_NX;
	if (prot & MMU_USER)
		e |= X86_PTE_US;
	if (prot & MMU_GLOBAL)
		e |= X86_PTE_G;
	if (level > 0)
		e |= X86_PTE_PS;
	switch (cache) {
	case MMU_CACHE_WB: break;                                       /* PAT 0 */
	case MMU_CACHE_WC: e |= X86_PTE_PWT; break;                     /* PAT 1 */
	case MMU_CACHE_UC: e |= X86_PTE_PCD | X86_PTE_PWT; break;       /* PAT 3 */
	case MMU_CACHE_WT: e |= x86_pat_bit(level) | X86_PTE_PCD | X86_PTE_PWT; break; /* PAT 7 */
	default: break;
	}
	return (pte_t){ e };
}

static inline pte_t mmu_pte_make_table(paddr_t table, unsigned int level)
{
	(void)level;
	/* Permissive: the leaf decides (SDM 4.6: access rights combine over all levels). */
	return (pte_t){ table.raw | X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A };
}

static inline bool mmu_pte_is_present(pte_t e)
{
	return e.raw & X86_PTE_P;
}

static inline bool mmu_pte_is_leaf(pte_t e, unsigned int level)
{
	if (!(e.raw & X86_PTE_P))
		return e.raw & X86_PTE_KEPT;
	return level == 0 || (e.raw & X86_PTE_PS);
}

static inline bool mmu_pte_is_table(pte_t e, unsigned int level)
{
	return level > 0 && (e.raw & X86_PTE_P) && !(e.raw & X86_PTE_PS);
}

static inline paddr_t mmu_pte_phys(pte_t e, unsigned int level)
{
	uint64_t a = e.raw & X86_PTE_ADDR;

	/* A PS leaf's bit 12 is PAT, not address (its address is 2 MiB aligned anyway). */
	if (level > 0 && mmu_pte_is_leaf(e, level))
		a &= ~((1ull << mmu_level_shift(level)) - 1);
	return paddr(a);
}

static inline unsigned int mmu_pte_prot(pte_t e, unsigned int level)
{
	unsigned int p = 0;

	(void)level;
	if (e.raw & X86_PTE_P) {
		p |= MMU_READ;
		if (e.raw & X86_PTE_RW)
			p |= MMU_WRITE;
		if (!(e.raw & X86_PTE_NX))
			p |= MMU_EXEC;
	}
	if (e.raw & X86_PTE_US)
		p |= MMU_USER;
	if (e.raw & X86_PTE_G)
		p |= MMU_GLOBAL;
	return p;
}

static inline enum mmu_cache mmu_pte_cache(pte_t e, unsigned int level)
{
	unsigned int idx = ((e.raw & x86_pat_bit(level)) ? 4 : 0) |
			   ((e.raw & X86_PTE_PCD) ? 2 : 0) | ((e.raw & X86_PTE_PWT) ? 1 : 0);

	switch (idx) {
	case 0: case 4: return MMU_CACHE_WB;
	case 1: return MMU_CACHE_WC;
	case 7: return MMU_CACHE_WT;
	default: return MMU_CACHE_UC;   /* UC-, UC, WP: never built, report the strongest */
	}
}

#endif

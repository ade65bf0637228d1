/* SPDX-License-Identifier: MIT */
/*
 * aarch64 page-table format (VMSAv8-64 stage 1, EL1&0 regime, 4 KiB granule) for
 * the MemoryManagementArch HAL (<mm/mmu.h> documents every hook). Pure C: included
 * by the generic core in the kernel and in host unit tests, so no inline assembly
 * here (TLBI, DSB and the TTBR writes belong in arch/aarch64/tlb.c and mmu.c).
 *
 * Modes (Arm ARM D8.2): 4 levels, 48-bit virtual and physical addresses (TxSZ = 16);
 * 5 levels, 52-bit virtual and physical addresses with FEAT_LPA2 (TCR_EL1.DS = 1,
 * TxSZ = 12). kestrel's level 0 is the Arm ARM's lookup level 3 (4 KiB pages), its
 * level 3 the Arm ARM's level 0, its level 4 the Arm ARM's level -1, whose table has
 * 16 entries (VA bits 51..48). The core indexes the root with 9 bits like any table,
 * so user addresses reach root entries [0, 8) and kernel ones [504, 512); the port
 * points TTBR1_EL1 at entry 496 of the kernel's root, where the hardware's index
 * 8..15 of the upper half lands on [504, 512) (mmu_format.c). The mode's
 * descriptors differ (DS = 1): output-address bits 51..50 sit in bits 9..8 in place
 * of SH, whose value then comes from TCR_EL1.SH0/SH1; mmu_mode_set() selects it.
 *
 * Descriptor layout (Arm ARM D8.3, "VMSAv8-64 translation table descriptor
 * formats", and D8.4 for the attribute fields):
 *   bit 0 valid; bit 1: at lookup levels 0-2, 1 table and 0 block; at level 3 it
 *   must be 1 (page) and 0 is reserved;
 *   block and page: 2..4 AttrIndx (MAIR_EL1 slot), 5 NS, 6 AP[1] (EL0 access),
 *   7 AP[2] (read-only), 8..9 SH (52-bit mode: OA[51:50]), 10 AF, 11 nG, 12..47
 *   output address (52-bit mode: 12..49), 51 DBM,
 *   52 Contiguous, 53 PXN, 54 UXN, 55..58 software;
 *   table: 12..47 next-level table address (52-bit mode: 12..49 and 8..9 as
 *   above); PXNTable, UXNTable, APTable and
 *   NSTable (59..63) stay 0, so the leaves alone decide access.
 * Blocks exist at lookup levels 1 (1 GiB) and 2 (2 MiB) with a 4 KiB granule, and
 * with FEAT_LPA2 at level 0 (512 GiB) too, which kestrel does not use: no direct
 * map on QEMU virt is that large, and the core needs nothing bigger.
 *
 * Protection (D8.4.1, stage 1 data and instruction permissions):
 *   AP[1] set: EL0 may access; AP[2] set: read-only at every level that may access.
 *   A valid descriptor is always readable where it is accessible (no write-only,
 *   and no execute-only without FEAT_EPAN semantics the core does not use).
 *   User leaves are PXN: the kernel never runs user memory, and EL0-writable
 *   memory is implicitly PXN anyway. Kernel leaves are UXN. MMU_EXEC clears the
 *   XN bit of the leaf's own level: UXN for user leaves, PXN for kernel ones.
 *   MMU_GLOBAL is nG clear; every other leaf is non-global (tagged by ASID).
 *
 * Caching: AttrIndx selects the MAIR_EL1 attribute the port programs
 * (AARCH64_MAIR_VALUE below), one per mode, so every mode is native. Normal
 * memory is Inner Shareable (SH = 3); Device memory ignores SH.
 *
 * Leaves are built with AF set (D8.5.1: a clear AF faults on first access without
 * FEAT_HAFDBS), and writable leaves are writable outright, not through DBM: the
 * core does not track accessed or dirty state.
 *
 * Inaccessible leaves (prot without READ) have the valid bit clear and the software
 * bit AARCH64_PTE_KEPT set; hardware ignores every other bit of an invalid
 * descriptor, so the address, type bit and attributes stay for the core.
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
#define MMU_LEVELS_MIN  4      /* 48-bit */
#define MMU_LEVELS_MAX  5      /* 52-bit, FEAT_LPA2 */

#define AARCH64_PTE_VALID     (1ull << 0)
#define AARCH64_PTE_TYPE      (1ull << 1)    /* table (levels >= 1) or page (level 0) */
#define AARCH64_PTE_ATTR_SHIFT 2
#define AARCH64_PTE_ATTR      (7ull << AARCH64_PTE_ATTR_SHIFT)
#define AARCH64_PTE_AP_EL0    (1ull << 6)    /* AP[1] */
#define AARCH64_PTE_AP_RO     (1ull << 7)    /* AP[2] */
#define AARCH64_PTE_SH_INNER  (3ull << 8)
#define AARCH64_PTE_SH        (3ull << 8)
#define AARCH64_PTE_AF        (1ull << 10)
#define AARCH64_PTE_NG        (1ull << 11)
#define AARCH64_PTE_ADDR      (((1ull << 36) - 1) << 12)   /* bits 12..47 */
#define AARCH64_PTE_ADDR_DS   (((1ull << 38) - 1) << 12)   /* 52-bit mode: bits 12..49 */
#define AARCH64_PTE_OA_HI_SHIFT 8                          /* 52-bit mode: OA[51:50] */
#define AARCH64_PTE_PXN       (1ull << 53)
#define AARCH64_PTE_UXN       (1ull << 54)
#define AARCH64_PTE_KEPT      (1ull << 55)   /* software: inaccessible leaf */
#define AARCH64_PA_BITS       48
#define AARCH64_PA_BITS_DS    52

/* The 52-bit mode's descriptors are in use (mmu_mode_set(5)); false in 48-bit mode. */
extern bool aarch64_mmu_ds;

/*
 * MAIR_EL1 (Arm ARM D19, MAIR_EL1): the attribute of each AttrIndx the format
 * uses. 0: Normal, Inner/Outer Write-Back non-transient, read/write-allocate
 * (0xff); 1: Normal Non-cacheable (0x44), for WC; 2: Device-nGnRE (0x04), for UC
 * (Linux's ioremap()); 3: Normal Write-Through non-transient, read-allocate (0xaa)
 * for WT. The port writes AARCH64_MAIR_VALUE at each CPU's MMU set-up.
 */
#define AARCH64_ATTR_WB       0u
#define AARCH64_ATTR_NC       1u
#define AARCH64_ATTR_DEVICE   2u
#define AARCH64_ATTR_WT       3u
#define AARCH64_MAIR_VALUE    (0xffull | 0x44ull << 8 | 0x04ull << 16 | 0xaaull << 24)

/*
 * A new valid descriptor needs a DSB before this CPU's walks are sure to see it
 * (D8.2.6 and B2.3: table walks are not ordered with earlier stores without one),
 * and an ISB before instructions rely on it; no TLB entry exists for an invalid
 * descriptor (translation faults are not cached), so the flusher's local
 * invalidation of the page, with its barriers, is more than is needed and enough.
 */
#define MMU_MAP_NEEDS_FENCE 1
/* TLBI VAE1IS (not the last-level VALE1IS) also drops the walk-cache entries of the
 * tables above the address (D8.13.5), so an address inside a freed table's region
 * suffices. */
#define MMU_TABLE_FREE_FLUSH_ALL 0
/*
 * D8.16.1: replacing a valid descriptor by another valid one with a different output
 * address, block size or memory type needs break-before-make (store an invalid one,
 * TLBI ...IS with DSB, then the new one), or the TLB may hold both and fault or
 * merge them. FEAT_BBM level 2 relaxes the block-size case only, and not on every
 * CPU the port meets (cortex-a72 has none), so the format always asks for it.
 * A change of permissions alone (mprotect, copy-on-write's read-only) is exempt.
 */
#define MMU_NEEDS_BBM 1

static inline pte_t mmu_pte_none(void) { return (pte_t){ 0 }; }
static inline bool mmu_pte_is_none(pte_t e) { return e.raw == 0; }

/* D8.2.3: descriptors are read by single-copy-atomic 64-bit accesses. */
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

/* 48 bits with 4 levels; 52, not 57, with 5: the level -1 table has 4 index bits. */
static inline unsigned int mmu_va_bits(unsigned int levels)
{
	return levels == 5 ? 52 : 12 + 9 * levels;
}

/* Pages, 2 MiB and 1 GiB blocks in both modes (the 52-bit mode's 512 GiB blocks unused). */
static inline bool mmu_level_has_leaf(unsigned int levels, unsigned int level)
{
	(void)levels;
	return level <= 2;
}

/* Each mode has its own MAIR attribute. */
static inline enum mmu_cache mmu_cache_effective(enum mmu_cache c)
{
	return c;
}

static inline bool mmu_attrs_are_valid(unsigned int prot, enum mmu_cache cache)
{
	return mmu_common_attrs_are_valid(prot, cache);
}

static inline bool mmu_pa_is_valid(paddr_t pa)
{
	return !(pa.raw >> (aarch64_mmu_ds ? AARCH64_PA_BITS_DS : AARCH64_PA_BITS));
}

/* The output-address bits of a descriptor for @pa (page aligned, mmu_pa_is_valid()). */
static inline uint64_t aarch64_pte_addr(uint64_t pa)
{
	if (!aarch64_mmu_ds)
		return pa & AARCH64_PTE_ADDR;
	return (pa & AARCH64_PTE_ADDR_DS) | (pa >> 50 & 3) << AARCH64_PTE_OA_HI_SHIFT;
}

static inline unsigned int aarch64_attr_index(enum mmu_cache cache)
{
	switch (cache) {
	case MMU_CACHE_WC: return AARCH64_ATTR_NC;
	case MMU_CACHE_UC: return AARCH64_ATTR_DEVICE;
	case MMU_CACHE_WT: return AARCH64_ATTR_WT;
	default: return AARCH64_ATTR_WB;
	}
}

/* Preconditions (<mm/mmu.h>): checked by the caller, not here. */
static inline pte_t mmu_pte_make_leaf(paddr_t pa, unsigned int prot, enum mmu_cache cache,
				      unsigned int level)
{
	unsigned int attr = aarch64_attr_index(cache);
	uint64_t e = aarch64_pte_addr(pa.raw) | AARCH64_PTE_AF |
		     (uint64_t)attr << AARCH64_PTE_ATTR_SHIFT;

	/* Bit 1: a page at level 0, a block above (D8.3.1, D8.3.2). */
	if (level == 0)
		e |= AARCH64_PTE_TYPE;
	/*
	 * Normal memory in the Inner Shareable domain; Device memory ignores SH. In the
	 * 52-bit mode the field holds address bits and TCR_EL1.SH1/SH0 say Inner.
	 */
	if (attr != AARCH64_ATTR_DEVICE && !aarch64_mmu_ds)
		e |= AARCH64_PTE_SH_INNER;
	if (prot & MMU_RWX)
		e |= AARCH64_PTE_VALID;
	else
		e |= AARCH64_PTE_KEPT;
	if (!(prot & MMU_WRITE))
		e |= AARCH64_PTE_AP_RO;
	if (prot & MMU_USER) {
		e |= AARCH64_PTE_AP_EL0 | AARCH64_PTE_PXN;
		if (!(prot & MMU_EXEC))
			e |= AARCH64_PTE_UXN;
	} else {
		e |= AARCH64_PTE_UXN;
		if (!(prot & MMU_EXEC))
			e |= AARCH64_PTE_PXN;
	}
	if (!(prot & MMU_GLOBAL))
		e |= AARCH64_PTE_NG;
	return (pte_t){ e };
}

static inline pte_t mmu_pte_make_table(paddr_t table, unsigned int level)
{
	(void)level;
	return (pte_t){ aarch64_pte_addr(table.raw) | AARCH64_PTE_TYPE | AARCH64_PTE_VALID };
}

static inline bool mmu_pte_is_present(pte_t e)
{
	return e.raw & AARCH64_PTE_VALID;
}

static inline bool mmu_pte_is_leaf(pte_t e, unsigned int level)
{
	if (!(e.raw & AARCH64_PTE_VALID))
		return e.raw & AARCH64_PTE_KEPT;
	/* Level 0: a page (bit 1 set). Above: a block (bit 1 clear). */
	return level == 0 ? (e.raw & AARCH64_PTE_TYPE) : !(e.raw & AARCH64_PTE_TYPE);
}

static inline bool mmu_pte_is_table(pte_t e, unsigned int level)
{
	return level > 0 && (e.raw & AARCH64_PTE_VALID) && (e.raw & AARCH64_PTE_TYPE);
}

static inline paddr_t mmu_pte_phys(pte_t e, unsigned int level)
{
	(void)level;
	if (!aarch64_mmu_ds)
		return paddr(e.raw & AARCH64_PTE_ADDR);
	return paddr((e.raw & AARCH64_PTE_ADDR_DS) |
		     (e.raw >> AARCH64_PTE_OA_HI_SHIFT & 3) << 50);
}

static inline unsigned int mmu_pte_prot(pte_t e, unsigned int level)
{
	unsigned int p = 0;
	bool user = e.raw & AARCH64_PTE_AP_EL0;

	(void)level;
	if (e.raw & AARCH64_PTE_VALID) {
		p |= MMU_READ;
		if (!(e.raw & AARCH64_PTE_AP_RO))
			p |= MMU_WRITE;
		if (!(e.raw & (user ? AARCH64_PTE_UXN : AARCH64_PTE_PXN)))
			p |= MMU_EXEC;
	}
	if (user)
		p |= MMU_USER;
	if (!(e.raw & AARCH64_PTE_NG))
		p |= MMU_GLOBAL;
	return p;
}

static inline enum mmu_cache mmu_pte_cache(pte_t e, unsigned int level)
{
	(void)level;
	switch ((e.raw & AARCH64_PTE_ATTR) >> AARCH64_PTE_ATTR_SHIFT) {
	case AARCH64_ATTR_NC: return MMU_CACHE_WC;
	case AARCH64_ATTR_DEVICE: return MMU_CACHE_UC;
	case AARCH64_ATTR_WT: return MMU_CACHE_WT;
	default: return MMU_CACHE_WB;
	}
}

#endif

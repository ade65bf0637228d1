/* SPDX-License-Identifier: MIT */
/*
 * The MemoryManagementArch HAL: what each architecture supplies to the generic
 * virtual-memory core (mm/mapper.c, mm/tlb.c, mm/mmio.c, mm/as.c).
 *
 * Each arch/<arch>/ must provide every hook listed here; there are no defaults and
 * no function-pointer tables: exactly one arch is linked per build, and a port that
 * forgets a hook fails to compile or link. docs/hal.md is the porter's guide (every
 * hook, its semantics, the conformance test that checks it).
 *
 * Three parts:
 *
 *  1. The page-table FORMAT, in <arch/mmu.h> (static inline, pure C) plus
 *     arch/<arch>/mmu_format.c (pure C). These build for the host too: host unit
 *     tests compile the generic core once per arch format, so both formats are
 *     exercised whatever the cross build targets. No inline assembly may be
 *     reachable from <arch/mmu.h> or mmu_format.c.
 *  2. TLB maintenance and root activation (arch/<arch>/tlb.c, arch/<arch>/mmu.c):
 *     kernel only; host tests link a recording fake instead.
 *  3. The layout of the address space for a paging mode (mmu_format.c).
 *
 * Terms. A paging MODE is named by its number of LEVELS (x86_64: 4 or 5; riscv64:
 * 3 = Sv39, 4 = Sv48, 5 = Sv57), chosen at boot and passed to every hook that
 * depends on it; nothing here is a compile-time function of the mode. LEVEL 0 is
 * the level whose entries map 4 KiB pages; level L entries each cover
 * mmu_level_size(L) bytes; the root table is at level levels - 1. A TABLE is one
 * page holding MMU_PT_ENTRIES entries of type pte_t.
 *
 * An entry is exactly one of:
 *   - NONE:   nothing mapped (mmu_pte_none(); every bit zero);
 *   - TABLE:  points to the next-lower table (only at levels >= 1);
 *   - LEAF:   maps mmu_level_size(level) bytes at a physical address aligned to
 *             that size, with a protection (MMU_READ/WRITE/EXEC/USER/GLOBAL) and a
 *             caching mode. A leaf with none of READ/WRITE/EXEC is INACCESSIBLE:
 *             hardware treats it as not present (any access faults), but it keeps
 *             its physical address, caching and USER/GLOBAL bits, so the generic
 *             core can implement PROT_NONE without losing the frame.
 *
 * Protection rules every format implements (the portable subset):
 *   - a leaf's prot is 0 (inaccessible) or contains MMU_READ; WRITE and EXEC only
 *     add to READ (x86_64 cannot express write-only or execute-only; riscv64
 *     reserves write-only). The generic core turns PROT_WRITE / PROT_EXEC into
 *     READ|WRITE / READ|EXEC before it asks for a leaf;
 *   - a leaf the hook accepts decodes back to exactly the prot it was built with,
 *     and to mmu_cache_effective() of the caching it was built with.
 *
 * Accessed/dirty: leaves are built with the accessed and dirty bits already set
 * (riscv64: hardware without Svadu would otherwise fault on first access/write;
 * x86_64: spares the page walker a locked update). The core does not track A/D.
 *
 * Concurrency: the format hooks are pure functions. Writers of a live table store
 * whole entries with mmu_pte_write() (a single aligned 64-bit store) so a
 * concurrent hardware walk sees either the old or the new entry.
 */
#ifndef MM_MMU_H
#define MM_MMU_H

#include <kern/types.h>
#include <mm/types.h>

/* Leaf protection bits (not PROT_*: these are what the MMU enforces). */
#define MMU_READ    0x01u
#define MMU_WRITE   0x02u
#define MMU_EXEC    0x04u
#define MMU_USER    0x08u   /* accessible from user mode */
#define MMU_GLOBAL  0x10u   /* survives address-space switches (kernel mappings only) */
#define MMU_RWX     (MMU_READ | MMU_WRITE | MMU_EXEC)
#define MMU_PROT_ALL (MMU_RWX | MMU_USER | MMU_GLOBAL)

/* Caching of a leaf. Formats that cannot express one map it via mmu_cache_effective(). */
enum mmu_cache {
	MMU_CACHE_WB = 0,   /* write-back: normal memory */
	MMU_CACHE_WT,       /* write-through */
	MMU_CACHE_WC,       /* write-combining, uncached (frame buffers) */
	MMU_CACHE_UC,       /* strongly uncached, ordered: device registers (ioremap) */
	MMU_CACHE_COUNT
};

/*
 * The virtual layout of one paging mode (mmu_layout_get()). Every range is
 * [start, end), page aligned and canonical; the user range lies in the lower half,
 * the others in the kernel half.
 */
struct mmu_layout {
	uintptr_t user_start;        /* lowest user address (the first page stays unmapped) */
	uintptr_t user_end;          /* one past the highest user address */
	vaddr_t kernel_start;        /* first address of the kernel half */
	vaddr_t direct_map_base;     /* phys_to_virt(pa) = direct_map_base + pa */
	vaddr_t direct_map_end;
	vaddr_t mmio_start;          /* the ioremap window (mm/mmio.c) */
	vaddr_t mmio_end;
	vaddr_t image_base;          /* the kernel image's top-2 GiB window */
};

/*
 * ---- Part 1: the page-table format, from <arch/mmu.h> ----
 *
 * <arch/mmu.h> defines, all static inline unless noted:
 *
 *   typedef struct { uint64_t raw; } pte_t;          one entry (single-member struct)
 *   #define MMU_PT_ENTRIES 512                       entries per table (table = 1 page)
 *   #define MMU_LEVELS_MIN / MMU_LEVELS_MAX          the paging modes the arch has
 *   #define MMU_MAP_NEEDS_FENCE       1 if a none-to-leaf change must be followed by a
 *                                     local invalidation before this CPU relies on it
 *                                     (riscv64), 0 if not (x86_64)
 *   #define MMU_TABLE_FREE_FLUSH_ALL  1 if unlinking a table (or replacing a leaf
 *                                     by one) needs a full flush (riscv64), 0 if
 *                                     flushing by address inside the table's region
 *                                     suffices (x86_64)
 *   #define MMU_NEEDS_BBM             1 if a valid entry replaced by another valid one
 *                                     with a different address or size must first be
 *                                     cleared and flushed on every CPU (aarch64's
 *                                     break-before-make), 0 if one store may replace
 *                                     it (x86_64, riscv64); changes of permissions
 *                                     alone never need it
 *         All three are facts about the hardware; what they mean for a batch is decided
 *         in one place, the flusher (mm/tlb.c, tlb_batch_pte_changed() and friends).
 *
 *   pte_t mmu_pte_none(void);                        the empty entry (all bits zero)
 *   bool  mmu_pte_is_none(pte_t e);
 *   bool  mmu_attrs_are_valid(unsigned int prot, enum mmu_cache cache);
 *         Can a leaf carry @prot and @cache? False if @prot has bits outside
 *         MMU_PROT_ALL, prot & MMU_RWX is neither 0 nor contains MMU_READ, or
 *         @cache >= MMU_CACHE_COUNT (mmu_common_attrs_are_valid() is that rule;
 *         a format may refuse more).
 *   bool  mmu_pa_is_valid(paddr_t pa);
 *         Is @pa within the format's physical address width?
 *   pte_t mmu_pte_make_leaf(paddr_t pa, unsigned int prot, enum mmu_cache cache,
 *                           unsigned int level);
 *         A leaf at @level mapping @pa. Cannot fail; the caller guarantees
 *         mmu_level_has_leaf(levels, @level), @pa aligned to mmu_level_size(@level),
 *         mmu_pa_is_valid(@pa) and mmu_attrs_are_valid(@prot, @cache). The mapper
 *         checks the last two once at the entry of each operation, ensures the
 *         first two by construction and asserts them before each encode.
 *   pte_t mmu_pte_make_table(paddr_t table, unsigned int level);
 *         An entry at @level (>= 1) pointing to the table page @table (page
 *         aligned, mmu_pa_is_valid()). Cannot fail, under the same rule. Permissive:
 *         the leaves below decide access (user access needs MMU_USER on the leaf).
 *   bool  mmu_pte_is_leaf(pte_t e, unsigned int level);   leaf (incl. inaccessible)
 *   bool  mmu_pte_is_table(pte_t e, unsigned int level);  table pointer
 *   bool  mmu_pte_is_present(pte_t e);   hardware-valid (a table or accessible leaf)
 *   paddr_t mmu_pte_phys(pte_t e, unsigned int level);    of a leaf or table
 *   unsigned int mmu_pte_prot(pte_t e, unsigned int level);     of a leaf
 *   enum mmu_cache mmu_pte_cache(pte_t e, unsigned int level);  of a leaf
 *   pte_t mmu_pte_read(const pte_t *slot); void mmu_pte_write(pte_t *slot, pte_t e);
 *         single-copy-atomic access to a live entry.
 *
 *   unsigned int mmu_level_shift(unsigned int level);  log2 of the bytes one entry
 *         at @level covers (x86_64 and riscv64: 12 + 9 * level); level 0 is
 *         PAGE_SHIFT (<mm/types.h>) in every format
 *   bool  mmu_level_has_leaf(unsigned int levels, unsigned int level);
 *         can @level hold a leaf in mode @levels? (x86_64: 0, 1, and 2 when the CPU
 *         has 1 GiB pages; riscv64: every level of the mode). Must hold for level 0
 *         and be downward closed (a leaf level's lower levels hold leaves too), so a
 *         huge leaf can always be split into leaves one level down.
 *   bool  mmu_levels_supported(unsigned int levels);   a valid mode for this arch
 *   unsigned int mmu_va_bits(unsigned int levels);     virtual address width
 *   enum mmu_cache mmu_cache_effective(enum mmu_cache c);  what a leaf built with
 *         @c decodes to (x86_64: identity; riscv64 without Svpbmt: always WB, with
 *         Svpbmt WT becomes UC)
 *
 * And arch/<arch>/mmu_format.c (pure C, in the kernel and in host tests), below.
 * The rules most formats share (the portable protection subset, the canonical
 * check, the split layout) are helpers in <mm/mmu_common.h> that an arch's hook
 * calls, or replaces with its own rule.
 */
#include <mm/mmu_common.h>
#include <arch/mmu.h>

_Static_assert(PAGE_SIZE == 4096, "the generic core assumes 4 KiB base pages");

/* The bytes one entry at @level covers. */
static inline uintptr_t mmu_level_size(unsigned int level)
{
	return (uintptr_t)1 << mmu_level_shift(level);
}

/* The highest level that can hold a leaf in mode @levels (the largest leaf size). */
static inline unsigned int mmu_leaf_level_max(unsigned int levels)
{
	unsigned int level = 0;

	while (level + 1 < levels && mmu_level_has_leaf(levels, level + 1))
		level++;
	return level;
}

/* A short name for the mode ("4-level", "Sv39"); "?" for an unsupported one. */
const char *mmu_mode_name(unsigned int levels);

/*
 * Is @va canonical in mode @levels (x86_64, riscv64: bits above mmu_va_bits() - 1
 * copy that bit; mmu_common_va_is_canonical())? Only canonical addresses may be
 * mapped or looked up.
 */
bool mmu_va_is_canonical(unsigned int levels, vaddr_t va);

/* The layout of mode @levels into @out. Returns 0, or -EINVAL for an unsupported mode. */
int mmu_layout_get(unsigned int levels, struct mmu_layout *out);

/*
 * The root-table indices that belong to the kernel half: [first, MMU_PT_ENTRIES).
 * A user root shares exactly these entries with the kernel root. The core indexes
 * every table, the root too, with 9 bits of the address; in a mode whose hardware
 * root is smaller (aarch64's 52-bit mode: 16 entries, indexed by VA bits 51..48),
 * the canonical addresses of each half only reach the root's lowest and highest
 * entries, and the port points the hardware at the part it walks (mmu_format.c).
 */
unsigned int mmu_root_kernel_first(unsigned int levels);

/*
 * Select mode @levels for the format's encoders and decoders, where descriptors
 * differ between modes (aarch64: FEAT_LPA2's 52-bit mode moves output-address bits
 * 51..50 into the shareability field). The arch's boot code calls it once, when it
 * picks the mode and before it builds any entry of it; the host tests call it
 * before each mode they run. Formats whose descriptors are the same in every mode
 * (x86_64, riscv64) do nothing.
 */
void mmu_mode_set(unsigned int levels);

/*
 * ---- Part 2: TLB maintenance and activation (kernel: arch/<arch>/tlb.c, mmu.c) ----
 *
 * Every flush covers global entries too. "Local" means the calling CPU only. Each
 * returns once the calling CPU will no longer use a stale translation for the
 * range (x86_64: invlpg / CR3 or CR4.PGE reload; riscv64: sfence.vma).
 * Callers: only the generic flusher (mm/tlb.c) and the arch's own boot code.
 * Ranges are the flusher's business: it calls arch_tlb_flush_page() once per leaf.
 */
struct cpuset;

/*
 * Drop any translation for the page or huge leaf containing @va on this CPU (one
 * invalidation at any address inside a leaf drops that leaf, on both x86_64 and
 * riscv64; a format where that is not so must say it here).
 */
void arch_tlb_flush_page(vaddr_t va);

/* Drop every translation on this CPU, global ones included. */
void arch_tlb_flush_all(void);

/*
 * Make every CPU in @cpus other than the caller drop its translations for the
 * @n ranges (each [start, end) with a stride: one invalidation per stride, as
 * tlb_flush_local_ranges() does); @n == 0 means everything. Returns only when all
 * of them have done so (acknowledged). The caller flushes its own TLB itself:
 * @cpus never needs to include the caller. Called with interrupts masked (so the
 * caller stays the caller), possibly with spinlocks held: an implementation that
 * waits must serve the caller's own mailbox while it waits (the flush protocol in
 * <mm/tlb.h>). Three shapes fit the hook:
 *
 *   - by cross-CPU call: tlb_shootdown_by_call() (x86_64; riscv64 with tlb=ipi);
 *   - by firmware: riscv64's SBI RFENCE remote_sfence_vma, synchronous in SBI;
 *   - by hardware broadcast (aarch64 TLBI ...IS, no IPI and no CPU set): such a
 *     port makes arch_tlb_flush_page()/_all() local-only as the contract says,
 *     and arch_tlb_shootdown() issues the broadcast form of each invalidation for
 *     the ranges (ignoring @cpus) followed by the barrier that waits for its
 *     completion (DSB ISH); nothing generic changes, the flusher only skips the
 *     call when @cpus holds nobody else.
 */
struct mmu_flush_range {
	vaddr_t start, end;          /* end 0: the top of the address space */
	size_t stride;
};
void arch_tlb_shootdown(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			unsigned int n);

/*
 * Per-CPU MMU setup, once on every CPU before it uses a leaf with a caching mode
 * other than MMU_CACHE_WB (x86_64: program IA32_PAT with the layout <arch/mmu.h>
 * assumes; riscv64: nothing to do, Svpbmt needs no setup).
 */
void arch_mmu_cpu_init(void);

/*
 * Make the table at @root (a root of mode @levels) this CPU's active translation,
 * with the TLB entries of the previous non-global translations dropped.
 */
void arch_mmu_activate(paddr_t root, unsigned int levels);

#endif

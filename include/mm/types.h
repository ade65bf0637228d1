/* SPDX-License-Identifier: MIT */
/*
 * Address types of the memory-management core.
 *
 * Physical and virtual addresses are distinct single-member structs, so passing one
 * where the other is expected is a compile error; the helpers below are the only
 * place they are built or taken apart. Builds for the kernel and for host tests.
 *
 * The rule, for every interface of mm/ and the HAL:
 *   - a physical address is a paddr_t (frames, page-table pages, device registers,
 *     physical limits such as buddy_alloc()'s);
 *   - an address a page table translates, as the mm core handles it, is a vaddr_t:
 *     the kernel half (direct map, MMIO window, image), and any address the mapper
 *     and the flusher take (they serve user tables too);
 *   - a user address as the system-call ABI passes it is a uintptr_t (struct as,
 *     the VMAs, the as_*() calls, the user fields of struct mmu_layout): it is only
 *     a number until as.c hands it to the mapper as vaddr(addr).
 * Inside a function, arithmetic on .raw is fine; what crosses a function boundary,
 * or sits in a struct, carries its type. Sizes are size_t.
 */
#ifndef MM_TYPES_H
#define MM_TYPES_H

#include <kern/types.h>

/*
 * The base page: the smallest leaf of every supported page-table format, the unit
 * of frames, mappings and the memory map. Larger leaves are mmu_level_size(level)
 * (<mm/mmu.h>). An arch whose smallest leaf differs cannot be ported without
 * changing this (each format asserts it: see mmu_level_shift(0)).
 */
#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ul << PAGE_SHIFT)

typedef struct { uint64_t raw; } paddr_t;
typedef struct { uintptr_t raw; } vaddr_t;

static inline paddr_t paddr(uint64_t raw) { return (paddr_t){ raw }; }
static inline vaddr_t vaddr(uintptr_t raw) { return (vaddr_t){ raw }; }
static inline paddr_t paddr_add(paddr_t p, uint64_t off) { return (paddr_t){ p.raw + off }; }
static inline vaddr_t vaddr_add(vaddr_t v, uintptr_t off) { return (vaddr_t){ v.raw + off }; }
static inline bool paddr_eq(paddr_t a, paddr_t b) { return a.raw == b.raw; }
static inline bool vaddr_eq(vaddr_t a, vaddr_t b) { return a.raw == b.raw; }
static inline void *vaddr_ptr(vaddr_t v) { return (void *)v.raw; }
static inline vaddr_t ptr_vaddr(const void *p) { return (vaddr_t){ (uintptr_t)p }; }

/*
 * The direct map: every physical address is reachable at mm_direct_map_base + pa.
 * The kernel sets the base once at boot (arch code: it depends on the paging mode);
 * host tests point it at their simulated physical memory. Read-only afterwards.
 */
extern uintptr_t mm_direct_map_base;

static inline void *phys_to_virt(paddr_t p)
{
	return (void *)(mm_direct_map_base + (uintptr_t)p.raw);
}

/* Only for pointers into the direct map. */
static inline paddr_t virt_to_phys(const void *p)
{
	return (paddr_t){ (uint64_t)((uintptr_t)p - mm_direct_map_base) };
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * bootmem: the allocator of the early boot, before the buddy allocator exists.
 *
 * It takes the usable regions of a normalised boot memory map and hands out
 * physical memory from their tops downward (keeping low, DMA-able memory for
 * last), with a size, an alignment and an upper physical limit. Nothing is ever
 * freed. When the buddy allocator comes up it takes the still-free ranges
 * (bootmem_free_range()) and closes bootmem; what bootmem handed out stays
 * allocated, recorded in the frame database as owned by FRAME_OWNER_BOOTMEM.
 *
 * Not locked: boot CPU only, before other CPUs run. The returned memory is not
 * zeroed and is reached through the direct map (phys_to_virt()).
 */
#ifndef MM_BOOTMEM_H
#define MM_BOOTMEM_H

#include <kern/types.h>
#include <mm/memmap.h>
#include <mm/types.h>

/* No upper limit for bootmem_alloc(). */
#define BOOTMEM_NO_LIMIT UINT64_MAX

/* The most free ranges bootmem tracks (allocations below a limit can split one). */
#define BOOTMEM_MAX_RANGES (MEMMAP_MAX + 64)

/*
 * Start bootmem over the MEM_USABLE regions of @map, a normalised map (any earlier
 * state is forgotten). Returns 0, or -EINVAL if @map has more regions than
 * MEMMAP_MAX.
 */
int bootmem_init(const struct memmap *map);

/*
 * Allocate @size bytes aligned to @align (a power of two, 0 meaning 8), wholly
 * below physical address @limit. Returns 0 and the address in *@out; -EINVAL for
 * a zero @size or a bad @align; -ENOMEM if no free range fits; -EBUSY once the
 * buddy allocator has taken over (bootmem_close()).
 */
int bootmem_alloc(size_t size, size_t align, uint64_t limit, paddr_t *out);

/*
 * Cap every later allocation at @limit (a physical address; BOOTMEM_NO_LIMIT lifts
 * the cap), on top of each call's own limit: while the kernel still runs on boot
 * page tables that reach only the low part of memory, what bootmem hands out must
 * lie there.
 */
void bootmem_set_limit(uint64_t limit);

/* Bytes handed out since bootmem_init(), counting alignment padding lost between. */
uint64_t bootmem_used(void);

/* Number of free ranges, and the @i-th one as [*base, *end), sorted by address. */
size_t bootmem_free_count(void);
void bootmem_free_range(size_t i, uint64_t *base, uint64_t *end);

/* Refuse further allocations (the buddy allocator owns the free ranges now). */
void bootmem_close(void);

#endif

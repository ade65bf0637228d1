/* SPDX-License-Identifier: MIT */
/*
 * The MMIO window: a virtual range in the kernel half (struct mmu_layout's
 * mmio_start..mmio_end) handed out for device mappings, and ioremap()/iounmap()
 * on top of it through the kernel page table (mm/mmio.c).
 *
 * The allocator keeps the free ranges sorted in a fixed table (no allocation, so it
 * works before kmalloc); allocation is first fit from the top with the requested
 * alignment, freeing coalesces with both neighbours. Live allocations are recorded
 * too, so iounmap() needs only the pointer.
 *
 * Locking: one spinlock (mmio_lock) for the window's tables; ioremap() and
 * iounmap() map under it. Lock order: mmio_lock, then kmap_lock, then the frame
 * allocator. Taken without masking interrupts (never from an interrupt handler).
 * Its holder waits for other CPUs (the shootdown of the kmap edit); a CPU spinning
 * on it serves that shootdown from its spin (<mm/tlb.h>).
 */
#ifndef MM_MMIO_H
#define MM_MMIO_H

#include <kern/types.h>
#include <mm/mapper.h>
#include <mm/mmu.h>

#define MMIO_MAX_RANGES 128      /* free ranges and live allocations, each */

/*
 * Manage [@start, @end) (page aligned, inside the kernel half) for device mappings,
 * made through the kernel mapper (<mm/kmap.h>, initialised first) in paging mode
 * @levels (whose largest leaf bounds the alignment ioremap() asks for). Returns 0
 * or -EINVAL.
 */
int mmio_init(vaddr_t start, vaddr_t end, unsigned int levels);

/*
 * Reserve @size bytes (page multiple) aligned to @align (a power of two >= PAGE_SIZE).
 * Returns 0 and the address in *@out, -EINVAL for bad arguments, -ENOMEM if no free
 * range fits or the tables are full.
 */
int mmio_alloc(size_t size, size_t align, vaddr_t *out);

/* Return a range mmio_alloc() gave (same start and size). Returns 0 or -EINVAL. */
int mmio_free(vaddr_t start, size_t size);

/* Bytes free in the window (tests, statistics). */
size_t mmio_free_bytes(void);

/*
 * Map the device range [@phys, @phys + @size) with @cache (MMU_CACHE_UC for
 * registers) read/write, global, not executable; huge leaves where alignment
 * allows. Returns a pointer to @phys's byte, or NULL (bad arguments, no room,
 * no memory for tables).
 */
void *ioremap(paddr_t phys, size_t size, enum mmu_cache cache);

/* Undo ioremap() (any pointer inside the mapping's first page works). */
void iounmap(void *p);

#endif

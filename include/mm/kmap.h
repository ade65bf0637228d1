/* SPDX-License-Identifier: MIT */
/*
 * The kernel mapper: the kernel's page table behind its lock. Once the kernel runs
 * on its own table, every edit of it goes through here (ioremap() included), so
 * that two CPUs, or a CPU and an interrupt, never edit it at once. It only ever
 * touches the kernel half: the kernel table owns no user root entries, and the
 * mapper refuses addresses a table does not own.
 *
 * Every call flushes, before it returns, the translations the edit made stale on
 * every CPU that may hold kernel translations (tlb_kernel_cpus), and frees the
 * page-table pages the edit emptied only after that.
 *
 * kmap_lock: protects the kernel page table's entries and tables. Lock order:
 * mmio_lock (<mm/mmio.h>) before it, the frame allocator's locks after it.
 * Interrupts are masked while it is held (no interrupt handler takes it today;
 * masking keeps the CPU index stable for the flush). Its holder waits for other
 * CPUs: kmap_end() shoots down before it drops the lock, so that no one edits on
 * top of stale entries. That is deadlock-free by the flush protocol of
 * <mm/tlb.h>: a CPU spinning on kmap_lock serves the shootdown from its spin.
 * Builds for the kernel and for host tests.
 */
#ifndef MM_KMAP_H
#define MM_KMAP_H

#include <mm/mapper.h>
#include <mm/tlb.h>

/* Put @kernel_pt behind the kernel mapper (once, at boot). */
void kmap_init(struct pagetable *kernel_pt);

/* mapper_map() / mapper_unmap() / mapper_protect() on the kernel table, locked and flushed. */
int kmap_map(vaddr_t va, paddr_t pa, size_t size, unsigned int prot, enum mmu_cache cache);
int kmap_unmap(vaddr_t va, size_t size);
int kmap_protect(vaddr_t va, size_t size, unsigned int prot);

/*
 * Several edits flushed once: kmap_begin() takes the lock, starts @b and returns
 * the kernel table for mapper_*() calls with @b; kmap_end() flushes @b and drops
 * the lock. @flags carries the interrupt state between the two.
 */
struct pagetable *kmap_begin(struct tlb_batch *b, unsigned long *flags);
void kmap_end(struct tlb_batch *b, unsigned long flags);

#endif

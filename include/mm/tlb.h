/* SPDX-License-Identifier: MIT */
/*
 * The generic TLB flusher: page-table edits queue what they invalidate in a
 * struct tlb_batch, and one tlb_batch_flush() after the edit does the work:
 *
 *   - per leaf (one arch_tlb_flush_page() per page or huge leaf) while the
 *     queued invalidations stay at or below tlb_flush_all_threshold and fit in
 *     TLB_BATCH_RANGES ranges; one arch_tlb_flush_all() above that;
 *   - locally if the calling CPU is in the batch's CPU set, and through
 *     arch_tlb_shootdown() for the other CPUs of the set: the CPUs where the
 *     address space is or may be live (struct as keeps that set; the kernel half
 *     uses tlb_kernel_cpus). An empty set flushes nothing;
 *   - frames queued with tlb_batch_free_frame() (page-table pages and data frames
 *     an edit unlinked) go back to the frame allocator only after the flush, so
 *     no CPU can still reach them through a stale translation or a cached walk.
 *
 * The deferred frees wait in the batch itself (TLB_BATCH_FRAMES of them), never in
 * the freed frames: until the shootdown completes, another CPU may still write a
 * freed data frame through a stale translation. When the array is full, the batch
 * flushes everything at once and frees what it holds, then goes on (as Linux's
 * mmu_gather does); so queuing never allocates.
 *
 * What an edit means for the TLB is decided here, not by the editor: the mapper
 * reports each change (tlb_batch_pte_changed(), _table_unlinked(), _leaf_split())
 * and the format's facts (MMU_MAP_NEEDS_FENCE, MMU_TABLE_FREE_FLUSH_ALL) turn it
 * into an invalidation, local or remote, or none.
 *
 * Locking: a batch belongs to one thread (on its stack), used under the lock of
 * the page table it edits; tlb_batch_flush() may be called with that lock held.
 *
 * ---- The flush protocol (why a shootdown cannot deadlock) ----
 *
 *  - The initiator may hold any spinlock and have interrupts masked while it waits
 *    for the targets' acknowledgements: kmap_end() flushes under kmap_lock with
 *    interrupts masked, ioremap() under mmio_lock too, an address space under its
 *    own lock. That is safe because every wait for another CPU serves the
 *    waiter's own mailbox (<kern/smp.h>, rule 2): a CPU spinning on kmap_lock
 *    answers the shootdown of the CPU that holds it from its spin loop, and two
 *    CPUs shooting at each other serve each other while they wait.
 *  - A target flushes from its interrupt or from a wait loop, with interrupts
 *    masked, taking no lock (rule 1): it never needs anything the initiator holds.
 *  - The initiator fences its page-table stores before it reads the CPU set
 *    (tlb_batch_flush()), and a CPU joining a set does the mirror image: it sets
 *    its bit, fences, and only then reads the page table or flushes its own TLB
 *    (smp_ap_entry() for the kernel half, as_activate() for an address space).
 *    So each edit either sees the new CPU in the set, or the CPU sees the edit.
 *  - A CPU leaves an address space's set only after it stopped using that space
 *    and dropped its translations (as_deactivate()): until then it is a target.
 *    Freed page-table pages and frames go back only after the whole set
 *    acknowledged, lazy CPUs included, so no speculative walk can reach them.
 *  - A target that never answers makes the initiator panic after
 *    smp_call_timeout_ms, naming it: a hang is a failure, never silent.
 */
#ifndef MM_TLB_H
#define MM_TLB_H

#include <kern/cpuset.h>
#include <kern/types.h>
#include <mm/mmu.h>
#include <mm/types.h>

#define TLB_BATCH_RANGES 16
#define TLB_BATCH_FRAMES 32

struct tlb_batch {
	const struct cpuset *cpus;   /* where stale translations may live */
	unsigned int nr;             /* queued ranges */
	bool full;                   /* flush everything instead of the ranges */
	bool remote;                 /* some queued change must reach other CPUs too */
	size_t count;                /* invalidations the queued ranges need */
	struct mmu_flush_range ranges[TLB_BATCH_RANGES];
	unsigned int nr_freed;       /* deferred frees queued in freed[] */
	struct {
		paddr_t pa;
		unsigned int order;
		bool put;            /* frame_put() (drop a reference), not frame_free() */
	} freed[TLB_BATCH_FRAMES];
};

/* Above this many queued invalidations a flush is one full flush (tunable by tests). */
extern unsigned int tlb_flush_all_threshold;

/*
 * The CPUs that may hold kernel-half translations: every CPU from the moment it
 * joins (smp_ap_entry(), before it flushes its TLB and goes online).
 */
extern struct cpuset tlb_kernel_cpus;

/* Start an empty batch that will flush on @cpus (kept by the caller until the flush). */
void tlb_batch_init(struct tlb_batch *b, const struct cpuset *cpus);

/*
 * Queue the invalidation of [@va, @va + @size), mapped by leaves of @stride bytes
 * (@va and @size are @stride aligned). @remote: other CPUs must see it too (any
 * change that removes or restricts a translation); false only for a new
 * translation on a format with MMU_MAP_NEEDS_FENCE (other CPUs take at most a
 * spurious fault for it, which the fault path resolves).
 */
void tlb_batch_add_slow(struct tlb_batch *b, vaddr_t va, size_t size, size_t stride, bool remote);

static inline void tlb_batch_add(struct tlb_batch *b, vaddr_t va, size_t size, size_t stride,
				 bool remote)
{
	/*
	 * Inline, the common case of an edit that walks a range: one more leaf right
	 * after the last queued range, of its stride, still within the threshold. It
	 * extends that range exactly as tlb_batch_add_slow() would.
	 */
	if (b->nr > 0 && !b->full && size == stride && b->count < tlb_flush_all_threshold) {
		struct mmu_flush_range *last = &b->ranges[b->nr - 1];

		if (last->end.raw == va.raw && last->stride == stride) {
			last->end = vaddr(va.raw + size);
			b->count++;
			b->remote |= remote;
			return;
		}
	}
	tlb_batch_add_slow(b, va, size, stride, remote);
}

/* Queue a full flush (e.g. a table was unlinked on a MMU_TABLE_FREE_FLUSH_ALL format). */
void tlb_batch_add_all(struct tlb_batch *b);

/*
 * A leaf entry for [@va, @va + @size) (one leaf of that size) was written or
 * cleared; @was_present / @is_present: whether the old / new entry is hardware-valid
 * (mmu_pte_is_present()). Removing or changing a valid translation must reach every
 * CPU of the set; a new one needs at most a local fence (MMU_MAP_NEEDS_FENCE: other
 * CPUs take at most a spurious fault, which the fault path resolves); replacing
 * one invalid entry by another needs nothing.
 */
static inline void tlb_batch_pte_changed(struct tlb_batch *b, vaddr_t va, size_t size,
					 bool was_present, bool is_present)
{
	if (was_present)
		tlb_batch_add(b, va, size, size, true);
	else if (is_present && MMU_MAP_NEEDS_FENCE)
		tlb_batch_add(b, va, size, size, false);
}

/* The table under an entry covering [@va, @va + @size) was unlinked (to be freed). */
void tlb_batch_table_unlinked(struct tlb_batch *b, vaddr_t va, size_t size);

/* The huge leaf covering [@va, @va + @size) was replaced by a table of smaller leaves. */
void tlb_batch_leaf_split(struct tlb_batch *b, vaddr_t va, size_t size);

/*
 * Break-before-make (MMU_NEEDS_BBM formats only): the valid leaf covering [@va,
 * @va + @size) was just cleared so that another valid entry (a new frame, or a table
 * of smaller leaves) can take its place. Flushes it from every CPU of the set now,
 * with everything queued so far (which is unlinked already, so the queued frames go
 * back too), before the caller stores the new entry. Another CPU touching the range
 * in between takes a translation fault, which waits in the fault path for the lock
 * the editor holds; so nothing the kernel runs on (the direct map, the image, a
 * stack) is ever broken this way.
 */
void tlb_batch_break(struct tlb_batch *b, vaddr_t va, size_t size);

/*
 * This CPU only, now: drop the translation of the page at @va (the fault path,
 * after a spurious fault on a translation that is already there).
 */
void tlb_flush_local_page(vaddr_t va);

/*
 * This CPU only, now: drop the translations of @n ranges (one arch_tlb_flush_page()
 * per stride of each), or everything when @n is 0. What tlb_batch_flush() does
 * locally, and what a shootdown's target does for the ranges it receives.
 */
void tlb_flush_local_ranges(const struct mmu_flush_range *ranges, unsigned int n);

/*
 * arch_tlb_shootdown() for architectures that shoot down by cross-CPU call
 * (mm/tlb_smp.c, kernel only): one round of requests to the CPUs of @cpus but the
 * caller, each flushing the ranges locally; returns once all acknowledged.
 */
void tlb_shootdown_by_call(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			   unsigned int n);

/* Queue the block of 2^@order frames at @pa to be freed after the flush. */
void tlb_batch_free_frame(struct tlb_batch *b, paddr_t pa, unsigned int order);

/* The same for a reference (<mm/frame.h>): frame_put() after the flush, which frees
 * the block only if no other address space maps it. */
void tlb_batch_put_frame(struct tlb_batch *b, paddr_t pa, unsigned int order);

/* Is anything queued (a flush or a free)? */
bool tlb_batch_is_empty(const struct tlb_batch *b);

/*
 * Do the queued flush (see above), then free the queued frames. The batch is empty
 * and reusable afterwards, with the same CPU set.
 */
void tlb_batch_flush(struct tlb_batch *b);

#endif

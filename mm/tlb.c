// SPDX-License-Identifier: MIT
/*
 * The generic TLB flusher (see <mm/tlb.h>): batches invalidations and deferred
 * frees, then issues one local flush plus one shootdown. Generic: builds into the
 * kernel and into host tests, where the arch_tlb_* hooks are a recording fake.
 */
#include <kern/cpu.h>
#include <mm/frame.h>
#include <mm/tlb.h>

/* Linux's tlb_single_page_flush_ceiling is 33: past a few dozen invlpg a full flush wins. */
unsigned int tlb_flush_all_threshold = 32;

/* The boot CPU from the start; smp_ap_entry() adds each CPU as it joins. */
struct cpuset tlb_kernel_cpus = { .bits = { 1 } };

void tlb_batch_init(struct tlb_batch *b, const struct cpuset *cpus)
{
	b->cpus = cpus;
	b->nr = 0;
	b->full = false;
	b->remote = false;
	b->count = 0;
	b->nr_freed = 0;
}

void tlb_batch_add_slow(struct tlb_batch *b, vaddr_t va, size_t size, size_t stride, bool remote)
{
	uintptr_t start = va.raw, end = va.raw + size;   /* end 0: the top of the space */

	if (size == 0)
		return;
	b->remote |= remote;
	if (b->full)
		return;
	b->count += size / stride;
	if (b->count > tlb_flush_all_threshold) {
		b->full = true;
		return;
	}
	if (b->nr > 0) {
		struct mmu_flush_range *last = &b->ranges[b->nr - 1];
		/* Merge with the previous range when adjacent and of the same stride. */
		if (last->stride == stride && last->end.raw == start) {
			last->end = vaddr(end);
			return;
		}
		if (last->stride == stride && end == last->start.raw) {
			last->start = vaddr(start);
			return;
		}
	}
	if (b->nr == TLB_BATCH_RANGES) {
		b->full = true;
		return;
	}
	b->ranges[b->nr++] = (struct mmu_flush_range){ vaddr(start), vaddr(end), stride };
}

void tlb_batch_add_all(struct tlb_batch *b)
{
	b->full = true;
	b->remote = true;
}

static void queue_frame(struct tlb_batch *b, paddr_t pa, unsigned int order, bool put)
{
	if (b->nr_freed == TLB_BATCH_FRAMES) {
		/*
		 * Full: flush everything now, on every CPU of the set, and free what is
		 * queued. Everything queued so far is unlinked, and a full flush covers
		 * whatever ranges the caller has not queued yet.
		 */
		tlb_batch_add_all(b);
		tlb_batch_flush(b);
	}
	b->freed[b->nr_freed].pa = pa;
	b->freed[b->nr_freed].order = order;
	b->freed[b->nr_freed].put = put;
	b->nr_freed++;
}

void tlb_batch_free_frame(struct tlb_batch *b, paddr_t pa, unsigned int order)
{
	queue_frame(b, pa, order, false);
}

void tlb_batch_put_frame(struct tlb_batch *b, paddr_t pa, unsigned int order)
{
	queue_frame(b, pa, order, true);
}

bool tlb_batch_is_empty(const struct tlb_batch *b)
{
	return b->nr == 0 && !b->full && b->nr_freed == 0;
}

void tlb_batch_table_unlinked(struct tlb_batch *b, vaddr_t va, size_t size)
{
	/* A walk may have cached the table pointer: drop it before the page is reused. */
	if (MMU_TABLE_FREE_FLUSH_ALL)
		tlb_batch_add_all(b);
	else
		tlb_batch_add(b, va, size, size, true);
}

void tlb_batch_leaf_split(struct tlb_batch *b, vaddr_t va, size_t size)
{
	/*
	 * The huge translation may be cached and must go before the small ones are
	 * used; a leaf became a table pointer, which is a non-leaf change on a format
	 * that needs a full flush for those.
	 */
	if (MMU_TABLE_FREE_FLUSH_ALL)
		tlb_batch_add_all(b);
	else
		tlb_batch_add(b, va, size, size, true);
}

void tlb_batch_break(struct tlb_batch *b, vaddr_t va, size_t size)
{
	tlb_batch_add(b, va, size, size, true);
	tlb_batch_flush(b);
}

void tlb_flush_local_page(vaddr_t va)
{
	arch_tlb_flush_page(va);
}

void tlb_flush_local_ranges(const struct mmu_flush_range *ranges, unsigned int n)
{
	if (n == 0) {
		arch_tlb_flush_all();
		return;
	}
	/* One invalidation per leaf: a huge leaf's translation goes with one per stride. */
	for (unsigned int i = 0; i < n; i++)
		for (uintptr_t va = ranges[i].start.raw; va != ranges[i].end.raw; va += ranges[i].stride)
			arch_tlb_flush_page(vaddr(va));
}

void tlb_batch_flush(struct tlb_batch *b)
{
	if (b->nr > 0 || b->full) {
		/* Interrupts off: the CPU index must stay ours between the test and the flush. */
		unsigned long flags = cpu_irq_save();
		unsigned int self = cpu_current();

		/*
		 * The page-table stores before the read of the set (store-load order:
		 * a full fence). Pairs with the fence of a CPU joining the set: either
		 * we see its bit, or it sees our entries (the protocol in <mm/tlb.h>).
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);

		if (cpuset_has(b->cpus, self))
			tlb_flush_local_ranges(b->ranges, b->full ? 0 : b->nr);
		if (b->remote && cpuset_has_other(b->cpus, self))
			arch_tlb_shootdown(b->cpus, b->ranges, b->full ? 0 : b->nr);
		cpu_irq_restore(flags);
	}

	for (unsigned int i = 0; i < b->nr_freed; i++) {
		if (b->freed[i].put)
			(void)frame_put(b->freed[i].pa, b->freed[i].order);
		else
			frame_free(b->freed[i].pa, b->freed[i].order);
	}
	tlb_batch_init(b, b->cpus);
}

// SPDX-License-Identifier: MIT
/* The kernel mapper (see <mm/kmap.h>): the kernel table under kmap_lock. */
#include <kern/panic.h>
#include <kern/spinlock.h>
#include <mm/kmap.h>

static spinlock_t kmap_lock = SPINLOCK_INIT;
static struct pagetable *kmap_pt;

void kmap_init(struct pagetable *kernel_pt)
{
	kmap_pt = kernel_pt;
}

struct pagetable *kmap_begin(struct tlb_batch *b, unsigned long *flags)
{
	KASSERT(kmap_pt, "the kernel mapper is not initialised");
	*flags = spin_lock_irqsave(&kmap_lock);
	tlb_batch_init(b, &tlb_kernel_cpus);
	return kmap_pt;
}

void kmap_end(struct tlb_batch *b, unsigned long flags)
{
	/* Flushed before the lock is dropped: no one edits on top of stale entries. */
	tlb_batch_flush(b);
	spin_unlock_irqrestore(&kmap_lock, flags);
}

int kmap_map(vaddr_t va, paddr_t pa, size_t size, unsigned int prot, enum mmu_cache cache)
{
	struct tlb_batch b;
	unsigned long flags;
	struct pagetable *pt = kmap_begin(&b, &flags);
	int err = mapper_map(pt, va, pa, size, prot, cache, 0, &b);

	kmap_end(&b, flags);
	return err;
}

int kmap_unmap(vaddr_t va, size_t size)
{
	struct tlb_batch b;
	unsigned long flags;
	struct pagetable *pt = kmap_begin(&b, &flags);
	int err = mapper_unmap(pt, va, size, 0, &b);

	kmap_end(&b, flags);
	return err;
}

int kmap_protect(vaddr_t va, size_t size, unsigned int prot)
{
	struct tlb_batch b;
	unsigned long flags;
	struct pagetable *pt = kmap_begin(&b, &flags);
	int err = mapper_protect(pt, va, size, prot, &b);

	kmap_end(&b, flags);
	return err;
}

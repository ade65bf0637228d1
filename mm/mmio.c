// SPDX-License-Identifier: MIT
/*
 * The MMIO window allocator and ioremap (see <mm/mmio.h>). Generic: builds into the
 * kernel and into host tests. Locking: mmio_lock around every public call; the
 * mappings themselves go through the kernel mapper (<mm/kmap.h>), whose lock nests
 * inside mmio_lock.
 */
#include <kern/errno.h>
#include <kern/spinlock.h>
#include <mm/kmap.h>
#include <mm/mmio.h>
#include <mm/tlb.h>

struct range {
	uintptr_t start, end;
};

static spinlock_t mmio_lock = SPINLOCK_INIT;
static bool mmio_ready;
static size_t mmio_max_align;   /* the mode's largest leaf: set by mmio_init(), read-only after */
static struct range free_r[MMIO_MAX_RANGES];     /* sorted, disjoint, not adjacent */
static unsigned int nr_free;
static struct range used_r[MMIO_MAX_RANGES];     /* live ioremap() mappings */
static unsigned int nr_used;

int mmio_init(vaddr_t start, vaddr_t end, unsigned int levels)
{
	if (start.raw >= end.raw || !IS_ALIGNED(start.raw | end.raw, PAGE_SIZE) ||
	    !mmu_levels_supported(levels))
		return -EINVAL;
	spin_lock(&mmio_lock);
	mmio_ready = true;
	mmio_max_align = mmu_level_size(mmu_leaf_level_max(levels));
	free_r[0] = (struct range){ start.raw, end.raw };
	nr_free = 1;
	nr_used = 0;
	spin_unlock(&mmio_lock);
	return 0;
}

static int alloc_locked(size_t size, size_t align, uintptr_t *out)
{
	/* Top first: device windows grow down from the top of the range. */
	for (unsigned int i = nr_free; i-- > 0;) {
		struct range *r = &free_r[i];
		if (r->end - r->start < size)
			continue;
		uintptr_t s = (r->end - size) & ~(align - 1);
		if (s < r->start)
			continue;
		uintptr_t e = s + size;
		if (s > r->start && e < r->end) {
			/* Splits the range in two: needs a slot. */
			if (nr_free == MMIO_MAX_RANGES)
				return -ENOMEM;
			for (unsigned int j = nr_free; j > i + 1; j--)
				free_r[j] = free_r[j - 1];
			free_r[i + 1] = (struct range){ e, r->end };
			nr_free++;
			r->end = s;
		} else if (s > r->start) {
			r->end = s;
		} else if (e < r->end) {
			r->start = e;
		} else {
			for (unsigned int j = i; j + 1 < nr_free; j++)
				free_r[j] = free_r[j + 1];
			nr_free--;
		}
		*out = s;
		return 0;
	}
	return -ENOMEM;
}

int mmio_alloc(size_t size, size_t align, vaddr_t *out)
{
	uintptr_t va;

	if (size == 0 || !IS_ALIGNED(size, PAGE_SIZE) || align < PAGE_SIZE || (align & (align - 1)))
		return -EINVAL;
	spin_lock(&mmio_lock);
	int err = alloc_locked(size, align, &va);
	spin_unlock(&mmio_lock);
	if (!err)
		*out = vaddr(va);
	return err;
}

static int free_locked(uintptr_t start, size_t size)
{
	uintptr_t end = start + size;
	unsigned int i = 0;

	if (size == 0 || !IS_ALIGNED(start | size, PAGE_SIZE) || end < start)
		return -EINVAL;
	while (i < nr_free && free_r[i].end <= start)
		i++;
	/* Must not overlap a free range (double free or never allocated). */
	if (i < nr_free && free_r[i].start < end)
		return -EINVAL;
	bool join_prev = i > 0 && free_r[i - 1].end == start;
	bool join_next = i < nr_free && free_r[i].start == end;
	if (join_prev && join_next) {
		free_r[i - 1].end = free_r[i].end;
		for (unsigned int j = i; j + 1 < nr_free; j++)
			free_r[j] = free_r[j + 1];
		nr_free--;
	} else if (join_prev) {
		free_r[i - 1].end = end;
	} else if (join_next) {
		free_r[i].start = start;
	} else {
		if (nr_free == MMIO_MAX_RANGES)
			return -ENOMEM;
		for (unsigned int j = nr_free; j > i; j--)
			free_r[j] = free_r[j - 1];
		free_r[i] = (struct range){ start, end };
		nr_free++;
	}
	return 0;
}

int mmio_free(vaddr_t start, size_t size)
{
	spin_lock(&mmio_lock);
	int err = free_locked(start.raw, size);
	spin_unlock(&mmio_lock);
	return err;
}

size_t mmio_free_bytes(void)
{
	size_t n = 0;

	spin_lock(&mmio_lock);
	for (unsigned int i = 0; i < nr_free; i++)
		n += free_r[i].end - free_r[i].start;
	spin_unlock(&mmio_lock);
	return n;
}

void *ioremap(paddr_t phys, size_t size, enum mmu_cache cache)
{
	uint64_t first = ALIGN_DOWN(phys.raw, (uint64_t)PAGE_SIZE);
	size_t off = phys.raw - first;
	uintptr_t va;

	if (size == 0 || size > SIZE_MAX - off - (PAGE_SIZE - 1) || !mmio_ready)
		return NULL;
	size_t len = ALIGN_UP(off + size, PAGE_SIZE);
	/* Align like the physical range (up to the largest leaf) so huge leaves can be used. */
	size_t align = PAGE_SIZE;
	while (align < mmio_max_align && align * 2 <= len && !(first & (align * 2 - 1)))
		align *= 2;

	spin_lock(&mmio_lock);
	void *ret = NULL;
	if (nr_used == MMIO_MAX_RANGES || alloc_locked(len, align, &va))
		goto out;
	int err = kmap_map(vaddr(va), paddr(first), len, MMU_READ | MMU_WRITE | MMU_GLOBAL, cache);
	if (err) {
		free_locked(va, len);
		goto out;
	}
	used_r[nr_used++] = (struct range){ va, va + len };
	ret = (void *)(va + off);
out:
	spin_unlock(&mmio_lock);
	return ret;
}

void iounmap(void *p)
{
	uintptr_t va = ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);

	spin_lock(&mmio_lock);
	for (unsigned int i = 0; i < nr_used; i++) {
		if (used_r[i].start != va)
			continue;
		struct range r = used_r[i];
		used_r[i] = used_r[--nr_used];
		kmap_unmap(vaddr(r.start), r.end - r.start);   /* whole leaves */
		free_locked(r.start, r.end - r.start);
		break;
	}
	spin_unlock(&mmio_lock);
}

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
static struct range free_r[MMIO_MAX_RANGES];     /* sorted, disjoint, not adjacent */
static unsigned int nr_free;
static struct range used_r[MMIO_MAX_RANGES];     /* live ioremap() mappings */
static unsigned int nr_used;

int mmio_init(uintptr_t start, uintptr_t end)
{
	if (start >= end || ((start | end) & 0xfff))
		return -EINVAL;
	spin_lock(&mmio_lock);
	mmio_ready = true;
	free_r[0] = (struct range){ start, end };
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

int mmio_alloc(size_t size, size_t align, uintptr_t *out)
{
	if (size == 0 || (size & 0xfff) || align < 0x1000 || (align & (align - 1)))
		return -EINVAL;
	spin_lock(&mmio_lock);
	int err = alloc_locked(size, align, out);
	spin_unlock(&mmio_lock);
	return err;
}

static int free_locked(uintptr_t start, size_t size)
{
	uintptr_t end = start + size;
	unsigned int i = 0;

	if (size == 0 || ((start | size) & 0xfff) || end < start)
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

int mmio_free(uintptr_t start, size_t size)
{
	spin_lock(&mmio_lock);
	int err = free_locked(start, size);
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
	uint64_t first = phys.raw & ~(uint64_t)0xfff;
	size_t off = phys.raw & 0xfff;
	uintptr_t va;

	if (size == 0 || size > SIZE_MAX - off - 0xfff || !mmio_ready)
		return NULL;
	size_t len = (off + size + 0xfff) & ~(size_t)0xfff;
	/* Align like the physical range (up to 1 GiB) so huge leaves can be used. */
	size_t align = 0x1000;
	while (align < (1ul << 30) && align * 2 <= len && !(first & (align * 2 - 1)))
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
	uintptr_t va = (uintptr_t)p & ~(uintptr_t)0xfff;

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

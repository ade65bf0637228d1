// SPDX-License-Identifier: MIT
/*
 * bootmem: a top-down bump allocator over the usable boot memory (see <mm/bootmem.h>).
 *
 * State: a sorted array of free ranges [base, end). An allocation takes the top of
 * the highest range that fits below the limit; if the limit cuts a range, the part
 * above the allocation stays a separate free range. Boot CPU only, no lock.
 */
#include <kern/errno.h>
#include <kern/string.h>
#include <mm/bootmem.h>

struct bootmem_range {
	uint64_t base, end;
};

static struct bootmem_range ranges[BOOTMEM_MAX_RANGES];
static size_t nranges;
static uint64_t used;
static bool closed;

int bootmem_init(const struct memmap *map)
{
	if (map->count > MEMMAP_MAX)
		return -EINVAL;
	nranges = 0;
	used = 0;
	closed = false;
	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];

		if (r->type != MEM_USABLE || r->size == 0)
			continue;
		ranges[nranges].base = r->base;
		ranges[nranges].end = r->base + r->size;
		nranges++;
	}
	return 0;
}

/* Every allocation ends at or below this (bootmem_set_limit()). */
static uint64_t global_limit = BOOTMEM_NO_LIMIT;

void bootmem_set_limit(uint64_t limit)
{
	global_limit = limit;
}

int bootmem_alloc(size_t size, size_t align, uint64_t limit, paddr_t *out)
{
	limit = MIN(limit, global_limit);
	if (align == 0)
		align = 8;
	if (size == 0 || (align & (align - 1)) != 0)
		return -EINVAL;
	if (closed)
		return -EBUSY;

	for (size_t i = nranges; i-- > 0;) {
		struct bootmem_range *r = &ranges[i];
		uint64_t top = MIN(r->end, limit);

		if (top <= r->base || top - r->base < size)
			continue;
		uint64_t start = ALIGN_DOWN(top - size, (uint64_t)align);
		if (start < r->base)
			continue;
		if (top < r->end) {
			/* The limit cuts this range: keep [start + size, end) as its own range. */
			if (start + size < r->end) {
				if (nranges == BOOTMEM_MAX_RANGES)
					continue;
				memmove(&ranges[i + 2], &ranges[i + 1],
					(nranges - i - 1) * sizeof(ranges[0]));
				ranges[i + 1].base = start + size;
				ranges[i + 1].end = r->end;
				nranges++;
			}
			used += size;
		} else {
			used += r->end - start;   /* alignment padding above is lost too */
		}
		r->end = start;
		if (r->end == r->base) {
			memmove(&ranges[i], &ranges[i + 1], (nranges - i - 1) * sizeof(ranges[0]));
			nranges--;
		}
		*out = paddr(start);
		return 0;
	}
	return -ENOMEM;
}

uint64_t bootmem_used(void)
{
	return used;
}

size_t bootmem_free_count(void)
{
	return nranges;
}

void bootmem_free_range(size_t i, uint64_t *base, uint64_t *end)
{
	*base = i < nranges ? ranges[i].base : 0;
	*end = i < nranges ? ranges[i].end : 0;
}

void bootmem_close(void)
{
	closed = true;
}

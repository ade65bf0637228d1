// SPDX-License-Identifier: MIT
/*
 * The frame database (see <mm/framedb.h>): the section table and the record arrays.
 *
 * Built once at boot from bootmem; read-only structure afterwards (the records
 * change, the table does not), so lookups take no lock.
 */
#include <kern/errno.h>
#include <kern/string.h>
#include <mm/bootmem.h>
#include <mm/framedb.h>

static struct frame_section sections[FRAMEDB_MAX_SECTIONS];
static size_t nsections;
static uint64_t db_bytes;

uintptr_t framedb_dir[FRAMEDB_DIR_SLOTS];
unsigned int framedb_dir_shift = 63;
uint64_t framedb_dir_len;

/*
 * Fill the direct index over the sections: the granule is the smallest power of two
 * (at least 2 MiB) for which FRAMEDB_DIR_SLOTS entries reach the end of the last
 * section; each granule wholly inside one section points at that section's records.
 */
static void build_dir(void)
{
	memset(framedb_dir, 0, sizeof(framedb_dir));
	framedb_dir_len = 0;
	framedb_dir_shift = FRAMEDB_DIR_MIN_SHIFT;
	if (nsections == 0)
		return;
	uint64_t top = sections[nsections - 1].end;
	while (framedb_dir_shift < 63 && (top >> framedb_dir_shift) > FRAMEDB_DIR_SLOTS)
		framedb_dir_shift++;
	framedb_dir_len = MIN(top >> framedb_dir_shift, (uint64_t)FRAMEDB_DIR_SLOTS);
	uint64_t granule = 1ull << framedb_dir_shift;
	for (size_t i = 0; i < nsections; i++) {
		const struct frame_section *s = &sections[i];
		uintptr_t bias = (uintptr_t)s->frames -
				 (uintptr_t)(s->base >> PAGE_SHIFT) * sizeof(struct frame);

		for (uint64_t g = ALIGN_UP(s->base, granule) >> framedb_dir_shift;
		     g < framedb_dir_len && ((g + 1) << framedb_dir_shift) <= s->end; g++)
			framedb_dir[g] = bias;
	}
}

/* Append section [base, end) with no records yet; returns 0 or -ENOSPC. */
static int add_section(uint64_t base, uint64_t end, enum frame_zone zone)
{
	if (nsections == FRAMEDB_MAX_SECTIONS)
		return -ENOSPC;
	sections[nsections++] = (struct frame_section){ .base = base, .end = end, .zone = zone };
	return 0;
}

int framedb_init(const struct memmap *map)
{
	int err;

	nsections = 0;
	db_bytes = 0;
	build_dir();      /* empty until the sections have their records */
	for (size_t i = 0; i < map->count && i < MEMMAP_MAX; i++) {
		const struct mem_region *r = &map->regions[i];
		uint64_t base = ALIGN_UP(r->base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(r->base + r->size, PAGE_SIZE);

		if (r->type != MEM_USABLE || end <= base)
			continue;
		/* One zone per section: cut at the DMA limit. */
		if (base < ZONE_DMA_LIMIT && end > ZONE_DMA_LIMIT) {
			err = add_section(base, ZONE_DMA_LIMIT, ZONE_DMA);
			if (!err)
				err = add_section(ZONE_DMA_LIMIT, end, ZONE_NORMAL);
		} else {
			err = add_section(base, end, base < ZONE_DMA_LIMIT ? ZONE_DMA : ZONE_NORMAL);
		}
		if (err)
			return err;
	}

	for (size_t i = 0; i < nsections; i++) {
		struct frame_section *s = &sections[i];
		uint64_t n = (s->end - s->base) / PAGE_SIZE;
		paddr_t pa;

		err = bootmem_alloc(n * sizeof(struct frame), 64, BOOTMEM_NO_LIMIT, &pa);
		if (err)
			return err;
		s->frames = phys_to_virt(pa);
		/*
		 * One pass over the records (at 8 GiB they are 64 MiB): reserved, in
		 * their zone, owned by bootmem until the buddy allocator takes a frame
		 * over, so whatever bootmem handed out stays accounted as its.
		 */
		const struct frame proto = { .zone = (uint8_t)s->zone, .owner = FRAME_OWNER_BOOTMEM };
		for (uint64_t j = 0; j < n; j++)
			s->frames[j] = proto;
		db_bytes += n * sizeof(struct frame);
	}
	build_dir();
	return 0;
}

const struct frame_section *framedb_section(paddr_t pa)
{
	size_t lo = 0, hi = nsections;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct frame_section *s = &sections[mid];

		if (pa.raw < s->base)
			hi = mid;
		else if (pa.raw >= s->end)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

struct frame *framedb_lookup_slow(paddr_t pa)
{
	const struct frame_section *s = framedb_section(pa);

	if (!s)
		return NULL;
	return &s->frames[(pa.raw - s->base) >> PAGE_SHIFT];
}

size_t framedb_section_count(void)
{
	return nsections;
}

const struct frame_section *framedb_section_at(size_t i)
{
	return i < nsections ? &sections[i] : NULL;
}

uint64_t framedb_bytes(void)
{
	return db_bytes;
}

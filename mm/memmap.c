// SPDX-License-Identifier: MIT
/*
 * The boot memory map (see <mm/memmap.h>): collecting raw regions, and normalising
 * them into a sorted, non-overlapping, page-aligned map.
 *
 * Normalising is an event sweep. Every raw region is rounded to pages (usable
 * inward, every other type outward) and becomes two events: +1 for its type at its
 * start, -1 at its end. The events are heap-sorted by address; the sweep then keeps,
 * per type, how many regions cover the current address. Each interval between two
 * consecutive event addresses gets the covered type of highest precedence (the
 * largest enum mem_type value), and equal neighbours merge. O(n log n) for n raw
 * regions; no allocation, no recursion.
 *
 * The top of the 64-bit space: ends are exclusive and must fit in 64 bits, so 2^64
 * cannot be an end and the byte 0xffffffffffffffff can never be described. A raw
 * range that runs past it is clipped. As normalised regions also end on a page
 * boundary, the highest end is 2^64 - page_size: the top page is never part of a
 * normalised map (no machine has RAM or devices there).
 *
 * Callers: arch boot code and kernel_main(), on the boot CPU before other CPUs run,
 * so there is no lock; the sweep's scratch space is static and this is also why
 * only one normalisation may run at a time. Builds unchanged for the host unit
 * tests (tests/unit/mm/memmap_test.c).
 */
#include <mm/memmap.h>
#include <kern/errno.h>

/* A region boundary: +1 (a region of @type starts at @addr) or -1 (one ends there). */
struct memmap_event {
	uint64_t addr;
	uint32_t type;
	int32_t delta;
};

/* Two events per raw region; private to memmap_normalise(). */
static struct memmap_event memmap_events[2 * MEMMAP_MAX];

/* Indexed by enum mem_type; read through memmap_type_name(). */
static const char *const memmap_type_names[] = {
	[MEM_USABLE] = "usable",
	[MEM_ACPI_RECLAIM] = "acpi-reclaim",
	[MEM_ACPI_NVS] = "acpi-nvs",
	[MEM_RESERVED] = "reserved",
	[MEM_MMIO] = "mmio",
	[MEM_FIRMWARE] = "firmware",
	[MEM_BOOTINFO] = "bootinfo",
	[MEM_MODULE] = "module",
	[MEM_KERNEL] = "kernel",
	[MEM_BAD] = "bad",
};
_Static_assert(ARRAY_SIZE(memmap_type_names) == MEM_TYPE_COUNT,
	       "every enum mem_type needs a name in memmap_type_names");

void memmap_init(struct memmap *map)
{
	map->count = 0;
}

/* Is @type one of the enum's values (arch code may have filled regions by hand)? */
static bool mem_type_is_valid(enum mem_type type)
{
	return (unsigned int)type < MEM_TYPE_COUNT;
}

int memmap_add(struct memmap *map, uint64_t base, uint64_t size, enum mem_type type)
{
	if (!mem_type_is_valid(type))
		return -EINVAL;
	if (map->count >= MEMMAP_MAX)
		return -ENOSPC;
	map->regions[map->count++] = (struct mem_region){
		.base = base,
		.size = size,
		.type = type,
	};
	return 0;
}

/*
 * Round @r to pages (@mask = page_size - 1) into [*lo, *hi): usable shrinks inward,
 * anything else grows outward, and no end goes past 2^64 - page_size (see the file
 * comment). Returns false, leaving *lo and *hi meaningless, if nothing is left.
 */
static bool region_round(const struct mem_region *r, uint64_t mask, uint64_t *lo, uint64_t *hi)
{
	const uint64_t limit = ~mask;   /* 2^64 - page_size: the highest page-aligned end */
	uint64_t end;

	if (r->size == 0)
		return false;
	/* base + size > 2^64 - 1 is clipped: the last byte cannot be described. */
	end = r->size > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->size;
	if (r->type == MEM_USABLE) {
		if (r->base > limit)
			return false;           /* starts inside the top page */
		*lo = (r->base + mask) & ~mask; /* no wrap: base <= limit */
		*hi = end & ~mask;
	} else {
		*lo = r->base & ~mask;
		/* Rounding up past limit would wrap to 0: clip at limit instead. */
		*hi = end >= limit ? limit : (end + mask) & ~mask;
	}
	return *lo < *hi;
}

/* Restore the max-heap order (by address) below @root in @ev[0..n). */
static void events_sift_down(struct memmap_event *ev, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && ev[child + 1].addr > ev[child].addr)
			child++;
		if (ev[root].addr >= ev[child].addr)
			return;
		struct memmap_event tmp = ev[root];
		ev[root] = ev[child];
		ev[child] = tmp;
		root = child;
	}
}

/* Sort @ev[0..n) by address (heap sort: O(n log n), no recursion, not stable). */
static void events_sort(struct memmap_event *ev, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		events_sift_down(ev, i, n);
	for (size_t end = n; end-- > 1;) {
		struct memmap_event tmp = ev[0];
		ev[0] = ev[end];
		ev[end] = tmp;
		events_sift_down(ev, 0, end);
	}
}

/*
 * Sweep the sorted events @ev[0..n) and return how many normalised regions they
 * give. If @out is not NULL the regions are also written there (the caller has
 * made room for the returned count).
 */
static size_t events_sweep(const struct memmap_event *ev, size_t n, struct mem_region *out)
{
	unsigned int cover[MEM_TYPE_COUNT] = { 0 };
	size_t count = 0;
	uint64_t last_end = 0;
	enum mem_type last_type = MEM_USABLE;
	size_t i = 0;

	while (i < n) {
		uint64_t addr = ev[i].addr;

		/*
		 * Apply every event at @addr before looking at the counts: a -1 seen
		 * before the +1 of the same type wraps the unsigned count and comes back.
		 */
		for (; i < n && ev[i].addr == addr; i++) {
			if (ev[i].delta > 0)
				cover[ev[i].type]++;
			else
				cover[ev[i].type]--;
		}
		if (i == n)
			break;  /* the last address only closes regions */

		int top = MEM_TYPE_COUNT - 1;
		while (top >= 0 && cover[top] == 0)
			top--;
		if (top < 0)
			continue;  /* a hole: nothing covers [addr, next) */

		uint64_t next = ev[i].addr;
		enum mem_type type = (enum mem_type)top;
		if (count > 0 && last_end == addr && last_type == type) {
			if (out)
				out[count - 1].size += next - addr;
		} else {
			if (out)
				out[count] = (struct mem_region){
					.base = addr,
					.size = next - addr,
					.type = type,
				};
			count++;
		}
		last_end = next;
		last_type = type;
	}
	return count;
}

/* Contract in <mm/memmap.h>: 0, -EINVAL or -ENOSPC; @map is unchanged on error. */
int memmap_normalise(struct memmap *map, uint64_t page_size)
{
	const uint64_t mask = page_size - 1;
	size_t n = 0;

	if (page_size == 0 || (page_size & mask) != 0)
		return -EINVAL;
	if (map->count > MEMMAP_MAX)
		return -EINVAL;
	for (size_t i = 0; i < map->count; i++)
		if (!mem_type_is_valid(map->regions[i].type))
			return -EINVAL;

	for (size_t i = 0; i < map->count; i++) {
		uint64_t lo, hi;

		if (!region_round(&map->regions[i], mask, &lo, &hi))
			continue;
		memmap_events[n++] = (struct memmap_event){
			.addr = lo, .type = map->regions[i].type, .delta = 1,
		};
		memmap_events[n++] = (struct memmap_event){
			.addr = hi, .type = map->regions[i].type, .delta = -1,
		};
	}
	events_sort(memmap_events, n);

	/*
	 * Count first, write second: overlapping regions can split one another, so the
	 * result may outgrow the map (up to 2 * count - 1 regions), and on -ENOSPC
	 * the raw map must still be intact.
	 */
	size_t count = events_sweep(memmap_events, n, NULL);
	if (count > MEMMAP_MAX)
		return -ENOSPC;
	events_sweep(memmap_events, n, map->regions);
	map->count = count;
	return 0;
}

uint64_t memmap_total(const struct memmap *map, enum mem_type type)
{
	uint64_t total = 0;

	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];

		if (r->type != type)
			continue;
		/* Only a raw map can overflow; saturate rather than wrap. */
		total = r->size > UINT64_MAX - total ? UINT64_MAX : total + r->size;
	}
	return total;
}

const char *memmap_type_name(enum mem_type type)
{
	if (!mem_type_is_valid(type) || !memmap_type_names[type])
		return "invalid";
	return memmap_type_names[type];
}

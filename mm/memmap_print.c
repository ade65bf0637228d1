// SPDX-License-Identifier: MIT
/*
 * memmap_print(): the boot memory map as a table on the console. Kernel only (it
 * uses printk); memmap.c holds the parts that also build for the host unit tests.
 *
 * Every line starts with "memmap: " and fits in 80 columns, e.g.
 *
 *   memmap: 5 regions (end is exclusive)
 *   memmap:   base               end                      size  type
 *   memmap:   0x0000000000001000 0x000000000009f000    632 KiB  usable
 *   memmap:   0x0000000000100000 0x0000000000200000      1 MiB  usable
 *   memmap:   0x0000000000200000 0x000000000021a000    104 KiB  kernel
 *   memmap:   0x000000000021a000 0x0000000007fe0000  125.8 MiB  usable
 *   memmap:   0x0000000007fe0000 0x0000000008000000    128 KiB  reserved
 *   memmap: usable        127.4 MiB in 3 regions
 *   memmap: reserved        128 KiB in 1 region
 *   memmap: kernel          104 KiB in 1 region
 *   memmap: total: usable 127.4 MiB, reserved 232 KiB (everything not usable)
 *
 * Same locking as the rest of the map: boot CPU only.
 */
#include <mm/memmap.h>
#include <kern/printk.h>

#define SIZE_STR_MAX 16   /* the longest, "1024.0 KiB" (1023.95 KiB rounded), fits */

/*
 * Write @bytes in the largest binary unit it reaches into @buf: "636 KiB" when
 * exact, else one decimal rounded to nearest ("127.4 MiB", "2.0 GiB" for a bit
 * under 2 GiB): the decimal marks a size that is not a whole number of units.
 */
static void format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;

	while (u + 1 < ARRAY_SIZE(units) && (bytes >> (10 * (u + 1))) != 0)
		u++;
	unsigned int shift = 10 * u;
	unsigned long long whole = bytes >> shift;
	uint64_t rest = bytes - ((uint64_t)whole << shift);
	/* rest < 2^shift <= 2^60, so rest * 10 + half cannot overflow. */
	unsigned long long tenths = (rest * 10 + (((uint64_t)1 << shift) >> 1)) >> shift;

	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (rest == 0)
		snprintf(buf, len, "%llu %s", whole, units[u]);
	else
		snprintf(buf, len, "%llu.%llu %s", whole, tenths, units[u]);
}

void memmap_print(const struct memmap *map)
{
	char size[SIZE_STR_MAX];
	uint64_t usable = 0, reserved = 0;

	if (map->count == 0) {
		pr_info("memmap: empty\n");
		return;
	}
	pr_info("memmap: %zu region%s (end is exclusive)\n", map->count,
		map->count == 1 ? "" : "s");
	pr_info("memmap:   %-18s %-18s %10s  %s\n", "base", "end", "size", "type");
	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];

		format_size(size, sizeof(size), r->size);
		pr_info("memmap:   0x%016llx 0x%016llx %10s  %s\n",
			(unsigned long long)r->base, (unsigned long long)(r->base + r->size),
			size, memmap_type_name(r->type));
	}

	for (unsigned int t = 0; t < MEM_TYPE_COUNT; t++) {
		unsigned int regions = 0;

		for (size_t i = 0; i < map->count; i++)
			regions += map->regions[i].type == t;
		if (regions == 0)
			continue;
		uint64_t total = memmap_total(map, (enum mem_type)t);
		format_size(size, sizeof(size), total);
		pr_info("memmap: %-12s %10s in %u region%s\n", memmap_type_name((enum mem_type)t),
			size, regions, regions == 1 ? "" : "s");
		if (t == MEM_USABLE)
			usable = total;
		else
			reserved = total > UINT64_MAX - reserved ? UINT64_MAX : reserved + total;
	}

	format_size(size, sizeof(size), usable);
	char size2[SIZE_STR_MAX];
	format_size(size2, sizeof(size2), reserved);
	pr_info("memmap: total: usable %s, reserved %s (everything not usable)\n", size, size2);
}

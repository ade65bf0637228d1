// SPDX-License-Identifier: MIT
/*
 * The "directmap" suite: physical memory is reachable at the paging mode's
 * direct-map base, and the direct map aliases the kernel image's memory.
 */
#include <kern/boot.h>
#include <kern/ktest.h>
#include <mm/init.h>
#include <mm/mapper.h>
#include <mm/mmu.h>
#include <mm/types.h>

KTEST(directmap, base_is_the_modes)
{
	struct mmu_layout l;

	KT_ASSERT(t, mmu_layout_get(boot_info->paging_levels, &l) == 0, "no layout for the mode");
	KT_EXPECT_EQ(t, mm_direct_map_base, l.direct_map_base.raw);
}

KTEST(directmap, aliases_the_image)
{
	static volatile uint64_t probe = 0x0123456789abcdefull;
	volatile uint64_t *alias = phys_to_virt(paddr(image_virt_to_phys((const void *)&probe)));

	KT_ASSERT(t, alias != &probe, "the alias is the image address itself");
	KT_EXPECT_EQ(t, *alias, 0x0123456789abcdefull);
	*alias = 0x5a5a5a5a5a5a5a5aull;
	KT_EXPECT_EQ(t, probe, 0x5a5a5a5a5a5a5a5aull);
}

/*
 * The direct map uses the largest leaves that fit: no leaf could have been one
 * level larger, i.e. whenever the enclosing block of the next level up lies inside
 * one run of RAM mapped alike, that level must not allow leaves here (or it is a
 * root entry of the kernel half, which always holds a table so user roots share it).
 */
/* The end of the run of direct-mapped, equally protected RAM that contains @pa. */
static uint64_t run_end(const struct memmap *map, uint64_t pa)
{
	uint64_t ro_end = image_virt_to_phys(__rodata_end), end = 0;

	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];
		if (!mm_type_is_direct_mapped(r->type))
			continue;
		if (r->base > (end ? end : pa) || r->base + r->size <= pa)
			continue;
		end = r->base + r->size;
	}
	/* The image's text and rodata are mapped read-only, the rest read-write. */
	if (pa < ro_end && end > ro_end)
		end = ro_end;
	return end;
}

/* The start of that run. */
static uint64_t run_start(const struct memmap *map, uint64_t pa)
{
	uint64_t ro_end = image_virt_to_phys(__rodata_end), start = pa;

	for (bool moved = true; moved;) {
		moved = false;
		for (size_t i = 0; i < map->count; i++) {
			const struct mem_region *r = &map->regions[i];
			if (mm_type_is_direct_mapped(r->type) && r->base < start &&
			    r->base + r->size >= start) {
				start = r->base;
				moved = true;
			}
		}
	}
	if (pa >= ro_end && start < ro_end)
		start = ro_end;
	return start;
}

KTEST(directmap, largest_leaves)
{
	const struct memmap *map = boot_info->memmap;
	unsigned int levels = mm_kernel_pt.levels, checked = 0, small = 0;
	struct mapper_leaf leaf;
	vaddr_t cursor = vaddr(mm_direct_map_base);
	uint64_t top = 0;

	for (size_t i = 0; i < map->count; i++)
		if (mm_type_is_direct_mapped(map->regions[i].type))
			top = map->regions[i].base + map->regions[i].size;
	vaddr_t end = vaddr(mm_direct_map_base + top);

	while (cursor.raw && cursor.raw < end.raw &&
	       mapper_walk_next(&mm_kernel_pt, &cursor, end, &leaf) == 0) {
		unsigned int up = leaf.level + 1;
		checked++;
		if (up >= levels - 1 || !mmu_level_has_leaf(levels, up))
			continue;   /* no larger leaf here (the root level is always a table) */
		uint64_t big = 1ull << mmu_level_shift(up);
		uint64_t block = leaf.pa.raw & ~(big - 1);
		if (run_start(map, leaf.pa.raw) <= block && run_end(map, leaf.pa.raw) >= block + big) {
			if (small++ < 4)
				ktest_log(t, "leaf of %zu KiB at pa %#llx could be %llu KiB",
					  leaf.size >> 10, (unsigned long long)leaf.pa.raw,
					  (unsigned long long)(big >> 10));
		}
	}
	ktest_log(t, "%u direct-map leaves checked", checked);
	KT_EXPECT(t, checked > 0, "no direct-map leaf found");
	KT_EXPECT_EQ(t, small, 0);
}

// SPDX-License-Identifier: MIT
/*
 * The "memmap" suite: checks the LIVE boot memory map (boot_info->memmap, already
 * normalised by kernel_main()) against the contract of <mm/memmap.h> and against
 * what the machine really is: the kernel image must be covered by MEM_KERNEL, the
 * boot information must be reserved, and the usable total must match the RAM the
 * VM was given (the harness passes it as ktest.ram=<N>M or <N>G).
 *
 * The algorithm itself is tested on the host (tests/unit/mm/memmap_test.c); this
 * suite catches what only a real boot shows: firmware maps and arch code that
 * forgets a reservation.
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/ktest.h>
#include <mm/memmap.h>
#include <mm/types.h>

#define MIB (1024ull * 1024)

/* The live map; fails the test and returns NULL if there is none. */
static const struct memmap *live_map(struct ktest_ctx *t)
{
	if (!KT_EXPECT(t, boot_info && boot_info->memmap, "no boot memory map"))
		return NULL;
	return boot_info->memmap;
}

/* Exclusive end of @r (normalised regions never wrap). */
static uint64_t region_end(const struct mem_region *r)
{
	return r->base + r->size;
}

/*
 * Parse "<N>", "<N>K", "<N>M" or "<N>G" (suffix in either case; none means bytes)
 * into *bytes. Returns false for an empty, malformed or overflowing value.
 */
static bool parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (p == s)
		return false;
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': shift = 10; p++; break;
	case 'm': case 'M': shift = 20; p++; break;
	case 'g': case 'G': shift = 30; p++; break;
	default: return false;
	}
	if (*p != '\0' || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*bytes = v << shift;
	return true;
}

/* Every region is page aligned, in range, typed, and strictly after the previous one. */
KTEST(memmap, sorted_disjoint_aligned)
{
	const struct memmap *map = live_map(t);

	if (!map)
		return;
	KT_ASSERT(t, map->count <= MEMMAP_MAX, "count %zu", map->count);
	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];

		KT_EXPECT(t, IS_ALIGNED(r->base, (uint64_t)PAGE_SIZE),
			  "region %zu base 0x%llx", i, (unsigned long long)r->base);
		KT_EXPECT(t, IS_ALIGNED(r->size, (uint64_t)PAGE_SIZE),
			  "region %zu size 0x%llx", i, (unsigned long long)r->size);
		KT_EXPECT(t, r->size <= UINT64_MAX - r->base,
			  "region %zu wraps past 2^64", i);
		KT_EXPECT(t, (unsigned int)r->type < MEM_TYPE_COUNT,
			  "region %zu type %u", i, (unsigned int)r->type);
		if (i > 0)
			KT_EXPECT(t, region_end(&map->regions[i - 1]) <= r->base,
				  "region %zu [0x%llx, 0x%llx) overlaps or precedes region %zu "
				  "ending at 0x%llx", i, (unsigned long long)r->base,
				  (unsigned long long)region_end(r), i - 1,
				  (unsigned long long)region_end(&map->regions[i - 1]));
	}
}

/* Zero-length regions vanish when normalising. */
KTEST(memmap, no_empty_regions)
{
	const struct memmap *map = live_map(t);

	if (!map)
		return;
	for (size_t i = 0; i < map->count; i++)
		KT_EXPECT(t, map->regions[i].size != 0, "region %zu at 0x%llx is empty", i,
			  (unsigned long long)map->regions[i].base);
}

/* Two regions that touch have different types: same-type neighbours were merged. */
KTEST(memmap, adjacent_same_type_merged)
{
	const struct memmap *map = live_map(t);

	if (!map)
		return;
	for (size_t i = 1; i < map->count; i++) {
		const struct mem_region *a = &map->regions[i - 1], *b = &map->regions[i];

		KT_EXPECT(t, region_end(a) != b->base || a->type != b->type,
			  "regions %zu and %zu (%s) touch at 0x%llx but were not merged",
			  i - 1, i, memmap_type_name(a->type), (unsigned long long)b->base);
	}
}

/* The kernel image [__kernel_start, __kernel_end) lies entirely inside MEM_KERNEL. */
KTEST(memmap, kernel_image_reserved)
{
	const struct memmap *map = live_map(t);

	if (!map)
		return;
	uint64_t start = image_virt_to_phys(__kernel_start);
	uint64_t end = image_virt_to_phys(__kernel_end);
	ktest_log(t, "kernel image at [0x%llx, 0x%llx)", (unsigned long long)start,
		  (unsigned long long)end);
	KT_ASSERT(t, start < end, "empty kernel image");

	/* Walk from start: each step must land in a MEM_KERNEL region that goes on. */
	uint64_t addr = start;
	size_t i = 0;
	while (addr < end) {
		while (i < map->count && region_end(&map->regions[i]) <= addr)
			i++;
		KT_ASSERT(t, i < map->count && map->regions[i].base <= addr,
			  "kernel byte 0x%llx is in no region", (unsigned long long)addr);
		KT_ASSERT(t, map->regions[i].type == MEM_KERNEL,
			  "kernel byte 0x%llx is in a %s region [0x%llx, 0x%llx)",
			  (unsigned long long)addr, memmap_type_name(map->regions[i].type),
			  (unsigned long long)map->regions[i].base,
			  (unsigned long long)region_end(&map->regions[i]));
		addr = region_end(&map->regions[i]);
	}
}

/* At least one usable region, so the page allocator has something to manage. */
KTEST(memmap, has_usable)
{
	const struct memmap *map = live_map(t);

	if (!map)
		return;
	KT_EXPECT(t, memmap_total(map, MEM_USABLE) > 0, "no usable memory");
}

/* The boot information (multiboot2 info, device tree blob) is kept reserved. */
KTEST(memmap, has_bootinfo)
{
	const struct memmap *map = live_map(t);
	size_t found = 0;

	if (!map)
		return;
	for (size_t i = 0; i < map->count; i++)
		found += map->regions[i].type == MEM_BOOTINFO;
	KT_EXPECT(t, found > 0, "no MEM_BOOTINFO region");
}

/*
 * Usable memory matches the VM's RAM (ktest.ram=<N>M|<N>G from the harness): never
 * more, and less by at most max(16 MiB, ram / 16) for the firmware, the kernel, the
 * boot information and holes such as the legacy VGA window.
 */
KTEST(memmap, usable_matches_ram)
{
	const struct memmap *map = live_map(t);
	char buf[32];
	uint64_t ram;

	if (!map)
		return;
	if (cmdline_get_value("ktest.ram", buf, sizeof(buf)) < 0) {
		ktest_skip(t, "no ktest.ram=<N>M on the command line");
		return;
	}
	KT_ASSERT(t, parse_size(buf, &ram) && ram > 0, "bad ktest.ram=%s", buf);

	uint64_t usable = memmap_total(map, MEM_USABLE);
	uint64_t margin = MAX(16 * MIB, ram / 16);
	ktest_log(t, "usable %llu KiB, ram %llu KiB, missing %lld KiB, margin %llu KiB",
		  (unsigned long long)(usable >> 10), (unsigned long long)(ram >> 10),
		  (long long)(ram >> 10) - (long long)(usable >> 10),
		  (unsigned long long)(margin >> 10));
	KT_EXPECT(t, usable <= ram, "more usable memory than the VM has");
	KT_EXPECT(t, usable + margin >= ram, "more than %llu KiB of RAM is not usable",
		  (unsigned long long)(margin >> 10));
}

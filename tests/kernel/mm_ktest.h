/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the memory-management ktest suites (buddy, slab, kmap, wx):
 * the free-memory baseline every test returns to, and the boot map's usable RAM.
 *
 * A baseline is the number of free frames per zone once nothing is parked on the
 * side (mm_settled_free_frames(): every kmalloc class shrunk, every per-CPU frame
 * cache drained), per zone where the runner's end-of-suite check takes the
 * total, and with buddy_check() at the end. Taken that way, the count is
 * exact: a test that gave back everything it took finds the same numbers, one frame
 * lost or gained anywhere shows. The tests run alone on the boot CPU, so nothing
 * else allocates meanwhile.
 */
#ifndef TESTS_KERNEL_MM_KTEST_H
#define TESTS_KERNEL_MM_KTEST_H

#include <kern/boot.h>
#include <kern/ktest.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/init.h>
#include <mm/memmap.h>

struct mm_baseline {
	uint64_t free[ZONE_COUNT];   /* free frames per zone, caches drained */
};

/* Empty every cache that holds free memory on the side (the runner's definition). */
static inline void mm_ktest_settle(void)
{
	(void)mm_settled_free_frames();
}

/* Free frames of @zone right now (call mm_ktest_settle() first for an exact count). */
static inline uint64_t mm_ktest_zone_free(enum frame_zone zone)
{
	struct buddy_zone_stats st;

	buddy_get_stats(zone, &st);
	return st.free_frames + st.cached_frames;
}

static inline void mm_ktest_baseline(struct mm_baseline *b)
{
	mm_ktest_settle();
	for (unsigned int z = 0; z < ZONE_COUNT; z++)
		b->free[z] = mm_ktest_zone_free((enum frame_zone)z);
}

/*
 * Settle, then expect every zone's free count to equal @b's and the buddy free
 * lists to pass buddy_check(). Returns whether all held.
 */
static inline bool mm_ktest_expect_baseline_at(struct ktest_ctx *t, const struct mm_baseline *b,
					       const char *file, int line)
{
	static const char *const names[ZONE_COUNT] = { "DMA", "Normal" };
	bool ok = true;

	mm_ktest_settle();
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		uint64_t now = mm_ktest_zone_free((enum frame_zone)z);
		if (now != b->free[z]) {
			ktest_fail(t, file, line, "zone %s: %llu free frames, baseline %llu (%+lld)",
				   names[z], (unsigned long long)now, (unsigned long long)b->free[z],
				   (long long)(now - b->free[z]));
			ok = false;
		}
	}
	if (buddy_check() != 0) {
		ktest_fail(t, file, line, "buddy_check() failed (see the console above)");
		ok = false;
	}
	return ok;
}

#define mm_ktest_expect_baseline(t, b) mm_ktest_expect_baseline_at((t), (b), __FILE__, __LINE__)

/* Does [@pa, @pa + @size) lie inside one MEM_USABLE region of the boot memory map? */
static inline bool mm_ktest_is_usable(uint64_t pa, uint64_t size)
{
	const struct memmap *map = boot_info->memmap;

	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];
		if (r->type == MEM_USABLE && pa >= r->base && pa - r->base < r->size &&
		    r->size - (pa - r->base) >= size)
			return true;
	}
	return false;
}

#endif

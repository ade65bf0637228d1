// SPDX-License-Identifier: MIT
/*
 * Randomised stress of the buddy allocator and kmalloc against a reference model
 * (model.h), printed as TAP: tens of thousands of random operations (every order,
 * zone flags, zeroing, physical limits, frame counts, kmalloc sizes, cross-CPU
 * frees, bad frees), checking after each that no two live allocations overlap,
 * that alignments, zones and limits hold and that live contents are untouched;
 * then everything is freed and the allocator must be back in its starting state
 * (all blocks coalesced, every zone's free count and free lists restored).
 * Fixed seeds, so every run tests the same sequences.
 */
#include <stdlib.h>
#include <string.h>

#include <kern/errno.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/framedb.h>
#include <mm/slab.h>

#include "../host/kern_host.h"
#include "../host/tap.h"
#include "model.h"
#include "simram.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return rng() % n;
}

struct snapshot {
	uint64_t free_blocks[ZONE_COUNT][FRAME_ORDERS];
	uint64_t free_frames[ZONE_COUNT];
};

static void take_snapshot(struct snapshot *s)
{
	for (size_t size = KMALLOC_MIN_SIZE; size <= KMALLOC_MAX_CACHE_SIZE; size *= 2)
		slab_cache_shrink(kmalloc_cache(size));
	buddy_drain_all();
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		memcpy(s->free_blocks[z], st.free_blocks, sizeof(st.free_blocks));
		s->free_frames[z] = st.free_frames;
	}
}

static unsigned int random_order(void)
{
	/* Mostly small orders (the per-CPU cache), sometimes large ones. */
	uint64_t r = below(100);
	if (r < 60)
		return (unsigned int)below(BUDDY_PCP_ORDERS);
	if (r < 95)
		return (unsigned int)below(10);
	return (unsigned int)below(15);
}

static size_t random_kmalloc_size(void)
{
	unsigned int bits = (unsigned int)below(100) < 90 ? (unsigned int)below(13) : (unsigned int)below(22);
	return (size_t)below(1ull << bits) + (below(4) == 0 ? 0 : 1);
}

/* One allocation or free; returns false on a model violation (already reported). */
static bool step(struct model *m, uint64_t *failures)
{
	uint64_t op = below(100);

	if (op < 52 || m->n == 0) {
		/* Allocate. */
		unsigned int kind = (unsigned int)below(10);
		struct model_alloc a = { 0 };
		if (kind < 5) {
			unsigned int order = random_order();
			unsigned int flags = FRAME_NOWARN;
			uint64_t limit = UINT64_MAX;
			switch (below(8)) {
			case 0: flags |= FRAME_DMA; break;
			case 1: flags |= FRAME_NORMAL; break;
			case 2: limit = 16 * MiB + below(48 * MiB); break;
			case 3: flags |= FRAME_NOPCP; break;
			}
			bool zero = below(4) == 0;
			if (zero)
				flags |= FRAME_ZERO;
			paddr_t pa;
			if (buddy_alloc(order, flags, paddr(limit), &pa) != 0) {
				(*failures)++;
				return true;
			}
			a = (struct model_alloc){ pa.raw, pa.raw + (PAGE_SIZE << order), MODEL_FRAMES, order, 0, 0 };
			if (!CHECK(IS_ALIGNED(pa.raw, PAGE_SIZE << order), "order %u at %#lx", order,
				   (unsigned long)pa.raw))
				return false;
			if ((flags & FRAME_DMA) && !CHECK(a.end <= ZONE_DMA_LIMIT, "DMA block %#lx",
							  (unsigned long)pa.raw))
				return false;
			if ((flags & FRAME_NORMAL) && !CHECK(a.start >= ZONE_DMA_LIMIT, "NORMAL block"))
				return false;
			if (!CHECK(a.end <= limit, "block %#lx order %u above limit %#lx",
				   (unsigned long)pa.raw, order, (unsigned long)limit))
				return false;
			if (zero) {
				const uint64_t *w = phys_to_virt(pa);
				for (size_t i = 0; i < (PAGE_SIZE << order) / 8; i += 509)
					if (!CHECK(w[i] == 0, "zeroed block %#lx word %zu", (unsigned long)pa.raw, i))
						return false;
			}
		} else if (kind < 6) {
			size_t count = (size_t)below(300) + 1;
			paddr_t pa;
			if (buddy_alloc_count(count, FRAME_NOWARN, paddr(UINT64_MAX), &pa) != 0) {
				(*failures)++;
				return true;
			}
			a = (struct model_alloc){ pa.raw, pa.raw + count * PAGE_SIZE, MODEL_COUNT, 0, count, 0 };
		} else {
			size_t size = random_kmalloc_size();
			void *p = kmalloc(size, KM_NOWARN | (below(4) == 0 ? KM_ZERO : 0));
			if (!p) {
				(*failures)++;
				return true;
			}
			size_t cls = ksize(p);
			if (!CHECK(cls >= size, "ksize %zu < %zu", cls, size))
				return false;
			if (cls <= KMALLOC_MAX_CACHE_SIZE &&
			    !CHECK(((uintptr_t)p & (cls - 1)) == 0, "kmalloc(%zu) = %p", size, p))
				return false;
			uint64_t pa = virt_to_phys(p).raw;
			a = (struct model_alloc){ pa, pa + (size ? size : 1), MODEL_KMALLOC, 0, size, 0 };
		}
		long o = model_overlap(m, a.start, a.end);
		if (!CHECK(o < 0, "[%#lx, %#lx) overlaps live [%#lx, %#lx)", (unsigned long)a.start,
			   (unsigned long)a.end, (unsigned long)(o >= 0 ? m->a[o].start : 0),
			   (unsigned long)(o >= 0 ? m->a[o].end : 0)))
			return false;
		model_add(m, a);
		return true;
	}

	/* Free a random live allocation, sometimes from another CPU, sometimes twice. */
	size_t i = (size_t)below(m->n);
	struct model_alloc a = m->a[i];
	if (!CHECK(model_stamp_ok(&a), "contents of [%#lx, %#lx) changed while live",
		   (unsigned long)a.start, (unsigned long)a.end))
		return false;
	model_remove(m, i);
	host_cpu_set((unsigned int)below(NCPUS));
	int err = 0;
	switch (a.kind) {
	case MODEL_FRAMES:
		err = buddy_free(paddr(a.start), a.order);
		break;
	case MODEL_COUNT:
		err = buddy_free_count(paddr(a.start), a.count);
		break;
	case MODEL_KMALLOC:
		kfree(phys_to_virt(paddr(a.start)));
		break;
	}
	if (!CHECK(err == 0, "free of a live allocation: %d", err))
		return false;
	if (a.kind == MODEL_FRAMES && below(50) == 0) {
		/* A double free must be refused without harm. */
		uint64_t bad = buddy_bad_frees();
		host_printk_quiet(1);
		err = buddy_free(paddr(a.start), a.order);
		host_printk_quiet(0);
		if (!CHECK(err == -EINVAL && buddy_bad_frees() == bad + 1, "double free: %d", err))
			return false;
	}
	host_cpu_set(0);
	return true;
}

static void run_stress(uint64_t seed, unsigned int steps)
{
	struct snapshot before, after;
	struct model m;
	uint64_t failures = 0;

	simram_boot_default();
	kmalloc_init();
	take_snapshot(&before);
	model_init(&m);
	rng_state = seed;
	for (unsigned int s = 0; s < steps; s++) {
		if (!step(&m, &failures)) {
			printf("# seed %#lx, step %u\n", (unsigned long)seed, s);
			break;
		}
		if (s % 2000 == 0 && !CHECK(buddy_check() == 0, "free lists at step %u", s))
			break;
	}
	printf("# seed %#lx: %u steps, %zu live at the end, %lu allocations failed\n",
	       (unsigned long)seed, steps, m.n, (unsigned long)failures);
	while (m.n) {
		CHECK(model_stamp_ok(&m.a[m.n - 1]), "contents kept");
		struct model_alloc a = m.a[--m.n];
		if (a.kind == MODEL_FRAMES)
			frame_free(paddr(a.start), a.order);
		else if (a.kind == MODEL_COUNT)
			frame_free_count(paddr(a.start), a.count);
		else
			kfree(phys_to_virt(paddr(a.start)));
	}
	model_fini(&m);
	take_snapshot(&after);
	CHECK(memcmp(&before, &after, sizeof(before)) == 0, "back to the starting state");
	for (unsigned int z = 0; z < ZONE_COUNT; z++)
		for (unsigned int o = 0; o < FRAME_ORDERS; o++)
			if (before.free_blocks[z][o] != after.free_blocks[z][o])
				printf("#   zone %u order %u: %lu free blocks before, %lu after\n", z, o,
				       (unsigned long)before.free_blocks[z][o],
				       (unsigned long)after.free_blocks[z][o]);
	CHECK_EQ(buddy_check(), 0);
}

static void test_stress_1(void) { run_stress(1, 50000); }
static void test_stress_2(void) { run_stress(0xfeedface, 50000); }
static void test_stress_debug(void)
{
	slab_debug_set(true);
	run_stress(42, 20000);
	slab_debug_set(false);
}

int main(void)
{
	tap_start();
	RUN(test_stress_1);
	RUN(test_stress_2);
	RUN(test_stress_debug);
	simram_release();
	return tap_done();
}

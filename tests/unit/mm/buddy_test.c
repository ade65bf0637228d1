// SPDX-License-Identifier: MIT
/*
 * Host unit tests for bootmem, the frame database and the buddy allocator
 * (mm/bootmem.c, mm/framedb.c, mm/buddy.c) over simulated physical memory,
 * printed as TAP. Each test boots a fresh allocator.
 */
#include <stdlib.h>
#include <string.h>

#include <kern/errno.h>
#include <mm/bootmem.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/framedb.h>

#include "../host/kern_host.h"
#include "../host/tap.h"
#include "simram.h"

#define FRAMES(bytes) ((bytes) / PAGE_SIZE)

/* Free frames in @zone: on the lists plus in per-CPU caches. */
static uint64_t zone_free(enum frame_zone zone)
{
	struct buddy_zone_stats st;

	buddy_get_stats(zone, &st);
	return st.free_frames + st.cached_frames;
}

static uint64_t total_free(void)
{
	return zone_free(ZONE_DMA) + zone_free(ZONE_NORMAL);
}

/* A snapshot of every zone's free lists, to compare before and after. */
struct snapshot {
	uint64_t free_blocks[ZONE_COUNT][FRAME_ORDERS];
	uint64_t free_frames[ZONE_COUNT];
};

static void take_snapshot(struct snapshot *s)
{
	buddy_drain_all();
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;

		buddy_get_stats((enum frame_zone)z, &st);
		memcpy(s->free_blocks[z], st.free_blocks, sizeof(st.free_blocks));
		s->free_frames[z] = st.free_frames;
	}
}

static bool snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- bootmem ---- */

static void test_bootmem(void)
{
	static const struct mem_region r[] = {
		{ 0x1000, 0x9e000, MEM_USABLE },
		{ 1 * MiB, 15 * MiB, MEM_USABLE },
		{ 2 * MiB, 1 * MiB, MEM_KERNEL },
	};
	paddr_t a, b, c, d;

	simram_boot_bootmem_only(r, 3);
	CHECK_EQ(bootmem_free_count(), 3);
	/* Top-down from the highest region. */
	CHECK_EQ(bootmem_alloc(100, 64, BOOTMEM_NO_LIMIT, &a), 0);
	CHECK_EQ(a.raw, ALIGN_DOWN(16 * MiB - 100, 64));
	CHECK_EQ(bootmem_alloc(4096, 4096, BOOTMEM_NO_LIMIT, &b), 0);
	CHECK(b.raw + 4096 <= a.raw && IS_ALIGNED(b.raw, 4096), "b %#lx", (unsigned long)b.raw);
	/* A limit inside a range splits it; the part above stays free. */
	CHECK_EQ(bootmem_alloc(8192, 4096, 10 * MiB, &c), 0);
	CHECK_EQ(c.raw, 10 * MiB - 8192);
	CHECK_EQ(bootmem_free_count(), 4);
	/* The low range serves a limit below 1 MiB. */
	CHECK_EQ(bootmem_alloc(4096, 0, 1 * MiB, &d), 0);
	CHECK_EQ(d.raw, 0x9e000);
	CHECK_EQ(bootmem_alloc(1 * GiB, 0, BOOTMEM_NO_LIMIT, &d), -ENOMEM);
	CHECK_EQ(bootmem_alloc(4096, 3, BOOTMEM_NO_LIMIT, &d), -EINVAL);
	CHECK_EQ(bootmem_alloc(0, 8, BOOTMEM_NO_LIMIT, &d), -EINVAL);
	CHECK_EQ(bootmem_alloc(64, 8, 0x1000, &d), -ENOMEM);
	CHECK(bootmem_used() >= 100 + 4096 + 8192 + 4096, "used %lu", (unsigned long)bootmem_used());

	/* Handing over to the buddy keeps bootmem's allocations reserved. */
	struct memmap m;
	memmap_init(&m);
	for (size_t i = 0; i < 3; i++)
		memmap_add(&m, r[i].base, r[i].size, r[i].type);
	memmap_normalise(&m, 4096);
	CHECK_EQ(buddy_init(&m), 0);
	CHECK_EQ(frame_get_owner(a), FRAME_OWNER_BOOTMEM);
	CHECK_EQ(frame_get_owner(c), FRAME_OWNER_BOOTMEM);
	CHECK_EQ(frame_get_owner(paddr(12 * MiB)), FRAME_OWNER_NONE);
	CHECK_EQ(bootmem_alloc(64, 8, BOOTMEM_NO_LIMIT, &d), -EBUSY);
	CHECK_EQ(buddy_check(), 0);
}

/* ---- frame database ---- */

static void test_framedb(void)
{
	simram_boot_default();
	/* Sections: low RAM, [1M, 8M), [10M, 64M), [4G, 4G+64M). */
	CHECK_EQ(framedb_section_count(), 4);
	uint64_t frames = FRAMES(0x9e000 + 7 * MiB + 54 * MiB + 64 * MiB);
	CHECK_EQ(framedb_bytes(), frames * sizeof(struct frame));
	CHECK_EQ(sizeof(struct frame), 32);

	CHECK(framedb_lookup(paddr(0)) == NULL, "page 0 is not RAM");
	CHECK(framedb_lookup(paddr(9 * MiB)) == NULL, "the hole has no records");
	CHECK(framedb_lookup(paddr(64 * MiB)) == NULL, "end is exclusive");
	CHECK(framedb_lookup(paddr(5 * GiB)) == NULL, "above the top");
	CHECK(!frame_is_managed(paddr(9 * MiB)), "hole");
	CHECK(frame_is_managed(paddr(4 * GiB + 123)), "normal zone");

	struct frame *f1 = framedb_lookup(paddr(10 * MiB));
	struct frame *f2 = framedb_lookup(paddr(10 * MiB + 4095));
	struct frame *f3 = framedb_lookup(paddr(10 * MiB + 4096));
	CHECK(f1 && f1 == f2 && f3 == f1 + 1, "one record per frame");
	CHECK_EQ(framedb_lookup(paddr(0x1000))->zone, ZONE_DMA);
	CHECK_EQ(framedb_lookup(paddr(4 * GiB))->zone, ZONE_NORMAL);

	struct buddy_zone_stats dma, normal;
	buddy_get_stats(ZONE_DMA, &dma);
	buddy_get_stats(ZONE_NORMAL, &normal);
	/* Everything but what bootmem kept (the records) is managed. */
	CHECK_EQ(dma.managed_frames + normal.managed_frames + FRAMES(ALIGN_UP(bootmem_used(), PAGE_SIZE)),
		 frames);
	CHECK_EQ(dma.free_frames, dma.managed_frames);
	CHECK_EQ(normal.free_frames, normal.managed_frames);
	CHECK_EQ(buddy_check(), 0);
}

/* A region crossing 4 GiB is cut into a DMA and a NORMAL section. */
static void test_zone_split(void)
{
	static const struct mem_region r[] = { { 4 * GiB - 8 * MiB, 16 * MiB, MEM_USABLE } };

	simram_boot(r, 1);
	CHECK_EQ(framedb_section_count(), 2);
	CHECK_EQ(framedb_section_at(0)->zone, ZONE_DMA);
	CHECK_EQ(framedb_section_at(1)->base, 4 * GiB);
	struct buddy_zone_stats st;
	buddy_get_stats(ZONE_DMA, &st);
	CHECK_EQ(st.free_blocks[FRAME_MAX_ORDER], 0);
	/* Blocks do not merge across the zone boundary even though 8 MiB + 8 MiB align. */
	paddr_t pa;
	CHECK_EQ(frame_alloc(11, FRAME_NOWARN, &pa), 0);   /* 8 MiB */
	CHECK_EQ(pa.raw, 4 * GiB - 8 * MiB);   /* NORMAL lost its top to the records */
	CHECK_EQ(frame_alloc(12, FRAME_NOWARN, &pa), -ENOMEM);
	frame_free(pa, 11);
	CHECK_EQ(buddy_check(), 0);
}

/* ---- allocation and freeing ---- */

static void test_orders_and_coalescing(void)
{
	struct snapshot before, after;
	paddr_t pa[FRAME_ORDERS];

	simram_boot_default();
	take_snapshot(&before);
	for (unsigned int o = 0; o <= 13; o++) {
		if (!CHECK_EQ(frame_alloc(o, 0, &pa[o]), 0))
			return;
		CHECK(IS_ALIGNED(pa[o].raw, PAGE_SIZE << o), "order %u at %#lx", o, (unsigned long)pa[o].raw);
		CHECK_EQ(frame_get_owner(pa[o]), FRAME_OWNER_KERNEL);
		struct frame *f = framedb_lookup(pa[o]);
		CHECK_EQ(frame_state(f), FRAME_ALLOCATED);
		CHECK_EQ(f->order, o);
		/* The whole block is usable memory. */
		memset(phys_to_virt(pa[o]), 0xa5, PAGE_SIZE << o);
	}
	CHECK_EQ(buddy_check(), 0);
	for (unsigned int o = 0; o <= 13; o++)
		CHECK_EQ(buddy_free(pa[o], o), 0);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "every block coalesced back");
	CHECK_EQ(buddy_check(), 0);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER + 1, 0, &pa[0]), -EINVAL);
}

static void test_max_order(void)
{
	static const struct mem_region r[] = {
		{ 1 * MiB, 15 * MiB, MEM_USABLE },
		{ 4 * GiB, 1 * GiB + 16 * MiB, MEM_USABLE },   /* the records take ~8 MiB of the top */
	};
	paddr_t pa, pb;

	simram_boot(r, 2);
	struct buddy_zone_stats st;
	buddy_get_stats(ZONE_NORMAL, &st);
	CHECK_EQ(st.free_blocks[FRAME_MAX_ORDER], 1);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER, 0, &pa), 0);
	CHECK_EQ(pa.raw, 4 * GiB);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER, FRAME_NOWARN, &pb), -ENOMEM);
	frame_free(pa, FRAME_MAX_ORDER);
	buddy_get_stats(ZONE_NORMAL, &st);
	CHECK_EQ(st.free_blocks[FRAME_MAX_ORDER], 1);
	CHECK_EQ(st.allocs[FRAME_MAX_ORDER], 1);
	CHECK_EQ(st.frees[FRAME_MAX_ORDER], 1);
	CHECK_EQ(st.failures[FRAME_MAX_ORDER], 1);
}

static void test_zones(void)
{
	paddr_t pa;

	simram_boot_default();
	CHECK_EQ(frame_alloc(0, 0, &pa), 0);
	CHECK(pa.raw >= ZONE_DMA_LIMIT, "no zone flag prefers NORMAL");
	frame_free(pa, 0);
	CHECK_EQ(frame_alloc(0, FRAME_DMA, &pa), 0);
	CHECK(pa.raw < ZONE_DMA_LIMIT, "FRAME_DMA");
	frame_free(pa, 0);
	CHECK_EQ(frame_alloc(5, FRAME_NORMAL, &pa), 0);
	CHECK(pa.raw >= ZONE_DMA_LIMIT, "FRAME_NORMAL");
	frame_free(pa, 5);
	CHECK_EQ(frame_alloc(0, FRAME_DMA | FRAME_NORMAL, &pa), -EINVAL);

	/* Any physical limit: below 16 MiB, and a limit cutting a section. */
	CHECK_EQ(frame_alloc_below(2, 0, paddr(16 * MiB), &pa), 0);
	CHECK(pa.raw + 4 * PAGE_SIZE <= 16 * MiB, "below 16 MiB: %#lx", (unsigned long)pa.raw);
	frame_free(pa, 2);
	CHECK_EQ(frame_alloc_below(8, FRAME_NOWARN, paddr(1 * MiB), &pa), -ENOMEM);   /* 1 MiB, not under 1 MiB */
	CHECK_EQ(frame_alloc_below(4, 0, paddr(1 * MiB), &pa), 0);
	CHECK(pa.raw + 16 * PAGE_SIZE <= 1 * MiB, "below 1 MiB");
	frame_free(pa, 4);

	/* When NORMAL runs out, an unqualified request falls back to DMA; FRAME_NORMAL fails. */
	uint64_t normal = zone_free(ZONE_NORMAL);
	for (uint64_t i = 0; i < normal / 512; i++)
		CHECK_EQ(frame_alloc(9, FRAME_NORMAL, &pa), 0);
	while (frame_alloc(0, FRAME_NORMAL | FRAME_NOWARN, &pa) == 0)
		continue;
	CHECK_EQ(zone_free(ZONE_NORMAL), 0);
	CHECK_EQ(frame_alloc(0, FRAME_NORMAL | FRAME_NOWARN, &pa), -ENOMEM);
	CHECK_EQ(frame_alloc(0, 0, &pa), 0);
	CHECK(pa.raw < ZONE_DMA_LIMIT, "fallback to DMA");
	CHECK_EQ(buddy_check(), 0);
}

static void test_zeroing(void)
{
	paddr_t pb;

	simram_boot_default();
	/* Dirty every free frame of NORMAL. */
	const struct frame_section *s = framedb_section_at(3);
	uint64_t n = zone_free(ZONE_NORMAL), i = 0;
	paddr_t *all = calloc(n, sizeof(*all));
	while (i < n && frame_alloc(0, FRAME_NORMAL | FRAME_NOWARN, &all[i]) == 0)
		memset(phys_to_virt(all[i++]), 0xee, PAGE_SIZE);
	CHECK_EQ(i, n);
	while (i > 0)
		frame_free(all[--i], 0);
	free(all);
	buddy_drain_all();
	for (unsigned int o = 0; o < 12; o++) {
		CHECK_EQ(frame_alloc(o, FRAME_NORMAL | FRAME_ZERO, &pb), 0);
		CHECK_EQ(framedb_section(pb), s);
		const unsigned char *p = phys_to_virt(pb);
		size_t nonzero = 0;
		for (size_t i = 0; i < (PAGE_SIZE << o); i++)
			nonzero += p[i] != 0;
		CHECK_EQ(nonzero, 0);
		frame_free(pb, o);
	}
}

static void test_count(void)
{
	struct snapshot before, after;
	paddr_t pa, pb;

	simram_boot_default();
	take_snapshot(&before);
	uint64_t free0 = total_free();
	CHECK_EQ(frame_alloc_count(5, FRAME_DMA, &pa), 0);
	CHECK(IS_ALIGNED(pa.raw, 8 * PAGE_SIZE), "aligned to its block");
	CHECK_EQ(total_free(), free0 - 5);   /* the tail of 3 frames went back */
	/* The tail right after is free and allocatable. */
	struct frame *tail = framedb_lookup(paddr(pa.raw + 5 * PAGE_SIZE));
	CHECK_EQ(frame_state(tail), FRAME_FREE);
	CHECK_EQ(frame_alloc_count(1000, 0, &pb), 0);
	CHECK_EQ(total_free(), free0 - 1005);
	memset(phys_to_virt(pb), 1, 1000 * PAGE_SIZE);
	/* Freeing with the wrong count is refused and changes nothing. */
	host_printk_quiet(1);
	CHECK_EQ(buddy_free_count(pa, 6), -EINVAL);
	CHECK_EQ(buddy_free_count(pa, 0), -EINVAL);
	host_printk_quiet(0);
	CHECK_EQ(total_free(), free0 - 1005);
	CHECK_EQ(buddy_free_count(pa, 5), 0);
	frame_free_count(pb, 1000);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "everything coalesced back");
	CHECK_EQ(frame_alloc_count(0, 0, &pa), -EINVAL);
	CHECK_EQ(buddy_check(), 0);
}

static void test_bad_frees(void)
{
	struct snapshot before, after;
	paddr_t a0, a5, r;

	simram_boot_default();
	CHECK_EQ(frame_alloc(0, 0, &a0), 0);
	CHECK_EQ(frame_alloc(5, 0, &a5), 0);
	take_snapshot(&before);
	host_printk_quiet(1);
	unsigned long msgs = host_printk_count();

	CHECK_EQ(buddy_free(a5, 4), -EINVAL);                                /* wrong order */
	CHECK_EQ(buddy_free(a5, 6), -EINVAL);                                /* wrong order (misaligned too) */
	CHECK_EQ(buddy_free(paddr(a5.raw + PAGE_SIZE), 0), -EINVAL);        /* inside a block */
	CHECK_EQ(buddy_free(paddr(9 * MiB), 0), -EINVAL);                    /* a hole */
	CHECK_EQ(buddy_free(paddr(6 * GiB), 0), -EINVAL);                    /* above memory */
	CHECK_EQ(buddy_free(paddr(a0.raw + 8), 0), -EINVAL);                 /* misaligned */
	CHECK_EQ(buddy_free(a0, FRAME_MAX_ORDER + 1), -EINVAL);              /* order out of range */
	/* A frame bootmem handed out (the frame database itself). */
	paddr_t db = virt_to_phys(framedb_section_at(0)->frames);
	CHECK_EQ(buddy_free(paddr(ALIGN_DOWN(db.raw, PAGE_SIZE)), 0), -EINVAL);
	/* A frame inside a free block, and the start of a free block. */
	struct buddy_zone_stats st;
	buddy_get_stats(ZONE_NORMAL, &st);
	CHECK_EQ(frame_alloc(10, FRAME_NOPCP, &r), 0);
	CHECK_EQ(buddy_free(r, 10), 0);
	CHECK_EQ(buddy_free(r, 10), -EINVAL);                               /* double free */
	CHECK_EQ(buddy_free(paddr(r.raw + 4 * PAGE_SIZE), 2), -EINVAL);    /* inside a free block */
	CHECK_EQ(buddy_check(), 0);

	/* Double frees through the per-CPU cache. */
	CHECK_EQ(buddy_free(a0, 0), 0);
	CHECK_EQ(buddy_free(a0, 0), -EINVAL);
	CHECK_EQ(buddy_free(a5, 5), 0);
	CHECK_EQ(buddy_free(a5, 5), -EINVAL);
	host_printk_quiet(0);

	CHECK_EQ(buddy_bad_frees(), 12);
	CHECK(host_printk_count() >= msgs + 12, "each bad free is reported");
	CHECK_EQ(frame_alloc(0, 0, &a0), 0);
	CHECK_EQ(frame_alloc(5, 0, &a5), 0);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "bad frees changed nothing");
	CHECK_EQ(buddy_check(), 0);
}

static void test_pcp(void)
{
	paddr_t pa[64];
	struct buddy_zone_stats st0, st1;

	simram_boot_default();
	CHECK_EQ(frame_alloc(0, 0, &pa[0]), 0);   /* refills this CPU's cache */
	frame_free(pa[0], 0);
	buddy_get_stats(ZONE_NORMAL, &st0);
	CHECK_EQ(st0.cached_frames, buddy_pcp_batch(0));
	/* Alloc/free pairs within the cache leave the zone lists alone. */
	for (int i = 0; i < 1000; i++) {
		CHECK_EQ(frame_alloc(0, 0, &pa[0]), 0);
		frame_free(pa[0], 0);
	}
	buddy_get_stats(ZONE_NORMAL, &st1);
	CHECK_EQ(st1.free_frames, st0.free_frames);
	CHECK_EQ(st1.allocs[0], st0.allocs[0] + 1000);
	CHECK_EQ(st1.frees[0], st0.frees[0] + 1000);

	/* Frees past the high mark drain a batch; a CPU's cache is its own. */
	for (int i = 0; i < 64; i++)
		CHECK_EQ(frame_alloc(0, 0, &pa[i]), 0);
	for (int i = 0; i < 64; i++)
		frame_free(pa[i], 0);
	buddy_get_stats(ZONE_NORMAL, &st1);
	CHECK(st1.cached_frames <= buddy_pcp_high(0), "cached %lu", (unsigned long)st1.cached_frames);
	host_cpu_set(1);
	CHECK_EQ(frame_alloc(3, 0, &pa[0]), 0);
	buddy_get_stats(ZONE_NORMAL, &st1);
	CHECK_EQ(st1.cached_frames % 8, 0);
	frame_free(pa[0], 3);
	host_cpu_set(0);
	buddy_drain_all();
	buddy_get_stats(ZONE_NORMAL, &st1);
	CHECK_EQ(st1.cached_frames, 0);
	CHECK_EQ(st1.free_frames, st1.managed_frames);
	CHECK_EQ(buddy_check(), 0);
}

/* Allocate every frame one by one, then free them all. */
static void test_exhaustion(void)
{
	static const struct mem_region r[] = { { 1 * MiB, 3 * MiB, MEM_USABLE } };
	struct snapshot before, after;

	simram_boot(r, 1);
	take_snapshot(&before);
	uint64_t n = before.free_frames[ZONE_DMA];
	paddr_t *pa = calloc(n + 1, sizeof(*pa));
	uint64_t got = 0;
	while (got <= n && frame_alloc(0, FRAME_NOWARN, &pa[got]) == 0)
		got++;
	CHECK_EQ(got, n);
	CHECK_EQ(frame_alloc(0, FRAME_NOWARN | FRAME_NOPCP, &pa[n]), -ENOMEM);
	for (uint64_t i = 0; i < got; i++)
		frame_free(pa[got - 1 - i], 0);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "all coalesced");
	free(pa);
}

int main(void)
{
	tap_start();
	RUN(test_bootmem);
	RUN(test_framedb);
	RUN(test_zone_split);
	RUN(test_orders_and_coalescing);
	RUN(test_max_order);
	RUN(test_zones);
	RUN(test_zeroing);
	RUN(test_count);
	RUN(test_bad_frees);
	RUN(test_pcp);
	RUN(test_exhaustion);
	simram_release();
	return tap_done();
}

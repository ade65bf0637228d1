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

/* ---- the per-CPU fast path of frame_alloc() ---- */

/* Frames in @zone's per-CPU caches (all CPUs). */
static uint64_t zone_cached(enum frame_zone zone)
{
	struct buddy_zone_stats st;

	buddy_get_stats(zone, &st);
	return st.cached_frames;
}

static bool block_is_zero(paddr_t pa, unsigned int order)
{
	const unsigned char *p = phys_to_virt(pa);

	for (size_t i = 0; i < (PAGE_SIZE << order); i++)
		if (p[i])
			return false;
	return true;
}

/*
 * frame_alloc() with no zone flag, for orders 0..BUDDY_PCP_ORDERS-1, first pops
 * this CPU's ZONE_NORMAL stack without calling into the general path. Only a
 * machine with RAM above 4 GiB has such a stack (the default simram does), so this
 * test is the only place that path runs with checks on what it hands out: the block
 * just freed comes back (the stack is LIFO, cache-hot first), it is allocated, of
 * its order, owned by the kernel, zeroed on FRAME_ZERO even when dirty, counted,
 * and two pops never give the same block. Each CPU pops its own stack.
 */
static void test_alloc_fast_path(void)
{
	simram_boot_default();
	for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++) {
		paddr_t a, b, c;

		/* The first allocation refills this CPU's NORMAL stack; the free pushes it back. */
		CHECK_EQ(frame_alloc(o, 0, &a), 0);
		CHECK(a.raw >= ZONE_DMA_LIMIT, "order %u from NORMAL", o);
		memset(phys_to_virt(a), 0xee, PAGE_SIZE << o);
		/* Freed by another owner: the next frame_alloc() must make it the kernel's again. */
		CHECK_EQ(frame_set_owner(a, FRAME_OWNER_PAGE_TABLE), 0);
		frame_free(a, o);
		struct buddy_zone_stats st0, st1;
		buddy_get_stats(ZONE_NORMAL, &st0);
		CHECK(st0.cached_frames >= 2ull << o, "order %u: the stack holds more than one block", o);

		/* A dirty cached block, zeroed on the way out. */
		CHECK_EQ(frame_alloc(o, FRAME_ZERO, &b), 0);
		CHECK_EQ(b.raw, a.raw);
		CHECK(block_is_zero(b, o), "order %u: FRAME_ZERO from the per-CPU stack", o);
		struct frame *f = framedb_lookup(b);
		CHECK_EQ(frame_state(f), FRAME_ALLOCATED);
		CHECK_EQ(f->order, o);
		CHECK_EQ(f->count, 1);
		CHECK_EQ(frame_get_owner(b), FRAME_OWNER_KERNEL);
		buddy_get_stats(ZONE_NORMAL, &st1);
		CHECK_EQ(st1.cached_frames, st0.cached_frames - (1ull << o));
		CHECK_EQ(st1.free_frames, st0.free_frames);        /* the zone lists untouched */
		CHECK_EQ(st1.allocs[o], st0.allocs[o] + 1);

		/* The next pop is another block, not overlapping. */
		CHECK_EQ(frame_alloc(o, FRAME_NOWARN, &c), 0);
		CHECK(c.raw != b.raw, "order %u: two pops, one block", o);
		CHECK(c.raw + (PAGE_SIZE << o) <= b.raw || b.raw + (PAGE_SIZE << o) <= c.raw,
		      "order %u: blocks overlap", o);
		CHECK_EQ(frame_state(framedb_lookup(c)), FRAME_ALLOCATED);
		/* Both free cleanly: they were really handed out. */
		CHECK_EQ(buddy_free(b, o), 0);
		CHECK_EQ(buddy_free(c, o), 0);
	}

	/* Each CPU pops its own stack: CPU 1 gets back what CPU 1 freed. */
	paddr_t a0, a1, b1;
	CHECK_EQ(frame_alloc(0, 0, &a0), 0);
	host_cpu_set(1);
	CHECK_EQ(frame_alloc(0, 0, &a1), 0);
	frame_free(a1, 0);
	host_cpu_set(0);
	frame_free(a0, 0);
	host_cpu_set(1);
	CHECK_EQ(frame_alloc(0, 0, &b1), 0);
	CHECK_EQ(b1.raw, a1.raw);
	frame_free(b1, 0);
	host_cpu_set(0);
	CHECK_EQ(frame_alloc(0, 0, &b1), 0);
	CHECK_EQ(b1.raw, a0.raw);
	frame_free(b1, 0);
	CHECK_EQ(buddy_bad_frees(), 0);
	CHECK_EQ(buddy_check(), 0);
}

/*
 * What the fast path must leave to the general path: a zone flag, FRAME_NOPCP,
 * and an unqualified request whose NORMAL stack is empty while the DMA stack is not
 * (NORMAL is still preferred: refilled from its zone, not served from DMA's stack).
 */
static void test_alloc_fast_path_bypass(void)
{
	paddr_t a, d, pa;

	simram_boot_default();
	CHECK_EQ(frame_alloc(0, 0, &a), 0);            /* fills this CPU's NORMAL stack */
	frame_free(a, 0);
	CHECK_EQ(frame_alloc(0, FRAME_DMA, &d), 0);    /* fills the DMA stack */
	CHECK(d.raw < ZONE_DMA_LIMIT, "FRAME_DMA below 4 GiB");
	frame_free(d, 0);
	uint64_t normal_cached = zone_cached(ZONE_NORMAL);

	/* FRAME_DMA never comes from the NORMAL stack, even with that stack full. */
	CHECK_EQ(frame_alloc(0, FRAME_DMA, &pa), 0);
	CHECK(pa.raw < ZONE_DMA_LIMIT, "FRAME_DMA with a NORMAL block cached: %#lx", (unsigned long)pa.raw);
	CHECK_EQ(zone_cached(ZONE_NORMAL), normal_cached);
	frame_free(pa, 0);
	/* FRAME_NOPCP leaves every stack alone. */
	uint64_t dma_cached = zone_cached(ZONE_DMA);
	CHECK_EQ(frame_alloc(0, FRAME_NOPCP, &pa), 0);
	CHECK(pa.raw >= ZONE_DMA_LIMIT, "NOPCP still prefers NORMAL");
	CHECK_EQ(zone_cached(ZONE_NORMAL), normal_cached);
	CHECK_EQ(zone_cached(ZONE_DMA), dma_cached);
	CHECK_EQ(buddy_free_direct(pa, 0), 0);

	/* An empty NORMAL stack next to a full DMA one: still NORMAL. */
	buddy_drain_cpu(0);
	CHECK_EQ(frame_alloc(0, FRAME_DMA, &d), 0);
	frame_free(d, 0);
	CHECK_EQ(zone_cached(ZONE_NORMAL), 0);
	CHECK(zone_cached(ZONE_DMA) > 0, "a DMA block is cached");
	for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++) {
		CHECK_EQ(frame_alloc(o, 0, &pa), 0);
		CHECK(pa.raw >= ZONE_DMA_LIMIT, "order %u with only DMA cached: %#lx", o,
		      (unsigned long)pa.raw);
		frame_free(pa, o);
	}
	CHECK_EQ(buddy_check(), 0);
}

/*
 * A machine with all RAM below 4 GiB (the 128 MiB boots): no NORMAL stack ever
 * fills, so every small allocation takes the general path through the DMA stack,
 * and still gets distinct, usable, allocated blocks that all free back.
 */
static void test_alloc_dma_only_machine(void)
{
	static const struct mem_region r[] = { { 1 * MiB, 127 * MiB, MEM_USABLE } };
	struct snapshot before, after;
	paddr_t pa[64];

	simram_boot(r, 1);
	take_snapshot(&before);
	for (unsigned int i = 0; i < 64; i++) {
		CHECK_EQ(frame_alloc(i % BUDDY_PCP_ORDERS, FRAME_ZERO, &pa[i]), 0);
		CHECK(pa[i].raw < ZONE_DMA_LIMIT, "DMA");
		CHECK_EQ(frame_state(framedb_lookup(pa[i])), FRAME_ALLOCATED);
		CHECK(block_is_zero(pa[i], i % BUDDY_PCP_ORDERS), "zeroed");
		memset(phys_to_virt(pa[i]), 0x5a, PAGE_SIZE << (i % BUDDY_PCP_ORDERS));
		for (unsigned int j = 0; j < i; j++)
			CHECK(pa[j].raw != pa[i].raw, "block %u handed out twice", i);
	}
	for (unsigned int i = 0; i < 64; i++)
		CHECK_EQ(buddy_free(pa[i], i % BUDDY_PCP_ORDERS), 0);
	CHECK(zone_cached(ZONE_DMA) > 0, "freed into the DMA stack");
	CHECK_EQ(zone_cached(ZONE_NORMAL), 0);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "all coalesced");
}

/* ---- counts at the largest order ---- */

/*
 * frame_alloc_count() takes any count up to 2^FRAME_MAX_ORDER: exactly that count
 * (a power of two, so the whole largest block) works and frees back; one more is
 * -EINVAL from both the allocation and the free; one less uses the largest block
 * and returns its last frame.
 */
static void test_count_largest_order(void)
{
	static const struct mem_region r[] = {
		{ 1 * MiB, 15 * MiB, MEM_USABLE },
		{ 4 * GiB, 1 * GiB + 16 * MiB, MEM_USABLE },   /* one 1 GiB block, records above it */
	};
	const size_t max = (size_t)1 << FRAME_MAX_ORDER;
	struct snapshot before, after;
	paddr_t pa;

	simram_boot(r, 2);
	take_snapshot(&before);
	uint64_t free0 = total_free();

	if (!CHECK_EQ(frame_alloc_count(max, FRAME_NOWARN, &pa), 0))
		return;
	CHECK_EQ(pa.raw, 4 * GiB);
	CHECK_EQ(total_free(), free0 - max);
	struct frame *f = framedb_lookup(pa);
	CHECK_EQ(frame_state(f), FRAME_ALLOCATED);
	CHECK_EQ(f->order, FRAME_MAX_ORDER);
	CHECK_EQ(frame_alloc_count(max, FRAME_NOWARN, &pa), -ENOMEM);   /* there was one */
	CHECK_EQ(buddy_free_count(paddr(4 * GiB), max), 0);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "the largest block is whole again");

	host_printk_quiet(1);
	CHECK_EQ(frame_alloc_count(max + 1, FRAME_NOWARN, &pa), -EINVAL);
	CHECK_EQ(buddy_free_count(paddr(4 * GiB), max + 1), -EINVAL);
	host_printk_quiet(0);
	CHECK_EQ(total_free(), free0);

	if (!CHECK_EQ(frame_alloc_count(max - 1, FRAME_NOWARN, &pa), 0))
		return;
	CHECK_EQ(pa.raw, 4 * GiB);
	CHECK_EQ(total_free(), free0 - (max - 1));
	CHECK_EQ(frame_state(framedb_lookup(paddr(pa.raw + (max - 1) * PAGE_SIZE))), FRAME_FREE);
	CHECK_EQ(buddy_free_count(pa, max - 1), 0);
	take_snapshot(&after);
	CHECK(snapshot_equal(&before, &after), "coalesced back to the largest block");
	CHECK_EQ(buddy_check(), 0);
}

/* ---- physical limits not aligned to the order ---- */

/* Naturally aligned blocks of @order wholly inside [s, e) and below @limit. */
static uint64_t blocks_below(uint64_t s, uint64_t e, unsigned int order, uint64_t limit)
{
	uint64_t bs = PAGE_SIZE << order;

	e = MIN(e, limit);
	s = ALIGN_UP(s, bs);
	return e > s ? (e - s) / bs : 0;
}

/*
 * Allocate blocks of @order below @limit until none is left: every one lies wholly
 * below the limit, and there are exactly as many as the free RAM below it holds
 * (the default machine, nothing allocated yet). Then free them all.
 */
static void exhaust_below(unsigned int order, uint64_t limit)
{
	static paddr_t got[20000];
	const uint64_t bs = PAGE_SIZE << order;
	uint64_t want = blocks_below(0x1000, 0x9f000, order, limit) +
			blocks_below(1 * MiB, 8 * MiB, order, limit) +
			blocks_below(10 * MiB, 64 * MiB, order, limit);
	uint64_t n = 0;
	bool ok = true;

	while (n < ARRAY_SIZE(got) && frame_alloc_below(order, FRAME_NOWARN, paddr(limit), &got[n]) == 0) {
		ok &= CHECK(got[n].raw + bs <= limit && IS_ALIGNED(got[n].raw, bs),
			    "order %u below %#lx: block at %#lx", order, (unsigned long)limit,
			    (unsigned long)got[n].raw);
		n++;
		if (!ok)
			break;
	}
	CHECK_EQ(n, want);
	while (n > 0)
		frame_free(got[--n], order);
}

/*
 * frame_alloc_below() with limits that cut a free block: half a block past a
 * block boundary, one page past and one page before it, a limit that is not even
 * page aligned, and the DMA zone's own end and one page below it (where the
 * per-CPU stacks must not be used, as they hold blocks up to the zone's top).
 */
static void test_limits_unaligned(void)
{
	static const unsigned int orders[] = { 0, 1, 3, 4, 9 };
	struct snapshot before, after;

	simram_boot_default();
	take_snapshot(&before);
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int o = orders[i];
		uint64_t bs = PAGE_SIZE << o, edge = 20 * MiB;   /* inside the free [16, 32) MiB block */

		exhaust_below(o, edge);
		exhaust_below(o, edge + bs / 2);
		exhaust_below(o, edge + PAGE_SIZE);
		exhaust_below(o, edge - PAGE_SIZE);
		exhaust_below(o, edge + bs + 100);
		exhaust_below(o, 64 * MiB);
		exhaust_below(o, 64 * MiB - PAGE_SIZE);
		take_snapshot(&after);
		CHECK(snapshot_equal(&before, &after), "order %u: everything back", o);
	}
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
	RUN(test_alloc_fast_path);
	RUN(test_alloc_fast_path_bypass);
	RUN(test_alloc_dma_only_machine);
	RUN(test_count_largest_order);
	RUN(test_limits_unaligned);
	simram_release();
	return tap_done();
}

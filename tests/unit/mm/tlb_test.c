// SPDX-License-Identifier: MIT
/*
 * Host tests of the TLB batch (mm/tlb.c) at the edges of its documented limits, and
 * of what a huge-leaf split in the mapper (mm/mapper.c) leaves behind: built once per
 * arch format, run in every paging mode, over the recording TLB fake of vm_fake.c.
 *
 * The rules checked (include/mm/tlb.h, docs/vm.md): at most TLB_BATCH_RANGES
 * separate ranges are flushed one by one, one more makes the flush a full one even
 * under tlb_flush_all_threshold; at most the threshold's invalidations go one by
 * one, one more is a full flush; a change that must reach other CPUs makes the flush
 * a shootdown even when it arrives after the batch went full; a split huge leaf
 * keeps every part of its translation, in every smaller leaf down to the last of the
 * new table, and is followed by a flush of the huge translation, a full one on a
 * format that needs it for a non-leaf change (MMU_TABLE_FREE_FLUSH_ALL).
 *
 * The checks look only at what reached the arch hooks (which pages, a full flush,
 * a shootdown and its range count), not at how the batch stores its ranges.
 */
#include <mm/frame.h>

#include "vm_fake.h"

#include <mm/mapper.h>
#include <mm/tlb.h>

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

static struct cpuset cpus_self;    /* {0}: the test runs as CPU 0 */
static struct cpuset cpus_remote;  /* {0, 3}: live here and on CPU 3 */

static void setup(void)
{
	fake_mem_init(16 << 20);
	fake_tlb_reset();
	host_cpu_set(0);
	cpuset_clear(&cpus_self);
	cpuset_add(&cpus_self, 0);
	cpuset_clear(&cpus_remote);
	cpuset_add(&cpus_remote, 0);
	cpuset_add(&cpus_remote, 3);
	tlb_flush_all_threshold = 32;
}

/* A user-half address well inside every mode, aligned to @align. */
static uintptr_t uva(uintptr_t align)
{
	return ALIGN_UP((uintptr_t)0x5500000000ull & ((1ull << (mmu_va_bits(test_levels) - 2)) - 1),
			align);
}

static unsigned int count_events(enum fake_tlb_kind kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_tlb_nr; i++)
		n += fake_tlb_events[i].kind == kind;
	return n;
}

/* Was the translation at @va dropped locally (a page flush of it, or a full flush)? */
static bool flushed_locally(uintptr_t va)
{
	for (unsigned int i = 0; i < fake_tlb_nr; i++) {
		const struct fake_tlb_event *e = &fake_tlb_events[i];
		if (e->kind == TLB_EV_ALL || (e->kind == TLB_EV_PAGE && e->start == va))
			return true;
	}
	return false;
}

static const struct fake_tlb_event *shootdown(void)
{
	for (unsigned int i = 0; i < fake_tlb_nr; i++)
		if (fake_tlb_events[i].kind == TLB_EV_SHOOTDOWN)
			return &fake_tlb_events[i];
	return NULL;
}

/* @n separate single pages (two pages apart, so none merges), flushed on {0, 3}. */
static void flush_separate_pages(unsigned int n, uintptr_t va)
{
	struct tlb_batch b;

	tlb_batch_init(&b, &cpus_remote);
	for (unsigned int i = 0; i < n; i++)
		tlb_batch_add(&b, vaddr(va + 2 * i * K4), K4, K4, true);
	fake_tlb_reset();
	tlb_batch_flush(&b);
}

/*
 * TLB_BATCH_RANGES separate ranges are each flushed (a page event apiece, the
 * shootdown carrying them all); one more, still far under the invalidation
 * threshold, cannot be held and must turn into a full flush, locally and remotely,
 * so that no queued page is left out.
 */
static void test_batch_ranges_limit(void)
{
	setup();
	uintptr_t va = uva(M2);
	const struct fake_tlb_event *sd;

	CHECK(TLB_BATCH_RANGES + 1 <= tlb_flush_all_threshold, "the case is under the threshold");
	flush_separate_pages(TLB_BATCH_RANGES, va);
	CHECK_EQ(count_events(TLB_EV_ALL), 0);
	CHECK_EQ(count_events(TLB_EV_PAGE), TLB_BATCH_RANGES);
	for (unsigned int i = 0; i < TLB_BATCH_RANGES; i++)
		CHECK(flushed_locally(va + 2 * i * K4), "page %u of %u", i, TLB_BATCH_RANGES);
	sd = shootdown();
	if (CHECK(sd != NULL, "a shootdown to CPU 3")) {
		CHECK_EQ(sd->n, TLB_BATCH_RANGES);
		CHECK_EQ(sd->start, va);
		CHECK_EQ(sd->end, va + 2 * (TLB_BATCH_RANGES - 1) * K4 + K4);
	}

	flush_separate_pages(TLB_BATCH_RANGES + 1, va);
	CHECK_EQ(count_events(TLB_EV_ALL), 1);
	for (unsigned int i = 0; i <= TLB_BATCH_RANGES; i++)
		CHECK(flushed_locally(va + 2 * i * K4), "page %u of %u", i, TLB_BATCH_RANGES + 1);
	sd = shootdown();
	if (CHECK(sd != NULL, "a shootdown to CPU 3"))
		CHECK_EQ(sd->n, 0);           /* everything: the ranges could not all be kept */
}

/* The invalidation threshold on both sides: exactly it goes page by page, one more is full. */
static void test_batch_threshold_edge(void)
{
	struct tlb_batch b;

	setup();
	uintptr_t va = uva(M2);
	tlb_batch_init(&b, &cpus_remote);
	tlb_batch_add(&b, vaddr(va), tlb_flush_all_threshold * K4, K4, true);
	fake_tlb_reset();
	tlb_batch_flush(&b);
	CHECK_EQ(count_events(TLB_EV_ALL), 0);
	CHECK_EQ(fake_tlb_pages, tlb_flush_all_threshold);   /* local invalidations, one per page */
	const struct fake_tlb_event *sd = shootdown();
	if (CHECK(sd != NULL, "a shootdown to CPU 3")) {
		CHECK_EQ(sd->n, 1);
		CHECK_EQ(sd->start, va);
		CHECK_EQ(sd->end, va + tlb_flush_all_threshold * K4);
	}

	/* One more, arriving as a separate range after the first. */
	tlb_batch_add(&b, vaddr(va), tlb_flush_all_threshold * K4, K4, true);
	tlb_batch_add(&b, vaddr(va + 8 * M2), K4, K4, true);
	fake_tlb_reset();
	tlb_batch_flush(&b);
	CHECK_EQ(count_events(TLB_EV_ALL), 1);
	CHECK_EQ(count_events(TLB_EV_PAGE), 0);
	sd = shootdown();
	if (CHECK(sd != NULL, "a shootdown to CPU 3"))
		CHECK_EQ(sd->n, 0);
}

/*
 * A batch made full by changes only this CPU needs to see (new translations on a
 * fencing format), then handed a change other CPUs must see: the flush must still
 * reach them. Without that change, nothing is sent.
 */
static void test_batch_remote_after_full(void)
{
	struct tlb_batch b;
	const struct fake_tlb_event *sd;

	setup();
	uintptr_t va = uva(M2);

	/* Full by the invalidation count. */
	tlb_batch_init(&b, &cpus_remote);
	tlb_batch_add(&b, vaddr(va), (tlb_flush_all_threshold + 1) * K4, K4, false);
	fake_tlb_reset();
	tlb_batch_flush(&b);
	CHECK_EQ(count_events(TLB_EV_ALL), 1);
	CHECK(shootdown() == NULL, "local-only changes stay local");

	tlb_batch_add(&b, vaddr(va), (tlb_flush_all_threshold + 1) * K4, K4, false);
	tlb_batch_add(&b, vaddr(va + 4 * M2), K4, K4, true);
	fake_tlb_reset();
	tlb_batch_flush(&b);
	CHECK_EQ(count_events(TLB_EV_ALL), 1);
	sd = shootdown();
	if (CHECK(sd != NULL, "the remote change after the batch went full reaches CPU 3")) {
		CHECK(cpuset_has(&sd->cpus, 3), "target 3");
		CHECK_EQ(sd->n, 0);
	}

	/* Full by the number of ranges. */
	for (unsigned int i = 0; i <= TLB_BATCH_RANGES; i++)
		tlb_batch_add(&b, vaddr(va + 2 * i * K4), K4, K4, false);
	tlb_batch_add(&b, vaddr(va + 4 * M2), K4, K4, true);
	fake_tlb_reset();
	tlb_batch_flush(&b);
	sd = shootdown();
	if (CHECK(sd != NULL, "remote change after the ranges overflowed reaches CPU 3"))
		CHECK_EQ(sd->n, 0);
}

/* Map one huge leaf of level @level at a @level-aligned address; returns its address. */
static uintptr_t map_huge(struct pagetable *pt, unsigned int level, uint64_t pa)
{
	struct tlb_batch b;
	struct mapper_leaf l;
	uintptr_t sz = (uintptr_t)1 << mmu_level_shift(level);
	uintptr_t va = uva(sz);

	tlb_batch_init(&b, &cpus_remote);
	CHECK_EQ(mapper_map(pt, vaddr(va), paddr(pa), sz, MMU_READ | MMU_WRITE, MMU_CACHE_WB, 0, &b), 0);
	tlb_batch_flush(&b);
	CHECK_EQ(mapper_translate(pt, vaddr(va), &l), 0);
	CHECK_EQ(l.level, level);
	return va;
}

/*
 * Every leaf of [@va, @va + @size) maps its part of [@pa, ...) with @prot, except
 * the page at @odd (@odd_prot); the leaves tile the range with no gap. Returns the
 * number of leaves.
 */
static size_t check_tiling(const struct pagetable *pt, uintptr_t va, size_t size, uint64_t pa,
			   uintptr_t odd, unsigned int prot, unsigned int odd_prot)
{
	struct mapper_leaf l;
	vaddr_t c = vaddr(va);
	uintptr_t next = va;
	size_t n = 0;

	while (mapper_walk_next(pt, &c, vaddr(va + size), &l) == 0) {
		if (!CHECK_EQ(l.va.raw, next))
			return n;
		CHECK_EQ(l.pa.raw, pa + (l.va.raw - va));
		CHECK_EQ(l.prot, l.va.raw == odd ? odd_prot : prot);
		next = l.va.raw + l.size;
		n++;
		if (c.raw == 0 || next >= va + size)
			break;
	}
	CHECK_EQ(next, va + size);
	return n;
}

/*
 * Splitting a huge leaf: protect its first page. Every smaller leaf that replaced
 * it maps its part (the last one of each new table included, checked by tiling the
 * whole range), and the flush drops the huge translation before the small ones
 * are used: the huge leaf's own page flush plus a shootdown of it, or on a
 * MMU_TABLE_FREE_FLUSH_ALL format a full flush here and on the other CPUs.
 */
static void split_case(unsigned int level)
{
	struct pagetable pt;
	struct tlb_batch b;
	struct mapper_leaf l;
	uintptr_t sz = (uintptr_t)1 << mmu_level_shift(level);
	uint64_t pa = 8 * G1;

	mapper_init(&pt, test_levels);
	uintptr_t va = map_huge(&pt, level, pa);
	tlb_batch_init(&b, &cpus_remote);
	fake_tlb_reset();
	CHECK_EQ(mapper_protect(&pt, vaddr(va), K4, MMU_READ, &b), 0);
	tlb_batch_flush(&b);
	const struct fake_tlb_event *sd = shootdown();
	if (MMU_TABLE_FREE_FLUSH_ALL) {
		CHECK_EQ(count_events(TLB_EV_ALL), 1);
		if (CHECK(sd != NULL, "a shootdown"))
			CHECK_EQ(sd->n, 0);
	} else {
		CHECK_EQ(count_events(TLB_EV_ALL), 0);
		CHECK(flushed_locally(va), "the huge translation at %#lx", (unsigned long)va);
		if (CHECK(sd != NULL, "a shootdown"))
			CHECK(sd->n >= 1 && sd->start == va, "the shootdown starts at the huge leaf");
	}

	/* Level by level: 511 leaves of each split level, plus the 512 pages at the bottom. */
	CHECK_EQ(check_tiling(&pt, va, sz, pa, va, MMU_READ | MMU_WRITE, MMU_READ),
		 (size_t)(level - 1) * (MMU_PT_ENTRIES - 1) + MMU_PT_ENTRIES);
	/* The last small leaf of each new table, by itself. */
	for (unsigned int lv = level; lv > 0; lv--) {
		uintptr_t csz = (uintptr_t)1 << mmu_level_shift(lv - 1);
		/* The table that replaced the level-@lv leaf at va: its last entry. */
		uintptr_t last = va + ((uintptr_t)1 << mmu_level_shift(lv)) - csz;
		if (CHECK_EQ(mapper_translate(&pt, vaddr(last), &l), 0)) {
			CHECK_EQ(l.level, lv - 1);
			CHECK_EQ(l.pa.raw, pa + (last - va));
			CHECK_EQ(l.prot, MMU_READ | MMU_WRITE);
		}
	}

	/* An unmap cut inside a huge leaf flushes the same way. */
	tlb_batch_init(&b, &cpus_remote);
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), sz, 0, &b), 0);
	tlb_batch_flush(&b);
	va = map_huge(&pt, level, pa);
	tlb_batch_init(&b, &cpus_remote);
	fake_tlb_reset();
	CHECK_EQ(mapper_unmap(&pt, vaddr(va + sz - K4), K4, 0, &b), 0);
	tlb_batch_flush(&b);
	if (MMU_TABLE_FREE_FLUSH_ALL)
		CHECK_EQ(count_events(TLB_EV_ALL), 1);
	else
		CHECK(flushed_locally(va), "the huge translation at %#lx", (unsigned long)va);
	CHECK_EQ(mapper_translate(&pt, vaddr(va + sz - K4), &l), -ENOENT);
	CHECK_EQ(mapper_translate(&pt, vaddr(va + sz - 2 * K4), &l), 0);
	CHECK_EQ(l.pa.raw, pa + sz - 2 * K4);

	tlb_batch_init(&b, &cpus_self);
	mapper_destroy(&pt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 0);
}

static void test_split(void)
{
	setup();
	split_case(1);
	if (mmu_level_has_leaf(test_levels, 2))
		split_case(2);
}

int main(void)
{
	tap_start();
	tap_run_modes("TLB batch: TLB_BATCH_RANGES ranges one by one, one more is a full flush",
		      test_batch_ranges_limit);
	tap_run_modes("TLB batch: the invalidation threshold on both sides", test_batch_threshold_edge);
	tap_run_modes("TLB batch: a remote change after the batch went full is shot down",
		      test_batch_remote_after_full);
	tap_run_modes("huge-leaf split: every smaller leaf (the last too) and the flush it needs",
		      test_split);
	fake_mem_fini();
	return tap_done();
}

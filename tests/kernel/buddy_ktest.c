// SPDX-License-Identifier: MIT
/*
 * The "buddy" suite: the frame allocator against the machine's live memory.
 *
 * Every test takes a baseline of the free frames per zone first and ends with the
 * count back at it and buddy_check() passing (tests/kernel/mm_ktest.h).
 *
 * Held blocks are recorded on the side (struct held: an array and a bitmap of one
 * bit per frame, both from the allocator before the baseline), so the allocator
 * can be driven to exhaustion and a frame handed out twice, or a block
 * overlapping another, is seen the moment it is handed out. Each block is checked
 * to lie in usable RAM, aligned to its order, and mapped read/write by the direct
 * map (its first and last frame translated through the live kernel table).
 *
 * What is written into memory is bounded on purpose: the first write to RAM the
 * guest never used makes the host commit it, about 1.5 ms per fresh 2 MiB under
 * QEMU, so one word in each 2 MiB costs 6 s at 8 GiB. That rules out splitting
 * all of RAM into small blocks, too: every split writes a free-list link into
 * the upper half. So the exhaustion tests take memory from the largest order
 * down (each free block whole, nothing split), write and later check a stamp in
 * the first and last frame of about 32 of the blocks, and run order-0
 * allocation to exhaustion inside one block of 2^11 frames once everything else
 * is held; the smaller runs stamp every frame. A stamp names the frame and the
 * allocation, so a block overlapping it overwrites it.
 */
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/ktest.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/time.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/framedb.h>
#include <mm/init.h>
#include <mm/mapper.h>
#include "mm_ktest.h"

#define BLOCK_BYTES(order) (PAGE_SIZE << (order))

static inline uint64_t *frame_words(uint64_t pa)
{
	return phys_to_virt(paddr(pa));
}

static inline uint64_t stamp(uint64_t frame_pa, uint64_t seq)
{
	return 0x5eedf4a3e0000000ull ^ frame_pa ^ (seq * 0x9e3779b97f4a7c15ull);
}

/* Which frames of a held block carry a stamp (word 1 of the frame). */
enum stamp_mode { STAMP_NONE = 0, STAMP_ENDS = 1, STAMP_ALL = 2 };

/* An entry: block address | order (bits 0..4) | stamp mode (bits 6..7); 0: released. */
#define ENTRY_ORDER(e)  ((unsigned int)((e) & 0x1f))
#define ENTRY_MODE(e)   ((enum stamp_mode)(((e) >> 6) & 3))
#define ENTRY_PA(e)     ((e) & ~(PAGE_SIZE - 1))

struct held {
	uint64_t *e;                 /* the held blocks, in allocation order */
	size_t n, cap;
	uint64_t *bits;              /* one bit per frame from bits_base: held right now */
	uint64_t bits_base, bits_frames;
	paddr_t e_pa, bits_pa;
	unsigned int e_order, bits_order;
	uint64_t frames;             /* frames held */
	/* Failed checks, counted (one message each at the end, not one per block). */
	uint64_t misaligned, outside, overlaps, unmapped, bad_stamps, overflow;
	uint64_t first_bad;          /* the first address that failed a check */
};

static unsigned int order_for_bytes(uint64_t bytes)
{
	unsigned int order = 0;

	while (BLOCK_BYTES(order) < bytes)
		order++;
	return order;
}

/*
 * Storage for up to @cap blocks and a bitmap of every managed frame. Returns 0 or
 * -ENOMEM (nothing held).
 */
static int held_init(struct held *h, size_t cap)
{
	const struct frame_section *first = framedb_section_at(0);
	const struct frame_section *last = framedb_section_at(framedb_section_count() - 1);

	memset(h, 0, sizeof(*h));
	h->cap = cap;
	/* Aligned to 1 GiB, so a block's bits start at a multiple of its frame count. */
	h->bits_base = ALIGN_DOWN(first->base, BLOCK_BYTES(FRAME_MAX_ORDER));
	h->bits_frames = ALIGN_UP((last->end - h->bits_base) / PAGE_SIZE, (uint64_t)64);
	h->e_order = order_for_bytes(cap * sizeof(uint64_t));
	h->bits_order = order_for_bytes(h->bits_frames / 8);
	if (frame_alloc(h->e_order, FRAME_NOWARN, &h->e_pa) != 0)
		return -ENOMEM;
	if (frame_alloc(h->bits_order, FRAME_ZERO | FRAME_NOWARN, &h->bits_pa) != 0) {
		frame_free(h->e_pa, h->e_order);
		return -ENOMEM;
	}
	h->e = phys_to_virt(h->e_pa);
	h->bits = phys_to_virt(h->bits_pa);
	return 0;
}

static void held_fini(struct held *h)
{
	frame_free(h->e_pa, h->e_order);
	frame_free(h->bits_pa, h->bits_order);
}

static void note_bad(struct held *h, uint64_t *counter, uint64_t pa)
{
	if (h->misaligned + h->outside + h->overlaps + h->unmapped + h->bad_stamps + h->overflow == 0)
		h->first_bad = pa;
	(*counter)++;
}

/* Mark the block's frames held; returns false if any already was. */
static bool bits_claim(struct held *h, uint64_t pa, unsigned int order)
{
	uint64_t idx = (pa - h->bits_base) / PAGE_SIZE, n = 1ull << order;

	if (pa < h->bits_base || idx + n > h->bits_frames)
		return false;
	if (n >= 64) {
		bool clean = true;
		for (uint64_t w = idx / 64; w < (idx + n) / 64; w++) {
			clean &= h->bits[w] == 0;
			h->bits[w] = ~0ull;
		}
		return clean;
	}
	uint64_t mask = ((1ull << n) - 1) << (idx % 64);
	bool clean = (h->bits[idx / 64] & mask) == 0;
	h->bits[idx / 64] |= mask;
	return clean;
}

static void bits_release(struct held *h, uint64_t pa, unsigned int order)
{
	uint64_t idx = (pa - h->bits_base) / PAGE_SIZE, n = 1ull << order;

	if (n >= 64) {
		for (uint64_t w = idx / 64; w < (idx + n) / 64; w++)
			h->bits[w] = 0;
	} else {
		h->bits[idx / 64] &= ~(((1ull << n) - 1) << (idx % 64));
	}
}

/* Is the frame at @pa mapped read/write, not executable, at phys_to_virt(@pa)? */
static bool direct_mapped_rw(uint64_t pa)
{
	uintptr_t va = (uintptr_t)phys_to_virt(paddr(pa));
	struct mapper_leaf leaf;

	if (mapper_translate(&mm_kernel_pt, vaddr(va), &leaf) != 0)
		return false;
	return leaf.pa.raw + (va - leaf.va.raw) == pa &&
	       (leaf.prot & (MMU_READ | MMU_WRITE | MMU_EXEC)) == (MMU_READ | MMU_WRITE);
}

static void stamp_block(uint64_t pa, unsigned int order, enum stamp_mode mode, uint64_t seq)
{
	uint64_t n = 1ull << order;

	for (uint64_t f = 0; f < n; f++) {
		if (mode == STAMP_ENDS && f != 0 && f != n - 1)
			continue;
		uint64_t fpa = pa + f * PAGE_SIZE;
		WRITE_ONCE(frame_words(fpa)[1], stamp(fpa, seq));
	}
}

static void check_stamps(struct held *h, uint64_t pa, unsigned int order, enum stamp_mode mode,
			 uint64_t seq)
{
	uint64_t n = mode == STAMP_NONE ? 0 : 1ull << order;

	for (uint64_t f = 0; f < n; f++) {
		if (mode == STAMP_ENDS && f != 0 && f != n - 1)
			continue;
		uint64_t fpa = pa + f * PAGE_SIZE;
		if (READ_ONCE(frame_words(fpa)[1]) != stamp(fpa, seq))
			note_bad(h, &h->bad_stamps, fpa);
	}
}

/* Record (and check) a block frame_alloc() just returned. */
static void held_add(struct held *h, paddr_t pa, unsigned int order, enum stamp_mode mode)
{
	uint64_t size = BLOCK_BYTES(order);

	if (h->n == h->cap) {
		note_bad(h, &h->overflow, pa.raw);
		frame_free(pa, order);
		return;
	}
	if (!IS_ALIGNED(pa.raw, size))
		note_bad(h, &h->misaligned, pa.raw);
	if (!mm_ktest_is_usable(pa.raw, size))
		note_bad(h, &h->outside, pa.raw);
	if (!bits_claim(h, pa.raw, order))
		note_bad(h, &h->overlaps, pa.raw);
	if (!direct_mapped_rw(pa.raw) || !direct_mapped_rw(pa.raw + size - PAGE_SIZE))
		note_bad(h, &h->unmapped, pa.raw);
	if (mode != STAMP_NONE)
		stamp_block(pa.raw, order, mode, h->n);
	h->e[h->n++] = pa.raw | order | ((uint64_t)mode << 6);
	h->frames += 1ull << order;
}

/* Check and free the block of entry @i. */
static void held_release_one(struct held *h, size_t i)
{
	uint64_t e = h->e[i];

	if (!e)
		return;
	check_stamps(h, ENTRY_PA(e), ENTRY_ORDER(e), ENTRY_MODE(e), i);
	bits_release(h, ENTRY_PA(e), ENTRY_ORDER(e));
	frame_free(paddr(ENTRY_PA(e)), ENTRY_ORDER(e));
	h->frames -= 1ull << ENTRY_ORDER(e);
	h->e[i] = 0;
}

/* Check and free every held block, newest first. */
static void held_release_all(struct held *h)
{
	for (size_t i = h->n; i-- > 0;)
		held_release_one(h, i);
	h->n = 0;
}

static void expect_held_clean(struct ktest_ctx *t, const struct held *h)
{
	KT_EXPECT(t, h->misaligned == 0, "%llu blocks not aligned to their order (first bad %#llx)",
		  (unsigned long long)h->misaligned, (unsigned long long)h->first_bad);
	KT_EXPECT(t, h->outside == 0, "%llu blocks outside usable RAM (first bad %#llx)",
		  (unsigned long long)h->outside, (unsigned long long)h->first_bad);
	KT_EXPECT(t, h->overlaps == 0, "%llu blocks overlap a held one (first bad %#llx)",
		  (unsigned long long)h->overlaps, (unsigned long long)h->first_bad);
	KT_EXPECT(t, h->unmapped == 0, "%llu blocks not mapped read/write by the direct map "
		  "(first bad %#llx)", (unsigned long long)h->unmapped, (unsigned long long)h->first_bad);
	KT_EXPECT(t, h->bad_stamps == 0, "%llu stamps overwritten while held (first bad %#llx)",
		  (unsigned long long)h->bad_stamps, (unsigned long long)h->first_bad);
	KT_EXPECT(t, h->overflow == 0, "%llu blocks beyond the %zu expected",
		  (unsigned long long)h->overflow, h->cap);
}

/*
 * Blocks an exhaustion of the zones @flags allows takes when it goes from the
 * largest order down (caches drained): exactly the free blocks, none split.
 */
static size_t blocks_to_exhaust(unsigned int flags)
{
	size_t n = 0;

	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		if ((flags & FRAME_DMA) && z != ZONE_DMA)
			continue;
		buddy_get_stats((enum frame_zone)z, &st);
		for (unsigned int o = 0; o < FRAME_ORDERS; o++)
			n += st.free_blocks[o];
	}
	return n;
}

/*
 * Allocate with @flags until -ENOMEM at every order, from FRAME_MAX_ORDER down to
 * 0, stamping the ends of about 32 blocks spread over the run (of @expected).
 * Largest first takes each free block whole: no split writes a free-list link
 * into RAM nobody touched yet. Returns the last error (-ENOMEM expected).
 */
static int exhaust(struct held *h, unsigned int flags, size_t expected)
{
	size_t stride = MAX(expected / 32, (size_t)1), i = 0;
	paddr_t pa;
	int err = 0;

	for (unsigned int order = FRAME_MAX_ORDER + 1; order-- > 0;) {
		while ((err = frame_alloc(order, flags | FRAME_NOWARN, &pa)) == 0)
			held_add(h, pa, order, i++ % stride == 0 ? STAMP_ENDS : STAMP_NONE);
		if (err != -ENOMEM)
			break;
	}
	return err;
}

static uint64_t total_free(const struct mm_baseline *b)
{
	uint64_t n = 0;

	for (unsigned int z = 0; z < ZONE_COUNT; z++)
		n += b->free[z];
	return n;
}

/*
 * Allocate everything, every order from the largest down to 0 until -ENOMEM, and
 * check each block; with all else held, run one block's worth of order-0 frames
 * to exhaustion; free it all: the count returns exactly to its start.
 */
KTEST(buddy, exhaust_and_return)
{
	struct mm_baseline base;
	struct held h;
	uint64_t bad_before = buddy_bad_frees();

	mm_ktest_settle();
	/*
	 * Room for the blocks, what the storage itself splits off (under 2 *
	 * FRAME_ORDERS blocks) and the order-0 run at the end (2^11 frames and the
	 * halves around them).
	 */
	KT_ASSERT(t, held_init(&h, blocks_to_exhaust(0) + 64 + 2048 + FRAME_ORDERS) == 0,
		  "no memory for the test");
	mm_ktest_baseline(&base);

	uint64_t t0 = time_ns();
	size_t expected = blocks_to_exhaust(0);
	int err = exhaust(&h, 0, expected);
	uint64_t t1 = time_ns();

	/* Nothing may be left anywhere: not on a free list, not in a CPU cache. */
	mm_ktest_settle();
	uint64_t left_dma = mm_ktest_zone_free(ZONE_DMA), left_normal = mm_ktest_zone_free(ZONE_NORMAL);
	paddr_t extra = paddr(0);
	int err_more = frame_alloc(0, FRAME_NOWARN, &extra);
	if (err_more == 0)
		frame_free(extra, 0);
	uint64_t frames = h.frames;
	size_t blocks = h.n;

	/*
	 * With everything else held, give back one block of up to 2^11 frames and take
	 * it again as order-0 frames until -ENOMEM: exactly its frames must come back,
	 * split down through the per-CPU cache.
	 */
	size_t pick = SIZE_MAX;
	for (size_t i = 0; i < h.n; i++)
		if (pick == SIZE_MAX || ENTRY_ORDER(h.e[i]) > ENTRY_ORDER(h.e[pick]))
			pick = i;
	uint64_t small_got = 0, small_outside = 0, small_want = 0;
	int small_err = -ENOMEM;
	bool came_back = true;
	if (pick != SIZE_MAX && ENTRY_ORDER(h.e[pick]) > 0) {
		uint64_t e = h.e[pick], lo = ENTRY_PA(e), hi = lo + BLOCK_BYTES(ENTRY_ORDER(e));
		unsigned int order = MIN(ENTRY_ORDER(e), 11u);

		/* It is the only free block: it must come back whole. */
		held_release_one(&h, pick);
		int rc = frame_alloc(ENTRY_ORDER(e), FRAME_NOWARN, &extra);
		came_back = rc == 0 && extra.raw == lo;
		if (came_back) {
			frame_free(extra, ENTRY_ORDER(e));
			/* Hold all of it but 2^order frames, in blocks of halving size. */
			for (unsigned int o = ENTRY_ORDER(e); o-- > order;)
				if (frame_alloc(o, FRAME_NOWARN, &extra) == 0)
					held_add(&h, extra, o, STAMP_NONE);
			small_want = 1ull << order;
			while (small_got <= small_want &&
			       (small_err = frame_alloc(0, FRAME_NOWARN, &extra)) == 0) {
				if (extra.raw < lo || extra.raw >= hi)
					small_outside++;
				held_add(&h, extra, 0, STAMP_ALL);
				small_got++;
			}
		} else if (rc == 0) {
			held_add(&h, extra, ENTRY_ORDER(e), STAMP_NONE);
		}
	}

	held_release_all(&h);
	uint64_t t2 = time_ns();

	KT_EXPECT_EQ(t, err, -ENOMEM);
	KT_EXPECT_EQ(t, err_more, -ENOMEM);
	KT_EXPECT_EQ(t, blocks, expected);
	KT_EXPECT(t, came_back, "the only free block was not handed out again");
	KT_EXPECT_EQ(t, small_err, -ENOMEM);
	KT_EXPECT_EQ(t, small_got, small_want);
	KT_EXPECT_EQ(t, small_outside, 0);
	KT_EXPECT_EQ(t, left_dma, 0);
	KT_EXPECT_EQ(t, left_normal, 0);
	KT_EXPECT(t, frames == total_free(&base), "allocated %llu frames, %llu were free",
		  (unsigned long long)frames, (unsigned long long)total_free(&base));
	expect_held_clean(t, &h);
	KT_EXPECT_EQ(t, buddy_bad_frees(), bad_before);
	mm_ktest_expect_baseline(t, &base);
	held_fini(&h);
	ktest_log(t, "%llu frames in %zu blocks, then %llu order-0 frames: allocated in %llu ms, "
		  "checked and freed in %llu ms", (unsigned long long)frames, blocks,
		  (unsigned long long)small_got,
		  (unsigned long long)((t1 - t0) / 1000000), (unsigned long long)((t2 - t1) / 1000000));
}

/* A small deterministic generator (xorshift64). */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define MIXED_MAX      1024
#define MIXED_FRAMES   (32u << (20 - PAGE_SHIFT))   /* hold at most 32 MiB */

/*
 * Orders 0..10 (each at least once, then mostly small ones), every frame
 * stamped, freed out of order: the odd entries first, with the free lists checked
 * half way, then the rest newest first.
 */
KTEST(buddy, mixed_orders)
{
	struct mm_baseline base;
	struct held h;
	uint64_t s = 0x2545f4914f6cdd1dull;
	unsigned int orders_seen = 0;

	KT_ASSERT(t, held_init(&h, MIXED_MAX) == 0, "no memory for the test");
	mm_ktest_baseline(&base);
	while (h.n < MIXED_MAX) {
		uint64_t r = rnd_next(&s);
		/* The first eleven: orders 10 down to 0; then three in four per-CPU cached orders. */
		unsigned int order = h.n <= 10 ? 10 - (unsigned int)h.n :
				     (r & 3) ? (unsigned int)(r >> 8) % 4 : 4 + (unsigned int)(r >> 8) % 7;
		paddr_t pa;

		if (h.frames + (1u << order) > MIXED_FRAMES ||
		    frame_alloc(order, FRAME_NOWARN, &pa) != 0)
			break;
		held_add(&h, pa, order, STAMP_ALL);
		orders_seen |= 1u << order;
	}
	KT_EXPECT(t, h.n >= 64, "only %zu blocks allocated", h.n);
	KT_EXPECT(t, (orders_seen & 0x7ff) == 0x7ff, "orders used %#x, expected 0..10", orders_seen);

	/* Held: the free count dropped by exactly what we hold. */
	mm_ktest_settle();
	uint64_t now = mm_ktest_zone_free(ZONE_DMA) + mm_ktest_zone_free(ZONE_NORMAL);
	KT_EXPECT(t, now + h.frames == total_free(&base), "holding %llu frames, free %llu of %llu",
		  (unsigned long long)h.frames, (unsigned long long)now,
		  (unsigned long long)total_free(&base));

	for (size_t i = 1; i < h.n; i += 2)
		held_release_one(&h, i);
	buddy_drain_all();
	KT_EXPECT(t, buddy_check() == 0, "free lists inconsistent half way");
	held_release_all(&h);

	expect_held_clean(t, &h);
	mm_ktest_expect_baseline(t, &base);
	held_fini(&h);
}

/* frame_alloc_count(): the exact count leaves the free lists, aligned as promised. */
KTEST(buddy, alloc_count_exact)
{
	static const size_t counts[] = { 1, 3, 5, 100, 513, 1000 };
	struct mm_baseline base;

	mm_ktest_baseline(&base);
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		size_t count = counts[i], align = 1;
		paddr_t pa;

		while (align * 2 <= count)
			align *= 2;
		KT_ASSERT(t, frame_alloc_count(count, FRAME_NOWARN, &pa) == 0, "count %zu failed", count);
		mm_ktest_settle();
		uint64_t now = mm_ktest_zone_free(ZONE_DMA) + mm_ktest_zone_free(ZONE_NORMAL);
		KT_EXPECT(t, now + count == total_free(&base), "count %zu: %llu free, %llu before",
			  count, (unsigned long long)now, (unsigned long long)total_free(&base));
		KT_EXPECT(t, IS_ALIGNED(pa.raw, align * PAGE_SIZE), "count %zu at %#llx, not %zu-frame aligned",
			  count, (unsigned long long)pa.raw, align);
		KT_EXPECT(t, mm_ktest_is_usable(pa.raw, count * PAGE_SIZE), "count %zu at %#llx",
			  count, (unsigned long long)pa.raw);
		KT_EXPECT(t, buddy_check() == 0, "free lists inconsistent after count %zu", count);
		for (size_t f = 0; f < count; f++)
			WRITE_ONCE(frame_words(pa.raw + f * PAGE_SIZE)[0], f);
		for (size_t f = 0; f < count; f++)
			KT_EXPECT_EQ(t, READ_ONCE(frame_words(pa.raw + f * PAGE_SIZE)[0]), f);
		frame_free_count(pa, count);
		if (!mm_ktest_expect_baseline(t, &base))
			return;
	}
}

static bool block_is_zero(uint64_t pa, unsigned int order, uint64_t *at)
{
	const uint64_t *w = phys_to_virt(paddr(pa));

	for (uint64_t i = 0; i < BLOCK_BYTES(order) / sizeof(uint64_t); i++) {
		if (w[i] != 0) {
			*at = pa + i * sizeof(uint64_t);
			return false;
		}
	}
	return true;
}

/*
 * FRAME_ZERO on the path @flags selects: dirty a block, free it, then allocate
 * with FRAME_ZERO until the dirty block comes back (or 64 tries), every block
 * handed out all zeroes.
 */
static void zero_case(struct ktest_ctx *t, unsigned int order, unsigned int flags)
{
	paddr_t dirty, got[64];
	unsigned int n = 0;
	bool seen = false;

	if (frame_alloc(order, flags | FRAME_NOWARN, &dirty) != 0) {
		ktest_log(t, "order %u flags %#x: no block, case skipped", order, flags);
		return;
	}
	memset(phys_to_virt(dirty), 0xa5, BLOCK_BYTES(order));
	/* Where a FRAME_NOPCP allocation looks: the zone lists, not the CPU cache. */
	if (flags & FRAME_NOPCP)
		buddy_free_direct(dirty, order);
	else
		frame_free(dirty, order);
	while (n < ARRAY_SIZE(got) && !seen) {
		uint64_t at;
		if (frame_alloc(order, flags | FRAME_ZERO | FRAME_NOWARN, &got[n]) != 0)
			break;
		KT_EXPECT(t, block_is_zero(got[n].raw, order, &at),
			  "order %u flags %#x: block %#llx not zeroed at %#llx", order, flags,
			  (unsigned long long)got[n].raw, (unsigned long long)at);
		seen = paddr_eq(got[n], dirty);
		n++;
	}
	KT_EXPECT(t, n > 0, "order %u flags %#x: FRAME_ZERO allocation failed", order, flags);
	if (!seen)
		ktest_log(t, "order %u flags %#x: the dirtied block did not come back in %u tries",
			  order, flags, n);
	while (n)
		frame_free(got[--n], order);
}

KTEST(buddy, frame_zero)
{
	struct mm_baseline base;

	mm_ktest_baseline(&base);
	zero_case(t, 0, 0);             /* per-CPU cache (the inline fast path if NORMAL has memory) */
	zero_case(t, 0, FRAME_DMA);     /* per-CPU cache through buddy_alloc() */
	zero_case(t, 2, 0);
	zero_case(t, 5, 0);             /* the zone lists */
	zero_case(t, 0, FRAME_NOPCP);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * FRAME_DMA under pressure: the DMA zone allocated to exhaustion, none of it from
 * above 4 GiB, every DMA frame handed out, and the Normal zone not touched
 * meanwhile.
 */
KTEST(buddy, dma_exhaustion)
{
	struct mm_baseline base;
	struct held h;
	paddr_t pa;

	mm_ktest_settle();
	KT_ASSERT(t, held_init(&h, blocks_to_exhaust(FRAME_DMA) + 64) == 0, "no memory for the test");
	mm_ktest_baseline(&base);
	int err = exhaust(&h, FRAME_DMA, blocks_to_exhaust(FRAME_DMA));

	uint64_t above = 0, first_above = 0;
	for (size_t i = 0; i < h.n; i++) {
		uint64_t e = h.e[i];
		if (ENTRY_PA(e) + BLOCK_BYTES(ENTRY_ORDER(e)) > ZONE_DMA_LIMIT && !above++)
			first_above = ENTRY_PA(e);
	}
	mm_ktest_settle();
	uint64_t dma_left = mm_ktest_zone_free(ZONE_DMA), normal_now = mm_ktest_zone_free(ZONE_NORMAL);
	int err_below = frame_alloc_below(0, FRAME_NOWARN, paddr(ZONE_DMA_LIMIT), &pa);
	if (err_below == 0)
		frame_free(pa, 0);
	uint64_t frames = h.frames;
	held_release_all(&h);

	KT_EXPECT(t, above == 0, "%llu FRAME_DMA blocks above 4 GiB (first %#llx)",
		  (unsigned long long)above, (unsigned long long)first_above);
	KT_EXPECT_EQ(t, err, -ENOMEM);
	KT_EXPECT_EQ(t, frames, base.free[ZONE_DMA]);
	KT_EXPECT_EQ(t, dma_left, 0);
	KT_EXPECT_EQ(t, normal_now, base.free[ZONE_NORMAL]);
	KT_EXPECT_EQ(t, err_below, -ENOMEM);
	expect_held_clean(t, &h);
	mm_ktest_expect_baseline(t, &base);
	held_fini(&h);
}

/*
 * FRAME_NORMAL takes only from ZONE_NORMAL (-ENOMEM without one, never a DMA
 * frame), and with no zone flag an allocation prefers ZONE_NORMAL when it has a
 * block of the order.
 */
KTEST(buddy, normal_zone_preferred)
{
	struct mm_baseline base;
	struct buddy_zone_stats st;
	paddr_t pa;

	mm_ktest_baseline(&base);
	buddy_get_stats(ZONE_NORMAL, &st);
	int err = frame_alloc(9, FRAME_NORMAL | FRAME_NOWARN, &pa);
	bool has_block = false;
	for (unsigned int o = 9; o < FRAME_ORDERS; o++)
		has_block |= st.free_blocks[o] != 0;
	if (!has_block) {
		KT_EXPECT_EQ(t, err, -ENOMEM);
		if (err == 0)
			frame_free(pa, 9);
		ktest_log(t, "no order-9 block in ZONE_NORMAL (%llu frames managed)",
			  (unsigned long long)st.managed_frames);
	} else {
		KT_EXPECT_EQ(t, err, 0);
		if (err == 0) {
			KT_EXPECT(t, pa.raw >= ZONE_DMA_LIMIT, "FRAME_NORMAL block at %#llx",
				  (unsigned long long)pa.raw);
			frame_free(pa, 9);
		}
		err = frame_alloc(9, FRAME_NOWARN, &pa);
		KT_EXPECT_EQ(t, err, 0);
		if (err == 0) {
			KT_EXPECT(t, pa.raw >= ZONE_DMA_LIMIT, "default block at %#llx with ZONE_NORMAL free",
				  (unsigned long long)pa.raw);
			frame_free(pa, 9);
		}
	}
	KT_EXPECT_EQ(t, frame_alloc(0, FRAME_DMA | FRAME_NORMAL | FRAME_NOWARN, &pa), -EINVAL);
	KT_EXPECT_EQ(t, frame_alloc(FRAME_MAX_ORDER + 1, FRAME_NOWARN, &pa), -EINVAL);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * frame_alloc_below() with limits that are not zone boundaries: 16 MiB above the
 * lowest managed frame, allocated until -ENOMEM (there are at most 4096 frames
 * there, so it must come); a limit that is not even a block boundary for the
 * order; and a limit below all managed memory.
 */
KTEST(buddy, alloc_below_limit)
{
	struct mm_baseline base;
	const uint64_t span = 16ull << 20;
	uint64_t lowest = framedb_section_at(0)->base;
	uint64_t limit = lowest + span, head = 0, got = 0, above = 0, first_above = 0;
	paddr_t pa;
	int err = 0;

	mm_ktest_baseline(&base);
	while (got <= span / PAGE_SIZE) {
		err = frame_alloc_below(0, FRAME_NOWARN, paddr(limit), &pa);
		if (err)
			break;
		if (pa.raw + PAGE_SIZE > limit && !above++)
			first_above = pa.raw;
		WRITE_ONCE(frame_words(pa.raw)[0], head);
		head = pa.raw;
		got++;
	}
	KT_EXPECT_EQ(t, err, -ENOMEM);
	KT_EXPECT(t, above == 0, "%llu frames at or above the limit %#llx (first %#llx)",
		  (unsigned long long)above, (unsigned long long)limit,
		  (unsigned long long)first_above);
	while (head) {
		uint64_t b = head;
		head = READ_ONCE(frame_words(b)[0]);
		frame_free(paddr(b), 0);
	}
	ktest_log(t, "%llu frames free below %#llx", (unsigned long long)got,
		  (unsigned long long)limit);

	/* An order-2 block (16 KiB) under a limit 8 KiB past a 16 KiB boundary. */
	uint64_t odd = ZONE_DMA_LIMIT / 2 + 0x2000;
	err = frame_alloc_below(2, FRAME_NOWARN, paddr(odd), &pa);
	if (err == 0) {
		KT_EXPECT(t, pa.raw + BLOCK_BYTES(2) <= odd, "block %#llx crosses %#llx",
			  (unsigned long long)pa.raw, (unsigned long long)odd);
		KT_EXPECT(t, IS_ALIGNED(pa.raw, BLOCK_BYTES(2)), "block %#llx misaligned",
			  (unsigned long long)pa.raw);
		frame_free(pa, 2);
	}
	KT_EXPECT_EQ(t, frame_alloc_below(0, FRAME_NOWARN, paddr(lowest), &pa), -ENOMEM);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * Bad frees are reported (-EINVAL, buddy_bad_frees() counts them) and change
 * nothing: a double free (from the per-CPU cache and from the free lists), a
 * wrong order, a tail frame, a misaligned address, memory the allocator does not
 * manage. The block is still freed correctly afterwards.
 */
KTEST(buddy, bad_free_reported)
{
	struct mm_baseline base;
	uint64_t before = buddy_bad_frees(), expected = 0;
	const struct frame_section *last = framedb_section_at(framedb_section_count() - 1);
	paddr_t a, b;

	mm_ktest_baseline(&base);
	KT_ASSERT(t, frame_alloc(0, FRAME_NOWARN, &a) == 0, "no frame");
	frame_free(a, 0);
	KT_EXPECT_EQ(t, buddy_free(a, 0), -EINVAL);          /* double free: in a CPU cache */
	expected++;
	buddy_drain_all();
	KT_EXPECT_EQ(t, buddy_free(a, 0), -EINVAL);          /* double free: on the free lists */
	expected++;
	frame_free(a, 0);                                    /* and through the void API */
	expected++;

	KT_ASSERT(t, frame_alloc(2, FRAME_NOWARN, &b) == 0, "no order-2 block");
	KT_EXPECT_EQ(t, buddy_free(b, 1), -EINVAL);          /* wrong order */
	KT_EXPECT_EQ(t, buddy_free(paddr_add(b, PAGE_SIZE), 0), -EINVAL);   /* a tail */
	KT_EXPECT_EQ(t, buddy_free(paddr_add(b, 0x800), 0), -EINVAL);        /* misaligned */
	KT_EXPECT_EQ(t, buddy_free(paddr(ALIGN_UP(last->end, 1ull << 30) + (1ull << 30)), 0),
		     -EINVAL);                                /* beyond managed memory */
	expected += 4;
	KT_EXPECT_EQ(t, buddy_free(b, 2), 0);                /* the real free still works */
	KT_EXPECT_EQ(t, buddy_free(b, 2), -EINVAL);
	expected++;

	KT_EXPECT_EQ(t, buddy_bad_frees() - before, expected);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * The per-CPU caches are their CPU's alone: buddy_drain_cpu(c) is a cross-CPU call
 * that CPU c serves, emptying its own cache and nobody else's. Each online CPU in
 * turn (the others through smp_work_start()) allocates and frees a few frames, which
 * leaves them in its cache; then each CPU's cache is drained through the call, one
 * CPU at a time, and the cached count must drop by exactly what that CPU held, to 0
 * at the end, with the free count back at the baseline. With one CPU online this is
 * the local path (the call runs the drain directly); it loops over cpu_online_set,
 * so it covers every CPU that is online.
 */
#define FILL_FRAMES 24

static unsigned int fill_errors[NCPUS];

static void fill_cache(void *arg)
{
	paddr_t pa[FILL_FRAMES];

	(void)arg;
	for (unsigned int i = 0; i < FILL_FRAMES; i++)
		if (frame_alloc(i % BUDDY_PCP_ORDERS, FRAME_NOWARN, &pa[i]) != 0) {
			fill_errors[cpu_current()]++;
			pa[i] = paddr(0);
		}
	for (unsigned int i = FILL_FRAMES; i-- > 0;)
		if (pa[i].raw)
			frame_free(pa[i], i % BUDDY_PCP_ORDERS);
}

static uint64_t cached_frames(void)
{
	uint64_t n = 0;

	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		n += st.cached_frames;
	}
	return n;
}

KTEST(buddy, drain_every_cpu)
{
	struct mm_baseline base;
	uint64_t held[NCPUS] = { 0 };
	unsigned int self = cpu_current(), cpus = 0;

	mm_ktest_baseline(&base);
	KT_EXPECT_EQ(t, cached_frames(), 0);
	memset(fill_errors, 0, sizeof(fill_errors));
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c))
			continue;
		uint64_t before = cached_frames();
		if (c == self) {
			fill_cache(NULL);
		} else {
			while (smp_work_start(c, fill_cache, NULL) == -EBUSY)
				cpu_relax();
			smp_work_wait(c);
		}
		held[c] = cached_frames() - before;
		KT_EXPECT(t, held[c] > 0, "CPU %u's cache holds nothing after its frees", c);
		KT_EXPECT_EQ(t, fill_errors[c], 0);
		cpus++;
	}
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c))
			continue;
		uint64_t before = cached_frames();
		buddy_drain_cpu(c);
		KT_EXPECT(t, before - cached_frames() == held[c],
			  "draining CPU %u freed %llu cached frames, it held %llu", c,
			  (unsigned long long)(before - cached_frames()), (unsigned long long)held[c]);
	}
	KT_EXPECT_EQ(t, cached_frames(), 0);
	/* Nothing settled on the side: the count is back without mm_ktest_settle(). */
	for (unsigned int z = 0; z < ZONE_COUNT; z++)
		KT_EXPECT_EQ(t, mm_ktest_zone_free((enum frame_zone)z), base.free[z]);
	KT_EXPECT_EQ(t, buddy_check(), 0);
	ktest_log(t, "%u CPU caches drained by cross-CPU call", cpus);
	mm_ktest_expect_baseline(t, &base);
}

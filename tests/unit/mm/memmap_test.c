// SPDX-License-Identifier: MIT
/*
 * Host unit tests for mm/memmap.c (the boot memory map normaliser), printed as TAP
 * version 13 for meson test. Exits 0 only if every test passed.
 *
 * Hand-written cases pin down each rule of <mm/memmap.h> (precedence, rounding,
 * merging, the 64-bit edge, errors); a randomised test then checks thousands of raw
 * maps against a page-by-page reference model written straight from the header's
 * rules, so the two do not share an algorithm.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/memmap.h>
#include <kern/errno.h>

#define P 4096ull   /* the page size of most cases */

#include "../host/tap.h"

/* ---- helpers ---- */

/* Print @map as TAP diagnostics under @what. */
static void dump_map(const char *what, const struct memmap *map)
{
	printf("#   %s: %zu regions\n", what, map->count);
	for (size_t i = 0; i < map->count && i < MEMMAP_MAX; i++)
		printf("#     [0x%016" PRIx64 " +0x%016" PRIx64 ") %s\n", map->regions[i].base,
		       map->regions[i].size, memmap_type_name(map->regions[i].type));
}

/*
 * Check every invariant of a normalised map for @page_size: sorted, non-overlapping,
 * page aligned, non-empty, not wrapping, typed, adjacent same types merged.
 * Returns true if all hold (failures are reported through CHECK).
 */
static bool check_invariants(const struct memmap *map, uint64_t page_size)
{
	bool ok = CHECK(map->count <= MEMMAP_MAX, "count %zu", map->count);

	for (size_t i = 0; ok && i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];

		ok &= CHECK(r->size != 0, "region %zu is empty", i);
		ok &= CHECK(r->base % page_size == 0 && r->size % page_size == 0,
			    "region %zu [0x%" PRIx64 " +0x%" PRIx64 ") not aligned to 0x%" PRIx64,
			    i, r->base, r->size, page_size);
		ok &= CHECK(r->size <= UINT64_MAX - r->base, "region %zu wraps", i);
		ok &= CHECK((unsigned int)r->type < MEM_TYPE_COUNT, "region %zu type %d", i,
			    (int)r->type);
		if (i == 0)
			continue;
		const struct mem_region *q = &map->regions[i - 1];
		ok &= CHECK(q->base + q->size <= r->base, "regions %zu and %zu overlap or are "
			    "unsorted", i - 1, i);
		ok &= CHECK(q->base + q->size != r->base || q->type != r->type,
			    "regions %zu and %zu touch with the same type", i - 1, i);
	}
	if (!ok)
		dump_map("map", map);
	return ok;
}

/* Are @a and @b the same list of regions? */
static bool maps_equal(const struct memmap *a, const struct memmap *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->regions[i].base != b->regions[i].base ||
		    a->regions[i].size != b->regions[i].size ||
		    a->regions[i].type != b->regions[i].type)
			return false;
	return true;
}

/* Check that @map holds exactly the @n regions @want (dumping both if not). */
static bool check_map(const struct memmap *map, const struct mem_region *want, size_t n)
{
	struct memmap expected;

	memmap_init(&expected);
	for (size_t i = 0; i < n; i++)
		expected.regions[expected.count++] = want[i];
	if (CHECK(maps_equal(map, &expected), "the map differs from the expected one"))
		return true;
	dump_map("got", map);
	dump_map("want", &expected);
	return false;
}

#define EXPECT_MAP(map, ...)                                                       \
	({                                                                         \
		const struct mem_region want_[] = { __VA_ARGS__ };                 \
		check_map((map), want_, sizeof(want_) / sizeof(want_[0]));         \
	})

#define R(base_, size_, type_) { .base = (base_), .size = (size_), .type = (type_) }

/* memmap_add() that must succeed. */
static void add(struct memmap *map, uint64_t base, uint64_t size, enum mem_type type)
{
	int err = memmap_add(map, base, size, type);

	CHECK(err == 0, "memmap_add(0x%" PRIx64 ", 0x%" PRIx64 ", %d) = %d", base, size,
	      (int)type, err);
}

/* memmap_normalise() that must succeed and leave a valid map. */
static void normalise(struct memmap *map, uint64_t page_size)
{
	int err = memmap_normalise(map, page_size);

	if (CHECK(err == 0, "memmap_normalise(0x%" PRIx64 ") = %d", page_size, err))
		check_invariants(map, page_size);
}

/* splitmix64: a small, fixed-seed generator so every run tests the same maps. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number in [0, n), n > 0 (the small bias does not matter here). */
static uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* ---- the tests ---- */

/* A fresh map is empty; normalising it keeps it empty; totals are zero. */
static void test_empty(void)
{
	struct memmap map;

	memmap_init(&map);
	CHECK_EQ(map.count, 0);
	normalise(&map, P);
	CHECK_EQ(map.count, 0);
	for (unsigned int t = 0; t < MEM_TYPE_COUNT; t++)
		CHECK_EQ(memmap_total(&map, (enum mem_type)t), 0);

	/* A map left with junk by a previous use is emptied by memmap_init(). */
	add(&map, 0, P, MEM_USABLE);
	memmap_init(&map);
	CHECK_EQ(map.count, 0);
}

/* memmap_add() keeps raw regions as given, in order, until MEMMAP_MAX: then -ENOSPC. */
static void test_add_full(void)
{
	static struct memmap map;

	memmap_init(&map);
	for (unsigned int i = 0; i < MEMMAP_MAX; i++)
		add(&map, 3 * i + 1, i, (enum mem_type)(i % MEM_TYPE_COUNT));
	CHECK_EQ(map.count, MEMMAP_MAX);
	for (unsigned int i = 0; i < MEMMAP_MAX; i++) {
		CHECK_EQ(map.regions[i].base, 3 * i + 1);
		CHECK_EQ(map.regions[i].size, i);
		CHECK_EQ(map.regions[i].type, i % MEM_TYPE_COUNT);
	}
	CHECK_EQ(memmap_add(&map, 0x1000, 0x1000, MEM_KERNEL), -ENOSPC);
	CHECK_EQ(map.count, MEMMAP_MAX);
	CHECK_EQ(map.regions[MEMMAP_MAX - 1].base, 3 * (MEMMAP_MAX - 1) + 1);

	/* A full map still normalises. */
	normalise(&map, 1);
}

/* A type outside the enum is refused by memmap_add() and by memmap_normalise(). */
static void test_bad_type(void)
{
	struct memmap map;

	memmap_init(&map);
	CHECK_EQ(memmap_add(&map, 0, P, MEM_TYPE_COUNT), -EINVAL);
	CHECK_EQ(memmap_add(&map, 0, P, (enum mem_type)-1), -EINVAL);
	CHECK_EQ(map.count, 0);

	add(&map, 0, 2 * P, MEM_USABLE);
	map.regions[map.count++] = (struct mem_region)R(P, P, MEM_TYPE_COUNT);
	CHECK_EQ(memmap_normalise(&map, P), -EINVAL);
	CHECK_EQ(map.count, 2);   /* untouched */
	CHECK_EQ(map.regions[0].size, 2 * P);

	map.count = MEMMAP_MAX + 1;
	CHECK_EQ(memmap_normalise(&map, P), -EINVAL);
}

/* page_size must be a power of two; the map is untouched otherwise. */
static void test_bad_page_size(void)
{
	static const uint64_t bad[] = { 0, 3, 6, 4095, 4097, 0x3000, UINT64_MAX,
					(1ull << 63) + 1 };
	struct memmap map;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memmap_init(&map);
		add(&map, 5, 3 * P, MEM_USABLE);
		CHECK(memmap_normalise(&map, bad[i]) == -EINVAL, "page size 0x%" PRIx64, bad[i]);
		EXPECT_MAP(&map, R(5, 3 * P, MEM_USABLE));
	}
	/* Every power of two is fine, including 1 and 2^63. */
	for (unsigned int s = 0; s < 64; s++) {
		memmap_init(&map);
		add(&map, 0, 1ull << 63, MEM_USABLE);
		normalise(&map, 1ull << s);
		EXPECT_MAP(&map, R(0, 1ull << 63, MEM_USABLE));
	}
}

/* Disjoint regions given in any order come out sorted. */
static void test_unsorted(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 40 * P, 4 * P, MEM_MMIO);
	add(&map, 20 * P, 2 * P, MEM_USABLE);
	add(&map, 0, 8 * P, MEM_USABLE);
	add(&map, 30 * P, P, MEM_ACPI_NVS);
	add(&map, 10 * P, 3 * P, MEM_KERNEL);
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, 8 * P, MEM_USABLE),
		   R(10 * P, 3 * P, MEM_KERNEL),
		   R(20 * P, 2 * P, MEM_USABLE),
		   R(30 * P, P, MEM_ACPI_NVS),
		   R(40 * P, 4 * P, MEM_MMIO));
}

/* A reservation inside RAM splits it into three. */
static void test_reserved_inside_usable(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 0, 16 * P, MEM_USABLE);
	add(&map, 4 * P, 2 * P, MEM_RESERVED);
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, 4 * P, MEM_USABLE),
		   R(4 * P, 2 * P, MEM_RESERVED),
		   R(6 * P, 10 * P, MEM_USABLE));
	CHECK_EQ(memmap_total(&map, MEM_USABLE), 14 * P);
}

/* RAM reported inside a reservation does not punch a hole in it, in either order. */
static void test_usable_inside_reserved(void)
{
	for (int order = 0; order < 2; order++) {
		struct memmap map;

		memmap_init(&map);
		if (order)
			add(&map, 4 * P, 2 * P, MEM_USABLE);
		add(&map, 0, 16 * P, MEM_RESERVED);
		if (!order)
			add(&map, 4 * P, 2 * P, MEM_USABLE);
		normalise(&map, P);
		EXPECT_MAP(&map, R(0, 16 * P, MEM_RESERVED));
	}
}

/* Partial overlaps on either side: the higher type keeps the shared part. */
static void test_partial_overlaps(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 4 * P, 8 * P, MEM_USABLE);           /* [4, 12) */
	add(&map, 2 * P, 4 * P, MEM_RESERVED);         /* [2, 6): overlaps the start */
	add(&map, 10 * P, 4 * P, MEM_ACPI_RECLAIM);    /* [10, 14): overlaps the end */
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(2 * P, 4 * P, MEM_RESERVED),
		   R(6 * P, 4 * P, MEM_USABLE),
		   R(10 * P, 4 * P, MEM_ACPI_RECLAIM));

	/* Between two reserved types: the kernel beats a firmware reservation. */
	memmap_init(&map);
	add(&map, 2 * P, 6 * P, MEM_RESERVED);         /* [2, 8) */
	add(&map, 0, 4 * P, MEM_KERNEL);               /* [0, 4) */
	add(&map, 6 * P, 4 * P, MEM_KERNEL);           /* [6, 10) */
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, 4 * P, MEM_KERNEL),
		   R(4 * P, 2 * P, MEM_RESERVED),
		   R(6 * P, 4 * P, MEM_KERNEL));
}

/* One region of high precedence covering several others swallows them. */
static void test_covering_several(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 0, 32 * P, MEM_USABLE);
	add(&map, 2 * P, 2 * P, MEM_KERNEL);
	add(&map, 5 * P, P, MEM_MODULE);
	add(&map, 7 * P, 3 * P, MEM_ACPI_NVS);
	add(&map, 9 * P, 4 * P, MEM_USABLE);
	add(&map, 1 * P, 11 * P, MEM_BAD);     /* [1, 12): covers all but the tail of the last */
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, P, MEM_USABLE),
		   R(P, 11 * P, MEM_BAD),
		   R(12 * P, 20 * P, MEM_USABLE));

	/* A low type covering several higher ones only fills the gaps. */
	memmap_init(&map);
	add(&map, 2 * P, 2 * P, MEM_KERNEL);
	add(&map, 6 * P, 2 * P, MEM_MODULE);
	add(&map, 0, 10 * P, MEM_ACPI_RECLAIM);
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, 2 * P, MEM_ACPI_RECLAIM),
		   R(2 * P, 2 * P, MEM_KERNEL),
		   R(4 * P, 2 * P, MEM_ACPI_RECLAIM),
		   R(6 * P, 2 * P, MEM_MODULE),
		   R(8 * P, 2 * P, MEM_ACPI_RECLAIM));
}

/* For every pair of types, the later one in enum mem_type wins the overlap. */
static void test_precedence_order(void)
{
	for (unsigned int lo = 0; lo < MEM_TYPE_COUNT; lo++) {
		for (unsigned int hi = lo + 1; hi < MEM_TYPE_COUNT; hi++) {
			for (int order = 0; order < 2; order++) {
				struct memmap map;
				enum mem_type a = (enum mem_type)lo, b = (enum mem_type)hi;

				memmap_init(&map);
				add(&map, order ? 2 * P : 0, 4 * P, order ? b : a);
				add(&map, order ? 0 : 2 * P, 4 * P, order ? a : b);
				normalise(&map, P);
				if (!EXPECT_MAP(&map, R(0, 2 * P, a), R(2 * P, 4 * P, b)))
					printf("#   types %s < %s, order %d\n",
					       memmap_type_name(a), memmap_type_name(b), order);
			}
		}
	}
}

/* Touching or overlapping regions of one type merge into one. */
static void test_merge_same_type(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 8 * P, P, MEM_USABLE);
	add(&map, 0, 4 * P, MEM_USABLE);
	add(&map, 4 * P, 4 * P, MEM_USABLE);
	add(&map, 20 * P, 4 * P, MEM_RESERVED);
	add(&map, 22 * P, 4 * P, MEM_RESERVED);    /* overlapping */
	add(&map, 21 * P, P, MEM_RESERVED);        /* inside */
	normalise(&map, P);
	EXPECT_MAP(&map, R(0, 9 * P, MEM_USABLE), R(20 * P, 6 * P, MEM_RESERVED));

	/* Unaligned neighbours that meet within a page still merge once rounded. */
	memmap_init(&map);
	add(&map, 0, P + 100, MEM_FIRMWARE);
	add(&map, P + 100, P, MEM_FIRMWARE);
	normalise(&map, P);
	EXPECT_MAP(&map, R(0, 3 * P, MEM_FIRMWARE));

	/* Pieces of one type that meet after a higher type was carved out merge too. */
	memmap_init(&map);
	add(&map, 0, 4 * P, MEM_USABLE);
	add(&map, 2 * P, 4 * P, MEM_USABLE);
	add(&map, 10 * P, P, MEM_KERNEL);
	normalise(&map, P);
	EXPECT_MAP(&map, R(0, 6 * P, MEM_USABLE), R(10 * P, P, MEM_KERNEL));
}

/* Touching regions of different types stay apart; a gap is not filled. */
static void test_adjacent_different_types(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 0, 4 * P, MEM_USABLE);
	add(&map, 4 * P, 4 * P, MEM_ACPI_RECLAIM);
	add(&map, 8 * P, 4 * P, MEM_USABLE);
	add(&map, 13 * P, 4 * P, MEM_USABLE);      /* one-page gap before it */
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, 4 * P, MEM_USABLE),
		   R(4 * P, 4 * P, MEM_ACPI_RECLAIM),
		   R(8 * P, 4 * P, MEM_USABLE),
		   R(13 * P, 4 * P, MEM_USABLE));
}

/* Zero-length regions vanish, and an empty reservation does not split RAM. */
static void test_zero_length(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 0, 0, MEM_USABLE);
	add(&map, 5 * P, 0, MEM_KERNEL);
	add(&map, 0x1234, 0, MEM_BAD);
	normalise(&map, P);
	CHECK_EQ(map.count, 0);

	memmap_init(&map);
	add(&map, 0, 8 * P, MEM_USABLE);
	add(&map, 3 * P + 5, 0, MEM_BAD);
	add(&map, 4 * P, 0, MEM_KERNEL);
	add(&map, UINT64_MAX, 0, MEM_RESERVED);
	normalise(&map, P);
	EXPECT_MAP(&map, R(0, 8 * P, MEM_USABLE));
}

/* Usable RAM shrinks to whole pages inside it. */
static void test_unaligned_usable_shrinks(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, P + 1, 4 * P - 2, MEM_USABLE);       /* [P+1, 5P-1) */
	add(&map, 10 * P, 2 * P + 7, MEM_USABLE);      /* end unaligned */
	add(&map, 20 * P - 1, 2 * P + 1, MEM_USABLE);  /* start unaligned */
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(2 * P, 2 * P, MEM_USABLE),
		   R(10 * P, 2 * P, MEM_USABLE),
		   R(20 * P, 2 * P, MEM_USABLE));
}

/* A reservation grows to every page it touches, and beats RAM on the shared page. */
static void test_unaligned_reserved_grows(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, P + 1, P, MEM_RESERVED);             /* [P+1, 2P+1) touches pages 1, 2 */
	add(&map, 10 * P - 1, 1, MEM_MMIO);            /* one byte: page 9 */
	normalise(&map, P);
	EXPECT_MAP(&map, R(P, 2 * P, MEM_RESERVED), R(9 * P, P, MEM_MMIO));

	memmap_init(&map);
	add(&map, 0, 16 * P, MEM_USABLE);
	add(&map, 4 * P + 100, 10, MEM_BOOTINFO);      /* a few bytes of boot info */
	normalise(&map, P);
	EXPECT_MAP(&map,
		   R(0, 4 * P, MEM_USABLE),
		   R(4 * P, P, MEM_BOOTINFO),
		   R(5 * P, 11 * P, MEM_USABLE));
}

/* Usable RAM that holds no whole page vanishes; an aligned page survives. */
static void test_small_usable_vanishes(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, P + 1, P - 2, MEM_USABLE);           /* inside one page */
	add(&map, 4 * P + 1, P, MEM_USABLE);           /* one page long, straddling two */
	add(&map, 8 * P, P - 1, MEM_USABLE);           /* one byte short of a page */
	add(&map, 12 * P, P, MEM_USABLE);              /* exactly one page: stays */
	normalise(&map, P);
	EXPECT_MAP(&map, R(12 * P, P, MEM_USABLE));
	CHECK_EQ(memmap_total(&map, MEM_USABLE), P);
}

/* The top of the 64-bit space: sizes that overflow are clipped, nothing wraps. */
static void test_64bit_edge(void)
{
	const uint64_t top = 0 - P;   /* 2^64 - P: the highest end a map can have */
	struct memmap map;

	/* Usable RAM running past 2^64 ends at the last whole page below the top one. */
	memmap_init(&map);
	add(&map, top - 10 * P, UINT64_MAX, MEM_USABLE);
	normalise(&map, P);
	EXPECT_MAP(&map, R(top - 10 * P, 10 * P, MEM_USABLE));

	/* base + size == 2^64 exactly (wraps to 0): same. */
	memmap_init(&map);
	add(&map, top - 4 * P, 5 * P, MEM_USABLE);
	normalise(&map, P);
	EXPECT_MAP(&map, R(top - 4 * P, 4 * P, MEM_USABLE));

	/* An unaligned reservation running past the top grows down, is clipped up. */
	memmap_init(&map);
	add(&map, top - 3 * P - 7, UINT64_MAX, MEM_RESERVED);
	normalise(&map, P);
	EXPECT_MAP(&map, R(top - 4 * P, 4 * P, MEM_RESERVED));

	/* Reservations that end just below / at the top page: rounding up must not wrap. */
	memmap_init(&map);
	add(&map, top - 2 * P, P + 1, MEM_MMIO);       /* would round up to 2^64 - P */
	add(&map, top - 6 * P, P - 3, MEM_MMIO);
	normalise(&map, P);
	EXPECT_MAP(&map, R(top - 6 * P, P, MEM_MMIO), R(top - 2 * P, 2 * P, MEM_MMIO));

	/* Anything inside the top page cannot be described and vanishes. */
	memmap_init(&map);
	add(&map, UINT64_MAX - 5, 100, MEM_RESERVED);
	add(&map, UINT64_MAX, 1, MEM_USABLE);
	add(&map, UINT64_MAX, UINT64_MAX, MEM_KERNEL);
	add(&map, top, P, MEM_BAD);
	normalise(&map, P);
	CHECK_EQ(map.count, 0);

	/* The whole space at once. */
	memmap_init(&map);
	add(&map, 0, UINT64_MAX, MEM_USABLE);
	add(&map, 0x1000, 0x1000, MEM_KERNEL);
	normalise(&map, P);
	EXPECT_MAP(&map, R(0, P, MEM_USABLE), R(P, P, MEM_KERNEL),
		   R(2 * P, top - 2 * P, MEM_USABLE));
	CHECK_EQ(memmap_total(&map, MEM_USABLE), top - P);

	/* Byte granularity: only the last byte is lost. */
	memmap_init(&map);
	add(&map, UINT64_MAX - 9, 20, MEM_RESERVED);
	normalise(&map, 1);
	EXPECT_MAP(&map, R(UINT64_MAX - 9, 9, MEM_RESERVED));

	/* Huge pages: with 2^63-byte pages the upper half is the top page. */
	memmap_init(&map);
	add(&map, 5, UINT64_MAX, MEM_RESERVED);
	normalise(&map, 1ull << 63);
	EXPECT_MAP(&map, R(0, 1ull << 63, MEM_RESERVED));
}

/* memmap_total() adds up one type; the totals cover exactly what the map covers. */
static void test_totals(void)
{
	struct memmap map;

	memmap_init(&map);
	add(&map, 0, 0x9fc00, MEM_USABLE);            /* a PC's low memory, unaligned end */
	add(&map, 0x9fc00, 0x400, MEM_RESERVED);
	add(&map, 0xf0000, 0x10000, MEM_RESERVED);
	add(&map, 0x100000, 0x7ee0000, MEM_USABLE);
	add(&map, 0x200000, 0x123456, MEM_KERNEL);
	add(&map, 0x7fe0000, 0x20000, MEM_RESERVED);
	add(&map, 0x10000, 0x1234, MEM_BOOTINFO);
	normalise(&map, P);

	uint64_t kernel = 0x124000;                    /* 0x123456 rounded up */
	uint64_t bootinfo = 0x2000;
	CHECK_EQ(memmap_total(&map, MEM_KERNEL), kernel);
	CHECK_EQ(memmap_total(&map, MEM_BOOTINFO), bootinfo);
	CHECK_EQ(memmap_total(&map, MEM_RESERVED), 0x1000 + 0x10000 + 0x20000);
	CHECK_EQ(memmap_total(&map, MEM_USABLE),
		 0x9f000 - bootinfo + 0x7ee0000 - kernel);
	CHECK_EQ(memmap_total(&map, MEM_MMIO), 0);
	CHECK_EQ(memmap_total(&map, MEM_BAD), 0);

	uint64_t all = 0, covered = 0;
	for (unsigned int t = 0; t < MEM_TYPE_COUNT; t++)
		all += memmap_total(&map, (enum mem_type)t);
	for (size_t i = 0; i < map.count; i++)
		covered += map.regions[i].size;
	CHECK_EQ(all, covered);

	/* A raw map can add up past 2^64: the total saturates. */
	memmap_init(&map);
	add(&map, 0, UINT64_MAX, MEM_USABLE);
	add(&map, 0, UINT64_MAX, MEM_USABLE);
	CHECK_EQ(memmap_total(&map, MEM_USABLE), UINT64_MAX);
}

/* Normalising a normalised map changes nothing. */
static void test_idempotent(void)
{
	struct memmap map, again;

	memmap_init(&map);
	add(&map, 0x1234, 0x56789, MEM_USABLE);
	add(&map, 0x20000, 0x3000, MEM_ACPI_NVS);
	add(&map, 0x21000, 0x8000, MEM_MODULE);
	add(&map, 0x100000, 0x10000000, MEM_USABLE);
	add(&map, 0x100000, 0x1, MEM_BAD);
	add(&map, 0xfee00000, 0x1000, MEM_MMIO);
	normalise(&map, P);
	CHECK(map.count >= 6, "%zu regions", map.count);
	again = map;
	normalise(&again, P);
	if (!CHECK(maps_equal(&map, &again), "a second normalise changed the map")) {
		dump_map("first", &map);
		dump_map("second", &again);
	}
}

/* A result that would not fit is refused with -ENOSPC and the raw map is kept. */
static void test_normalise_enospc(void)
{
	static struct memmap map, copy;

	memmap_init(&map);
	add(&map, 0, 2 * MEMMAP_MAX * P, MEM_USABLE);
	for (unsigned int i = 0; i < MEMMAP_MAX - 1; i++)
		add(&map, (2 * i + 1) * P, P, MEM_RESERVED);    /* 255 holes: 511 regions */
	copy = map;
	CHECK_EQ(memmap_normalise(&map, P), -ENOSPC);
	CHECK(maps_equal(&map, &copy), "the raw map changed on -ENOSPC");

	/* Just fitting is fine: 128 holes, the first at 0, make 128 + 128 regions. */
	memmap_init(&map);
	add(&map, 0, 2 * MEMMAP_MAX * P, MEM_USABLE);
	for (unsigned int i = 0; i < MEMMAP_MAX / 2; i++)
		add(&map, 4 * i * P, P, MEM_RESERVED);
	normalise(&map, P);
	CHECK_EQ(map.count, MEMMAP_MAX);
}

/* Every type has a distinct, non-empty name; a bad type gets a fixed fallback. */
static void test_type_names(void)
{
	for (unsigned int a = 0; a < MEM_TYPE_COUNT; a++) {
		const char *name = memmap_type_name((enum mem_type)a);

		if (!CHECK(name && *name, "type %u has no name", a))
			continue;
		CHECK(strcmp(name, "invalid") != 0, "type %u is named invalid", a);
		for (unsigned int b = 0; b < a; b++)
			CHECK(strcmp(name, memmap_type_name((enum mem_type)b)) != 0,
			      "types %u and %u are both \"%s\"", a, b, name);
	}
	CHECK(strcmp(memmap_type_name(MEM_USABLE), "usable") == 0, "usable");
	CHECK(strcmp(memmap_type_name(MEM_KERNEL), "kernel") == 0, "kernel");
	CHECK(strcmp(memmap_type_name(MEM_TYPE_COUNT), "invalid") == 0, "out of range");
	CHECK(strcmp(memmap_type_name((enum mem_type)-1), "invalid") == 0, "negative");
}

/*
 * The reference model. The address window [win, win + MODEL_PAGES * page) holds every
 * generated region; a page's type is computed straight from the header's rules:
 * a usable region covers the pages that lie entirely inside it, any other region
 * every page it touches, the highest type wins, and the top page of the 64-bit
 * space is never described. -1 means no region.
 */
#define MODEL_PAGES 128

static void model_pages(const struct mem_region *raw, size_t n, uint64_t win,
			uint64_t page, int *type)
{
	for (unsigned int k = 0; k < MODEL_PAGES; k++) {
		/* Offsets from win, in a window that ends at most at 2^64: no overflow. */
		uint64_t pg_lo = (uint64_t)k * page, pg_hi = pg_lo + page;

		type[k] = -1;
		if (win + pg_lo == 0 - page)
			continue;   /* the top page */
		for (size_t i = 0; i < n; i++) {
			uint64_t lo = raw[i].base - win;
			/* The window reaches at most 2^64, so clip there. */
			uint64_t room = MODEL_PAGES * page - lo;
			uint64_t hi = lo + (raw[i].size < room ? raw[i].size : room);
			bool covers;

			if (raw[i].size == 0)
				continue;
			if (raw[i].type == MEM_USABLE)
				covers = lo <= pg_lo && pg_hi <= hi;
			else
				covers = lo < pg_hi && pg_lo < hi;
			if (covers && (int)raw[i].type > type[k])
				type[k] = (int)raw[i].type;
		}
	}
}

/* The type the normalised @map gives the byte at @addr, or -1. */
static int map_type_at(const struct memmap *map, uint64_t addr)
{
	for (size_t i = 0; i < map->count; i++)
		if (map->regions[i].base <= addr && addr - map->regions[i].base < map->regions[i].size)
			return (int)map->regions[i].type;
	return -1;
}

/* A random offset in [0, span) that is unaligned half of the time. */
static uint64_t random_offset(uint64_t span, uint64_t page)
{
	uint64_t pages = span / page;
	uint64_t off = rng_below(pages + 1) * page;

	if (rng_below(2))
		off += rng_below(page);   /* may move off up to span + page - 1 */
	return off < span ? off : span - 1;
}

/*
 * Thousands of random raw maps (fixed seed) against the model: the normalised map
 * must satisfy every invariant, agree with the model on every page of the window,
 * hold nothing outside it, and not change when normalised again.
 */
static void test_random_vs_model(void)
{
	static const uint64_t pages[] = { 1, 16, 4096, 1ull << 21 };
	static struct memmap map, raw, again;
	const uint64_t seed = 0x6b657374726c3634ull;
	const unsigned int rounds = 5000;
	int model[MODEL_PAGES];
	unsigned int failed_rounds = 0;

	rng_state = seed;
	for (unsigned int round = 0; round < rounds && failed_rounds < 3; round++) {
		unsigned int before = tap_failures;
		uint64_t page = pages[rng_below(sizeof(pages) / sizeof(pages[0]))];
		uint64_t span = MODEL_PAGES * page;
		bool at_top = rng_below(4) == 0;
		/* The window sits low, at some page in the middle, or against 2^64. */
		uint64_t win = at_top ? 0 - span : rng_below(1u << 20) * page;
		size_t n = rng_below(8) == 0 ? MEMMAP_MAX : rng_below(40);

		memmap_init(&map);
		for (size_t i = 0; i < n; i++) {
			uint64_t base = win + random_offset(span - page, page);
			uint64_t room = win + span - base;
			uint64_t size;
			enum mem_type type;

			switch (rng_below(8)) {
			case 0:
				size = 0;
				break;
			case 1:
				size = rng_below(page + 1);                /* tiny */
				break;
			case 2:
				/* At the top, run past 2^64; else reach the window's end. */
				size = at_top ? UINT64_MAX - rng_below(span) : room;
				break;
			default:
				size = random_offset(room / 4 + 1, page) + 1;
				break;
			}
			/* Half usable, so reservations have RAM to punch through. */
			type = rng_below(2) ? MEM_USABLE
					    : (enum mem_type)(1 + rng_below(MEM_TYPE_COUNT - 1));
			add(&map, base, size, type);
		}
		raw = map;

		int err = memmap_normalise(&map, page);
		CHECK(err == 0, "memmap_normalise = %d", err);
		if (err == 0 && check_invariants(&map, page)) {
			model_pages(raw.regions, raw.count, win, page, model);
			for (unsigned int k = 0; k < MODEL_PAGES; k++) {
				int got = map_type_at(&map, win + k * page);
				if (!CHECK(got == model[k], "page %u: got %d, model %d", k, got,
					   model[k]))
					break;
			}
			for (size_t i = 0; i < map.count; i++) {
				const struct mem_region *r = &map.regions[i];
				CHECK(r->base >= win && r->size <= win + span - r->base,
				      "region %zu outside the window", i);
			}
			again = map;
			CHECK_EQ(memmap_normalise(&again, page), 0);
			CHECK(maps_equal(&map, &again), "not idempotent");
		}
		if (tap_failures != before) {
			failed_rounds++;
			printf("#   round %u (seed 0x%" PRIx64 "): page 0x%" PRIx64
			       ", window 0x%" PRIx64 "\n", round, seed, page, win);
			dump_map("raw", &raw);
			dump_map("normalised", &map);
		}
	}
}

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static const struct unit_test tests[] = {
	{ "empty", test_empty },
	{ "add_full", test_add_full },
	{ "bad_type", test_bad_type },
	{ "bad_page_size", test_bad_page_size },
	{ "unsorted", test_unsorted },
	{ "reserved_inside_usable", test_reserved_inside_usable },
	{ "usable_inside_reserved", test_usable_inside_reserved },
	{ "partial_overlaps", test_partial_overlaps },
	{ "covering_several", test_covering_several },
	{ "precedence_order", test_precedence_order },
	{ "merge_same_type", test_merge_same_type },
	{ "adjacent_different_types", test_adjacent_different_types },
	{ "zero_length", test_zero_length },
	{ "unaligned_usable_shrinks", test_unaligned_usable_shrinks },
	{ "unaligned_reserved_grows", test_unaligned_reserved_grows },
	{ "small_usable_vanishes", test_small_usable_vanishes },
	{ "64bit_edge", test_64bit_edge },
	{ "totals", test_totals },
	{ "idempotent", test_idempotent },
	{ "normalise_enospc", test_normalise_enospc },
	{ "type_names", test_type_names },
	{ "random_vs_model", test_random_vs_model },
};

int main(void)
{
	char name[64];

	tap_start();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		snprintf(name, sizeof(name), "%s.%s", "memmap", tests[i].name);
		tap_run(name, tests[i].fn);
	}
	return tap_done();
}

// SPDX-License-Identifier: MIT
/*
 * Host tests of the generic mapper (mm/mapper.c) and the TLB flusher (mm/tlb.c),
 * built once per arch format and run in every paging mode of it, over simulated
 * physical memory with failure injection and the recording TLB fake.
 *
 * Covered: largest-leaf selection, translate and walk, -EEXIST/-EINVAL, huge-leaf
 * splitting on partial unmap/protect, inaccessible (PROT_NONE) leaves, freeing of
 * empty tables, kernel/user roots sharing the kernel half, "every failure leaves
 * nothing changed and nothing leaked" by failing each allocation in turn, the exact
 * flushes each edit issues (per page, per range, full above the threshold, local
 * versus shootdown by CPU set, nothing for an address space live nowhere), frees
 * deferred until after the flush, and a randomised run against a page-granular
 * reference model.
 */
#include <mm/frame.h>

#include "vm_fake.h"

#include <mm/mapper.h>
#include <mm/tlb.h>

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

static struct cpuset cpus_self;   /* {0}: the test runs as CPU 0 */
static struct cpuset cpus_none;

static void setup(void)
{
	fake_mem_init(16 << 20);
	fake_tlb_reset();
	host_cpu_set(0);
	cpuset_clear(&cpus_self);
	cpuset_add(&cpus_self, 0);
	cpuset_clear(&cpus_none);
	tlb_flush_all_threshold = 32;
}

/* A user-half address well inside every mode, aligned to @align. */
static uintptr_t uva(uintptr_t align)
{
	return ALIGN_UP((uintptr_t)0x5500000000ull & ((1ull << (mmu_va_bits(test_levels) - 2)) - 1),
			align);
}

static size_t count_leaves(const struct pagetable *pt, unsigned int *levels_seen)
{
	struct mapper_leaf l;
	vaddr_t c = vaddr(0);
	size_t n = 0;

	while (mapper_walk_next(pt, &c, vaddr(0), &l) == 0) {
		n++;
		if (levels_seen)
			*levels_seen |= 1u << l.level;
		if (c.raw == 0)
			break;
	}
	return n;
}

static void destroy_and_check(struct pagetable *pt, size_t base_frames)
{
	struct tlb_batch b;

	tlb_batch_init(&b, &cpus_none);
	mapper_destroy(pt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), base_frames);
}

static void test_map_basic(void)
{
	struct pagetable pt;
	struct mapper_leaf l;
	struct tlb_batch b;

	setup();
	CHECK_EQ(mapper_init(&pt, test_levels), 0);
	CHECK_EQ(fake_frames_used(), 1);
	tlb_batch_init(&b, &cpus_self);

	uintptr_t va = uva(G1);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0x1234000), K4, MMU_READ | MMU_WRITE | MMU_USER,
			    MMU_CACHE_WB, 0, &b), 0);
	CHECK_EQ(mapper_count_tables(&pt), test_levels - 1);
	CHECK_EQ(mapper_translate(&pt, vaddr(va + 0x123), &l), 0);
	CHECK_EQ(l.pa.raw, 0x1234000);
	CHECK_EQ(l.va.raw, va);
	CHECK_EQ(l.level, 0);
	CHECK_EQ(l.prot, MMU_READ | MMU_WRITE | MMU_USER);
	CHECK_EQ(mapper_translate(&pt, vaddr(va + K4), &l), -ENOENT);
	CHECK_EQ(mapper_translate(&pt, vaddr(1ull << 62), &l), -EINVAL);

	/* Already mapped: -EEXIST, nothing changes. */
	tlb_batch_flush(&b);
	size_t used = fake_frames_used();
	CHECK_EQ(mapper_map(&pt, vaddr(va - K4), paddr(0), 3 * K4, MMU_READ, MMU_CACHE_WB, 0, &b),
		 -EEXIST);
	tlb_batch_flush(&b);     /* tables made for va - K4 before the clash go back here */
	CHECK_EQ(fake_frames_used(), used);
	CHECK_EQ(count_leaves(&pt, NULL), 1);

	/* Unmap: the tables go (after the flush), only the root stays. */
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), K4, 0, &b), 0);
	CHECK_EQ(mapper_count_tables(&pt), 0);
	CHECK_EQ(fake_frames_used(), used);      /* deferred until the flush */
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 1);
	CHECK_EQ(mapper_translate(&pt, vaddr(va), &l), -ENOENT);
	destroy_and_check(&pt, 0);
}

static void test_invalid_args(void)
{
	struct pagetable pt;
	struct tlb_batch b;
	uintptr_t half = (uintptr_t)1 << (mmu_va_bits(test_levels) - 1);

	setup();
	mapper_init(&pt, test_levels);
	tlb_batch_init(&b, &cpus_self);
	uintptr_t va = uva(M2);
	CHECK_EQ(mapper_map(&pt, vaddr(va + 1), paddr(0), K4, MMU_READ, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0x10), K4, MMU_READ, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0), 0, MMU_READ, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0), 100, MMU_READ, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0), K4, MMU_WRITE, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0), K4, MMU_READ, MMU_CACHE_COUNT, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(1ull << 60), K4, MMU_READ, MMU_CACHE_WB, 0, &b),
		 -EINVAL);
	/* Across the non-canonical hole, inside it, and wrapping past the top. */
	CHECK_EQ(mapper_map(&pt, vaddr(half - K4), paddr(0), 2 * K4, MMU_READ, MMU_CACHE_WB, 0, &b),
		 -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(half), paddr(0), K4, MMU_READ, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_map(&pt, vaddr(-K4), paddr(0), 2 * K4, MMU_READ, MMU_CACHE_WB, 0, &b), -EINVAL);
	CHECK_EQ(mapper_unmap(&pt, vaddr(va + 8), K4, 0, &b), -EINVAL);
	CHECK_EQ(mapper_protect(&pt, vaddr(va), K4, MMU_EXEC, &b), -EINVAL);
	/* The last page of the space is mappable (range end wraps to exactly 0). */
	CHECK_EQ(mapper_map(&pt, vaddr(-K4), paddr(0x5000), K4, MMU_READ, MMU_CACHE_WB, 0, &b), 0);
	struct mapper_leaf l;
	CHECK_EQ(mapper_translate(&pt, vaddr(-1), &l), 0);
	CHECK_EQ(l.pa.raw, 0x5000);
	CHECK_EQ(mapper_unmap(&pt, vaddr(-K4), K4, 0, &b), 0);
	CHECK_EQ(mapper_count_tables(&pt), 0);
	tlb_batch_flush(&b);
	destroy_and_check(&pt, 0);
}

/* Largest leaves: an unaligned range gets 4 KiB edges, 2 MiB and 1 GiB middles. */
static void test_largest_leaves(void)
{
	struct pagetable pt;
	struct tlb_batch b;
	struct mapper_leaf l;

	setup();
	mapper_init(&pt, test_levels);
	tlb_batch_init(&b, &cpus_self);
	uintptr_t va = uva(G1);
	uint64_t pa = 4 * G1;
	bool gb = mmu_level_has_leaf(test_levels, 2);

	/* [va + 1G - 2M - 4K, va + 2G + 2M + 4K): 4K, 2M, 1G, 2M, 4K pieces. */
	uintptr_t s = va + G1 - M2 - K4;
	size_t size = G1 + 2 * M2 + 2 * K4;
	CHECK_EQ(mapper_map(&pt, vaddr(s), paddr(pa + G1 - M2 - K4), size, MMU_READ | MMU_WRITE,
			    MMU_CACHE_WB, 0, &b), 0);
	unsigned int seen = 0;
	size_t n = count_leaves(&pt, &seen);
	if (gb) {
		CHECK_EQ(n, 1 + 1 + 1 + 1 + 1);
		CHECK_EQ(seen, 0x7);
	} else {
		CHECK_EQ(n, 1 + 1 + 512 + 1 + 1);
		CHECK_EQ(seen, 0x3);
	}
	CHECK_EQ(mapper_translate(&pt, vaddr(va + G1 + 12345), &l), 0);
	CHECK_EQ(l.level, gb ? 2 : 1);
	CHECK_EQ(l.pa.raw + (va + G1 + 12345 - l.va.raw), pa + G1 + 12345);
	/* Misaligned physical address: 4 KiB leaves only. */
	uintptr_t va2 = va + 4 * G1;
	CHECK_EQ(mapper_map(&pt, vaddr(va2), paddr(0x1000), M2, MMU_READ, MMU_CACHE_WB, 0, &b), 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(va2), &l), 0);
	CHECK_EQ(l.level, 0);
	/* MAPPER_NOHUGE. */
	uintptr_t va3 = va + 8 * G1;
	CHECK_EQ(mapper_map(&pt, vaddr(va3), paddr(M2), M2, MMU_READ, MMU_CACHE_WB, MAPPER_NOHUGE, &b),
		 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(va3 + M2 - 1), &l), 0);
	CHECK_EQ(l.level, 0);
	CHECK_EQ(l.pa.raw, 2 * M2 - K4);
	/* The biggest leaf the mode has (riscv64: 512 GiB under Sv48, 256 TiB under Sv57). */
	unsigned int top = 0;
	while (mmu_level_has_leaf(test_levels, top + 1))
		top++;
	uintptr_t big = (uintptr_t)1 << mmu_level_shift(top);
	uintptr_t vbig = (uintptr_t)0 - ((uintptr_t)1 << (mmu_va_bits(test_levels) - 1)) + big;
	CHECK_EQ(mapper_map(&pt, vaddr(vbig), paddr(big), big, MMU_READ, MMU_CACHE_WB, 0, &b), 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(vbig + big - 1), &l), 0);
	CHECK_EQ(l.level, top);
	tlb_batch_flush(&b);
	destroy_and_check(&pt, 0);
}

/* Partial unmap and protect of huge leaves split them; the rest keeps its translation. */
static void test_split(void)
{
	struct pagetable pt;
	struct tlb_batch b;
	struct mapper_leaf l;

	setup();
	mapper_init(&pt, test_levels);
	tlb_batch_init(&b, &cpus_self);
	unsigned int top = mmu_level_has_leaf(test_levels, 2) ? 2 : 1;
	uintptr_t sz = (uintptr_t)1 << mmu_level_shift(top);
	uintptr_t va = uva(sz);
	uint64_t pa = 8 * G1;

	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(pa), sz, MMU_READ | MMU_WRITE, MMU_CACHE_WC, 0, &b),
		 0);
	size_t tables = mapper_count_tables(&pt);
	/* One page out of the middle: splits down to 4 KiB around it. */
	uintptr_t hole = va + sz / 2 + 5 * K4;
	CHECK_EQ(mapper_unmap(&pt, vaddr(hole), K4, MAPPER_FREE_FRAMES, &b), -EINVAL);
	CHECK_EQ(mapper_count_tables(&pt), tables);
	CHECK_EQ(mapper_unmap(&pt, vaddr(hole), K4, 0, &b), 0);
	CHECK_EQ(mapper_count_tables(&pt), tables + top);
	CHECK_EQ(mapper_translate(&pt, vaddr(hole), &l), -ENOENT);
	for (uintptr_t probe = va; probe < va + sz; probe += sz / 64 + K4) {
		if (probe >= hole && probe < hole + K4)
			continue;
		if (CHECK_EQ(mapper_translate(&pt, vaddr(probe), &l), 0)) {
			CHECK_EQ(l.pa.raw + (probe - l.va.raw), pa + (probe - va));
			CHECK_EQ(l.prot, MMU_READ | MMU_WRITE);
			CHECK_EQ(l.cache, mmu_cache_effective(MMU_CACHE_WC));
		}
	}
	CHECK_EQ(mapper_translate(&pt, vaddr(hole - K4), &l), 0);
	CHECK_EQ(l.level, 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(va), &l), 0);
	CHECK_EQ(l.level, top - 1);

	/* Protect a 4 KiB-unaligned-to-huge range: splits at both ends, then read-only. */
	uintptr_t ps = va + M2 + 3 * K4, pe = va + 3 * M2 + 7 * K4;
	CHECK_EQ(mapper_protect(&pt, vaddr(ps), pe - ps, MMU_READ, &b), 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(ps - K4), &l), 0);
	CHECK_EQ(l.prot, MMU_READ | MMU_WRITE);
	CHECK_EQ(mapper_translate(&pt, vaddr(ps), &l), 0);
	CHECK_EQ(l.prot, MMU_READ);
	CHECK_EQ(mapper_translate(&pt, vaddr(va + 2 * M2), &l), 0);
	CHECK_EQ(l.prot, MMU_READ);
	CHECK_EQ(l.level, 1);                /* the middle 2 MiB stays one leaf */
	CHECK_EQ(mapper_translate(&pt, vaddr(pe), &l), 0);
	CHECK_EQ(l.prot, MMU_READ | MMU_WRITE);
	/* Inaccessible and back: the frame is kept. */
	CHECK_EQ(mapper_protect(&pt, vaddr(ps), K4, 0, &b), 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(ps), &l), 0);
	CHECK_EQ(l.prot & MMU_RWX, 0);
	CHECK_EQ(l.pa.raw, pa + (ps - va));
	CHECK_EQ(mapper_protect(&pt, vaddr(ps), K4, MMU_READ | MMU_EXEC, &b), 0);
	CHECK_EQ(mapper_translate(&pt, vaddr(ps), &l), 0);
	CHECK_EQ(l.prot, MMU_READ | MMU_EXEC);
	CHECK_EQ(l.pa.raw, pa + (ps - va));

	/* Unmap everything: all tables go. */
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), sz, 0, &b), 0);
	CHECK_EQ(mapper_count_tables(&pt), 0);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 1);
	destroy_and_check(&pt, 0);
}

/* Fail every allocation in turn: each failure leaves the tables exactly as they were. */
static void test_failure_injection(void)
{
	struct pagetable pt;
	struct tlb_batch b;

	setup();
	mapper_init(&pt, test_levels);
	tlb_batch_init(&b, &cpus_self);
	uintptr_t va = uva(G1);
	/* Something already there, sharing upper tables with what follows. */
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0x100000), K4, MMU_READ, MMU_CACHE_WB, 0, &b), 0);
	tlb_batch_flush(&b);
	size_t used = fake_frames_used(), tables = mapper_count_tables(&pt);

	/* A range spanning several tables at several levels. */
	uintptr_t s = va + G1 - 3 * K4;
	size_t size = 2 * M2 + 5 * K4;
	unsigned int failures = 0;
	for (unsigned long n = 1;; n++) {
		fake_fail_nth_alloc(n);
		int err = mapper_map(&pt, vaddr(s), paddr(0x40000000 - 3 * K4), size, MMU_READ,
				     MMU_CACHE_WB, MAPPER_NOHUGE, &b);
		fake_fail_nth_alloc(0);
		tlb_batch_flush(&b);
		if (err == 0)
			break;
		failures++;
		CHECK_EQ(err, -ENOMEM);
		CHECK_EQ(fake_frames_used(), used);
		CHECK_EQ(mapper_count_tables(&pt), tables);
		CHECK_EQ(count_leaves(&pt, NULL), 1);
		if (n > 5000)
			break;
	}
	CHECK(failures >= 3, "only %u failure points", failures);
	CHECK_EQ(count_leaves(&pt, NULL), 1 + size / K4);

	/* Splits: an unmap inside a huge leaf fails at each allocation, changing nothing. */
	uintptr_t hv = va + 16 * G1;
	unsigned int top = mmu_level_has_leaf(test_levels, 2) ? 2 : 1;
	uintptr_t hsz = (uintptr_t)1 << mmu_level_shift(top);
	CHECK_EQ(mapper_map(&pt, vaddr(hv), paddr(hsz), hsz, MMU_READ, MMU_CACHE_WB, 0, &b), 0);
	tlb_batch_flush(&b);
	used = fake_frames_used();
	tables = mapper_count_tables(&pt);
	size_t leaves = count_leaves(&pt, NULL);
	/* Each end needs @top tables; the worst case is reserved before anything changes. */
	for (unsigned int op = 0; op < 2; op++) {
		for (unsigned long n = 1; n <= 2 * top; n++) {
			fake_fail_nth_alloc(n);
			if (op == 0)
				CHECK_EQ(mapper_unmap(&pt, vaddr(hv + K4), hsz - 2 * K4, 0, &b), -ENOMEM);
			else
				CHECK_EQ(mapper_protect(&pt, vaddr(hv + K4), K4, MMU_RWX, &b), -ENOMEM);
			fake_fail_nth_alloc(0);
			tlb_batch_flush(&b);
			CHECK_EQ(fake_frames_used(), used);
			CHECK_EQ(mapper_count_tables(&pt), tables);
			CHECK_EQ(count_leaves(&pt, NULL), leaves);
		}
	}
	/* Tear everything down: every frame comes back. */
	tlb_batch_init(&b, &cpus_self);
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), 32 * G1, 0, &b), 0);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 1);
	destroy_and_check(&pt, 0);
}

/* Kernel and user roots: the kernel half is shared, each mapper edits only its half. */
static void test_kernel_user_roots(void)
{
	struct pagetable kpt, upt;
	struct tlb_batch b;
	struct mapper_leaf l;
	struct mmu_layout lay;

	setup();
	mmu_layout_get(test_levels, &lay);
	CHECK_EQ(mapper_init_kernel(&kpt, test_levels), 0);
	size_t kframes = fake_frames_used();
	CHECK_EQ(kframes, 1 + MMU_PT_ENTRIES - mmu_root_kernel_first(test_levels));
	CHECK_EQ(mapper_init_user(&upt, &kpt), 0);
	tlb_batch_init(&b, &tlb_kernel_cpus);

	uintptr_t kva = lay.mmio_start.raw + 7 * K4;
	CHECK_EQ(mapper_map(&kpt, vaddr(kva), paddr(0xfee00000), K4, MMU_READ | MMU_WRITE | MMU_GLOBAL,
			    MMU_CACHE_UC, 0, &b), 0);
	/* Visible through the user root, which was created before the mapping. */
	CHECK_EQ(mapper_translate(&kpt, vaddr(kva), &l), 0);
	CHECK_EQ(mapper_translate(&upt, vaddr(kva), &l), -EINVAL);   /* not owned */
	CHECK_EQ(mapper_map(&upt, vaddr(kva + K4), paddr(0), K4, MMU_READ, MMU_CACHE_WB, 0, &b),
		 -EINVAL);
	CHECK_EQ(mapper_map(&kpt, vaddr(lay.user_start), paddr(0), K4, MMU_READ, MMU_CACHE_WB, 0, &b),
		 -EINVAL);
	/* The user root's kernel-half entries are the kernel root's. */
	pte_t *ur = phys_to_virt(upt.root), *kr = phys_to_virt(kpt.root);
	for (unsigned int i = mmu_root_kernel_first(test_levels); i < MMU_PT_ENTRIES; i++)
		CHECK_EQ(ur[i].raw, kr[i].raw);
	/* Kernel unmap keeps the shared tables under the root. */
	CHECK_EQ(mapper_unmap(&kpt, vaddr(kva), K4, 0, &b), 0);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), kframes + 1);
	for (unsigned int i = mmu_root_kernel_first(test_levels); i < MMU_PT_ENTRIES; i++)
		CHECK_EQ(ur[i].raw, kr[i].raw);

	/* User mappings come and go without touching the kernel half. */
	CHECK_EQ(mapper_map(&upt, vaddr(lay.user_start), paddr(0x7000), K4, MMU_READ | MMU_USER,
			    MMU_CACHE_WB, 0, &b), 0);
	tlb_batch_init(&b, &cpus_none);
	mapper_destroy(&upt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), kframes);
	destroy_and_check(&kpt, 0);
}

/* The flushes each edit issues, as the recording fake saw them. */
static void test_tlb_batching(void)
{
	struct pagetable pt;
	struct tlb_batch b;

	setup();
	mapper_init(&pt, test_levels);
	uintptr_t va = uva(M2);
	tlb_batch_init(&b, &cpus_self);
	/* An anchor page keeps the last-level table alive, so no table is freed below. */
	CHECK_EQ(mapper_map(&pt, vaddr(va + 511 * K4), paddr(0x9000), K4, MMU_READ, MMU_CACHE_WB, 0,
			    &b), 0);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0x100000), 64 * K4, MMU_READ | MMU_WRITE,
			    MMU_CACHE_WB, 0, &b), 0);
	fake_tlb_reset();
	tlb_batch_flush(&b);
	/* New translations: nothing on x86_64; a local fence (no shootdown) on riscv64. */
	if (MMU_MAP_NEEDS_FENCE) {
		CHECK(fake_tlb_nr >= 1, "fence after map");
		for (unsigned int i = 0; i < fake_tlb_nr; i++)
			CHECK(fake_tlb_events[i].kind != TLB_EV_SHOOTDOWN, "no shootdown for a map");
	} else {
		CHECK_EQ(fake_tlb_nr, 0);
	}

	/* One page: exactly one local page flush. */
	fake_tlb_reset();
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), K4, 0, &b), 0);
	CHECK_EQ(fake_tlb_nr, 0);                  /* nothing before the flush */
	tlb_batch_flush(&b);
	CHECK_EQ(fake_tlb_nr, 1);
	CHECK_EQ(fake_tlb_events[0].kind, TLB_EV_PAGE);
	CHECK_EQ(fake_tlb_events[0].start, va);

	/*
	 * Three adjacent pages and one apart: the flusher decides page by page, one
	 * invalidation for each, in address order (the ranges merged in the batch).
	 */
	fake_tlb_reset();
	mapper_unmap(&pt, vaddr(va + K4), 3 * K4, 0, &b);
	mapper_unmap(&pt, vaddr(va + 10 * K4), K4, 0, &b);
	CHECK_EQ(b.nr, 2u);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_tlb_nr, 4);
	for (unsigned int i = 0; i < 3 && i < fake_tlb_nr; i++) {
		CHECK_EQ(fake_tlb_events[i].kind, TLB_EV_PAGE);
		CHECK_EQ(fake_tlb_events[i].start, va + (1 + i) * K4);
	}
	CHECK_EQ(fake_tlb_events[3].kind, TLB_EV_PAGE);
	CHECK_EQ(fake_tlb_events[3].start, va + 10 * K4);

	/* Above the threshold: one full flush. */
	fake_tlb_reset();
	mapper_unmap(&pt, vaddr(va + 16 * K4), 40 * K4, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_tlb_nr, 1);
	CHECK_EQ(fake_tlb_events[0].kind, TLB_EV_ALL);

	/* Live on CPUs 0 and 3: local flush plus a shootdown to the set. */
	struct cpuset two;
	cpuset_clear(&two);
	cpuset_add(&two, 0);
	cpuset_add(&two, 3);
	tlb_batch_init(&b, &two);
	fake_tlb_reset();
	mapper_protect(&pt, vaddr(va + 12 * K4), K4, MMU_READ, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_tlb_nr, 2);
	CHECK_EQ(fake_tlb_events[0].kind, TLB_EV_PAGE);
	CHECK_EQ(fake_tlb_events[1].kind, TLB_EV_SHOOTDOWN);
	CHECK(cpuset_has(&fake_tlb_events[1].cpus, 3), "target 3");
	CHECK_EQ(fake_tlb_events[1].n, 1);
	CHECK_EQ(fake_tlb_events[1].start, va + 12 * K4);

	/* Live only elsewhere (CPU 3): shootdown, no local flush. */
	struct cpuset other;
	cpuset_clear(&other);
	cpuset_add(&other, 3);
	tlb_batch_init(&b, &other);
	fake_tlb_reset();
	mapper_protect(&pt, vaddr(va + 12 * K4), K4, MMU_READ | MMU_WRITE, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_tlb_nr, 1);
	CHECK_EQ(fake_tlb_events[0].kind, TLB_EV_SHOOTDOWN);

	/* Live nowhere: no flush at all, but frees still happen. */
	tlb_batch_init(&b, &cpus_none);
	fake_tlb_reset();
	size_t used = fake_frames_used();
	mapper_unmap(&pt, vaddr(va), M2, 0, &b);     /* last pages: the tables go */
	CHECK_EQ(fake_frames_used(), used);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_tlb_nr, 0);
	CHECK_EQ(fake_frames_used(), 1);

	/* Frees wait for the flush: the fake records frames in use when the flush ran. */
	tlb_batch_init(&b, &cpus_self);
	mapper_map(&pt, vaddr(va), paddr(0x100000), K4, MMU_READ, MMU_CACHE_WB, 0, &b);
	tlb_batch_flush(&b);
	used = fake_frames_used();
	fake_tlb_reset();
	mapper_unmap(&pt, vaddr(va), K4, 0, &b);
	tlb_batch_flush(&b);
	CHECK(fake_tlb_nr >= 1, "flushed");
	CHECK_EQ(fake_tlb_events[0].frames_used, used);   /* tables still held at flush time */
	CHECK_EQ(fake_frames_used(), 1);
	/* Table freeing on a MMU_TABLE_FREE_FLUSH_ALL format is a full flush. */
	if (MMU_TABLE_FREE_FLUSH_ALL)
		CHECK_EQ(fake_tlb_events[0].kind, TLB_EV_ALL);
	destroy_and_check(&pt, 0);
}

/* ---- randomised run against a page-granular model ---- */

#define RND_PAGES 2048u              /* a 8 MiB window: 4 last-level tables, 2 MiB leaves */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct model_page {
	bool mapped;
	uint64_t pa;
	unsigned int prot;
};
static struct model_page model[RND_PAGES];

static bool model_agrees(const struct pagetable *pt, uintptr_t base)
{
	struct mapper_leaf l;
	bool ok = true;

	for (unsigned int i = 0; i < RND_PAGES && ok; i++) {
		int err = mapper_translate(pt, vaddr(base + i * K4), &l);
		if (!model[i].mapped) {
			ok &= CHECK_EQ(err, -ENOENT);
			continue;
		}
		ok &= CHECK_EQ(err, 0);
		ok &= CHECK_EQ(l.pa.raw + (base + i * K4 - l.va.raw), model[i].pa);
		ok &= CHECK_EQ(l.prot, model[i].prot);
	}
	return ok;
}

/*
 * More deferred frees than a batch holds: the batch flushes everything before it
 * frees anything, every frame comes back, and none is freed while a translation
 * to it may remain (each flush event records the frames in use at that moment).
 */
static void test_deferred_free_overflow(void)
{
	struct pagetable pt;
	struct tlb_batch b;
	const unsigned int n = 3 * TLB_BATCH_FRAMES + 5;

	setup();
	mapper_init(&pt, test_levels);
	size_t base = fake_frames_used();
	uintptr_t va = uva(M2);
	tlb_batch_init(&b, &cpus_self);
	for (unsigned int i = 0; i < n; i++) {
		paddr_t pa;
		CHECK_EQ(frame_alloc(0, 0, &pa), 0);
		CHECK_EQ(mapper_map(&pt, vaddr(va + i * K4), pa, K4, MMU_READ | MMU_WRITE,
				    MMU_CACHE_WB, MAPPER_NOHUGE, &b), 0);
	}
	tlb_batch_flush(&b);
	size_t mapped = fake_frames_used();
	fake_tlb_reset();
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), n * K4, MAPPER_FREE_FRAMES, &b), 0);
	/*
	 * Each time the batch overflowed it flushed everything first: at the k-th full
	 * flush exactly the k-1 earlier batches of frames had been freed.
	 */
	unsigned int full = 0;
	for (unsigned int i = 0; i < fake_tlb_nr; i++)
		if (fake_tlb_events[i].kind == TLB_EV_ALL) {
			CHECK_EQ(fake_tlb_events[i].frames_used, mapped - (size_t)full * TLB_BATCH_FRAMES);
			full++;
		}
	CHECK(full >= n / TLB_BATCH_FRAMES, "%u full flushes for %u deferred frees", full, n);
	tlb_batch_flush(&b);
	/* Every data frame is back; only the tables are left, and destroy frees them. */
	CHECK(fake_frames_used() < mapped - n + 8, "frames in use %zu after freeing %u of %zu",
	      fake_frames_used(), n, mapped);
	mapper_destroy(&pt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), base - 1);
}

static void test_random_vs_model(void)
{
	static const unsigned int prots[] = { 0, MMU_READ, MMU_READ | MMU_WRITE, MMU_RWX };
	struct pagetable pt;
	struct tlb_batch b;

	setup();
	rng_state = 0x9e3779b97f4a7c15ull ^ test_levels;
	memset(model, 0, sizeof(model));
	mapper_init(&pt, test_levels);
	tlb_batch_init(&b, &cpus_self);
	uintptr_t base = uva(G1);

	for (unsigned int step = 0; step < 3000; step++) {
		unsigned int first = rnd() % RND_PAGES;
		unsigned int n = 1 + (rnd() % 4 == 0 ? rnd() % RND_PAGES : rnd() % 16);
		if (rnd() % 3 == 0) {   /* aligned to 2 MiB, for huge leaves */
			first &= ~511u;
			n = (n + 511) & ~511u;
		}
		if (first + n > RND_PAGES)
			n = RND_PAGES - first;
		unsigned int prot = prots[rnd() % 4];
		unsigned int op = rnd() % 3;
		bool fail = rnd() % 8 == 0;
		if (fail)
			fake_fail_nth_alloc(1 + rnd() % 3);
		size_t used = fake_frames_used();
		int err;

		if (op == 0) {
			uint64_t pa = 0x100000000ull + (uint64_t)first * K4 + (rnd() % 2) * 0x1000;
			err = mapper_map(&pt, vaddr(base + first * K4), paddr(pa), n * K4, prot,
					 MMU_CACHE_WB, 0, &b);
			bool any = false;
			for (unsigned int i = first; i < first + n; i++)
				any |= model[i].mapped;
			if (any && !fail)
				CHECK_EQ(err, -EEXIST);
			if (!err)
				for (unsigned int i = first; i < first + n; i++)
					model[i] = (struct model_page){ true, pa + (i - first) * K4, prot };
		} else if (op == 1) {
			err = mapper_unmap(&pt, vaddr(base + first * K4), n * K4, 0, &b);
			if (!err)
				for (unsigned int i = first; i < first + n; i++)
					model[i].mapped = false;
		} else {
			err = mapper_protect(&pt, vaddr(base + first * K4), n * K4, prot, &b);
			if (!err)
				for (unsigned int i = first; i < first + n; i++)
					model[i].prot = prot;
		}
		fake_fail_nth_alloc(0);
		CHECK(err == 0 || err == -ENOMEM || err == -EEXIST, "step %u op %u: %d", step, op, err);
		if (!fail)
			CHECK(err != -ENOMEM, "step %u: -ENOMEM without injection", step);
		tlb_batch_flush(&b);
		if (err && err != -EEXIST)
			CHECK(fake_frames_used() <= used, "step %u: failure allocated", step);
		if (!model_agrees(&pt, base)) {
			printf("# diverged at step %u (op %u, pages %u+%u)\n", step, op, first, n);
			break;
		}
	}
	/* Tables: never more than the mapped pages need; none left after unmapping all. */
	mapper_unmap(&pt, vaddr(base), RND_PAGES * K4, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(mapper_count_tables(&pt), 0);
	CHECK_EQ(fake_frames_used(), 1);
	destroy_and_check(&pt, 0);
}

/* What the break-before-make test's hook saw of @va at each flush. */
struct bbm_probe {
	const struct pagetable *pt;
	uintptr_t va;
	unsigned int flushes;        /* flushes seen */
	unsigned int broken;         /* of them, with nothing mapped at @va */
};

static void bbm_look(void *arg)
{
	struct bbm_probe *p = arg;
	struct mapper_leaf l;

	p->flushes++;
	if (mapper_translate(p->pt, vaddr(p->va), &l) == -ENOENT)
		p->broken++;
}

/*
 * Replacing a valid leaf by another of a different frame or size: a format with
 * MMU_NEEDS_BBM sees the entry cleared and flushed on every CPU of the set, remote
 * ones too, inside the edit and before the new entry is stored; the others store
 * once and leave the flush to the batch.
 */
static void test_break_before_make(void)
{
	struct pagetable pt;
	struct tlb_batch b;
	struct mapper_leaf l;
	struct cpuset two;
	paddr_t old;

	setup();
	cpuset_clear(&two);
	cpuset_add(&two, 0);
	cpuset_add(&two, 1);
	mapper_init(&pt, test_levels);
	tlb_batch_init(&b, &two);

	/* Copy-on-write's replacement of a page. */
	uintptr_t va = uva(M2);
	CHECK_EQ(mapper_map(&pt, vaddr(va), paddr(0x100000), K4, MMU_READ, MMU_CACHE_WB, 0, &b), 0);
	tlb_batch_flush(&b);
	struct bbm_probe p = { .pt = &pt, .va = va };
	fake_tlb_reset();
	fake_tlb_hook(bbm_look, &p);
	CHECK_EQ(mapper_replace(&pt, vaddr(va), paddr(0x200000), MMU_READ | MMU_WRITE, &old, &b), 0);
	fake_tlb_hook(NULL, NULL);
	CHECK_EQ(old.raw, 0x100000);
	if (MMU_NEEDS_BBM) {
		CHECK(p.flushes >= 2, "replace: %u flushes inside the edit", p.flushes);
		CHECK_EQ(p.broken, p.flushes);
		bool remote = false;
		for (unsigned int i = 0; i < fake_tlb_nr; i++)
			remote |= fake_tlb_events[i].kind == TLB_EV_SHOOTDOWN &&
				  cpuset_has(&fake_tlb_events[i].cpus, 1);
		CHECK(remote, "replace: the break reaches the other CPU");
	} else {
		CHECK_EQ(p.flushes, 0);
	}
	CHECK_EQ(mapper_translate(&pt, vaddr(va), &l), 0);
	CHECK_EQ(l.pa.raw, 0x200000);
	CHECK_EQ(l.prot, MMU_READ | MMU_WRITE);
	tlb_batch_flush(&b);

	/* A permission change alone is never a break, on any format. */
	p = (struct bbm_probe){ .pt = &pt, .va = va };
	fake_tlb_hook(bbm_look, &p);
	CHECK_EQ(mapper_protect(&pt, vaddr(va), K4, MMU_READ, &b), 0);
	fake_tlb_hook(NULL, NULL);
	CHECK_EQ(p.flushes, 0);
	tlb_batch_flush(&b);

	/* An inaccessible leaf is not cached: replacing it needs no break. */
	CHECK_EQ(mapper_protect(&pt, vaddr(va), K4, 0, &b), 0);
	tlb_batch_flush(&b);
	p = (struct bbm_probe){ .pt = &pt, .va = va };
	fake_tlb_hook(bbm_look, &p);
	CHECK_EQ(mapper_replace(&pt, vaddr(va), paddr(0x300000), 0, &old, &b), 0);
	fake_tlb_hook(NULL, NULL);
	CHECK_EQ(p.flushes, 0);
	CHECK_EQ(old.raw, 0x200000);
	CHECK_EQ(mapper_unmap(&pt, vaddr(va), K4, 0, &b), 0);
	tlb_batch_flush(&b);

	/* A huge leaf split into a table by a partial protect. */
	uintptr_t hva = uva(M2) + 4 * M2;
	CHECK_EQ(mapper_map(&pt, vaddr(hva), paddr(16 * M2), M2, MMU_READ | MMU_WRITE, MMU_CACHE_WB,
			    0, &b), 0);
	tlb_batch_flush(&b);
	p = (struct bbm_probe){ .pt = &pt, .va = hva + M2 - K4 };
	fake_tlb_hook(bbm_look, &p);
	CHECK_EQ(mapper_protect(&pt, vaddr(hva), K4, MMU_READ, &b), 0);
	fake_tlb_hook(NULL, NULL);
	if (MMU_NEEDS_BBM) {
		CHECK(p.flushes >= 2, "split: %u flushes inside the edit", p.flushes);
		CHECK_EQ(p.broken, p.flushes);
	} else {
		CHECK_EQ(p.flushes, 0);
	}
	CHECK_EQ(mapper_translate(&pt, vaddr(hva), &l), 0);
	CHECK_EQ(l.prot, MMU_READ);
	CHECK_EQ(mapper_translate(&pt, vaddr(hva + M2 - K4), &l), 0);
	CHECK_EQ(l.level, 0);
	CHECK_EQ(l.pa.raw, 17 * M2 - K4);
	CHECK_EQ(l.prot, MMU_READ | MMU_WRITE);
	CHECK_EQ(mapper_unmap(&pt, vaddr(hva), M2, 0, &b), 0);
	tlb_batch_flush(&b);
	destroy_and_check(&pt, 0);
}

int main(void)
{
	tap_start();
	tap_run_modes("map, translate, -EEXIST, unmap frees tables", test_map_basic);
	tap_run_modes("invalid arguments and the address-space edges", test_invalid_args);
	tap_run_modes("largest leaves that alignment allows", test_largest_leaves);
	tap_run_modes("huge-leaf split on partial unmap/protect, PROT_NONE", test_split);
	tap_run_modes("each failed allocation leaves nothing changed or leaked",
		      test_failure_injection);
	tap_run_modes("kernel and user roots share the kernel half", test_kernel_user_roots);
	tap_run_modes("TLB batching: exact flushes, CPU sets, deferred frees", test_tlb_batching);
	tap_run_modes("break-before-make where the format needs it, one store elsewhere",
		      test_break_before_make);
	tap_run_modes("deferred frees beyond a batch: full flush first, all returned",
		      test_deferred_free_overflow);
	tap_run_modes("random map/unmap/protect against a page model", test_random_vs_model);
	fake_mem_fini();
	return tap_done();
}

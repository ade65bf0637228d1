// SPDX-License-Identifier: MIT
/*
 * The "kmap" suite: the generic mapper, the TLB batch and ioremap() on the LIVE
 * kernel page table (mm_kernel_pt), the one this CPU is running on.
 *
 * Each test borrows virtual space from the MMIO window (mmio_alloc()), so it
 * cannot disturb a mapping anyone else uses, maps frames of its own there, and
 * checks what the CPU really does through those addresses: loads and stores run
 * under fault_catch_call(), so an access that must fault is observed (address and
 * kind), and one that must not is checked for its value. Reading through an
 * address before an edit loads the translation into the TLB (QEMU's TCG keeps one
 * too), so a missing or partial flush shows as a stale value or a missing fault.
 *
 * Every test ends with the window, the kernel table's page-table pages and the
 * free frames back at their baseline. The kernel table has no lock of its own
 * yet: the tests run alone on the boot CPU.
 */
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/ktest.h>
#include <kern/string.h>
#include <mm/frame.h>
#include <mm/init.h>
#include <mm/kmap.h>
#include <mm/mapper.h>
#include <mm/mmio.h>
#include <mm/mmu.h>
#include <mm/tlb.h>
#include "mm_ktest.h"

#define SIZE_2M     (1ul << 21)
#define SIZE_1G     (1ul << 30)
#define KPROT_RW    (MMU_READ | MMU_WRITE | MMU_GLOBAL)
#define KPROT_RO    (MMU_READ | MMU_GLOBAL)

/* ---- accesses that may fault ---- */

struct access {
	volatile uint64_t *p;
	uint64_t val;
};

static void do_load(void *arg)
{
	struct access *a = arg;

	a->val = *a->p;
}

static void do_store(void *arg)
{
	struct access *a = arg;

	*a->p = a->val;
}

/* Load the word at @va: 0 and *@out, or -EFAULT with the fault in *@fi. */
static int try_load(uintptr_t va, uint64_t *out, struct fault_info *fi)
{
	struct access a = { .p = (volatile uint64_t *)va };
	int err = fault_catch_call(do_load, &a, fi);

	if (!err)
		*out = a.val;
	return err;
}

static int try_store(uintptr_t va, uint64_t v, struct fault_info *fi)
{
	struct access a = { .p = (volatile uint64_t *)va, .val = v };

	return fault_catch_call(do_store, &a, fi);
}

/* The load at @va must give @want. */
#define EXPECT_LOAD(t, va, want)                                                     \
	({                                                                           \
		uint64_t v_ = 0;                                                     \
		struct fault_info fi_;                                               \
		int e_ = try_load((va), &v_, &fi_);                                  \
		KT_EXPECT(t, e_ == 0 && v_ == (uint64_t)(want),                      \
			  "load at %#lx: %s %#llx, want %#llx", (unsigned long)(va), \
			  e_ ? "fault at" : "value", (unsigned long long)(e_ ? fi_.addr : v_), \
			  (unsigned long long)(want));                               \
	})

/* The access at @va must fault as @kind at exactly @va. */
#define EXPECT_FAULT(t, err, fi, va, kind)                                           \
	({                                                                           \
		bool good_ = (err) == -EFAULT && (fi).addr == (uintptr_t)(va) &&       \
			   (fi).access == (kind);                                    \
		KT_EXPECT(t, good_, "access at %#lx: %s (fault %s at %#lx), want a %s fault", \
			  (unsigned long)(va), (err) ? "faulted" : "did not fault",  \
			  (err) ? fault_access_name((fi).access) : "-",              \
			  (unsigned long)((err) ? (fi).addr : 0), fault_access_name(kind)); \
	})

static void expect_load_faults(struct ktest_ctx *t, uintptr_t va)
{
	struct fault_info fi;
	uint64_t v;
	int err = try_load(va, &v, &fi);

	EXPECT_FAULT(t, err, fi, va, FAULT_READ);
}

static void expect_store_faults(struct ktest_ctx *t, uintptr_t va)
{
	struct fault_info fi;
	int err = try_store(va, 0xdeadbeef, &fi);

	EXPECT_FAULT(t, err, fi, va, FAULT_WRITE);
}

/* ---- edits of the kernel table through the kernel mapper, each flushed at once ---- */

static int kmap(uintptr_t va, paddr_t pa, size_t size, unsigned int prot)
{
	return kmap_map(vaddr(va), pa, size, prot, MMU_CACHE_WB);
}

static int kunmap(uintptr_t va, size_t size)
{
	return kmap_unmap(vaddr(va), size);
}

static int kprotect(uintptr_t va, size_t size, unsigned int prot)
{
	return kmap_protect(vaddr(va), size, prot);
}

static uint64_t *direct(paddr_t pa, size_t off)
{
	return (uint64_t *)((char *)phys_to_virt(pa) + off);
}

/* ---- a test's borrowed window and its baseline ---- */

struct kmap_env {
	uintptr_t va;
	size_t size;
	size_t mmio_free;          /* mmio_free_bytes() before */
	size_t tables;             /* the kernel table's page-table pages before */
	struct mm_baseline base;
};

static bool env_begin(struct ktest_ctx *t, struct kmap_env *env, size_t size, size_t align)
{
	mm_ktest_baseline(&env->base);
	env->tables = mapper_count_tables(&mm_kernel_pt);
	env->mmio_free = mmio_free_bytes();
	env->size = size;
	vaddr_t va = vaddr(0);
	bool ok = mmio_alloc(size, align, &va) == 0;
	env->va = va.raw;
	return KT_EXPECT(t, ok, "mmio_alloc(%#zx, %#zx) failed", size, align);
}

/* Unmap whatever is left in the window, give it back, and check every baseline. */
static void env_end(struct ktest_ctx *t, struct kmap_env *env)
{
	KT_EXPECT_EQ(t, kunmap(env->va, env->size), 0);
	KT_EXPECT_EQ(t, mmio_free(vaddr(env->va), env->size), 0);
	KT_EXPECT_EQ(t, mmio_free_bytes(), env->mmio_free);
	KT_EXPECT_EQ(t, mapper_count_tables(&mm_kernel_pt), env->tables);
	mm_ktest_expect_baseline(t, &env->base);
}

static bool translate_is(struct ktest_ctx *t, uintptr_t va, paddr_t pa, unsigned int level,
			 unsigned int prot)
{
	struct mapper_leaf l;
	int err = mapper_translate(&mm_kernel_pt, vaddr(va), &l);

	if (!KT_EXPECT(t, err == 0, "translate %#lx: error %d", (unsigned long)va, err))
		return false;
	uint64_t got = l.pa.raw + (va - l.va.raw);
	return KT_EXPECT(t, got == pa.raw && l.level == level && l.prot == prot,
			 "translate %#lx: pa %#llx level %u prot %#x, want %#llx level %u prot %#x",
			 (unsigned long)va, (unsigned long long)got, l.level, l.prot,
			 (unsigned long long)pa.raw, level, prot);
}

static void expect_unmapped(struct ktest_ctx *t, uintptr_t va)
{
	struct mapper_leaf l;

	KT_EXPECT_EQ(t, mapper_translate(&mm_kernel_pt, vaddr(va), &l), -ENOENT);
}

/* ---- tests ---- */

/* One frame at two addresses: a store through either is a load through the other. */
KTEST(kmap, alias_two_addresses)
{
	struct kmap_env env;
	paddr_t pa;

	if (!env_begin(t, &env, 2 * PAGE_SIZE, PAGE_SIZE))
		return;
	KT_ASSERT(t, frame_alloc(0, FRAME_ZERO, &pa) == 0, "no frame");
	uintptr_t a = env.va, b = env.va + PAGE_SIZE;

	KT_EXPECT_EQ(t, kmap(a, pa, PAGE_SIZE, KPROT_RW), 0);
	KT_EXPECT_EQ(t, kmap(b, pa, PAGE_SIZE, KPROT_RW), 0);
	KT_EXPECT_EQ(t, kmap(a, pa, PAGE_SIZE, KPROT_RW), -EEXIST);
	translate_is(t, a, pa, 0, KPROT_RW);
	translate_is(t, b + 0x88, paddr_add(pa, 0x88), 0, KPROT_RW);

	*(volatile uint64_t *)(a + 0x88) = 0x1111222233334444ull;
	EXPECT_LOAD(t, b + 0x88, 0x1111222233334444ull);
	*(volatile uint64_t *)(b + 0xff8) = 0x5555666677778888ull;
	EXPECT_LOAD(t, a + 0xff8, 0x5555666677778888ull);
	KT_EXPECT_EQ(t, *direct(pa, 0xff8), 0x5555666677778888ull);
	*direct(pa, 0) = 42;
	EXPECT_LOAD(t, a, 42);
	EXPECT_LOAD(t, b, 42);

	/* Unmapping one alias leaves the other. */
	KT_EXPECT_EQ(t, kunmap(a, PAGE_SIZE), 0);
	expect_load_faults(t, a + 0x88);
	EXPECT_LOAD(t, b + 0x88, 0x1111222233334444ull);
	KT_EXPECT_EQ(t, kunmap(b, PAGE_SIZE), 0);
	expect_load_faults(t, b + 0x88);
	frame_free(pa, 0);
	env_end(t, &env);
}

/*
 * mapper_protect(): read-only faults on a store (right after a store through the
 * writable mapping put it in the TLB) and still loads; inaccessible faults on a
 * load and keeps the frame; read/write again stores.
 */
KTEST(kmap, protect_read_only)
{
	struct kmap_env env;
	struct fault_info fi;
	struct mapper_leaf l;
	paddr_t pa;

	if (!env_begin(t, &env, PAGE_SIZE, PAGE_SIZE))
		return;
	KT_ASSERT(t, frame_alloc(0, FRAME_ZERO, &pa) == 0, "no frame");
	uintptr_t va = env.va;

	KT_EXPECT_EQ(t, kmap(va, pa, PAGE_SIZE, KPROT_RW), 0);
	KT_EXPECT_EQ(t, try_store(va + 0x40, 0xabcdef, &fi), 0);

	KT_EXPECT_EQ(t, kprotect(va, PAGE_SIZE, KPROT_RO), 0);
	translate_is(t, va, pa, 0, KPROT_RO);
	expect_store_faults(t, va + 0x40);
	EXPECT_LOAD(t, va + 0x40, 0xabcdef);
	KT_EXPECT_EQ(t, *direct(pa, 0x40), 0xabcdef);

	KT_EXPECT_EQ(t, kprotect(va, PAGE_SIZE, MMU_GLOBAL), 0);     /* inaccessible */
	expect_load_faults(t, va + 0x40);
	KT_EXPECT(t, mapper_translate(&mm_kernel_pt, vaddr(va), &l) == 0 &&
		  paddr_eq(l.pa, pa) && (l.prot & MMU_RWX) == 0,
		  "the inaccessible leaf lost its frame or kept access");

	KT_EXPECT_EQ(t, kprotect(va, PAGE_SIZE, KPROT_RW), 0);
	KT_EXPECT_EQ(t, try_store(va + 0x40, 0x123, &fi), 0);
	KT_EXPECT_EQ(t, *direct(pa, 0x40), 0x123);

	KT_EXPECT_EQ(t, kunmap(va, PAGE_SIZE), 0);
	expect_load_faults(t, va);
	expect_unmapped(t, va);
	frame_free(pa, 0);
	env_end(t, &env);
}

/* mapper_unmap() of the middle of a range: those pages fault, the rest still load. */
KTEST(kmap, unmap_faults)
{
	struct kmap_env env;
	paddr_t pa;

	if (!env_begin(t, &env, 4 * PAGE_SIZE, PAGE_SIZE))
		return;
	KT_ASSERT(t, frame_alloc(2, 0, &pa) == 0, "no order-2 block");
	for (unsigned int i = 0; i < 4; i++)
		*direct(pa, i * PAGE_SIZE + 8) = 0x100 + i;

	KT_EXPECT_EQ(t, kmap(env.va, pa, 4 * PAGE_SIZE, KPROT_RW), 0);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_LOAD(t, env.va + i * PAGE_SIZE + 8, 0x100 + i);
	KT_EXPECT_EQ(t, kunmap(env.va + PAGE_SIZE, 2 * PAGE_SIZE), 0);
	EXPECT_LOAD(t, env.va + 8, 0x100);
	expect_load_faults(t, env.va + PAGE_SIZE + 8);
	expect_load_faults(t, env.va + 2 * PAGE_SIZE + 0xff0);
	expect_store_faults(t, env.va + 2 * PAGE_SIZE);
	EXPECT_LOAD(t, env.va + 3 * PAGE_SIZE + 8, 0x103);
	expect_unmapped(t, env.va + PAGE_SIZE);
	expect_unmapped(t, env.va + 2 * PAGE_SIZE);
	translate_is(t, env.va + 3 * PAGE_SIZE, paddr_add(pa, 3 * PAGE_SIZE), 0, KPROT_RW);

	KT_EXPECT_EQ(t, kunmap(env.va, 4 * PAGE_SIZE), 0);
	expect_load_faults(t, env.va);
	expect_load_faults(t, env.va + 3 * PAGE_SIZE);
	frame_free(pa, 2);
	env_end(t, &env);
}

/*
 * Remap under a cached translation: @pages pages mapped to frames of block A and
 * read (so the TLB holds them), then in ONE batch unmapped and mapped to block B;
 * after tlb_batch_flush() every load sees B. 1 page: a single-page flush; 8: a
 * range; 40 (above tlb_flush_all_threshold): a full flush.
 */
static void remap_case(struct ktest_ctx *t, unsigned int pages)
{
	struct kmap_env env;
	struct tlb_batch b;
	unsigned long flags;
	paddr_t pa_a, pa_b;
	unsigned int order = 0, stale = 0;

	while ((1u << order) < pages)
		order++;
	if (!env_begin(t, &env, pages * PAGE_SIZE, PAGE_SIZE))
		return;
	KT_ASSERT(t, frame_alloc(order, 0, &pa_a) == 0 && frame_alloc(order, 0, &pa_b) == 0,
		  "no order-%u blocks", order);
	for (unsigned int i = 0; i < pages; i++) {
		*direct(pa_a, i * PAGE_SIZE) = 0xaaaa0000 + i;
		*direct(pa_b, i * PAGE_SIZE) = 0xbbbb0000 + i;
	}
	KT_EXPECT_EQ(t, kmap(env.va, pa_a, pages * PAGE_SIZE, KPROT_RW), 0);
	for (unsigned int i = 0; i < pages; i++)
		EXPECT_LOAD(t, env.va + i * PAGE_SIZE, 0xaaaa0000 + i);

	struct pagetable *kpt = kmap_begin(&b, &flags);
	KT_EXPECT_EQ(t, mapper_unmap(kpt, vaddr(env.va), pages * PAGE_SIZE, 0, &b), 0);
	KT_EXPECT_EQ(t, mapper_map(kpt, vaddr(env.va), pa_b, pages * PAGE_SIZE, KPROT_RW,
				   MMU_CACHE_WB, 0, &b), 0);
	kmap_end(&b, flags);
	for (unsigned int i = 0; i < pages; i++) {
		uint64_t v = 0;
		struct fault_info fi;
		if (try_load(env.va + i * PAGE_SIZE, &v, &fi) != 0 || v != 0xbbbb0000 + i)
			stale++;
	}
	KT_EXPECT(t, stale == 0, "%u pages: %u loads after the flush did not see the new frame",
		  pages, stale);
	KT_EXPECT_EQ(t, kunmap(env.va, pages * PAGE_SIZE), 0);
	frame_free(pa_a, order);
	frame_free(pa_b, order);
	env_end(t, &env);
}

KTEST(kmap, tlb_remap_sees_new_frame)
{
	remap_case(t, 1);
	remap_case(t, 8);
	KT_EXPECT(t, tlb_flush_all_threshold < 40, "threshold %u: 40 pages no longer test a full flush",
		  tlb_flush_all_threshold);
	remap_case(t, 40);
}

/*
 * A 2 MiB block mapped at a 2 MiB aligned address gets one level-1 leaf; unmapping
 * and protecting single pages inside it split it into equivalent 4 KiB leaves
 * (one more table) while the rest keeps its frames and rights; remapping the whole
 * leaf to another block under a cached translation shows the new block.
 */
KTEST(kmap, huge_leaf_split)
{
	struct kmap_env env;
	struct tlb_batch b;
	unsigned long flags;
	paddr_t pa, pb;
	unsigned int wrong = 0;

	if (!env_begin(t, &env, SIZE_2M, SIZE_2M))
		return;
	KT_ASSERT(t, frame_alloc(9, 0, &pa) == 0, "no 2 MiB block");
	if (frame_alloc(9, 0, &pb) != 0) {
		frame_free(pa, 9);
		KT_ASSERT(t, false, "no second 2 MiB block");
	}
	for (unsigned int i = 0; i < 512; i++) {
		*direct(pa, i * PAGE_SIZE) = 0x2000000 + i;
		*direct(pb, i * PAGE_SIZE) = 0x3000000 + i;
	}
	uintptr_t va = env.va;

	KT_EXPECT_EQ(t, kmap(va, pa, SIZE_2M, KPROT_RW), 0);
	translate_is(t, va + 7 * PAGE_SIZE, paddr_add(pa, 7 * PAGE_SIZE), 1, KPROT_RW);
	size_t tables_huge = mapper_count_tables(&mm_kernel_pt);
	EXPECT_LOAD(t, va + 3 * PAGE_SIZE, 0x2000003);

	/* Whole-leaf remap in one batch, under the cached huge translation. */
	struct pagetable *kpt = kmap_begin(&b, &flags);
	KT_EXPECT_EQ(t, mapper_unmap(kpt, vaddr(va), SIZE_2M, 0, &b), 0);
	KT_EXPECT_EQ(t, mapper_map(kpt, vaddr(va), pb, SIZE_2M, KPROT_RW, MMU_CACHE_WB,
				   0, &b), 0);
	kmap_end(&b, flags);
	EXPECT_LOAD(t, va + 3 * PAGE_SIZE, 0x3000003);
	translate_is(t, va, pb, 1, KPROT_RW);
	KT_EXPECT_EQ(t, kunmap(va, SIZE_2M), 0);
	KT_EXPECT_EQ(t, kmap(va, pa, SIZE_2M, KPROT_RW), 0);

	/* Split by unmapping page 3, with the huge translation cached. */
	EXPECT_LOAD(t, va + 3 * PAGE_SIZE, 0x2000003);
	KT_EXPECT_EQ(t, kunmap(va + 3 * PAGE_SIZE, PAGE_SIZE), 0);
	expect_load_faults(t, va + 3 * PAGE_SIZE);
	expect_unmapped(t, va + 3 * PAGE_SIZE);
	KT_EXPECT_EQ(t, mapper_count_tables(&mm_kernel_pt), tables_huge + 1);
	for (unsigned int i = 0; i < 512; i++) {
		struct mapper_leaf l;
		uint64_t v = 0;
		struct fault_info fi;
		if (i == 3)
			continue;
		if (mapper_translate(&mm_kernel_pt, vaddr(va + i * PAGE_SIZE), &l) != 0 || l.level != 0 ||
		    !paddr_eq(l.pa, paddr_add(pa, i * PAGE_SIZE)) || l.prot != KPROT_RW ||
		    try_load(va + i * PAGE_SIZE, &v, &fi) != 0 || v != 0x2000000 + i)
			wrong++;
	}
	KT_EXPECT(t, wrong == 0, "%u pages of the split leaf wrong (translation or contents)", wrong);

	/* Protect one page of the split range: only it refuses stores. */
	KT_EXPECT_EQ(t, kprotect(va + 5 * PAGE_SIZE, PAGE_SIZE, KPROT_RO), 0);
	expect_store_faults(t, va + 5 * PAGE_SIZE);
	struct fault_info fi;
	KT_EXPECT_EQ(t, try_store(va + 6 * PAGE_SIZE, 0x66, &fi), 0);
	KT_EXPECT_EQ(t, *direct(pa, 6 * PAGE_SIZE), 0x66);

	KT_EXPECT_EQ(t, kunmap(va, SIZE_2M), 0);
	expect_load_faults(t, va);
	expect_load_faults(t, va + SIZE_2M - PAGE_SIZE);
	frame_free(pa, 9);
	frame_free(pb, 9);
	env_end(t, &env);
}

/*
 * Protect splits a huge leaf too: one page of a fresh 2 MiB leaf made read-only
 * (with the huge writable translation cached by a store) refuses stores, its
 * neighbours still take them.
 */
KTEST(kmap, huge_leaf_protect_split)
{
	struct kmap_env env;
	struct fault_info fi;
	paddr_t pa;

	if (!env_begin(t, &env, SIZE_2M, SIZE_2M))
		return;
	KT_ASSERT(t, frame_alloc(9, 0, &pa) == 0, "no 2 MiB block");
	uintptr_t va = env.va;

	KT_EXPECT_EQ(t, kmap(va, pa, SIZE_2M, KPROT_RW), 0);
	size_t tables_huge = mapper_count_tables(&mm_kernel_pt);
	KT_EXPECT_EQ(t, try_store(va + 100 * PAGE_SIZE, 1, &fi), 0);
	KT_EXPECT_EQ(t, kprotect(va + 100 * PAGE_SIZE, PAGE_SIZE, KPROT_RO), 0);
	KT_EXPECT_EQ(t, mapper_count_tables(&mm_kernel_pt), tables_huge + 1);
	translate_is(t, va + 100 * PAGE_SIZE, paddr_add(pa, 100 * PAGE_SIZE), 0, KPROT_RO);
	translate_is(t, va + 101 * PAGE_SIZE, paddr_add(pa, 101 * PAGE_SIZE), 0, KPROT_RW);
	expect_store_faults(t, va + 100 * PAGE_SIZE);
	EXPECT_LOAD(t, va + 100 * PAGE_SIZE, 1);
	KT_EXPECT_EQ(t, try_store(va + 99 * PAGE_SIZE, 2, &fi), 0);
	KT_EXPECT_EQ(t, try_store(va + 101 * PAGE_SIZE, 3, &fi), 0);
	KT_EXPECT_EQ(t, *direct(pa, 99 * PAGE_SIZE), 2);
	KT_EXPECT_EQ(t, *direct(pa, 101 * PAGE_SIZE), 3);

	KT_EXPECT_EQ(t, kunmap(va, SIZE_2M), 0);
	frame_free(pa, 9);
	env_end(t, &env);
}

/*
 * A 1 GiB leaf where the kernel table can hold one (the mode has them below its
 * root level) and a 1 GiB block is free: mapped as one
 * level-2 leaf, split down to 4 KiB around one unmapped page (two more tables).
 * Only a few words are touched: the host commits guest RAM on first touch.
 */
KTEST(kmap, giant_leaf_split)
{
	struct kmap_env env;
	paddr_t pa;

	if (!mmu_level_has_leaf(mm_kernel_pt.levels, 2)) {
		ktest_skip(t, "no 1 GiB leaves in this mode");
		return;
	}
	/* Sv39: 1 GiB entries are root entries, and the kernel half's always hold tables. */
	if (mm_kernel_pt.levels - 1 <= 2) {
		ktest_skip(t, "1 GiB entries are the kernel root's (kept tables)");
		return;
	}
	if (frame_alloc(FRAME_MAX_ORDER, FRAME_NOWARN, &pa) != 0) {
		ktest_skip(t, "no free 1 GiB block");
		return;
	}
	frame_free(pa, FRAME_MAX_ORDER);
	if (!env_begin(t, &env, SIZE_1G, SIZE_1G))
		return;
	KT_ASSERT(t, frame_alloc(FRAME_MAX_ORDER, FRAME_NOWARN, &pa) == 0, "the 1 GiB block is gone");
	uintptr_t va = env.va;
	const size_t mid = SIZE_1G / 2 + 5 * PAGE_SIZE;

	*direct(pa, 0) = 0x61;
	*direct(pa, mid - PAGE_SIZE) = 0x62;
	*direct(pa, SIZE_1G - PAGE_SIZE) = 0x63;
	KT_EXPECT_EQ(t, kmap(va, pa, SIZE_1G, KPROT_RW), 0);
	translate_is(t, va + mid, paddr_add(pa, mid), 2, KPROT_RW);
	size_t tables_giant = mapper_count_tables(&mm_kernel_pt);
	EXPECT_LOAD(t, va + mid - PAGE_SIZE, 0x62);

	KT_EXPECT_EQ(t, kunmap(va + mid, PAGE_SIZE), 0);
	expect_load_faults(t, va + mid);
	KT_EXPECT_EQ(t, mapper_count_tables(&mm_kernel_pt), tables_giant + 2);
	translate_is(t, va + mid - PAGE_SIZE, paddr_add(pa, mid - PAGE_SIZE), 0, KPROT_RW);
	translate_is(t, va, pa, 1, KPROT_RW);
	translate_is(t, va + SIZE_1G - PAGE_SIZE, paddr_add(pa, SIZE_1G - PAGE_SIZE), 1, KPROT_RW);
	EXPECT_LOAD(t, va, 0x61);
	EXPECT_LOAD(t, va + mid - PAGE_SIZE, 0x62);
	EXPECT_LOAD(t, va + SIZE_1G - PAGE_SIZE, 0x63);

	KT_EXPECT_EQ(t, kunmap(va, SIZE_1G), 0);
	expect_load_faults(t, va + SIZE_1G - PAGE_SIZE);
	frame_free(pa, FRAME_MAX_ORDER);
	env_end(t, &env);
}

/*
 * ioremap() of a RAM frame (uncached): the mapping is read/write, not executable,
 * of the caching asked for (as the format expresses it); stores through it are
 * seen through the direct map and back; iounmap() makes it fault and returns the
 * window. A 2 MiB aligned range gets a huge leaf.
 */
KTEST(kmap, ioremap_ram)
{
	struct mm_baseline base;
	struct mapper_leaf l;
	size_t window = mmio_free_bytes(), tables;
	paddr_t pa, big;

	mm_ktest_baseline(&base);
	tables = mapper_count_tables(&mm_kernel_pt);
	KT_ASSERT(t, frame_alloc(0, FRAME_ZERO, &pa) == 0, "no frame");

	volatile uint64_t *p = ioremap(paddr_add(pa, 0x10), 16, MMU_CACHE_UC);
	KT_ASSERT(t, p != NULL, "ioremap failed");
	KT_EXPECT_EQ(t, (uintptr_t)p & (PAGE_SIZE - 1), 0x10);
	KT_EXPECT(t, mmio_free_bytes() < window, "the window did not shrink");
	KT_EXPECT(t, mapper_translate(&mm_kernel_pt, ptr_vaddr((const void *)p), &l) == 0,
		  "ioremap()ed address not mapped");
	KT_EXPECT(t, paddr_eq(l.pa, pa) && l.level == 0 &&
		  (l.prot & (MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER)) == (MMU_READ | MMU_WRITE) &&
		  l.cache == mmu_cache_effective(MMU_CACHE_UC),
		  "leaf pa %#llx level %u prot %#x cache %u", (unsigned long long)l.pa.raw, l.level,
		  l.prot, l.cache);
	p[0] = 0x10100101;
	KT_EXPECT_EQ(t, *direct(pa, 0x10), 0x10100101);
	*direct(pa, 0x18) = 0x20200202;
	KT_EXPECT_EQ(t, p[1], 0x20200202);
	iounmap((void *)p);
	expect_load_faults(t, (uintptr_t)p);
	expect_unmapped(t, (uintptr_t)p);
	KT_EXPECT_EQ(t, mmio_free_bytes(), window);
	frame_free(pa, 0);

	if (frame_alloc(9, FRAME_NOWARN, &big) == 0) {
		char *q = ioremap(big, SIZE_2M, MMU_CACHE_UC);
		KT_EXPECT(t, q != NULL, "ioremap of 2 MiB failed");
		if (q) {
			KT_EXPECT(t, IS_ALIGNED((uintptr_t)q, SIZE_2M), "2 MiB range at %p", (void *)q);
			KT_EXPECT(t, mapper_translate(&mm_kernel_pt, ptr_vaddr(q), &l) == 0 &&
				  l.level == 1 && paddr_eq(l.pa, big), "2 MiB range not one huge leaf");
			*(volatile uint64_t *)(q + SIZE_2M - 8) = 0x77;
			KT_EXPECT_EQ(t, *direct(big, SIZE_2M - 8), 0x77);
			iounmap(q + 0x80);   /* any pointer into the first page */
			expect_load_faults(t, (uintptr_t)q);
			expect_load_faults(t, (uintptr_t)q + SIZE_2M - 8);
		}
		frame_free(big, 9);
	}
	KT_EXPECT(t, ioremap(pa, 0, MMU_CACHE_UC) == NULL, "ioremap of 0 bytes");
	KT_EXPECT_EQ(t, mmio_free_bytes(), window);
	KT_EXPECT_EQ(t, mapper_count_tables(&mm_kernel_pt), tables);
	mm_ktest_expect_baseline(t, &base);
}

/* Bad requests change nothing: unaligned, outside the kernel half, -EEXIST half way. */
KTEST(kmap, refused_edits_change_nothing)
{
	struct kmap_env env;
	paddr_t pa;

	if (!env_begin(t, &env, 4 * PAGE_SIZE, PAGE_SIZE))
		return;
	KT_ASSERT(t, frame_alloc(2, 0, &pa) == 0, "no order-2 block");
	KT_EXPECT_EQ(t, kmap(env.va + 0x800, pa, PAGE_SIZE, KPROT_RW), -EINVAL);
	KT_EXPECT_EQ(t, kmap(env.va, pa, 0, KPROT_RW), -EINVAL);
	KT_EXPECT_EQ(t, kmap(0x10000, pa, PAGE_SIZE, KPROT_RW), -EINVAL);   /* user half: not owned */
	KT_EXPECT_EQ(t, kmap(env.va, pa, PAGE_SIZE, MMU_WRITE), -EINVAL);   /* write-only */
	KT_EXPECT_EQ(t, kmap(env.va + 2 * PAGE_SIZE, paddr_add(pa, 2 * PAGE_SIZE), PAGE_SIZE, KPROT_RW), 0);
	size_t tables = mapper_count_tables(&mm_kernel_pt);
	/* The third page is taken: the whole map fails and leaves the rest unmapped. */
	KT_EXPECT_EQ(t, kmap(env.va, pa, 4 * PAGE_SIZE, KPROT_RW), -EEXIST);
	expect_unmapped(t, env.va);
	expect_unmapped(t, env.va + PAGE_SIZE);
	expect_unmapped(t, env.va + 3 * PAGE_SIZE);
	translate_is(t, env.va + 2 * PAGE_SIZE, paddr_add(pa, 2 * PAGE_SIZE), 0, KPROT_RW);
	KT_EXPECT_EQ(t, mapper_count_tables(&mm_kernel_pt), tables);
	KT_EXPECT_EQ(t, kunmap(env.va, 4 * PAGE_SIZE), 0);
	frame_free(pa, 2);
	env_end(t, &env);
}

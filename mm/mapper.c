// SPDX-License-Identifier: MIT
/*
 * The generic mapper (see <mm/mapper.h>): walks page tables of any mode through the
 * format hooks of <mm/mmu.h>. Generic: builds into the kernel and, once per arch
 * format, into host tests over simulated physical memory.
 *
 * One walker (struct walk, below) visits the entries that cover a range; every
 * operation is a loop over it that looks at one entry at a time and either descends
 * into it or moves on. What differs between operations is only what they do to an
 * entry, and what happens to a table once the walk is done with it (kept, pruned
 * when empty, freed).
 *
 * Every edit is done in phases so that a failure changes nothing:
 *   map:     1. walk the range, refuse any existing leaf (-EEXIST) and create the
 *               missing tables (-ENOMEM); on failure prune the tables just created
 *               (they are the only empty ones); 2. store the leaves (cannot fail);
 *   unmap,
 *   protect: 1. reserve the worst-case number of tables the splits at both ends
 *               need (at most levels - 1 per end); 2. split (cannot fail);
 *            3. edit the leaves, free emptied tables; 4. return unused reserve.
 * Arguments are checked once, at the entry of each operation, with the format's
 * predicates (mmu_attrs_are_valid(), mmu_pa_is_valid()); the encodes after that
 * cannot fail, and make_leaf()/make_table() assert it. What an edit means for the
 * TLB is decided by the flusher (tlb_batch_pte_changed() and friends, mm/tlb.c);
 * the mapper only reports what it changed. Tables and frames unlinked by an edit go
 * to the tlb_batch and are freed after the caller's flush.
 *
 * Locking: the caller's (one editor per pagetable).
 */
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <mm/frame.h>
#include <mm/mapper.h>

#define MAX_SPLIT_TABLES (2 * (MMU_LEVELS_MAX - 1))

static inline unsigned int level_index(uintptr_t va, unsigned int level)
{
	return (unsigned int)(va >> mmu_level_shift(level)) & (MMU_PT_ENTRIES - 1);
}

/* The frame order of a leaf at @level (0 for a 4 KiB page). */
static inline unsigned int level_order(unsigned int level)
{
	return mmu_level_shift(level) - PAGE_SHIFT;
}

static inline pte_t *table_ptr(paddr_t pa)
{
	return phys_to_virt(pa);
}

static inline pte_t *child_table(pte_t e, unsigned int level)
{
	return table_ptr(mmu_pte_phys(e, level));
}

/*
 * The encodes. Prot, caching and the physical width were checked at the entry of
 * the operation; level and alignment hold by construction, asserted here.
 */
static inline pte_t make_leaf(const struct pagetable *pt, paddr_t pa, unsigned int prot,
			      enum mmu_cache cache, unsigned int level)
{
	KASSERT(mmu_level_has_leaf(pt->levels, level) &&
		IS_ALIGNED(pa.raw, (uint64_t)mmu_level_size(level)),
		"leaf at level %u for %#llx", level, (unsigned long long)pa.raw);
	return mmu_pte_make_leaf(pa, prot, cache, level);
}

static inline pte_t make_table(paddr_t table, unsigned int level)
{
	/* Table pages come from frame_alloc(): page aligned, inside RAM. */
	KASSERT(level > 0 && mmu_pa_is_valid(table), "table %#llx at level %u",
		(unsigned long long)table.raw, level);
	return mmu_pte_make_table(table, level);
}

/*
 * A zeroed page for a table (the root or one below it), recorded as a page-table
 * page in the frame database. Before the buddy allocator is up, tables come from
 * bootmem, which the database does not track as allocated blocks:
 * frame_set_owner() says -EINVAL for those, and they stay FRAME_OWNER_BOOTMEM.
 */
static int alloc_table(paddr_t *out)
{
	int err = frame_alloc(0, FRAME_ZERO, out);

	if (!err)
		(void)frame_set_owner(*out, FRAME_OWNER_PAGE_TABLE);
	return err;
}

/*
 * Every prune after an unmap asks this of a table, usually one just emptied: all
 * MMU_PT_ENTRIES entries are read. Where the format's empty entry is 0 (x86_64 and
 * riscv64 both), eight entries are or-ed together per test, a third of the
 * instructions of one test each (a page's munmap spent most of its time here).
 */
static bool table_is_empty(const pte_t *t, unsigned int hint)
{
	_Static_assert(MMU_PT_ENTRIES % 8 == 0, "a table is a whole number of 8-entry groups");
	if (mmu_pte_none().raw == 0) {
		/*
		 * From the group of @hint (the entry just cleared) on, wrapping: the
		 * live neighbours of an entry that was cleared are likely near it (a
		 * stack's pages are at the top of their table).
		 */
		unsigned int first = hint & ~7u & (MMU_PT_ENTRIES - 1);
		for (unsigned int n = 0, i = first; n < MMU_PT_ENTRIES; n += 8, i = (i + 8) % MMU_PT_ENTRIES) {
			uint64_t any = 0;

			for (unsigned int j = 0; j < 8; j++)
				any |= mmu_pte_read(&t[i + j]).raw;
			if (any)
				return false;
		}
		return true;
	}
	for (unsigned int i = 0; i < MMU_PT_ENTRIES; i++)
		if (!mmu_pte_is_none(mmu_pte_read(&t[i])))
			return false;
	return true;
}

/* @va sign-extended from the mode's top address bit (what a root index means). */
static uintptr_t canonical(const struct pagetable *pt, uintptr_t va)
{
	unsigned int shift = 64 - mmu_va_bits(pt->levels);

	return (uintptr_t)((intptr_t)(va << shift) >> shift);
}

/* Is [va, va + size) a valid, owned range of @pt? (size > 0, page aligned) */
static bool range_ok(const struct pagetable *pt, uintptr_t va, size_t size)
{
	uintptr_t last = va + size - 1;
	unsigned int top = pt->levels - 1;

	if (size == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || last < va)
		return false;
	if (!mmu_va_is_canonical(pt->levels, vaddr(va)) ||
	    !mmu_va_is_canonical(pt->levels, vaddr(last)))
		return false;
	/* Both ends in the same half: the range does not span the non-canonical hole. */
	if ((va ^ last) >> 63)
		return false;
	return level_index(va, top) >= pt->root_first && level_index(last, top) < pt->root_end;
}

static bool root_index_owned(const struct pagetable *pt, unsigned int i)
{
	return i >= pt->root_first && i < pt->root_end;
}

/*
 * Unlink and free the table in @slot (at @level, covering [base, base + size of
 * @level)) if it is empty and not one the kernel table keeps.
 */
static void prune_slot(const struct pagetable *pt, pte_t *slot, unsigned int level,
		       uintptr_t base, uintptr_t va, struct tlb_batch *b)
{
	pte_t e = mmu_pte_read(slot);

	if (!mmu_pte_is_table(e, level))
		return;
	if (pt->keep_root_tables && level == pt->levels - 1)
		return;
	if (!table_is_empty(child_table(e, level), level_index(va, level - 1)))
		return;
	mmu_pte_write(slot, mmu_pte_none());
	tlb_batch_table_unlinked(b, vaddr(base), mmu_level_size(level));
	tlb_batch_free_frame(b, mmu_pte_phys(e, level), 0);
}

/* ---- the walker ---- */

/*
 * A cursor over the entries covering [va, last] of one page table, top-down and in
 * address order, in the spirit of Managarm's page cursor: it always stands on one
 * entry, the one at @level whose block holds @va, with the tables on the path to it
 * in @table[]. The caller's loop reads walk_slot() and either descends into a table
 * entry (walk_down()) or moves past the entry (walk_next()). Moving past the last
 * entry of a table climbs back to its parent, and the table left behind is kept,
 * pruned if empty (POP_PRUNE) or freed outright (POP_FREE, after its entries were
 * dealt with). The non-canonical hole is stepped over: past the last entry of the
 * lower half, the cursor continues at the first of the upper half.
 *
 * @va is an address inside the current entry's block: the range's start in the
 * first entry visited, the block's start in the others.
 */
enum walk_pop { POP_KEEP, POP_PRUNE, POP_FREE };

struct walk {
	const struct pagetable *pt;
	uintptr_t va;                     /* inside the current entry's block */
	pte_t *slot;                      /* the current entry */
	uintptr_t last;                   /* last address of the range (inclusive) */
	unsigned int level;               /* level of the current entry */
	uintptr_t lim;                    /* the last address the walk covers in the
	                                     current table: its end or the range's */
	uintptr_t root_lim;               /* the same at the root (the range's end, or
	                                     the lower half's when it spans the hole) */
	unsigned int top;                 /* the root's level */
	enum walk_pop on_pop;
	struct tlb_batch *b;              /* for POP_PRUNE and POP_FREE */
	pte_t *table[MMU_LEVELS_MAX];     /* table[l]: the table holding the level-l entry */
};

static inline void walk_start(struct walk *w, const struct pagetable *pt, uintptr_t va,
			      uintptr_t last, enum walk_pop on_pop, struct tlb_batch *b)
{
	w->pt = pt;
	w->va = va;
	w->last = last;
	w->top = pt->levels - 1;
	w->level = w->top;
	w->on_pop = on_pop;
	w->b = b;
	w->table[w->level] = table_ptr(pt->root);
	w->slot = &w->table[w->level][level_index(va, w->level)];
	w->lim = w->root_lim = last;
}

/*
 * walk_start() for a range that may span the non-canonical hole (whole-table
 * walks): the root's entries up to the lower half's end first, then
 * walk_next_slow() steps over the hole.
 */
static void walk_start_span(struct walk *w, const struct pagetable *pt, uintptr_t va,
			    uintptr_t last, enum walk_pop on_pop, struct tlb_batch *b)
{
	uintptr_t half = (uintptr_t)1 << (mmu_va_bits(pt->levels) - 1);

	walk_start(w, pt, va, last, on_pop, b);
	if (va < half && last >= half)
		w->lim = w->root_lim = half - 1;
}

static inline pte_t *walk_slot(const struct walk *w)
{
	return w->slot;
}

/* The start of the current entry's block (its size is mmu_level_size(w->level)). */
static inline uintptr_t walk_base(const struct walk *w)
{
	return ALIGN_DOWN(w->va, mmu_level_size(w->level));
}

/* Descend into @e, the current entry, which is a table. */
static inline void walk_down(struct walk *w, pte_t e)
{
	uintptr_t block_last = w->va | (mmu_level_size(w->level) - 1);

	w->table[w->level - 1] = child_table(e, w->level);
	w->lim = MIN(block_last, w->last);
	w->level--;
	w->slot = &w->table[w->level][level_index(w->va, w->level)];
}

/* Climb from the table at w->level to its parent entry (the block holding @va). */
static void walk_up(struct walk *w, uintptr_t va)
{
	unsigned int parent = w->level + 1;
	pte_t *slot = &w->table[parent][level_index(va, parent)];

	if (w->on_pop == POP_PRUNE) {
		prune_slot(w->pt, slot, parent, ALIGN_DOWN(va, mmu_level_size(parent)), va, w->b);
	} else if (w->on_pop == POP_FREE) {
		pte_t e = mmu_pte_read(slot);
		mmu_pte_write(slot, mmu_pte_none());
		tlb_batch_free_frame(w->b, mmu_pte_phys(e, parent), 0);
	}
	w->level = parent;
}

/* walk_next() past the last entry of a table, of the lower half or of the range. */
static bool walk_next_slow(struct walk *w, uintptr_t next)
{
	uintptr_t cur = w->va;
	unsigned int top = w->top;

	if (next == 0 || next > w->last)
		goto done;
	/* Only a walk that spans the hole reaches the lower half's end here. */
	uintptr_t half = (uintptr_t)1 << (mmu_va_bits(w->pt->levels) - 1);
	if (next == half) {
		next = (uintptr_t)0 - half;   /* over the non-canonical hole */
		w->root_lim = w->last;
		if (next > w->last)
			goto done;
	}
	/* Each table left behind: next starts the block of its parent's next entry. */
	while (w->level < top && IS_ALIGNED(next, mmu_level_size(w->level + 1)))
		walk_up(w, cur);
	w->va = next;
	w->slot = &w->table[w->level][level_index(next, w->level)];
	w->lim = w->level == top ? w->root_lim :
		 MIN(next | (mmu_level_size(w->level + 1) - 1), w->last);
	return true;
done:
	while (w->level < top)
		walk_up(w, cur);
	return false;
}

/*
 * Move past the current entry. Returns true while the range has entries left;
 * at the end of the range it climbs back to the root first.
 */
static inline bool walk_next(struct walk *w)
{
	uintptr_t sz = mmu_level_size(w->level);
	uintptr_t next = ALIGN_DOWN(w->va, sz) + sz;   /* 0: the top of the space */

	/*
	 * The common case: the next entry of the same table, inside the range (next - 1
	 * < lim also rejects next == 0, the top of the space).
	 */
	if (likely(next - 1 < w->lim)) {
		w->va = next;
		w->slot++;
		return true;
	}
	return walk_next_slow(w, next);
}

/*
 * Descend through table entries to the entry for w->va that is not a table; return
 * its slot, and the entry in *@e.
 */
static inline pte_t *walk_seek(struct walk *w, pte_t *e)
{
	for (;;) {
		pte_t *slot = walk_slot(w);
		*e = mmu_pte_read(slot);
		/*
		 * Leaf first, as the hardware walk decides: it also lets the compiler drop
		 * mmu_pte_phys()'s leaf case from the descent (x86_64 PS leaves).
		 */
		if (mmu_pte_is_leaf(*e, w->level) || !mmu_pte_is_table(*e, w->level))
			return slot;
		walk_down(w, *e);
	}
}

/* ---- creation and destruction ---- */

static int init_common(struct pagetable *pt, unsigned int levels)
{
	if (!mmu_levels_supported(levels))
		return -EINVAL;
	int err = alloc_table(&pt->root);
	if (err)
		return err;
	pt->levels = levels;
	pt->root_first = 0;
	pt->root_end = MMU_PT_ENTRIES;
	pt->keep_root_tables = false;
	return 0;
}

int mapper_init(struct pagetable *pt, unsigned int levels)
{
	return init_common(pt, levels);
}

int mapper_init_kernel(struct pagetable *pt, unsigned int levels)
{
	int err = init_common(pt, levels);
	if (err)
		return err;
	pt->root_first = mmu_root_kernel_first(levels);
	pt->keep_root_tables = true;

	pte_t *root = table_ptr(pt->root);
	for (unsigned int i = pt->root_first; i < MMU_PT_ENTRIES; i++) {
		paddr_t t;
		err = alloc_table(&t);
		if (err)
			goto out_free;
		mmu_pte_write(&root[i], make_table(t, levels - 1));
	}
	return 0;

out_free:
	/* Never live yet: free directly. */
	for (unsigned int i = pt->root_first; i < MMU_PT_ENTRIES; i++) {
		pte_t e = mmu_pte_read(&root[i]);
		if (!mmu_pte_is_none(e))
			frame_free(mmu_pte_phys(e, levels - 1), 0);
	}
	frame_free(pt->root, 0);
	return err;
}

int mapper_init_user(struct pagetable *pt, const struct pagetable *kernel)
{
	int err = init_common(pt, kernel->levels);
	if (err)
		return err;
	pt->root_end = mmu_root_kernel_first(kernel->levels);

	pte_t *root = table_ptr(pt->root), *kroot = table_ptr(kernel->root);
	for (unsigned int i = pt->root_end; i < MMU_PT_ENTRIES; i++)
		mmu_pte_write(&root[i], mmu_pte_read(&kroot[i]));
	return 0;
}

/* Start @w on every address the owned root entries of @pt cover. */
static void walk_start_owned(struct walk *w, const struct pagetable *pt, enum walk_pop on_pop,
			     struct tlb_batch *b)
{
	unsigned int shift = mmu_level_shift(pt->levels - 1);

	walk_start_span(w, pt, canonical(pt, (uintptr_t)pt->root_first << shift),
			canonical(pt, ((uintptr_t)pt->root_end << shift) - 1), on_pop, b);
}

void mapper_destroy(struct pagetable *pt, unsigned int flags, struct tlb_batch *b)
{
	struct walk w;

	walk_start_owned(&w, pt, POP_FREE, b);
	for (;;) {
		pte_t e;
		walk_seek(&w, &e);
		if ((flags & MAPPER_PUT_FRAMES) && mmu_pte_is_leaf(e, w.level))
			tlb_batch_put_frame(b, mmu_pte_phys(e, w.level), level_order(w.level));
		else if ((flags & MAPPER_FREE_FRAMES) && mmu_pte_is_leaf(e, w.level))
			tlb_batch_free_frame(b, mmu_pte_phys(e, w.level), level_order(w.level));
		if (!walk_next(&w))
			break;
	}
	tlb_batch_add_all(b);
	tlb_batch_free_frame(b, pt->root, 0);
}

/* Free the empty tables in [va, last], bottom up. */
static void prune_range(const struct pagetable *pt, uintptr_t va, uintptr_t last,
			struct tlb_batch *b)
{
	struct walk w;

	walk_start(&w, pt, va, last, POP_PRUNE, b);
	do {
		pte_t e;
		walk_seek(&w, &e);
	} while (walk_next(&w));
}

/* ---- map ---- */

/* May a leaf at @level map [va, ...) to [pa, ...) with @left bytes still to map? */
static bool leaf_fits(const struct pagetable *pt, unsigned int level, uintptr_t va, paddr_t pa,
		      uintptr_t left, unsigned int flags)
{
	uintptr_t sz = mmu_level_size(level);

	if (level > 0 && (flags & MAPPER_NOHUGE))
		return false;
	return mmu_level_has_leaf(pt->levels, level) && IS_ALIGNED(va, sz) &&
	       IS_ALIGNED(pa.raw, (uint64_t)sz) && left >= sz;
}

/*
 * Phase 1: check that [va, last] is free and create the tables phase 2 will need
 * (a slot is left empty only where a whole leaf fits).
 */
static int map_prepare(const struct pagetable *pt, uintptr_t va, uintptr_t last, paddr_t pa,
		       unsigned int flags)
{
	struct walk w;

	walk_start(&w, pt, va, last, POP_KEEP, NULL);
	for (;;) {
		pte_t *slot = walk_slot(&w);
		pte_t e = mmu_pte_read(slot);

		if (mmu_pte_is_table(e, w.level)) {
			walk_down(&w, e);
			continue;
		}
		if (!mmu_pte_is_none(e))
			return -EEXIST;
		if (!leaf_fits(pt, w.level, w.va, paddr_add(pa, w.va - va), last - w.va + 1, flags)) {
			paddr_t tp;
			int err = alloc_table(&tp);
			if (err)
				return err;
			e = make_table(tp, w.level);
			mmu_pte_write(slot, e);
			walk_down(&w, e);
			continue;
		}
		if (!walk_next(&w))
			return 0;
	}
}

/* Phase 2: store the leaves; every table they need exists and every slot is free. */
static void map_fill(const struct pagetable *pt, uintptr_t va, uintptr_t last, paddr_t pa,
		     unsigned int prot, enum mmu_cache cache, struct tlb_batch *b)
{
	struct walk w;

	walk_start(&w, pt, va, last, POP_KEEP, NULL);
	do {
		pte_t e;
		pte_t *slot = walk_seek(&w, &e);
		paddr_t lpa = paddr_add(pa, w.va - va);

		/* Phase 1 left this slot empty because a whole leaf fits (make_leaf() checks). */
		KASSERT(mmu_pte_is_none(e), "map: %#lx (level %u) taken after phase 1",
			(unsigned long)w.va, w.level);
		e = make_leaf(pt, lpa, prot, cache, w.level);
		mmu_pte_write(slot, e);
		tlb_batch_pte_changed(b, vaddr(w.va), mmu_level_size(w.level), false,
				      mmu_pte_is_present(e));
	} while (walk_next(&w));
}

int mapper_map(struct pagetable *pt, vaddr_t va, paddr_t pa, size_t size, unsigned int prot,
	       enum mmu_cache cache, unsigned int flags, struct tlb_batch *b)
{
	if (!range_ok(pt, va.raw, size) || !IS_ALIGNED(pa.raw, (uint64_t)PAGE_SIZE) ||
	    pa.raw + size < pa.raw)
		return -EINVAL;
	/* The format judges prot, cache and the physical width once, up front. */
	if (!mmu_attrs_are_valid(prot, cache) || !mmu_pa_is_valid(paddr_add(pa, size - 1)))
		return -EINVAL;

	uintptr_t last = va.raw + size - 1;
	int err = map_prepare(pt, va.raw, last, pa, flags);
	if (err) {
		/* Phase 1 made only tables, and they are the only empty ones: prune them. */
		prune_range(pt, va.raw, last, b);
		return err;
	}
	map_fill(pt, va.raw, last, pa, prot, cache, b);
	return 0;
}

/* ---- replacing a leaf (copy-on-write) ---- */

int mapper_replace(struct pagetable *pt, vaddr_t va, paddr_t pa, unsigned int prot, paddr_t *old,
		   struct tlb_batch *b)
{
	struct walk w;
	pte_t e;

	if (!range_ok(pt, va.raw, PAGE_SIZE) || !IS_ALIGNED(pa.raw, (uint64_t)PAGE_SIZE) ||
	    !mmu_attrs_are_valid(prot, MMU_CACHE_WB) || !mmu_pa_is_valid(pa))
		return -EINVAL;
	walk_start(&w, pt, va.raw, va.raw, POP_KEEP, NULL);
	pte_t *slot = walk_seek(&w, &e);
	if (w.level != 0 || !mmu_pte_is_leaf(e, 0))
		return -ENOENT;
	*old = mmu_pte_phys(e, 0);
	pte_t ne = make_leaf(pt, pa, prot, mmu_pte_cache(e, 0), 0);
	bool was_present = mmu_pte_is_present(e);
	if (MMU_NEEDS_BBM && was_present) {
		/* Break-before-make: no CPU may hold the old frame's translation and the new one. */
		mmu_pte_write(slot, mmu_pte_none());
		tlb_batch_break(b, va, PAGE_SIZE);
		was_present = false;
	}
	/*
	 * Otherwise one store, valid to valid (x86_64, riscv64): the old translation may
	 * be used until the flush, which the caller's batch does before it frees the old
	 * frame.
	 */
	mmu_pte_write(slot, ne);
	tlb_batch_pte_changed(b, vaddr(va.raw), PAGE_SIZE, was_present, mmu_pte_is_present(ne));
	return 0;
}

/* ---- copying (fork) ---- */

/* The last-level table of @pt covering @va, with the tables above it made as needed. */
static int table_for(const struct pagetable *pt, uintptr_t va, pte_t **out)
{
	pte_t *t = table_ptr(pt->root);

	for (unsigned int level = pt->levels - 1; level > 0; level--) {
		pte_t *slot = &t[level_index(va, level)];
		pte_t e = mmu_pte_read(slot);

		if (mmu_pte_is_none(e)) {
			paddr_t tp;
			int err = alloc_table(&tp);
			if (err)
				return err;
			e = make_table(tp, level);
			mmu_pte_write(slot, e);
		} else if (!mmu_pte_is_table(e, level)) {
			return -EEXIST;
		}
		t = child_table(e, level);
	}
	*out = t;
	return 0;
}

int mapper_copy(struct pagetable *dst, const struct pagetable *src, vaddr_t va, size_t size,
		unsigned int drop_prot, void (*each)(paddr_t pa, void *arg), void *arg,
		struct tlb_batch *b)
{
	uintptr_t table_span = mmu_level_size(1), cached = 1;   /* 1: no table cached */
	pte_t *dtab = NULL;
	struct walk w;

	if (!range_ok(src, va.raw, size) || !range_ok(dst, va.raw, size) || dst->levels != src->levels)
		return -EINVAL;
	walk_start(&w, src, va.raw, va.raw + size - 1, POP_KEEP, NULL);
	do {
		pte_t e;
		walk_seek(&w, &e);
		if (!mmu_pte_is_leaf(e, w.level))
			continue;
		uintptr_t base = walk_base(&w);
		unsigned int prot = mmu_pte_prot(e, w.level) & ~drop_prot;
		enum mmu_cache cache = mmu_pte_cache(e, w.level);
		paddr_t pa = mmu_pte_phys(e, w.level);
		if (w.level > 0) {
			/* A huge leaf: the general path. */
			int err = mapper_map(dst, vaddr(base), pa, mmu_level_size(w.level), prot, cache,
					     0, b);
			if (err)
				return err;
		} else {
			/* One descent of @dst per last-level table, not per leaf. */
			if (ALIGN_DOWN(base, table_span) != cached) {
				int err = table_for(dst, base, &dtab);
				if (err)
					return err;
				cached = ALIGN_DOWN(base, table_span);
			}
			pte_t *slot = &dtab[level_index(base, 0)];
			if (!mmu_pte_is_none(mmu_pte_read(slot)))
				return -EEXIST;
			pte_t ne = make_leaf(dst, pa, prot, cache, 0);
			mmu_pte_write(slot, ne);
			tlb_batch_pte_changed(b, vaddr(base), PAGE_SIZE, false, mmu_pte_is_present(ne));
		}
		if (each)
			each(pa, arg);
	} while (walk_next(&w));
	return 0;
}

/* ---- splitting ---- */

/* Tables needed to put a leaf boundary at @va (0 if one is there already). */
static unsigned int splits_needed(const struct pagetable *pt, uintptr_t va)
{
	struct walk w;

	pte_t e;

	walk_start(&w, pt, va, va, POP_KEEP, NULL);
	walk_seek(&w, &e);
	if (!mmu_pte_is_leaf(e, w.level) || IS_ALIGNED(va, mmu_level_size(w.level)))
		return 0;
	/* One table per level down to the largest leaf size @va is aligned to. */
	unsigned int a = w.level - 1;
	while (a > 0 && !IS_ALIGNED(va, mmu_level_size(a)))
		a--;
	return w.level - a;
}

struct reserve {
	paddr_t pa[MAX_SPLIT_TABLES];
	unsigned int n;
};

static int reserve_fill(struct reserve *r, unsigned int n)
{
	r->n = 0;
	while (r->n < n) {
		int err = alloc_table(&r->pa[r->n]);
		if (err) {
			while (r->n)
				frame_free(r->pa[--r->n], 0);
			return err;
		}
		r->n++;
	}
	return 0;
}

static void reserve_release(struct reserve *r)
{
	while (r->n)
		frame_free(r->pa[--r->n], 0);
}

/* Put a leaf boundary at @va, splitting huge leaves with tables from @r. */
static void split_at(const struct pagetable *pt, uintptr_t va, struct reserve *r,
		     struct tlb_batch *b)
{
	struct walk w;

	walk_start(&w, pt, va, va, POP_KEEP, NULL);
	for (;;) {
		pte_t e;
		pte_t *slot = walk_seek(&w, &e);
		unsigned int level = w.level;
		uintptr_t sz = mmu_level_size(level);

		if (!mmu_pte_is_leaf(e, level) || IS_ALIGNED(va, sz))
			return;
		/* Fill a table with the same translation in leaves one level down. */
		KASSERT(r->n > 0, "split at %#lx: reserve exhausted", (unsigned long)va);
		paddr_t tp = r->pa[--r->n];
		pte_t *nt = table_ptr(tp);
		paddr_t pa = mmu_pte_phys(e, level);
		unsigned int prot = mmu_pte_prot(e, level);
		enum mmu_cache cache = mmu_pte_cache(e, level);
		uintptr_t csz = mmu_level_size(level - 1);
		/* Leaf levels are downward closed and @pa is aligned to the larger size. */
		nt[0] = make_leaf(pt, pa, prot, cache, level - 1);
		for (unsigned int i = 1; i < MMU_PT_ENTRIES; i++)
			nt[i] = mmu_pte_make_leaf(paddr_add(pa, i * csz), prot, cache, level - 1);
		vaddr_t base = vaddr(ALIGN_DOWN(va, sz));
		bool was_present = mmu_pte_is_present(e);
		e = make_table(tp, level);
		if (MMU_NEEDS_BBM && was_present) {
			/*
			 * Break-before-make: the huge translation goes from every CPU before
			 * the table is linked, so no TLB holds it beside the smaller leaves.
			 */
			mmu_pte_write(slot, mmu_pte_none());
			tlb_batch_break(b, base, sz);
			mmu_pte_write(slot, e);
			/* The new leaves may need this CPU's fence before it relies on them. */
			tlb_batch_pte_changed(b, base, sz, false, true);
		} else {
			mmu_pte_write(slot, e);
			tlb_batch_leaf_split(b, base, sz);
		}
		walk_down(&w, e);
	}
}

/* Phase 1 of unmap/protect: leaf boundaries at both ends of [va, va + size). */
static int split_ends(const struct pagetable *pt, uintptr_t va, size_t size, bool no_split,
		      struct tlb_batch *b)
{
	uintptr_t end = va + size;   /* 0 at the top of the space: no boundary needed */
	unsigned int need = splits_needed(pt, va) + (end ? splits_needed(pt, end) : 0);
	struct reserve r;

	if (need == 0)
		return 0;
	if (no_split)
		return -EINVAL;
	int err = reserve_fill(&r, need);
	if (err)
		return err;
	split_at(pt, va, &r, b);
	if (end)
		split_at(pt, end, &r, b);
	reserve_release(&r);
	return 0;
}

/* ---- unmap and protect ---- */

int mapper_unmap(struct pagetable *pt, vaddr_t va, size_t size, unsigned int flags,
		 struct tlb_batch *b)
{
	struct walk w;

	if (!range_ok(pt, va.raw, size))
		return -EINVAL;
	int err = split_ends(pt, va.raw, size, flags & (MAPPER_FREE_FRAMES | MAPPER_PUT_FRAMES), b);
	if (err)
		return err;

	walk_start(&w, pt, va.raw, va.raw + size - 1, POP_PRUNE, b);
	do {
		pte_t e;
		pte_t *slot = walk_seek(&w, &e);
		if (!mmu_pte_is_leaf(e, w.level))
			continue;
		/* After split_ends() a leaf in the range lies wholly inside it. */
		uintptr_t base = walk_base(&w), sz = mmu_level_size(w.level);
		mmu_pte_write(slot, mmu_pte_none());
		tlb_batch_pte_changed(b, vaddr(base), sz, mmu_pte_is_present(e), false);
		if (flags & MAPPER_PUT_FRAMES)
			tlb_batch_put_frame(b, mmu_pte_phys(e, w.level), level_order(w.level));
		else if (flags & MAPPER_FREE_FRAMES)
			tlb_batch_free_frame(b, mmu_pte_phys(e, w.level), level_order(w.level));
	} while (walk_next(&w));
	return 0;
}

int mapper_protect(struct pagetable *pt, vaddr_t va, size_t size, unsigned int prot,
		   struct tlb_batch *b)
{
	struct walk w;

	if (!range_ok(pt, va.raw, size) || !mmu_attrs_are_valid(prot, MMU_CACHE_WB))
		return -EINVAL;
	int err = split_ends(pt, va.raw, size, false, b);
	if (err)
		return err;

	walk_start(&w, pt, va.raw, va.raw + size - 1, POP_KEEP, NULL);
	do {
		pte_t e;
		pte_t *slot = walk_seek(&w, &e);
		if (!mmu_pte_is_leaf(e, w.level))
			continue;
		/* Re-encoding a decoded leaf at its own level: level and alignment hold. */
		pte_t ne = mmu_pte_make_leaf(mmu_pte_phys(e, w.level), prot, mmu_pte_cache(e, w.level),
					     w.level);
		if (ne.raw == e.raw)
			continue;
		mmu_pte_write(slot, ne);
		tlb_batch_pte_changed(b, vaddr(walk_base(&w)), mmu_level_size(w.level),
				      mmu_pte_is_present(e), mmu_pte_is_present(ne));
	} while (walk_next(&w));
	return 0;
}

/* ---- translate and walk ---- */

static inline void leaf_out(pte_t e, unsigned int level, uintptr_t va, struct mapper_leaf *out)
{
	uintptr_t sz = mmu_level_size(level);

	out->va = vaddr(ALIGN_DOWN(va, sz));
	out->pa = mmu_pte_phys(e, level);
	out->size = sz;
	out->level = level;
	out->prot = mmu_pte_prot(e, level);
	out->cache = mmu_pte_cache(e, level);
}

int mapper_translate(const struct pagetable *pt, vaddr_t va, struct mapper_leaf *out)
{
	struct walk w;

	if (!mmu_va_is_canonical(pt->levels, va) ||
	    !root_index_owned(pt, level_index(va.raw, pt->levels - 1)))
		return -EINVAL;
	pte_t e;

	walk_start(&w, pt, va.raw, va.raw, POP_KEEP, NULL);
	walk_seek(&w, &e);
	if (!mmu_pte_is_leaf(e, w.level))
		return -ENOENT;
	leaf_out(e, w.level, va.raw, out);
	return 0;
}

int mapper_walk_next(const struct pagetable *pt, vaddr_t *cursor, vaddr_t end,
		     struct mapper_leaf *out)
{
	uintptr_t half = (uintptr_t)1 << (mmu_va_bits(pt->levels) - 1);
	uintptr_t va = ALIGN_DOWN(cursor->raw, PAGE_SIZE), last = end.raw - 1;
	struct walk w;

	if (end.raw != 0 && va >= end.raw)
		return -ENOENT;
	/* From inside the non-canonical hole, on at the start of the upper half. */
	if (va >= half && va < (uintptr_t)0 - half) {
		va = (uintptr_t)0 - half;
		if (va > last)
			return -ENOENT;
	}
	walk_start_span(&w, pt, va, last, POP_KEEP, NULL);
	for (;;) {
		pte_t e = mmu_pte_read(walk_slot(&w));
		bool owned = w.level != w.top || root_index_owned(pt, level_index(w.va, w.top));

		if (owned && mmu_pte_is_table(e, w.level)) {
			walk_down(&w, e);
			continue;
		}
		if (owned && mmu_pte_is_leaf(e, w.level)) {
			leaf_out(e, w.level, w.va, out);
			cursor->raw = out->va.raw + out->size;
			return 0;
		}
		if (!walk_next(&w))
			return -ENOENT;
	}
}

size_t mapper_count_tables(const struct pagetable *pt)
{
	struct walk w;
	size_t n = 0;

	walk_start_owned(&w, pt, POP_KEEP, NULL);
	for (;;) {
		pte_t e = mmu_pte_read(walk_slot(&w));
		if (mmu_pte_is_table(e, w.level)) {
			n++;
			walk_down(&w, e);
			continue;
		}
		if (!walk_next(&w))
			return n;
	}
}

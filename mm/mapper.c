// SPDX-License-Identifier: MIT
/*
 * The generic mapper (see <mm/mapper.h>): walks page tables of any mode through the
 * format hooks of <mm/mmu.h>. Generic: builds into the kernel and, once per arch
 * format, into host tests over simulated physical memory.
 *
 * Every edit is done in phases so that a failure changes nothing:
 *   map:     1. walk the range, refuse any existing leaf (-EEXIST) and create the
 *               missing tables (-ENOMEM); on failure prune the tables just created
 *               (they are the only empty ones); 2. store the leaves (cannot fail);
 *   unmap,
 *   protect: 1. reserve the worst-case number of tables the splits at both ends
 *               need (at most levels - 1 per end); 2. split (cannot fail);
 *            3. edit the leaves, free emptied tables; 4. return unused reserve.
 * Tables and frames unlinked by an edit go to the tlb_batch and are freed after
 * the caller's flush.
 *
 * Locking: the caller's (one editor per pagetable).
 */
#include <kern/errno.h>
#include <kern/string.h>
#include <mm/frame.h>
#include <mm/mapper.h>

#define MAX_SPLIT_TABLES (2 * (MMU_LEVELS_MAX - 1))

static inline uintptr_t level_size(unsigned int level)
{
	return (uintptr_t)1 << mmu_level_shift(level);
}

static inline unsigned int level_index(uintptr_t va, unsigned int level)
{
	return (unsigned int)(va >> mmu_level_shift(level)) & (MMU_PT_ENTRIES - 1);
}

static inline pte_t *table_ptr(paddr_t pa)
{
	return phys_to_virt(pa);
}

static inline pte_t *child_table(pte_t e, unsigned int level)
{
	return table_ptr(mmu_pte_phys(e, level));
}

static bool table_is_empty(const pte_t *t)
{
	for (unsigned int i = 0; i < MMU_PT_ENTRIES; i++)
		if (!mmu_pte_is_none(mmu_pte_read(&t[i])))
			return false;
	return true;
}

/* Is [va, va + size) a valid, owned range of @pt? (size > 0, page aligned) */
static bool range_ok(const struct pagetable *pt, uintptr_t va, size_t size)
{
	uintptr_t last = va + size - 1;
	unsigned int top = pt->levels - 1;

	if (size == 0 || (va & 0xfff) || (size & 0xfff) || last < va)
		return false;
	if (!mmu_va_is_canonical(pt->levels, vaddr(va)) ||
	    !mmu_va_is_canonical(pt->levels, vaddr(last)))
		return false;
	/* Both ends in the same half: the range does not span the non-canonical hole. */
	if ((va ^ last) >> 63)
		return false;
	return level_index(va, top) >= pt->root_first && level_index(last, top) < pt->root_end;
}

static bool va_ok(const struct pagetable *pt, uintptr_t va)
{
	unsigned int idx = level_index(va, pt->levels - 1);

	return mmu_va_is_canonical(pt->levels, vaddr(va)) && idx >= pt->root_first &&
	       idx < pt->root_end;
}

/* ---- creation and destruction ---- */

static int init_common(struct pagetable *pt, unsigned int levels)
{
	if (!mmu_levels_supported(levels))
		return -EINVAL;
	int err = frame_alloc(0, FRAME_ZERO, &pt->root);
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
		pte_t e = { 0 };
		err = frame_alloc(0, FRAME_ZERO, &t);
		if (err)
			goto out_free;
		mmu_pte_make_table(&e, t, levels - 1);
		mmu_pte_write(&root[i], e);
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

static void destroy_table(pte_t *t, unsigned int level, unsigned int flags, struct tlb_batch *b)
{
	for (unsigned int i = 0; i < MMU_PT_ENTRIES; i++) {
		pte_t e = mmu_pte_read(&t[i]);
		if (mmu_pte_is_none(e))
			continue;
		if (mmu_pte_is_leaf(e, level)) {
			if (flags & MAPPER_FREE_FRAMES)
				tlb_batch_free_frame(b, mmu_pte_phys(e, level), mmu_level_shift(level) - 12);
		} else {
			destroy_table(child_table(e, level), level - 1, flags, b);
			tlb_batch_free_frame(b, mmu_pte_phys(e, level), 0);
		}
	}
}

void mapper_destroy(struct pagetable *pt, unsigned int flags, struct tlb_batch *b)
{
	unsigned int top = pt->levels - 1;
	pte_t *root = table_ptr(pt->root);

	for (unsigned int i = pt->root_first; i < pt->root_end; i++) {
		pte_t e = mmu_pte_read(&root[i]);
		if (mmu_pte_is_none(e))
			continue;
		if (mmu_pte_is_leaf(e, top)) {
			if (flags & MAPPER_FREE_FRAMES)
				tlb_batch_free_frame(b, mmu_pte_phys(e, top), mmu_level_shift(top) - 12);
		} else {
			destroy_table(child_table(e, top), top - 1, flags, b);
			tlb_batch_free_frame(b, mmu_pte_phys(e, top), 0);
		}
		mmu_pte_write(&root[i], mmu_pte_none());
	}
	tlb_batch_add_all(b);
	tlb_batch_free_frame(b, pt->root, 0);
}

/* ---- pruning empty tables ---- */

/*
 * Unlink and free the table in @slot (at @level, covering [base, base + size of
 * @level)) if it is empty. Returns whether it did.
 */
static bool prune_slot(const struct pagetable *pt, pte_t *slot, unsigned int level,
		       uintptr_t base, struct tlb_batch *b)
{
	pte_t e = mmu_pte_read(slot);

	if (!mmu_pte_is_table(e, level))
		return false;
	if (pt->keep_root_tables && level == pt->levels - 1)
		return false;
	if (!table_is_empty(child_table(e, level)))
		return false;
	mmu_pte_write(slot, mmu_pte_none());
	/* A walk may have cached the table pointer: flush before the page is reused. */
	if (MMU_TABLE_FREE_FLUSH_ALL)
		tlb_batch_add_all(b);
	else
		tlb_batch_add(b, vaddr(base), level_size(level), level_size(level), true);
	tlb_batch_free_frame(b, mmu_pte_phys(e, level), 0);
	return true;
}

/* Free the empty tables in [va, va + size) below @t (at @level), bottom up. */
static void prune_range(const struct pagetable *pt, pte_t *t, unsigned int level, uintptr_t va,
			size_t size, struct tlb_batch *b)
{
	uintptr_t sz = level_size(level);

	while (size) {
		unsigned int i = level_index(va, level);
		uintptr_t base = va & ~(sz - 1);
		size_t chunk = MIN((size_t)(base + sz - va), size);   /* base + sz may wrap to 0 */
		pte_t e = mmu_pte_read(&t[i]);

		if (mmu_pte_is_table(e, level)) {
			prune_range(pt, child_table(e, level), level - 1, va, chunk, b);
			prune_slot(pt, &t[i], level, base, b);
		}
		va += chunk;
		size -= chunk;
	}
}

/* ---- map ---- */

static bool leaf_fits(const struct pagetable *pt, unsigned int level, uintptr_t va, uint64_t pa,
		      size_t left, unsigned int flags)
{
	uintptr_t sz = level_size(level);

	if (level > 0 && (flags & MAPPER_NOHUGE))
		return false;
	return mmu_level_has_leaf(pt->levels, level) && !(va & (sz - 1)) && !(pa & (sz - 1)) &&
	       left >= sz;
}

/* Phase 1: check the range is free and create the tables phase 2 will need. */
static int map_prepare(const struct pagetable *pt, pte_t *t, unsigned int level, uintptr_t va,
		       uint64_t pa, size_t size, unsigned int flags)
{
	uintptr_t sz = level_size(level);

	while (size) {
		unsigned int i = level_index(va, level);
		uintptr_t base = va & ~(sz - 1);
		size_t chunk = MIN((size_t)(base + sz - va), size);
		pte_t e = mmu_pte_read(&t[i]);

		if (mmu_pte_is_none(e)) {
			if (!leaf_fits(pt, level, va, pa, size, flags)) {
				paddr_t tp;
				int err = frame_alloc(0, FRAME_ZERO, &tp);
				if (err)
					return err;
				mmu_pte_make_table(&e, tp, level);
				mmu_pte_write(&t[i], e);
				err = map_prepare(pt, child_table(e, level), level - 1, va, pa, chunk,
						  flags);
				if (err)
					return err;
			}
		} else if (mmu_pte_is_table(e, level)) {
			int err = map_prepare(pt, child_table(e, level), level - 1, va, pa, chunk, flags);
			if (err)
				return err;
		} else {
			return -EEXIST;
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

/* Phase 2: store the leaves; every table they need exists and every slot is free. */
static void map_fill(const struct pagetable *pt, pte_t *t, unsigned int level, uintptr_t va,
		     uint64_t pa, size_t size, unsigned int prot, enum mmu_cache cache,
		     unsigned int flags, struct tlb_batch *b)
{
	uintptr_t sz = level_size(level);

	while (size) {
		unsigned int i = level_index(va, level);
		uintptr_t base = va & ~(sz - 1);
		size_t chunk = MIN((size_t)(base + sz - va), size);
		pte_t e = mmu_pte_read(&t[i]);

		if (mmu_pte_is_none(e)) {
			/* map_prepare() left a slot empty only where a whole leaf fits. */
			mmu_pte_make_leaf(&e, paddr(pa), prot, cache, pt->levels, level);
			mmu_pte_write(&t[i], e);
			if (MMU_MAP_NEEDS_FENCE)
				tlb_batch_add(b, vaddr(va), sz, sz, false);
		} else {
			map_fill(pt, child_table(e, level), level - 1, va, pa, chunk, prot, cache,
				 flags, b);
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
}

int mapper_map(struct pagetable *pt, vaddr_t va, paddr_t pa, size_t size, unsigned int prot,
	       enum mmu_cache cache, unsigned int flags, struct tlb_batch *b)
{
	pte_t probe = { 0 };

	if (!range_ok(pt, va.raw, size) || (pa.raw & 0xfff) || pa.raw + size < pa.raw)
		return -EINVAL;
	/* Let the format judge prot, cache and the physical width once, up front. */
	if (mmu_pte_make_leaf(&probe, pa, prot, cache, pt->levels, 0) ||
	    mmu_pte_make_leaf(&probe, paddr(pa.raw + size - 0x1000), prot, cache, pt->levels, 0))
		return -EINVAL;

	pte_t *root = table_ptr(pt->root);
	int err = map_prepare(pt, root, pt->levels - 1, va.raw, pa.raw, size, flags);
	if (err) {
		/* Phase 1 made only tables, and they are the only empty ones: prune them. */
		prune_range(pt, root, pt->levels - 1, va.raw, size, b);
		return err;
	}
	map_fill(pt, root, pt->levels - 1, va.raw, pa.raw, size, prot, cache, flags, b);
	return 0;
}

/* ---- splitting ---- */

/* Tables needed to put a leaf boundary at @va (0 if one is there already). */
static unsigned int splits_needed(const struct pagetable *pt, uintptr_t va)
{
	pte_t *t = table_ptr(pt->root);

	for (unsigned int level = pt->levels - 1;; level--) {
		pte_t e = mmu_pte_read(&t[level_index(va, level)]);
		if (mmu_pte_is_none(e) || level == 0)
			return 0;
		if (mmu_pte_is_leaf(e, level)) {
			if (!(va & (level_size(level) - 1)))
				return 0;
			unsigned int a = level - 1;
			while (a > 0 && (va & (level_size(a) - 1)))
				a--;
			return level - a;
		}
		t = child_table(e, level);
	}
}

struct reserve {
	paddr_t pa[MAX_SPLIT_TABLES];
	unsigned int n;
};

static int reserve_fill(struct reserve *r, unsigned int n)
{
	r->n = 0;
	while (r->n < n) {
		int err = frame_alloc(0, FRAME_ZERO, &r->pa[r->n]);
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
	pte_t *t = table_ptr(pt->root);

	for (unsigned int level = pt->levels - 1; level > 0; level--) {
		pte_t *slot = &t[level_index(va, level)];
		pte_t e = mmu_pte_read(slot);
		uintptr_t sz = level_size(level);

		if (mmu_pte_is_none(e))
			return;
		if (mmu_pte_is_leaf(e, level)) {
			if (!(va & (sz - 1)))
				return;
			/* Fill a table with the same translation in leaves one level down. */
			paddr_t tp = r->pa[--r->n];
			pte_t *nt = table_ptr(tp);
			uint64_t pa = mmu_pte_phys(e, level).raw;
			unsigned int prot = mmu_pte_prot(e, level);
			enum mmu_cache cache = mmu_pte_cache(e, level);
			uintptr_t csz = level_size(level - 1);
			for (unsigned int i = 0; i < MMU_PT_ENTRIES; i++) {
				pte_t le = { 0 };
				mmu_pte_make_leaf(&le, paddr(pa + i * csz), prot, cache, pt->levels,
						  level - 1);
				nt[i] = le;
			}
			pte_t te = { 0 };
			mmu_pte_make_table(&te, tp, level);
			mmu_pte_write(slot, te);
			/* The huge translation may be cached: it must go before the small ones are used. */
			tlb_batch_add(b, vaddr(va & ~(sz - 1)), sz, sz, true);
			if (MMU_TABLE_FREE_FLUSH_ALL)
				tlb_batch_add_all(b);   /* a non-leaf entry changed (riscv 4.2.1) */
			e = te;
		}
		t = child_table(e, level);
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

static void unmap_range(const struct pagetable *pt, pte_t *t, unsigned int level, uintptr_t va,
			size_t size, unsigned int flags, struct tlb_batch *b)
{
	uintptr_t sz = level_size(level);

	while (size) {
		unsigned int i = level_index(va, level);
		uintptr_t base = va & ~(sz - 1);
		size_t chunk = MIN((size_t)(base + sz - va), size);
		pte_t e = mmu_pte_read(&t[i]);

		if (mmu_pte_is_leaf(e, level)) {
			/* After split_ends() a leaf in the range lies wholly inside it. */
			mmu_pte_write(&t[i], mmu_pte_none());
			if (mmu_pte_is_present(e))
				tlb_batch_add(b, vaddr(base), sz, sz, true);
			if (flags & MAPPER_FREE_FRAMES)
				tlb_batch_free_frame(b, mmu_pte_phys(e, level), mmu_level_shift(level) - 12);
		} else if (mmu_pte_is_table(e, level)) {
			unmap_range(pt, child_table(e, level), level - 1, va, chunk, flags, b);
			prune_slot(pt, &t[i], level, base, b);
		}
		va += chunk;
		size -= chunk;
	}
}

int mapper_unmap(struct pagetable *pt, vaddr_t va, size_t size, unsigned int flags,
		 struct tlb_batch *b)
{
	if (!range_ok(pt, va.raw, size))
		return -EINVAL;
	int err = split_ends(pt, va.raw, size, flags & MAPPER_FREE_FRAMES, b);
	if (err)
		return err;
	unmap_range(pt, table_ptr(pt->root), pt->levels - 1, va.raw, size, flags, b);
	return 0;
}

static void protect_range(const struct pagetable *pt, pte_t *t, unsigned int level, uintptr_t va,
			  size_t size, unsigned int prot, struct tlb_batch *b)
{
	uintptr_t sz = level_size(level);

	while (size) {
		unsigned int i = level_index(va, level);
		uintptr_t base = va & ~(sz - 1);
		size_t chunk = MIN((size_t)(base + sz - va), size);
		pte_t e = mmu_pte_read(&t[i]);

		if (mmu_pte_is_leaf(e, level)) {
			pte_t ne = { 0 };
			mmu_pte_make_leaf(&ne, mmu_pte_phys(e, level), prot, mmu_pte_cache(e, level),
					  pt->levels, level);
			if (ne.raw != e.raw) {
				mmu_pte_write(&t[i], ne);
				if (mmu_pte_is_present(e))
					tlb_batch_add(b, vaddr(base), sz, sz, true);
				else if (MMU_MAP_NEEDS_FENCE)
					tlb_batch_add(b, vaddr(base), sz, sz, false);
			}
		} else if (mmu_pte_is_table(e, level)) {
			protect_range(pt, child_table(e, level), level - 1, va, chunk, prot, b);
		}
		va += chunk;
		size -= chunk;
	}
}

int mapper_protect(struct pagetable *pt, vaddr_t va, size_t size, unsigned int prot,
		   struct tlb_batch *b)
{
	pte_t probe = { 0 };

	if (!range_ok(pt, va.raw, size) ||
	    mmu_pte_make_leaf(&probe, paddr(0), prot, MMU_CACHE_WB, pt->levels, 0))
		return -EINVAL;
	int err = split_ends(pt, va.raw, size, false, b);
	if (err)
		return err;
	protect_range(pt, table_ptr(pt->root), pt->levels - 1, va.raw, size, prot, b);
	return 0;
}

/* ---- translate and walk ---- */

static void leaf_out(pte_t e, unsigned int level, uintptr_t va, struct mapper_leaf *out)
{
	uintptr_t sz = level_size(level);

	out->va = vaddr(va & ~(sz - 1));
	out->pa = mmu_pte_phys(e, level);
	out->size = sz;
	out->level = level;
	out->prot = mmu_pte_prot(e, level);
	out->cache = mmu_pte_cache(e, level);
}

int mapper_translate(const struct pagetable *pt, vaddr_t va, struct mapper_leaf *out)
{
	if (!va_ok(pt, va.raw))
		return -EINVAL;
	pte_t *t = table_ptr(pt->root);
	for (unsigned int level = pt->levels - 1;; level--) {
		pte_t e = mmu_pte_read(&t[level_index(va.raw, level)]);
		if (mmu_pte_is_leaf(e, level)) {
			leaf_out(e, level, va.raw, out);
			return 0;
		}
		if (!mmu_pte_is_table(e, level))
			return -ENOENT;
		t = child_table(e, level);
	}
}

/*
 * The first leaf at or after @va below @t (at @level), not beyond @last; true if
 * found. At the root only owned entries are visited.
 */
static bool walk_from(const struct pagetable *pt, const pte_t *t, unsigned int level,
		      uintptr_t va, uintptr_t last, struct mapper_leaf *out)
{
	uintptr_t sz = level_size(level);

	for (unsigned int i = level_index(va, level); i < MMU_PT_ENTRIES; i++) {
		pte_t e = mmu_pte_read(&t[i]);
		bool owned = level != pt->levels - 1 || (i >= pt->root_first && i < pt->root_end);

		if (owned && mmu_pte_is_leaf(e, level)) {
			leaf_out(e, level, va, out);
			return true;
		}
		if (owned && mmu_pte_is_table(e, level) &&
		    walk_from(pt, child_table(e, level), level - 1, va, last, out))
			return true;
		/* On to the start of the next entry's block. */
		uintptr_t next = (va & ~(sz - 1)) + sz;
		if (next == 0 || next > last)
			return false;
		va = next;
	}
	return false;
}

int mapper_walk_next(const struct pagetable *pt, vaddr_t *cursor, vaddr_t end,
		     struct mapper_leaf *out)
{
	uintptr_t half = (uintptr_t)1 << (mmu_va_bits(pt->levels) - 1);
	uintptr_t va = cursor->raw & ~(uintptr_t)0xfff, last = end.raw - 1;
	const pte_t *root = table_ptr(pt->root);
	unsigned int top = pt->levels - 1;
	bool found = false;

	if (end.raw != 0 && va >= end.raw)
		return -ENOENT;
	/* The two canonical halves, lower first; the hole between them has no entries. */
	if (va < half)
		found = walk_from(pt, root, top, va, MIN(last, half - 1), out);
	if (!found) {
		va = MAX(va, (uintptr_t)0 - half);
		if (va > last)
			return -ENOENT;
		found = walk_from(pt, root, top, va, last, out);
	}
	if (!found)
		return -ENOENT;
	cursor->raw = out->va.raw + out->size;
	return 0;
}

static size_t count_tables(const pte_t *t, unsigned int level)
{
	size_t n = 0;

	for (unsigned int i = 0; i < MMU_PT_ENTRIES; i++) {
		pte_t e = mmu_pte_read(&t[i]);
		if (mmu_pte_is_table(e, level))
			n += 1 + count_tables(child_table(e, level), level - 1);
	}
	return n;
}

size_t mapper_count_tables(const struct pagetable *pt)
{
	const pte_t *root = table_ptr(pt->root);
	unsigned int top = pt->levels - 1;
	size_t n = 0;

	for (unsigned int i = pt->root_first; i < pt->root_end; i++) {
		pte_t e = mmu_pte_read(&root[i]);
		if (mmu_pte_is_table(e, top))
			n += 1 + count_tables(child_table(e, top), top - 1);
	}
	return n;
}

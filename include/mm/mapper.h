/* SPDX-License-Identifier: MIT */
/*
 * The generic mapper: map, unmap, protect, translate and walk ranges of any page
 * table, in any paging mode of the arch, through the format hooks of <mm/mmu.h>.
 * It does the walking; the arch only encodes and decodes entries.
 *
 * A struct pagetable is a root plus the part of it this mapper owns: a standalone
 * table owns every root entry; a user table owns the lower half and shares the
 * kernel half's root entries with the kernel table (copied at creation, never
 * edited through it); the kernel table owns the upper half and keeps the tables
 * under those root entries for good (they are what every user root shares).
 * Addresses outside the owned part are refused with -EINVAL.
 *
 * Invariants after every call (success or failure):
 *   - no empty table below the root, except the kernel table's kept tables;
 *   - on failure the translations are exactly what they were (a huge leaf may be
 *     left split into equivalent smaller leaves: same addresses, same attributes)
 *     and no frame is leaked.
 *
 * Every editing call takes a struct tlb_batch (<mm/tlb.h>): it queues the
 * invalidations the edit needs and the frames it unlinked; the caller runs
 * tlb_batch_flush() after the edit (under or after its lock) and only then are
 * those frames reused. Page-table pages come from frame_alloc(0, FRAME_ZERO).
 *
 * Locking: the caller serialises edits of one pagetable (the address-space lock;
 * the kernel table's lock). Translate and walk may run concurrently with edits
 * only if the caller tolerates seeing either side of an edit.
 */
#ifndef MM_MAPPER_H
#define MM_MAPPER_H

#include <kern/types.h>
#include <mm/mmu.h>
#include <mm/tlb.h>
#include <mm/types.h>

struct pagetable {
	paddr_t root;
	unsigned int levels;          /* the paging mode */
	unsigned int root_first;      /* owned root entries: [root_first, root_end) */
	unsigned int root_end;
	bool keep_root_tables;        /* never free the tables under owned root entries */
};

/* mapper_map() flags */
#define MAPPER_NOHUGE      (1u << 0)  /* 4 KiB leaves only */
/* mapper_unmap() / mapper_destroy() flags */
#define MAPPER_FREE_FRAMES (1u << 1)  /* frame_free() each leaf's frame (order of its level) */
#define MAPPER_PUT_FRAMES  (1u << 2)  /* frame_put() each leaf's frame instead: user pages,
                                         which other address spaces may map too */

/* A leaf as the walker reports it. */
struct mapper_leaf {
	vaddr_t va;                   /* start of the leaf (aligned to size) */
	paddr_t pa;                   /* physical address of that start */
	size_t size;
	unsigned int level;
	unsigned int prot;            /* MMU_* bits; 0 in prot & MMU_RWX: inaccessible */
	enum mmu_cache cache;
};

/*
 * Create an empty standalone table of mode @levels owning the whole root.
 * Returns 0, -EINVAL for an unsupported mode, -ENOMEM.
 */
int mapper_init(struct pagetable *pt, unsigned int levels);

/*
 * Create the kernel table of mode @levels: owns the kernel half and allocates every
 * table under its root entries up front, so user roots can share them.
 * Returns 0, -EINVAL, or -ENOMEM (nothing left allocated).
 */
int mapper_init_kernel(struct pagetable *pt, unsigned int levels);

/*
 * Create a user table sharing @kernel's kernel half (same mode). Returns 0 or -ENOMEM.
 */
int mapper_init_user(struct pagetable *pt, const struct pagetable *kernel);

/*
 * Free every table this mapper owns (and with MAPPER_FREE_FRAMES every leaf's
 * frame), then the root. Everything goes through @b. A kernel table may only be
 * destroyed once no user table shares it (tests; a kernel never does).
 */
void mapper_destroy(struct pagetable *pt, unsigned int flags, struct tlb_batch *b);

/*
 * Map [@va, @va + @size) to [@pa, ...) with @prot and @cache, using at each step the
 * largest leaf that the mode allows and that alignment of @va, @pa and the
 * remaining size permit (4 KiB only with MAPPER_NOHUGE). Returns 0; -EINVAL for
 * unaligned (4 KiB) or zero @size, a range that wraps, is not canonical or not
 * owned, or a @prot/@cache the format refuses; -EEXIST if any page of the range is
 * mapped already; -ENOMEM if a table could not be allocated. On error nothing
 * changed.
 */
int mapper_map(struct pagetable *pt, vaddr_t va, paddr_t pa, size_t size, unsigned int prot,
	       enum mmu_cache cache, unsigned int flags, struct tlb_batch *b);

/*
 * Unmap every leaf in [@va, @va + @size) (holes are fine), splitting a huge leaf
 * that straddles either end; tables left empty are freed. Returns 0; -EINVAL as
 * for mapper_map(), or with MAPPER_FREE_FRAMES when a huge leaf would have to be
 * split (its frame cannot be freed in part); -ENOMEM if a split needs a table that
 * cannot be allocated. On error nothing changed.
 */
int mapper_unmap(struct pagetable *pt, vaddr_t va, size_t size, unsigned int flags,
		 struct tlb_batch *b);

/*
 * Give every leaf in [@va, @va + @size) the protection @prot (holes are fine; the
 * caching and the frames stay), splitting huge leaves that straddle either end.
 * Returns 0, -EINVAL (as mapper_map(), or @prot refused), -ENOMEM (nothing changed).
 */
int mapper_protect(struct pagetable *pt, vaddr_t va, size_t size, unsigned int prot,
		   struct tlb_batch *b);

/*
 * The leaf mapping @va. Returns 0 and *@out, -ENOENT if nothing maps @va, or
 * -EINVAL if @va is not canonical or not owned.
 */
int mapper_translate(const struct pagetable *pt, vaddr_t va, struct mapper_leaf *out);

/*
 * Walk: the first owned leaf that maps an address in [*@cursor, @end) (@end 0
 * means the top of the address space; the leaf may start before *@cursor if a huge
 * leaf covers it). Returns 0 with *@out and *@cursor set to the end of that leaf
 * (0 after the last page of the space: the walk is over), or -ENOENT when there
 * is none.
 */
int mapper_walk_next(const struct pagetable *pt, vaddr_t *cursor, vaddr_t end,
		     struct mapper_leaf *out);

/*
 * Make the 4 KiB leaf at @va map @pa with @prot (and its caching) instead: a
 * copy-on-write fault's new frame. The old frame goes to *@old; the change is
 * queued on @b, and the caller frees or puts the old frame after the flush.
 * Returns 0, -ENOENT (no 4 KiB leaf there), -EINVAL.
 */
int mapper_replace(struct pagetable *pt, vaddr_t va, paddr_t pa, unsigned int prot, paddr_t *old,
		   struct tlb_batch *b);

/*
 * Copy @src's leaves in [@va, @va + @size) into @dst (same mode, that range of it
 * empty) at the same addresses, each with its protection minus @drop_prot and its
 * caching, calling @each(pa, @arg) for each leaf copied (fork: a frame reference).
 * Creates @dst's tables as needed, descending once per last-level table. Returns
 * 0; -ENOMEM (a table) or -EEXIST with the leaves before copied, and reported to
 * @each; -EINVAL for a bad range.
 */
int mapper_copy(struct pagetable *dst, const struct pagetable *src, vaddr_t va, size_t size,
		unsigned int drop_prot, void (*each)(paddr_t pa, void *arg), void *arg,
		struct tlb_batch *b);

/* The number of table pages this mapper owns below the root (for tests and statistics). */
size_t mapper_count_tables(const struct pagetable *pt);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Virtual memory areas and the balanced tree that holds them (mm/vma.c).
 *
 * The tree is an AVL tree of non-overlapping [start, end) ranges keyed by start,
 * with intrusive nodes (struct vma embeds its links). Each node also carries, for
 * its subtree, the lowest start, the highest end and the largest gap between two
 * consecutive areas inside the subtree, so lookups, neighbours and the top-down
 * search for a free gap of a given size are all O(log n).
 *
 * Locking: the owning address space's lock (struct as). The tree never allocates.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include <kern/types.h>

/* vma->flags */
#define VMA_SHARED     (1u << 0) /* MAP_SHARED: pages belong to a shared object */
#define VMA_DONTCOPY   (1u << 1) /* MADV_DONTFORK: a fork's child does not get this VMA */
#define VMA_WIPEONFORK (1u << 2) /* MADV_WIPEONFORK: a fork's child gets it empty (private only) */

struct vma {
	struct vma *left, *right;    /* tree links */
	int height;
	uintptr_t sub_min, sub_max;  /* lowest start / highest end in this subtree */
	uintptr_t sub_gap;           /* largest gap between consecutive areas inside it */

	uintptr_t start, end;        /* page aligned, start < end */
	unsigned int prot;           /* PROT_* of <mm/mman.h> */
	unsigned int flags;          /* VMA_* */
	uint64_t obj;                /* VMA_SHARED: the shared object's id */
	uint64_t pgoff;              /* VMA_SHARED: page offset of start in the object */
};

struct vma_tree {
	struct vma *root;
	size_t count;
};

void vma_tree_init(struct vma_tree *t);

/* Insert @v (start/end set, overlapping no other area). */
void vma_insert(struct vma_tree *t, struct vma *v);

/* Remove @v (which is in @t). */
void vma_remove(struct vma_tree *t, struct vma *v);

/* Change @v's bounds to [@start, @end) (overlapping no other area). O(log n). */
void vma_set_bounds(struct vma_tree *t, struct vma *v, uintptr_t start, uintptr_t end);

/* The area containing @addr, or NULL. */
struct vma *vma_find(const struct vma_tree *t, uintptr_t addr);

/* The lowest area ending above @addr (containing it or after it), or NULL. */
struct vma *vma_find_next(const struct vma_tree *t, uintptr_t addr);

/* The highest area starting below @addr, or NULL. */
struct vma *vma_find_prev(const struct vma_tree *t, uintptr_t addr);

/* Does any area intersect [@start, @end)? */
bool vma_intersects(const struct vma_tree *t, uintptr_t start, uintptr_t end);

/*
 * The highest @len-byte free range inside [@low, @high): returns 0 and its start
 * in *@out, or -ENOMEM if there is none. @len > 0, all page aligned.
 */
int vma_gap_topdown(const struct vma_tree *t, uintptr_t low, uintptr_t high, size_t len,
		    uintptr_t *out);

/* Check the tree's order, balance and every augmented field; true if sound (tests). */
bool vma_tree_check(const struct vma_tree *t);

#endif

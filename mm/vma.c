// SPDX-License-Identifier: MIT
/*
 * The VMA tree (see <mm/vma.h>): an AVL tree keyed by start, augmented with the
 * subtree's lowest start, highest end and largest inner gap, which the top-down
 * gap search uses to skip subtrees without a big enough hole. Recursive helpers
 * are bounded by the tree height (1.44 log2 n), so stack use stays small.
 * Generic: builds into the kernel and into host tests. Locking: the caller's.
 */
#include <kern/errno.h>
#include <mm/vma.h>

static inline int height(const struct vma *n)
{
	return n ? n->height : 0;
}

static inline uintptr_t gap(uintptr_t from, uintptr_t to)
{
	return to > from ? to - from : 0;
}

static void update(struct vma *n)
{
	struct vma *l = n->left, *r = n->right;
	uintptr_t g = 0;

	n->height = 1 + MAX(height(l), height(r));
	n->sub_min = l ? l->sub_min : n->start;
	n->sub_max = r ? r->sub_max : n->end;
	if (l)
		g = MAX(l->sub_gap, gap(l->sub_max, n->start));
	if (r)
		g = MAX(g, MAX(r->sub_gap, gap(n->end, r->sub_min)));
	n->sub_gap = g;
}

static struct vma *rotate_right(struct vma *n)
{
	struct vma *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct vma *rotate_left(struct vma *n)
{
	struct vma *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static struct vma *balance(struct vma *n)
{
	update(n);
	int bf = height(n->left) - height(n->right);
	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct vma *insert(struct vma *n, struct vma *v)
{
	if (!n)
		return v;
	if (v->start < n->start)
		n->left = insert(n->left, v);
	else
		n->right = insert(n->right, v);
	return balance(n);
}

void vma_tree_init(struct vma_tree *t)
{
	t->root = NULL;
	t->count = 0;
}

void vma_insert(struct vma_tree *t, struct vma *v)
{
	v->left = v->right = NULL;
	update(v);
	t->root = insert(t->root, v);
	t->count++;
}

static struct vma *remove_min(struct vma *n, struct vma **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = remove_min(n->left, min);
	return balance(n);
}

static struct vma *remove(struct vma *n, const struct vma *v)
{
	if (!n)
		return NULL;
	if (n == v) {
		if (!n->left || !n->right)
			return n->left ? n->left : n->right;
		struct vma *m;
		struct vma *r = remove_min(n->right, &m);
		m->left = n->left;
		m->right = r;
		return balance(m);
	}
	if (v->start < n->start)
		n->left = remove(n->left, v);
	else
		n->right = remove(n->right, v);
	return balance(n);
}

void vma_remove(struct vma_tree *t, struct vma *v)
{
	t->root = remove(t->root, v);
	t->count--;
}

/* Recompute the augmented fields on the path from the root to @v (same key order). */
static void refresh_path(struct vma *n, const struct vma *v)
{
	if (!n)
		return;
	if (n != v)
		refresh_path(v->start < n->start ? n->left : n->right, v);
	update(n);
}

void vma_set_bounds(struct vma_tree *t, struct vma *v, uintptr_t start, uintptr_t end)
{
	if (start == v->start) {
		/* The key stays: only the augmented fields on its path change. */
		v->end = end;
		refresh_path(t->root, v);
		return;
	}
	vma_remove(t, v);
	v->start = start;
	v->end = end;
	vma_insert(t, v);
}

struct vma *vma_find(const struct vma_tree *t, uintptr_t addr)
{
	struct vma *v = vma_find_next(t, addr);

	return v && v->start <= addr ? v : NULL;
}

struct vma *vma_find_next(const struct vma_tree *t, uintptr_t addr)
{
	struct vma *n = t->root, *best = NULL;

	while (n) {
		if (n->end > addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct vma *vma_find_prev(const struct vma_tree *t, uintptr_t addr)
{
	struct vma *n = t->root, *best = NULL;

	while (n) {
		if (n->start < addr) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

bool vma_intersects(const struct vma_tree *t, uintptr_t start, uintptr_t end)
{
	struct vma *v = vma_find_next(t, start);

	return v && v->start < end;
}

/*
 * Search subtree @n, whose nearest areas outside it end at @lo and start at @hi
 * (the free space around it is bounded by them), for the highest fit in [low, high).
 */
static bool gap_top(const struct vma *n, uintptr_t lo, uintptr_t hi, uintptr_t low,
		    uintptr_t high, size_t len, uintptr_t *out)
{
	uintptr_t a = MAX(lo, low), b = MIN(hi, high);

	if (b <= a || b - a < len)
		return false;             /* the window misses this subtree's span */
	if (!n) {
		*out = b - len;
		return true;
	}
	if (MAX(n->sub_gap, MAX(gap(lo, n->sub_min), gap(n->sub_max, hi))) < len)
		return false;             /* no hole in here is big enough */
	return gap_top(n->right, n->end, hi, low, high, len, out) ||
	       gap_top(n->left, lo, n->start, low, high, len, out);
}

int vma_gap_topdown(const struct vma_tree *t, uintptr_t low, uintptr_t high, size_t len,
		    uintptr_t *out)
{
	return gap_top(t->root, 0, UINTPTR_MAX, low, high, len, out) ? 0 : -ENOMEM;
}

static bool check(const struct vma *n, uintptr_t lo, uintptr_t hi, size_t *count)
{
	if (!n)
		return true;
	(*count)++;
	if (n->start >= n->end || n->start < lo || n->end > hi)
		return false;
	if (!check(n->left, lo, n->start, count) || !check(n->right, n->end, hi, count))
		return false;
	int bf = height(n->left) - height(n->right);
	struct vma copy = *n;
	update(&copy);
	return bf >= -1 && bf <= 1 && copy.height == n->height && copy.sub_min == n->sub_min &&
	       copy.sub_max == n->sub_max && copy.sub_gap == n->sub_gap;
}

bool vma_tree_check(const struct vma_tree *t)
{
	size_t count = 0;

	return check(t->root, 0, UINTPTR_MAX, &count) && count == t->count;
}

/* SPDX-License-Identifier: MIT */
/*
 * A reference model of live allocations for the randomised tests and the fuzz
 * targets: every live allocation (buddy block or kmalloc object) as a physical
 * interval with a tag. The model checks the allocators' promises: no two live
 * allocations overlap, alignments hold, nothing written into an allocation is
 * changed by the allocator while it is live (the tag in its first and last bytes).
 * Single-threaded; header-only so each test can have its own instance.
 */
#ifndef TESTS_MODEL_H
#define TESTS_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mm/types.h>

enum model_kind { MODEL_FRAMES, MODEL_COUNT, MODEL_KMALLOC };

struct model_alloc {
	uint64_t start, end;        /* physical [start, end) */
	enum model_kind kind;
	unsigned int order;         /* MODEL_FRAMES */
	size_t count;               /* MODEL_COUNT: frames; MODEL_KMALLOC: bytes asked */
	uint64_t tag;
};

struct model {
	struct model_alloc *a;
	size_t n, cap;
	uint64_t next_tag;
};

static inline void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->next_tag = 0x1234567800000001ull;
}

static inline void model_fini(struct model *m)
{
	free(m->a);
	memset(m, 0, sizeof(*m));
}

/* Does [start, end) overlap a live allocation? Returns its index or -1. */
static inline long model_overlap(const struct model *m, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < m->n; i++)
		if (start < m->a[i].end && m->a[i].start < end)
			return (long)i;
	return -1;
}

/* Stamp @a's tag into its first and last 8 bytes (only the first ones if shorter than 16). */
static inline void model_stamp(const struct model_alloc *a)
{
	size_t len = (size_t)(a->end - a->start);
	unsigned char *p = phys_to_virt(paddr(a->start));
	size_t n = len < 8 ? len : 8;

	memcpy(p, &a->tag, n);
	if (len >= 16)
		memcpy(p + len - n, &a->tag, n);
}

static inline bool model_stamp_ok(const struct model_alloc *a)
{
	size_t len = (size_t)(a->end - a->start);
	const unsigned char *p = phys_to_virt(paddr(a->start));
	size_t n = len < 8 ? len : 8;

	return memcmp(p, &a->tag, n) == 0 && (len < 16 || memcmp(p + len - n, &a->tag, n) == 0);
}

/* Record a new live allocation (after checking it overlaps nothing); returns it. */
static inline struct model_alloc *model_add(struct model *m, struct model_alloc a)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->a = realloc(m->a, m->cap * sizeof(*m->a));
		if (!m->a)
			abort();
	}
	a.tag = m->next_tag++;
	m->a[m->n] = a;
	model_stamp(&m->a[m->n]);
	return &m->a[m->n++];
}

/* Forget allocation @i (swap-remove). */
static inline void model_remove(struct model *m, size_t i)
{
	m->a[i] = m->a[--m->n];
}

#endif

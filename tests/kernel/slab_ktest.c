// SPDX-License-Identifier: MIT
/*
 * The "slab" suite: kmalloc() and slab caches against live memory. Each test takes
 * the free-frame baseline first (kmalloc classes shrunk, CPU caches drained; see
 * tests/kernel/mm_ktest.h) and ends back at it: every slab a test made is
 * released once its objects are freed and the caches are shrunk.
 *
 * Objects are written only inside the size asked for (a slab_debug build puts a
 * red zone right after it), and only a word at each end of large ones: the
 * checks are about placement, not bandwidth.
 */
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/ktest.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <mm/frame.h>
#include <mm/slab.h>
#include "mm_ktest.h"

#define MAX_OBJS 1024

static void *objs[MAX_OBJS];

static inline uint64_t tag(unsigned int cls, unsigned int i, unsigned int end)
{
	return 0x51ab000000000000ull ^ ((uint64_t)cls << 32) ^ ((uint64_t)i << 1) ^ end;
}

/* Write the tags of object @i: a word at its start, and one at its end if it has room. */
static void tag_object(void *p, size_t size, unsigned int cls, unsigned int i)
{
	if (size >= 8)
		WRITE_ONCE(*(uint64_t *)p, tag(cls, i, 0));
	if (size >= 16)
		WRITE_ONCE(*(uint64_t *)((char *)p + ALIGN_DOWN(size - 8, (size_t)8)), tag(cls, i, 1));
	if (size < 8)
		WRITE_ONCE(*(uint8_t *)p, (uint8_t)(i * 7 + cls));
}

static bool tags_intact(const void *p, size_t size, unsigned int cls, unsigned int i)
{
	if (size < 8)
		return READ_ONCE(*(const uint8_t *)p) == (uint8_t)(i * 7 + cls);
	if (READ_ONCE(*(const uint64_t *)p) != tag(cls, i, 0))
		return false;
	return size < 16 ||
	       READ_ONCE(*(const uint64_t *)((const char *)p + ALIGN_DOWN(size - 8, (size_t)8))) ==
		       tag(cls, i, 1);
}

/* Sort @n pointers by address (insertion sort: n is small and mostly ordered). */
static void sort_ptrs(void **v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		void *x = v[i];
		unsigned int j = i;
		while (j > 0 && (uintptr_t)v[j - 1] > (uintptr_t)x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Do the @n objects of @size bytes at v[] overlap? (sorts v[]) Returns the first clash or NULL. */
static void *first_overlap(void **v, unsigned int n, size_t size)
{
	sort_ptrs(v, n);
	for (unsigned int i = 1; i < n; i++)
		if ((uintptr_t)v[i - 1] + size > (uintptr_t)v[i])
			return v[i];
	return NULL;
}

/*
 * Every kmalloc class, at its full size and just above the previous class: enough
 * objects for several slabs (up to 8 MiB or MAX_OBJS per class), each aligned to
 * its class, its own ksize() and slab-owned, none overlapping another, all
 * written and read back, freed in two interleaved passes.
 */
KTEST(slab, kmalloc_every_class)
{
	static void *sorted[MAX_OBJS];
	struct mm_baseline base;

	mm_ktest_baseline(&base);
	for (unsigned int cls = 0; cls < KMALLOC_CLASSES; cls++) {
		size_t csize = KMALLOC_MIN_SIZE << cls;
		unsigned int n = (unsigned int)MIN(MAX((8ul << 20) / csize, 8ul), (size_t)MAX_OBJS);
		struct slab_cache *c = kmalloc_cache(csize);
		unsigned int got = 0, misaligned = 0, wrong_ksize = 0, not_slab = 0, bad_tags = 0;
		struct slab_stats st;

		KT_ASSERT(t, c != NULL, "no cache for class %zu", csize);
		slab_get_stats(c, &st);
		KT_EXPECT(t, n > st.objects_per_slab,
			  "class %zu: %u objects fit in one slab of %llu", csize, n,
			  (unsigned long long)st.objects_per_slab);
		for (unsigned int i = 0; i < n; i++) {
			/* Alternate the class size and the smallest size of the class. */
			size_t size = (i & 1) && cls > 0 ? csize / 2 + 1 : csize;
			void *p = kmalloc(size, KM_NOWARN);

			objs[i] = p;
			if (!p)
				break;
			got++;
			KT_EXPECT(t, kmalloc_cache(size) == c, "size %zu not served by class %zu", size, csize);
			if (!IS_ALIGNED((uintptr_t)p, csize))
				misaligned++;
			if (ksize(p) != csize)
				wrong_ksize++;
			if (frame_get_owner(virt_to_phys(p)) != FRAME_OWNER_SLAB)
				not_slab++;
			tag_object(p, size, cls, i);
		}
		KT_EXPECT(t, got == n, "class %zu: %u of %u allocations succeeded", csize, got, n);
		for (unsigned int i = 0; i < got; i++) {
			size_t size = (i & 1) && cls > 0 ? csize / 2 + 1 : csize;
			if (!tags_intact(objs[i], size, cls, i))
				bad_tags++;
			sorted[i] = objs[i];
		}
		void *clash = first_overlap(sorted, got, csize);
		KT_EXPECT(t, misaligned == 0, "class %zu: %u objects not aligned to it", csize, misaligned);
		KT_EXPECT(t, wrong_ksize == 0, "class %zu: %u objects with another ksize()", csize,
			  wrong_ksize);
		KT_EXPECT(t, not_slab == 0, "class %zu: %u objects not in slab frames", csize, not_slab);
		KT_EXPECT(t, bad_tags == 0, "class %zu: %u objects overwritten", csize, bad_tags);
		KT_EXPECT(t, clash == NULL, "class %zu: object %p overlaps the one before", csize, clash);

		slab_get_stats(c, &st);
		KT_EXPECT(t, st.objects_in_use >= got, "class %zu: %llu objects in use, %u held",
			  csize, (unsigned long long)st.objects_in_use, got);
		for (unsigned int i = 0; i < got; i += 2)
			kfree(objs[i]);
		for (unsigned int i = 1; i < got; i += 2)
			kfree(objs[i]);
		if (!mm_ktest_expect_baseline(t, &base))
			return;
	}
}

/* kzalloc() hands out zeroes in all of ksize(), even where a freed object was dirtied. */
KTEST(slab, kzalloc_zeroes)
{
	static const size_t sizes[] = { 8, 16, 24, 100, 512, 3000, 4096, 20000, 65536 };
	struct mm_baseline base;

	mm_ktest_baseline(&base);
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t size = sizes[k];
		void *dirty = kmalloc(size, 0);

		KT_ASSERT(t, dirty != NULL, "kmalloc(%zu) failed", size);
		memset(dirty, 0xa5, size);
		kfree(dirty);
		/* The same CPU's stack hands the dirtied object out first. */
		unsigned char *p = kzalloc(size, 0);
		KT_ASSERT(t, p != NULL, "kzalloc(%zu) failed", size);
		KT_EXPECT(t, (void *)p == dirty, "size %zu: the dirtied object did not come back", size);
		size_t n = ksize(p), bad = n;
		for (size_t i = 0; i < n; i++) {
			if (p[i] != 0) {
				bad = i;
				break;
			}
		}
		KT_EXPECT(t, bad == n, "kzalloc(%zu): byte %zu of %zu is %#x", size, bad, n, p[bad]);
		kfree(p);
	}
	mm_ktest_expect_baseline(t, &base);
}

/*
 * ksize() is the class size (or the page block beyond the classes) and 0 for NULL
 * or a pointer inside an object; kfree(NULL) does nothing; kfree() of a pointer
 * inside an object is reported and ignored; a request beyond the classes is a
 * page-aligned buddy block owned by kmalloc.
 */
KTEST(slab, ksize_kfree_and_large)
{
	struct mm_baseline base;
	uint64_t bad = slab_bad_frees();

	mm_ktest_baseline(&base);
	KT_EXPECT_EQ(t, ksize(NULL), 0);
	kfree(NULL);
	KT_EXPECT_EQ(t, slab_bad_frees(), bad);

	char *p = kmalloc(40, 0);
	KT_ASSERT(t, p != NULL, "kmalloc(40) failed");
	KT_EXPECT_EQ(t, ksize(p), 64);
	KT_EXPECT_EQ(t, ksize(p + 16), 0);
	memset(p, 0x3c, 40);
	kfree(p + 16);
	KT_EXPECT_EQ(t, slab_bad_frees(), bad + 1);
	KT_EXPECT(t, p[0] == 0x3c && p[39] == 0x3c, "the object changed after a refused kfree()");
	KT_EXPECT_EQ(t, ksize(p), 64);
	kfree(p);

	size_t big = KMALLOC_MAX_CACHE_SIZE + 1;
	char *q = kmalloc(big, KM_ZERO);
	KT_ASSERT(t, q != NULL, "kmalloc(%zu) failed", big);
	KT_EXPECT(t, IS_ALIGNED((uintptr_t)q, (uintptr_t)PAGE_SIZE), "large object at %p", (void *)q);
	KT_EXPECT_EQ(t, ksize(q), 2 * KMALLOC_MAX_CACHE_SIZE);
	KT_EXPECT_EQ(t, frame_get_owner(virt_to_phys(q)), FRAME_OWNER_KMALLOC);
	KT_EXPECT(t, q[0] == 0 && q[big - 1] == 0, "KM_ZERO large object not zeroed");
	q[0] = 1;
	q[big - 1] = 2;
	KT_EXPECT_EQ(t, ksize(q + PAGE_SIZE), 0);
	kfree(q);
	KT_EXPECT_EQ(t, slab_bad_frees(), bad + 1);
	mm_ktest_expect_baseline(t, &base);
}

static bool bytes_are_pattern(const unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return false;
	return true;
}

static void fill_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

/*
 * krealloc() keeps the contents up to the smaller size: growing through classes
 * and beyond them, shrinking back, in place within a class; NULL is kmalloc(),
 * size 0 is kfree().
 */
KTEST(slab, krealloc_keeps_contents)
{
	static const size_t steps[] = { 24, 100, 5000, 3 << 20, 40, 33, 8 };
	struct mm_baseline base;
	size_t have = 0;

	mm_ktest_baseline(&base);
	unsigned char *p = krealloc(NULL, 20, 0);
	KT_ASSERT(t, p != NULL, "krealloc(NULL, 20) failed");
	have = 20;
	fill_pattern(p, have, 7);
	for (size_t k = 0; k < ARRAY_SIZE(steps); k++) {
		size_t size = steps[k], keep = MIN(have, size);
		unsigned char *q = krealloc(p, size, 0);

		KT_ASSERT(t, q != NULL, "krealloc(%p, %zu) failed", (void *)p, size);
		KT_EXPECT(t, ksize(q) >= size, "krealloc to %zu: ksize %zu", size, ksize(q));
		KT_EXPECT(t, bytes_are_pattern(q, keep, 7), "krealloc %zu -> %zu lost the contents",
			  have, size);
		/* Same class: the object stays where it is. */
		if (kmalloc_cache(size) && kmalloc_cache(size) == kmalloc_cache(have))
			KT_EXPECT(t, q == p, "krealloc %zu -> %zu moved within a class", have, size);
		p = q;
		have = size;
		fill_pattern(p, have, 7);
	}
	KT_EXPECT(t, krealloc(p, 0, 0) == NULL, "krealloc(p, 0) returned an object");
	mm_ktest_expect_baseline(t, &base);
}

/* ---- private caches ---- */

struct ctor_obj {
	uint64_t magic;
	struct ctor_obj *self;      /* the constructor's view of where the object is */
	uint64_t payload[7];        /* 72 bytes in all: not a power of two */
};

#define CTOR_MAGIC 0xc0c0c7b1e55ed000ull

static unsigned long ctor_calls;

static void ctor_obj_init(void *p)
{
	struct ctor_obj *o = p;

	o->magic = CTOR_MAGIC;
	o->self = o;
	ctor_calls++;
}

static struct slab_cache ctor_cache;

/*
 * A private cache with a constructor: every object handed out is constructed,
 * including ones freed and handed out again (the cache keeps its link outside
 * the object); the constructor runs once per object of each new slab; the
 * alignment holds; a cache with an object out refuses to be destroyed, and
 * releases everything once it is back.
 */
KTEST(slab, private_cache_ctor)
{
	struct mm_baseline base;
	struct slab_stats st;
	unsigned int n, unconstructed = 0, misaligned = 0;

	mm_ktest_baseline(&base);
	ctor_calls = 0;
	KT_ASSERT(t, slab_cache_init(&ctor_cache, "ktest-ctor", sizeof(struct ctor_obj), 64,
				     ctor_obj_init) == 0, "slab_cache_init failed");
	slab_get_stats(&ctor_cache, &st);
	n = (unsigned int)MIN(3 * st.objects_per_slab + 5, (uint64_t)MAX_OBJS);
	for (unsigned int i = 0; i < n; i++) {
		struct ctor_obj *o = slab_alloc(&ctor_cache, 0);

		objs[i] = o;
		KT_ASSERT(t, o != NULL, "slab_alloc %u failed", i);
		if (o->magic != CTOR_MAGIC || o->self != o)
			unconstructed++;
		if (!IS_ALIGNED((uintptr_t)o, 64))
			misaligned++;
		o->payload[0] = i;
		o->payload[6] = ~(uint64_t)i;
	}
	slab_get_stats(&ctor_cache, &st);
	KT_EXPECT_EQ(t, ctor_calls, st.slabs * st.objects_per_slab);
	KT_EXPECT(t, st.slabs >= 4, "%u objects in %llu slabs", n, (unsigned long long)st.slabs);
	KT_EXPECT_EQ(t, st.objects_in_use, n);
	for (unsigned int i = 0; i < n; i++) {
		struct ctor_obj *o = objs[i];
		KT_EXPECT(t, o->payload[0] == i && o->payload[6] == ~(uint64_t)i,
			  "object %u (%p) overwritten", i, (void *)o);
	}

	/* Free half, take them again: what comes back is still constructed. */
	for (unsigned int i = 0; i < n; i += 2)
		slab_free(&ctor_cache, objs[i]);
	for (unsigned int i = 0; i < n; i += 2) {
		struct ctor_obj *o = slab_alloc(&ctor_cache, 0);
		objs[i] = o;
		KT_ASSERT(t, o != NULL, "slab_alloc again %u failed", i);
		if (o->magic != CTOR_MAGIC || o->self != o)
			unconstructed++;
	}
	KT_EXPECT(t, unconstructed == 0, "%u objects handed out unconstructed", unconstructed);
	KT_EXPECT(t, misaligned == 0, "%u objects not 64-byte aligned", misaligned);
	void *clash = first_overlap(objs, n, sizeof(struct ctor_obj));
	KT_EXPECT(t, clash == NULL, "object %p overlaps the one before", clash);

	/* One object out: the cache must stay. */
	for (unsigned int i = 1; i < n; i++)
		slab_free(&ctor_cache, objs[i]);
	KT_EXPECT_EQ(t, slab_cache_destroy(&ctor_cache), -EBUSY);
	slab_get_stats(&ctor_cache, &st);
	KT_EXPECT_EQ(t, st.objects_in_use, 1);
	KT_EXPECT_EQ(t, st.slabs, 1);
	slab_free(&ctor_cache, objs[0]);
	KT_EXPECT_EQ(t, slab_cache_destroy(&ctor_cache), 0);
	slab_get_stats(&ctor_cache, &st);
	KT_EXPECT_EQ(t, st.slabs, 0);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * A cache from slab_cache_create() (storage from kmalloc): default alignment,
 * KM_ZERO, a free to the wrong cache refused, and nothing left after destroy.
 */
KTEST(slab, created_cache)
{
	struct mm_baseline base;
	uint64_t bad = slab_bad_frees();

	mm_ktest_baseline(&base);
	struct slab_cache *a = slab_cache_create("ktest-a", 24, 0, NULL);
	struct slab_cache *b = slab_cache_create("ktest-b", 200, 128, NULL);
	KT_ASSERT(t, a && b, "slab_cache_create failed");

	unsigned int n = 300, misaligned = 0, not_zero = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t *o = slab_alloc(a, i & 1 ? KM_ZERO : 0);
		objs[i] = o;
		KT_ASSERT(t, o != NULL, "slab_alloc %u failed", i);
		if (!IS_ALIGNED((uintptr_t)o, 8))
			misaligned++;
		if ((i & 1) && (o[0] | o[1] | o[2]))
			not_zero++;
		o[0] = o[1] = o[2] = ~0ull;
	}
	KT_EXPECT(t, misaligned == 0, "%u objects not 8-byte aligned", misaligned);
	KT_EXPECT(t, not_zero == 0, "%u KM_ZERO objects not zeroed", not_zero);
	void *clash = first_overlap(objs, n, 24);
	KT_EXPECT(t, clash == NULL, "object %p overlaps the one before", clash);

	void *ob = slab_alloc(b, 0);
	KT_ASSERT(t, ob != NULL, "slab_alloc from b failed");
	KT_EXPECT(t, IS_ALIGNED((uintptr_t)ob, 128), "object %p not 128-byte aligned", ob);
	slab_free(a, ob);                       /* not a's: refused */
	KT_EXPECT_EQ(t, slab_bad_frees(), bad + 1);
	slab_free(b, ob);

	for (unsigned int i = 0; i < n; i++)
		slab_free(a, objs[i]);
	KT_EXPECT_EQ(t, slab_cache_destroy(a), 0);
	KT_EXPECT_EQ(t, slab_cache_destroy(b), 0);
	KT_EXPECT_EQ(t, slab_bad_frees(), bad + 1);
	mm_ktest_expect_baseline(t, &base);
}

/* A mixed workload: random sizes up to 64 KiB, random frees and reallocs, all back. */
KTEST(slab, churn_returns_everything)
{
	struct mm_baseline base;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	static size_t sizes[MAX_OBJS];
	unsigned int lost = 0;

	mm_ktest_baseline(&base);
	memset(objs, 0, sizeof(objs));
	for (unsigned int round = 0; round < 8 * MAX_OBJS; round++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		unsigned int i = (unsigned int)(s % MAX_OBJS);
		size_t size = 1 + (size_t)((s >> 20) % ((s >> 40) & 1 ? 65536 : 256));

		if (objs[i]) {
			if (!tags_intact(objs[i], sizes[i], 99, i))
				lost++;
			if (round & 1) {
				kfree(objs[i]);
				objs[i] = NULL;
				continue;
			}
			void *q = krealloc(objs[i], size, 0);
			if (!q)
				continue;
			objs[i] = q;
		} else {
			objs[i] = kmalloc(size, 0);
			if (!objs[i])
				continue;
		}
		sizes[i] = size;
		tag_object(objs[i], size, 99, i);
	}
	for (unsigned int i = 0; i < MAX_OBJS; i++) {
		if (!objs[i])
			continue;
		if (!tags_intact(objs[i], sizes[i], 99, i))
			lost++;
		kfree(objs[i]);
		objs[i] = NULL;
	}
	KT_EXPECT(t, lost == 0, "%u objects overwritten while held", lost);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * A cache made with debug checks on (whatever the build's default): a double free
 * is reported and ignored, and the object comes back intact afterwards.
 */
KTEST(slab, debug_cache_double_free)
{
	struct mm_baseline base;
	uint64_t bad = slab_bad_frees();

	mm_ktest_baseline(&base);
	slab_debug_set(true);
	struct slab_cache *c = slab_cache_create("ktest-debug", 40, 0, NULL);
	slab_debug_set(CONFIG_SLAB_DEBUG);
	KT_ASSERT(t, c != NULL, "slab_cache_create failed");

	uint8_t *o = slab_alloc(c, 0);
	KT_ASSERT(t, o != NULL, "slab_alloc failed");
	memset(o, 0x11, 40);
	slab_free(c, o);
	slab_free(c, o);
	KT_EXPECT_EQ(t, slab_bad_frees(), bad + 1);
	uint8_t *again = slab_alloc(c, KM_ZERO);
	uint8_t *other = slab_alloc(c, 0);
	KT_EXPECT(t, again == o, "the freed object did not come back first");
	KT_EXPECT(t, other != again, "the double free handed the object out twice");
	KT_EXPECT(t, again && again[0] == 0 && again[39] == 0, "KM_ZERO object not zeroed");
	slab_free(c, again);
	slab_free(c, other);
	KT_EXPECT_EQ(t, slab_cache_destroy(c), 0);
	mm_ktest_expect_baseline(t, &base);
}

/*
 * Each CPU's stacks are its own: every online CPU in turn (the others through
 * smp_work_start()) allocates and frees kmalloc objects of two classes, which stay on
 * its stacks; slab_cache_shrink() of one class then empties that class on every CPU
 * by a cross-CPU call each CPU serves, leaving the other class alone, and
 * kmalloc_shrink() empties the rest. With one CPU online this is the local path.
 */
#define FILL_OBJS 24

static unsigned int fill_errors[NCPUS];

static void fill_stacks(void *arg)
{
	void *p[FILL_OBJS];

	(void)arg;
	for (unsigned int i = 0; i < FILL_OBJS; i++)
		if (!(p[i] = kmalloc(i % 2 ? 64 : 256, KM_NOWARN)))
			fill_errors[cpu_current()]++;
	for (unsigned int i = FILL_OBJS; i-- > 0;)
		kfree(p[i]);
}

static uint64_t cached_objects(size_t size)
{
	struct slab_stats st;

	slab_get_stats(kmalloc_cache(size), &st);
	return st.objects_cached;
}

KTEST(slab, shrink_every_cpu)
{
	struct mm_baseline base;
	unsigned int self = cpu_current(), cpus = 0;

	mm_ktest_baseline(&base);
	memset(fill_errors, 0, sizeof(fill_errors));
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c))
			continue;
		uint64_t before = cached_objects(64);
		if (c == self) {
			fill_stacks(NULL);
		} else {
			while (smp_work_start(c, fill_stacks, NULL) == -EBUSY)
				cpu_relax();
			smp_work_wait(c);
		}
		KT_EXPECT(t, cached_objects(64) - before >= FILL_OBJS / 2,
			  "CPU %u's kmalloc-64 stack holds %llu more objects, %u freed", c,
			  (unsigned long long)(cached_objects(64) - before), FILL_OBJS / 2);
		KT_EXPECT_EQ(t, fill_errors[c], 0);
		cpus++;
	}
	uint64_t other = cached_objects(256);
	KT_EXPECT(t, other >= (uint64_t)cpus * (FILL_OBJS / 2), "kmalloc-256: %llu cached",
		  (unsigned long long)other);
	slab_cache_shrink(kmalloc_cache(64));
	KT_EXPECT_EQ(t, cached_objects(64), 0);
	KT_EXPECT_EQ(t, cached_objects(256), other);
	kmalloc_shrink();
	KT_EXPECT_EQ(t, cached_objects(256), 0);
	ktest_log(t, "%u CPUs' stacks emptied by cross-CPU call", cpus);
	mm_ktest_expect_baseline(t, &base);
}

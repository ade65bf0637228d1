// SPDX-License-Identifier: MIT
/*
 * Host unit tests for the slab allocator and kmalloc (mm/slab.c) over simulated
 * physical memory, printed as TAP. The debug checks (poisoning, red zones, double
 * frees) run with debugging switched on for fresh caches; the checks that end in a
 * panic run in a child process.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kern/errno.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/framedb.h>
#include <mm/slab.h>

#include "../host/kern_host.h"
#include "../host/tap.h"
#include "simram.h"

static uint64_t buddy_free_frames(void)
{
	uint64_t n = 0;

	buddy_drain_all();
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		n += st.free_frames;
	}
	return n;
}

static void shrink_all(void)
{
	for (size_t size = KMALLOC_MIN_SIZE; size <= KMALLOC_MAX_CACHE_SIZE; size *= 2)
		slab_cache_shrink(kmalloc_cache(size));
}

static void boot(bool debug)
{
	simram_boot_default();
	slab_debug_set(debug);
	kmalloc_init();
}

static void test_classes(void)
{
	static const size_t sizes[] = { 0, 1, 8, 15, 16, 17, 31, 32, 33, 100, 128, 129, 500, 512,
					1000, 2048, 3000, 4096, 4097, 10000, 65536, 100000,
					262144, 600000, 1048576 };
	void *p[ARRAY_SIZE(sizes)];
	uint64_t free0 = buddy_free_frames();

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		p[i] = kmalloc(size, 0);
		if (!CHECK(p[i] != NULL, "kmalloc(%zu)", size))
			return;
		size_t cls = size <= 16 ? 16 : 1ul << (64 - __builtin_clzl(size - 1));
		CHECK_EQ(ksize(p[i]), cls);
		CHECK(((uintptr_t)p[i] & (cls - 1)) == 0, "kmalloc(%zu) = %p not aligned to %zu",
		      size, p[i], cls);
		memset(p[i], (int)i, ksize(p[i]));
		CHECK(kmalloc_cache(size) == kmalloc_cache(cls), "class of %zu", size);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		const unsigned char *b = p[i];
		CHECK(b[0] == (unsigned char)i && b[ksize(p[i]) - 1] == (unsigned char)i,
		      "object %zu kept its contents", i);
		kfree(p[i]);
	}
	kfree(NULL);
	shrink_all();
	CHECK_EQ(buddy_free_frames(), free0);
	CHECK_EQ(slab_bad_frees(), 0);
}

static void test_large(void)
{
	uint64_t free0 = buddy_free_frames();
	void *p = kmalloc(KMALLOC_MAX_CACHE_SIZE + 1, 0);

	CHECK(p && ((uintptr_t)p & (PAGE_SIZE - 1)) == 0, "page aligned: %p", p);
	CHECK_EQ(ksize(p), 2 * MiB);
	CHECK_EQ(frame_get_owner(virt_to_phys(p)), FRAME_OWNER_KMALLOC);
	memset(p, 1, 2 * MiB);
	kfree(p);
	CHECK_EQ(buddy_free_frames(), free0);
	CHECK(kmalloc(2 * GiB, KM_NOWARN) == NULL, "larger than the largest block");
	CHECK(kmalloc(512 * MiB, KM_NOWARN) == NULL, "more than there is");
}

static void test_kzalloc_krealloc(void)
{
	for (size_t size = 16; size <= 8192; size *= 2) {
		unsigned char *p = kmalloc(size, 0);
		memset(p, 0xcc, size);
		kfree(p);
		p = kzalloc(size, 0);          /* most likely the same object */
		size_t nz = 0;
		for (size_t i = 0; i < size; i++)
			nz += p[i] != 0;
		CHECK_EQ(nz, 0);
		kfree(p);
	}

	char *p = krealloc(NULL, 10, 0);
	memcpy(p, "123456789", 10);
	CHECK(krealloc(p, 16, 0) == p, "same class: in place");
	p = krealloc(p, 1000, 0);
	CHECK(p && memcmp(p, "123456789", 10) == 0, "grown, contents kept");
	CHECK_EQ(ksize(p), 1024);
	p = krealloc(p, 3 * MiB, 0);
	CHECK(p && memcmp(p, "123456789", 10) == 0, "to a buddy block");
	CHECK_EQ(ksize(p), 4 * MiB);
	p = krealloc(p, 5, 0);
	CHECK(p && memcmp(p, "12345", 5) == 0, "shrunk to a slab object");
	CHECK_EQ(ksize(p), 16);
	CHECK(krealloc(p, 0, 0) == NULL, "size 0 frees");
	CHECK_EQ(slab_bad_frees(), 0);
}

static int ctor_calls;

static void ctor(void *obj)
{
	ctor_calls++;
	memcpy(obj, "built", 6);
}

static void test_cache(void)
{
	shrink_all();
	uint64_t free0 = buddy_free_frames();
	struct slab_cache *c = slab_cache_create("test-100", 100, 64, ctor);
	struct slab_stats st;
	void *objs[200];

	if (!CHECK(c != NULL, "created"))
		return;
	CHECK_EQ(slab_cache_init(c, "bad", 0, 8, NULL), -EINVAL);
	CHECK_EQ(slab_cache_init(c, "bad", 8, 3, NULL), -EINVAL);
	for (int i = 0; i < 200; i++) {
		objs[i] = slab_alloc(c, 0);
		CHECK(objs[i] && ((uintptr_t)objs[i] & 63) == 0, "aligned: %p", objs[i]);
		CHECK(memcmp(objs[i], "built", 6) == 0, "constructed");
		memset((char *)objs[i] + 6, i, 94);
	}
	slab_get_stats(c, &st);
	CHECK_EQ(ctor_calls, st.slabs * st.objects_per_slab);
	CHECK_EQ(st.objects_in_use, 200);
	for (int i = 0; i < 200; i++)
		slab_free(c, objs[i]);
	slab_get_stats(c, &st);
	CHECK_EQ(st.objects_in_use, 0);
	/* Reused objects keep their constructed state; no new constructor calls. */
	int calls = ctor_calls;
	void *o = slab_alloc(c, 0);
	CHECK(memcmp(o, "built", 6) == 0, "still constructed");
	CHECK_EQ(ctor_calls, calls);
	CHECK_EQ(slab_cache_destroy(c), -EBUSY);
	slab_free(c, o);
	slab_cache_shrink(c);
	slab_get_stats(c, &st);
	CHECK_EQ(st.slabs, 0);   /* every empty slab went back */
	CHECK_EQ(slab_cache_destroy(c), 0);
	shrink_all();
	CHECK_EQ(buddy_free_frames(), free0);
}

/*
 * Freeing a slab's worth of objects and allocating them again, over and over, does
 * not send a slab to the buddy allocator and back each time: one empty slab stays.
 */
static void test_no_thrash(void)
{
	struct slab_cache c;
	struct slab_stats st;
	struct buddy_zone_stats b0, b1;

	/* Big objects: a per-CPU stack of 4, slabs of 4 objects. */
	CHECK_EQ(slab_cache_init(&c, "thrash", 64 * KiB, 0, NULL), 0);
	void *objs[64];
	unsigned int live = 0;
	for (; live < 16; live++)
		objs[live] = slab_alloc(&c, 0);
	slab_get_stats(&c, &st);
	unsigned int n = (unsigned int)st.objects_per_slab;
	buddy_get_stats(ZONE_NORMAL, &b0);
	for (int round = 0; round < 1000; round++) {
		for (unsigned int i = 0; i < 2 * n; i++)
			slab_free(&c, objs[--live]);
		for (unsigned int i = 0; i < 2 * n; i++)
			objs[live++] = slab_alloc(&c, 0);
	}
	buddy_get_stats(ZONE_NORMAL, &b1);
	CHECK(b1.allocs[c.order] - b0.allocs[c.order] <= 10, "%lu slabs made in 1000 rounds",
	      (unsigned long)(b1.allocs[c.order] - b0.allocs[c.order]));
	while (live)
		slab_free(&c, objs[--live]);
	CHECK_EQ(slab_cache_destroy(&c), 0);
}

static void test_per_cpu(void)
{
	struct slab_cache *c = kmalloc_cache(64);
	struct slab_stats st;
	void *a[8], *b[8];

	shrink_all();
	for (int i = 0; i < 8; i++)
		a[i] = kmalloc(64, 0);
	host_cpu_set(2);
	for (int i = 0; i < 8; i++)
		b[i] = kmalloc(64, 0);
	for (int i = 0; i < 8; i++)
		kfree(a[i]);                 /* freed on CPU 2: go to CPU 2's stack */
	slab_get_stats(c, &st);
	CHECK_EQ(st.objects_in_use, 8);
	host_cpu_set(0);
	for (int i = 0; i < 8; i++)
		kfree(b[i]);
	slab_get_stats(c, &st);
	CHECK_EQ(st.objects_in_use, 0);
	CHECK(st.objects_cached >= 16, "both CPUs cache objects: %lu", (unsigned long)st.objects_cached);
	shrink_all();
	slab_get_stats(c, &st);
	CHECK_EQ(st.objects_cached, 0);
	CHECK_EQ(st.slabs, 0);
}

static void test_bad_frees(void)
{
	struct slab_cache c;
	char *p = kmalloc(100, 0);
	paddr_t pa;
	int on_stack;

	slab_cache_init(&c, "other", 128, 0, NULL);
	host_printk_quiet(1);
	kfree(p + 8);                                  /* inside an object */
	CHECK(frame_alloc(0, 0, &pa) == 0, "a page");
	kfree(phys_to_virt(pa));                       /* not kmalloc memory */
	kfree(phys_to_virt(paddr(9 * MiB)));           /* a hole */
	kfree(&on_stack);                              /* not in the direct map at all */
	slab_free(&c, p);                              /* wrong cache */
	CHECK(krealloc(p + 16, 10, 0) == NULL, "krealloc of a bad pointer");
	host_printk_quiet(0);
	CHECK_EQ(slab_bad_frees(), 6);
	CHECK_EQ(ksize(p + 8), 0);
	frame_free(pa, 0);
	kfree(p);
	CHECK_EQ(slab_bad_frees(), 6);
	CHECK_EQ(slab_cache_destroy(&c), 0);
}

/* After everything: every frame back in the buddy allocator. */
static void test_all_returned(void)
{
	shrink_all();
	uint64_t free0 = buddy_free_frames();
	void *p[1000];

	srand(1);
	for (int i = 0; i < 1000; i++)
		p[i] = kmalloc((size_t)(rand() % 70000), 0);
	for (int i = 0; i < 1000; i++)
		kfree(p[(i * 7919) % 1000]);
	shrink_all();
	CHECK_EQ(buddy_free_frames(), free0);
	CHECK_EQ(buddy_check(), 0);
}

/* ---- debug mode ---- */

/* Run @fn in a child; its wait status. */
static int run_in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child's own report would break the TAP stream: silence it. */
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(2);
		fn();
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return status;
}

/* Run @fn in a child; true if it died of SIGABRT (a panic). */
static bool panics(void (*fn)(void))
{
	int status = run_in_child(fn);

	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void overflow(void)
{
	char *p = kmalloc(20, 0);
	p[20] = 1;                     /* one past the asked size: inside the red zone */
	kfree(p);
}

static void use_after_free(void)
{
	struct slab_cache *c = kmalloc_cache(64);
	char *p = kmalloc(64, 0);
	kfree(p);
	p[10] = 1;
	/* The object comes back out of the per-CPU stack and is checked. */
	for (int i = 0; i < 2 * SLAB_MAG_MAX; i++)
		(void)slab_alloc(c, 0);
}

static void test_debug(void)
{
	boot(true);
	CHECK(kmalloc_cache(16)->debug, "debug caches");
	char *p = kmalloc(20, 0);
	CHECK(((uintptr_t)p & 31) == 0, "still naturally aligned");
	memset(p, 1, 20);
	kfree(p);
	/* Freed objects are poisoned. */
	CHECK((unsigned char)p[0] == 0x6b && (unsigned char)p[31] == 0x6b, "poisoned");
	host_printk_quiet(1);
	kfree(p);
	host_printk_quiet(0);
	CHECK_EQ(slab_bad_frees(), 1);   /* the double free was caught */

	/* ksize() lets the caller use the whole object without tripping the red zone. */
	p = kmalloc(20, 0);
	CHECK_EQ(ksize(p), 32);
	memset(p, 2, 32);
	kfree(p);
	p = krealloc(kmalloc(10, 0), 30, 0);
	memset(p, 3, 30);
	kfree(p);
	CHECK_EQ(slab_bad_frees(), 1);

	CHECK(panics(overflow), "a red-zone overwrite panics");
	CHECK(panics(use_after_free), "a write after free panics");
	shrink_all();
	slab_debug_set(false);
}

/*
 * The red zone proper: the REDZONE_SIZE bytes after the object's last byte (here
 * the object is the whole class, so nothing of the object itself is spare). A write
 * to the first of them is caught on free; a write to the object's last byte is not
 * an overflow.
 */
static void overflow_full_object(void)
{
	char *p = kmalloc(32, 0);
	p[32] = 1;
	kfree(p);
}

static void last_byte_of_full_object(void)
{
	char *p = kmalloc(32, 0);
	p[31] = 1;
	kfree(p);
}

/* The same for a cache of its own whose size is not a multiple of 8. */
static void overflow_cache_object(void)
{
	struct slab_cache c;

	slab_cache_init(&c, "odd", 100, 0, NULL);
	char *p = slab_alloc(&c, 0);
	p[104] = 1;                    /* the first red-zone byte after the 8-aligned object */
	slab_free(&c, p);
}

/* A use after free that writes the first word (where a non-debug cache keeps its link). */
static void use_after_free_first_word(void)
{
	char *p = kmalloc(64, 0);
	kfree(p);
	*(uint64_t *)p = 0;
	(void)kmalloc(64, 0);          /* this CPU's stack gives p back first, checked */
}

static void use_after_free_last_byte(void)
{
	char *p = kmalloc(64, 0);
	kfree(p);
	p[63] = 0;
	(void)kmalloc(64, 0);
}

/* No write after free: taking the object back is fine. */
static void reuse_untouched(void)
{
	char *p = kmalloc(64, 0);
	kfree(p);
	char *q = kmalloc(64, 0);
	if (q != p)
		_exit(3);                  /* not the same object: the test proves nothing */
	kfree(q);
}

/* krealloc() in place (same class) moves the red zone with the asked size. */
static char *grown_in_place(void)
{
	char *p = kmalloc(20, 0);
	memcpy(p, "0123456789abcdefghi", 20);
	char *q = krealloc(p, 30, 0);
	if (q != p || memcmp(q, "0123456789abcdefghi", 20) != 0)
		_exit(3);
	return q;
}

static void grow_in_place_use_all(void)
{
	char *p = grown_in_place();
	memset(p, 7, 30);              /* all 30 bytes are the caller's now */
	kfree(p);
}

static void grow_in_place_overflow(void)
{
	char *p = grown_in_place();
	p[30] = 7;
	kfree(p);
}

static char *shrunk_in_place(void)
{
	char *p = kmalloc(30, 0);
	memset(p, 5, 30);
	char *q = krealloc(p, 20, 0);
	if (q != p || q[19] != 5)
		_exit(3);
	return q;
}

static void shrink_in_place_use_all(void)
{
	char *p = shrunk_in_place();
	memset(p, 6, 20);
	kfree(p);
}

static void shrink_in_place_overflow(void)
{
	char *p = shrunk_in_place();
	p[20] = 6;                     /* was the caller's before the shrink, not any more */
	kfree(p);
}

/* Run @fn in a child; true if it exited normally with status 0. */
static bool runs_clean(void (*fn)(void))
{
	int status = run_in_child(fn);

	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * Each debug check at its edge, on both sides: the first byte past the object
 * (into the red zone) and the object's last byte; the first word and the last
 * byte of a freed object, and an untouched one; krealloc() within the class,
 * growing and shrinking, where the red zone must follow the new size.
 */
static void test_debug_edges(void)
{
	boot(true);
	CHECK(panics(overflow_full_object), "a write one past a full-class object panics");
	CHECK(runs_clean(last_byte_of_full_object), "the object's last byte is the caller's");
	CHECK(panics(overflow_cache_object), "a write one past a 100-byte cache object panics");
	CHECK(panics(use_after_free_first_word), "a write to a freed object's first word panics");
	CHECK(panics(use_after_free_last_byte), "a write to a freed object's last byte panics");
	CHECK(runs_clean(reuse_untouched), "an untouched freed object is reused quietly");
	CHECK(runs_clean(grow_in_place_use_all), "krealloc() grown in place: the new size is usable");
	CHECK(panics(grow_in_place_overflow), "krealloc() grown in place: one past the new size panics");
	CHECK(runs_clean(shrink_in_place_use_all), "krealloc() shrunk in place: the new size is usable");
	CHECK(panics(shrink_in_place_overflow), "krealloc() shrunk in place: one past the new size panics");
	CHECK_EQ(slab_bad_frees(), 0);
	shrink_all();
	slab_debug_set(false);
}

/*
 * mm-slab-debug builds this file and mm/slab.c with -DSLAB_DEBUG=1, as a kernel
 * configured with slab_debug: debugging must then be on for every cache from
 * kmalloc_init() without slab_debug_set(), and every test above runs over debug
 * caches (test_debug and test_debug_edges switch it on themselves anyway).
 */
#ifndef SLAB_DEBUG
#define SLAB_DEBUG CONFIG_SLAB_DEBUG
#endif

static void test_debug_build_default(void)
{
	simram_boot_default();
	kmalloc_init();
	CHECK(kmalloc_cache(16)->debug && kmalloc_cache(KMALLOC_MAX_CACHE_SIZE)->debug,
	      "built with SLAB_DEBUG: debug caches by default");
	struct slab_cache c;
	CHECK_EQ(slab_cache_init(&c, "default", 24, 0, NULL), 0);
	CHECK(c.debug, "a new cache is a debug one");
}

int main(void)
{
	tap_start();
	if (SLAB_DEBUG)
		RUN(test_debug_build_default);
	boot(SLAB_DEBUG);
	RUN(test_classes);
	RUN(test_large);
	RUN(test_kzalloc_krealloc);
	RUN(test_cache);
	/*
	 * Its numbers assume the plain layout, where a CPU's stack holds a whole slab's
	 * worth of these objects (4 of 4); with debugging it holds 3 of 7, so each round
	 * empties two slabs and the one-spare rule gives one back by design.
	 */
	if (!SLAB_DEBUG)
		RUN(test_no_thrash);
	RUN(test_per_cpu);
	RUN(test_bad_frees);
	RUN(test_all_returned);
	RUN(test_debug);
	RUN(test_debug_edges);
	simram_release();
	return tap_done();
}

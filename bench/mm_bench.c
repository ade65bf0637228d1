// SPDX-License-Identifier: MIT
/*
 * Allocator benchmark (not a test): the buddy allocator and kmalloc over simulated
 * physical memory on the host, with glibc malloc and mimalloc as peers on the same
 * patterns. Run by scripts/bench, which builds this file and also counts
 * instructions per operation under valgrind (callgrind) with --case.
 *
 *   mm-bench [--runs N]          time every case, print ns per operation (median of N runs)
 *   mm-bench --list              print the case names
 *   mm-bench --case NAME --iters N
 *                                run one case: once unmeasured (warm-up), then N
 *                                operations inside bench_measured(), the function
 *                                callgrind collects (--toggle-collect=bench_measured)
 *
 * One operation is one allocation plus its free. Patterns: "pair" allocates and
 * frees at once; "lifo" allocates a batch of BATCH and frees it newest first;
 * "random" frees the batch in a fixed random order.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/slab.h>

#include "../tests/unit/mm/simram.h"

#define BATCH 64

enum lib { LIB_BUDDY, LIB_BUDDY_DIRECT, LIB_KMALLOC, LIB_GLIBC, LIB_MIMALLOC };
enum pattern { PAT_PAIR, PAT_LIFO, PAT_RANDOM };

struct bench_case {
	char name[48];
	enum lib lib;
	enum pattern pat;
	size_t size;          /* bytes, or the order for buddy cases */
};

/*
 * libmimalloc.so also defines malloc/free (and glibc's __libc_malloc): linked in,
 * it would replace glibc for the whole program. It is loaded with dlopen() and
 * RTLD_LOCAL instead, so malloc() stays glibc's and mimalloc is reached by name.
 */
static void *(*mi_malloc_fn)(size_t size);
static void (*mi_free_fn)(void *p);

static void load_mimalloc(void)
{
	void *h = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		h = dlopen("libmimalloc.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "mm-bench: cannot load mimalloc: %s\n", dlerror());
		exit(1);
	}
	mi_malloc_fn = (void *(*)(size_t))dlsym(h, "mi_malloc");
	mi_free_fn = (void (*)(void *))dlsym(h, "mi_free");
	if (!mi_malloc_fn || !mi_free_fn) {
		fprintf(stderr, "mm-bench: no mi_malloc/mi_free in libmimalloc\n");
		exit(1);
	}
}

static struct bench_case cases[64];
static unsigned int ncases;
static unsigned int perm[BATCH];
static void *volatile sink;

static const char *const lib_names[] = { "buddy", "buddy-nopcp", "kmalloc", "glibc", "mimalloc" };
static const char *const pat_names[] = { "pair", "lifo", "random" };

static void add_case(enum lib lib, enum pattern pat, size_t size)
{
	struct bench_case *c = &cases[ncases++];

	c->lib = lib;
	c->pat = pat;
	c->size = size;
	if (lib == LIB_BUDDY || lib == LIB_BUDDY_DIRECT)
		snprintf(c->name, sizeof(c->name), "%s-order%zu", lib_names[lib], size);
	else
		snprintf(c->name, sizeof(c->name), "%s-%zu-%s", lib_names[lib], size, pat_names[pat]);
}

static void build_cases(void)
{
	static const size_t sizes[] = { 16, 64, 256, 1024, 4096 };

	for (unsigned int o = 0; o <= 9; o += (o == 0 ? 3 : 6)) {
		add_case(LIB_BUDDY, PAT_PAIR, o);
		add_case(LIB_BUDDY_DIRECT, PAT_PAIR, o);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (unsigned int p = PAT_LIFO; p <= PAT_RANDOM; p++)
			for (unsigned int l = LIB_KMALLOC; l <= LIB_MIMALLOC; l++)
				add_case((enum lib)l, (enum pattern)p, sizes[i]);
	/* A fixed shuffle for the "random" pattern. */
	uint64_t s = 12345;
	for (unsigned int i = 0; i < BATCH; i++)
		perm[i] = i;
	for (unsigned int i = BATCH - 1; i > 0; i--) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		unsigned int j = (unsigned int)((s >> 33) % (i + 1));
		unsigned int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

static inline void *lib_alloc(enum lib lib, size_t size)
{
	switch (lib) {
	case LIB_KMALLOC:
		return kmalloc(size, 0);
	case LIB_GLIBC:
		return malloc(size);
	default:
		return mi_malloc_fn(size);
	}
}

static inline void lib_free(enum lib lib, void *p)
{
	switch (lib) {
	case LIB_KMALLOC:
		kfree(p);
		break;
	case LIB_GLIBC:
		free(p);
		break;
	default:
		mi_free_fn(p);
		break;
	}
}

/* @ops operations of case @c. */
static __attribute__((noinline)) void run_pattern(const struct bench_case *c, unsigned long ops)
{
	void *p[BATCH];

	if (c->lib == LIB_BUDDY || c->lib == LIB_BUDDY_DIRECT) {
		unsigned int order = (unsigned int)c->size;
		for (unsigned long i = 0; i < ops; i++) {
			paddr_t pa;
			if (frame_alloc(order, c->lib == LIB_BUDDY_DIRECT ? FRAME_NOPCP : 0, &pa) != 0)
				abort();
			if (c->lib == LIB_BUDDY_DIRECT)
				buddy_free_direct(pa, order);
			else
				frame_free(pa, order);
		}
		return;
	}
	for (unsigned long done = 0; done < ops; done += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++) {
			p[i] = lib_alloc(c->lib, c->size);
			*(char *)p[i] = 1;
		}
		sink = p[0];
		if (c->pat == PAT_LIFO)
			for (unsigned int i = BATCH; i-- > 0;)
				lib_free(c->lib, p[i]);
		else
			for (unsigned int i = 0; i < BATCH; i++)
				lib_free(c->lib, p[perm[i]]);
	}
}

/* What callgrind measures (--toggle-collect=bench_measured). */
__attribute__((noinline)) void bench_measured(const struct bench_case *c, unsigned long ops);
__attribute__((noinline)) void bench_measured(const struct bench_case *c, unsigned long ops)
{
	run_pattern(c, ops);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void boot(void)
{
	static const struct mem_region r[] = {
		{ 1 * MiB, 255 * MiB, MEM_USABLE },
		{ 4 * GiB, 512 * MiB, MEM_USABLE },
	};
	simram_boot(r, 2);
	kmalloc_init();
}

static const struct bench_case *find(const char *name)
{
	for (unsigned int i = 0; i < ncases; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int runs = 5;
	const char *one = NULL;
	unsigned long iters = 100000;

	build_cases();
	load_mimalloc();
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (unsigned int c = 0; c < ncases; c++)
				printf("%s\n", cases[c].name);
			return 0;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = (unsigned int)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			one = argv[++i];
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--runs N] | --list | --case NAME [--iters N]\n", argv[0]);
			return 2;
		}
	}
	boot();
	if (one) {
		const struct bench_case *c = find(one);
		if (!c) {
			fprintf(stderr, "no case %s\n", one);
			return 2;
		}
		run_pattern(c, iters);       /* warm up: caches filled, slabs made */
		bench_measured(c, iters);
		return 0;
	}

	printf("%-28s %12s\n", "case", "ns/op");
	for (unsigned int ci = 0; ci < ncases; ci++) {
		const struct bench_case *c = &cases[ci];
		unsigned long ops = (c->lib == LIB_BUDDY_DIRECT && c->size == 9) ? 200000 : 1000000;
		double t[32];

		if (runs > 32)
			runs = 32;
		run_pattern(c, ops / 10);
		for (unsigned int r = 0; r < runs; r++) {
			double t0 = now_ns();
			run_pattern(c, ops);
			t[r] = (now_ns() - t0) / (double)ops;
		}
		qsort(t, runs, sizeof(t[0]), cmp_double);
		printf("%-28s %12.1f\n", c->name, t[runs / 2]);
		fflush(stdout);
	}
	return 0;
}

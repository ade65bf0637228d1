// SPDX-License-Identifier: MIT
/*
 * Virtual-memory benchmark (not a test): address-space calls of mm/as.c over the
 * x86_64 4-level page-table format, on simulated physical memory with the fake
 * frame allocator and recording TLB hooks of the host tests. Run by scripts/bench
 * (its "virtual memory" section), which also counts instructions per operation
 * under callgrind with --case.
 *
 *   vm-bench [--runs N]          time every case, print ns per operation (median of N runs)
 *   vm-bench --case NAME --iters N
 *                                set the case up, then N operations inside
 *                                bench_measured() (--toggle-collect=bench_measured)
 *
 * Cases (one operation each):
 *   mmap_munmap      as_mmap() of one anonymous page + as_munmap() of it
 *   mprotect         as_mprotect() of one page inside a 64-page VMA, alternating
 *                    PROT_READ and PROT_READ|PROT_WRITE (a split, then a merge)
 *   fault_anon       as_fault() on a fresh page: zeroed frame (the fake allocator's
 *                    memset included) + 4 KiB leaf
 *   vma_lookup_N     vma_find() of a random address among N VMAs (N = 10, 1000, 100000)
 *
 * and the mapper itself (mm/mapper.c), on a user table, each with its TLB batch flush:
 *   map_unmap_64     mapper_map() of 64 pages in 4 KiB leaves + mapper_unmap() of them
 *                    (tables created and pruned each time)
 *   protect_64       mapper_protect() of 64 mapped pages, alternating R and RW
 *   translate        mapper_translate() of one page among 64
 *   split_2m         mapper_map() of one 2 MiB leaf, mapper_unmap() of one page in
 *                    its middle (a split), then of the rest
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mm/as.h>
#include <mm/mman.h>

#include "../tests/unit/mm/vm_fake.h"


struct bench_case {
	const char *name;
	unsigned int kind;
	unsigned long n;           /* VMAs for the lookup cases */
};

static const struct bench_case cases[] = {
	{ "mmap_munmap", 0, 0 },
	{ "mprotect", 1, 0 },
	{ "fault_anon", 2, 0 },
	{ "vma_lookup_10", 3, 10 },
	{ "vma_lookup_1000", 3, 1000 },
	{ "vma_lookup_100000", 3, 100000 },
	{ "map_unmap_64", 4, 0 },
	{ "protect_64", 5, 0 },
	{ "translate", 6, 0 },
	{ "split_2m", 7, 0 },
};

/* Where the mapper cases map: user addresses, and physical frames nobody touches. */
#define MAP_VA   0x40000000ul
#define MAP_PA   0x80000000ull

static struct pagetable kpt, upt;
static struct as as;
static uintptr_t region;
static uintptr_t *probes;
static unsigned long nprobes;
static volatile uintptr_t sink;

static void setup(const struct bench_case *c, unsigned long iters)
{
	struct as_params p;

	fake_mem_init(c->kind == 2 ? (iters + 4096) * PAGE_SIZE : 16 << 20);
	test_set_levels(4);
	mapper_init_kernel(&kpt, 4);
	as_default_params(4, &p);
	p.max_vmas = 1 << 20;
	as_create(&as, &kpt, &p);
	as_activate(&as);
	if (c->kind == 1)
		as_mmap(&as, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			&region);
	if (c->kind == 2)
		as_mmap(&as, 0, (iters + 16) * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &region);
	if (c->kind >= 4) {
		struct tlb_batch b;
		mapper_init_user(&upt, &kpt);
		if (c->kind == 5 || c->kind == 6) {
			tlb_batch_init(&b, &tlb_kernel_cpus);
			mapper_map(&upt, vaddr(MAP_VA), paddr(MAP_PA), 64 * PAGE_SIZE, MMU_READ | MMU_USER,
				   MMU_CACHE_WB, MAPPER_NOHUGE, &b);
			tlb_batch_flush(&b);
		}
	}
	if (c->kind == 3) {
		/* N one-page VMAs with one-page gaps, so none merge. */
		uintptr_t base = 1ul << 32;
		for (unsigned long i = 0; i < c->n; i++)
			as_mmap(&as, base + 2 * i * PAGE_SIZE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
				MAP_FIXED, -1, 0, &region);
		nprobes = 1 << 16;
		probes = malloc(nprobes * sizeof(*probes));
		uint64_t r = 88172645463325252ull;
		for (unsigned long i = 0; i < nprobes; i++) {
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			probes[i] = base + 2 * (r % c->n) * PAGE_SIZE + r % PAGE_SIZE;
		}
	}
}

static void teardown(const struct bench_case *c)
{
	as_deactivate(&as);
	as_destroy(&as);
	struct tlb_batch b;
	tlb_batch_init(&b, &tlb_kernel_cpus);
	if (c->kind >= 4)
		mapper_destroy(&upt, 0, &b);
	mapper_destroy(&kpt, 0, &b);
	tlb_batch_flush(&b);
	free(probes);
	probes = NULL;
	fake_mem_fini();
}

/* What callgrind measures (--toggle-collect=bench_measured). */
__attribute__((noinline)) void bench_measured(const struct bench_case *c, unsigned long ops);
__attribute__((noinline)) void bench_measured(const struct bench_case *c, unsigned long ops)
{
	uintptr_t a;
	struct tlb_batch b;
	struct mapper_leaf leaf;

	tlb_batch_init(&b, &tlb_kernel_cpus);
	switch (c->kind) {
	case 0:
		for (unsigned long i = 0; i < ops; i++) {
			as_mmap(&as, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &a);
			as_munmap(&as, a, PAGE_SIZE);
		}
		break;
	case 1:
		for (unsigned long i = 0; i < ops; i++)
			as_mprotect(&as, region + 20 * PAGE_SIZE, PAGE_SIZE,
				    i & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
		break;
	case 2:
		for (unsigned long i = 0; i < ops; i++)
			as_fault(&as, &(struct fault_info){ .addr = region + i * PAGE_SIZE,
							    .access = FAULT_WRITE, .user = true });
		break;
	case 3:
		for (unsigned long i = 0; i < ops; i++)
			sink = (uintptr_t)vma_find(&as.vmas, probes[i & (nprobes - 1)]);
		break;
	case 4:
		for (unsigned long i = 0; i < ops; i++) {
			mapper_map(&upt, vaddr(MAP_VA), paddr(MAP_PA), 64 * PAGE_SIZE, MMU_READ | MMU_WRITE |
				   MMU_USER, MMU_CACHE_WB, MAPPER_NOHUGE, &b);
			tlb_batch_flush(&b);
			mapper_unmap(&upt, vaddr(MAP_VA), 64 * PAGE_SIZE, 0, &b);
			tlb_batch_flush(&b);
		}
		break;
	case 5:
		for (unsigned long i = 0; i < ops; i++) {
			mapper_protect(&upt, vaddr(MAP_VA), 64 * PAGE_SIZE, i & 1 ? MMU_READ | MMU_USER :
				       MMU_READ | MMU_WRITE | MMU_USER, &b);
			tlb_batch_flush(&b);
		}
		break;
	case 6:
		for (unsigned long i = 0; i < ops; i++) {
			mapper_translate(&upt, vaddr(MAP_VA + (i & 63) * PAGE_SIZE), &leaf);
			sink = leaf.pa.raw;
		}
		break;
	default:
		for (unsigned long i = 0; i < ops; i++) {
			mapper_map(&upt, vaddr(MAP_VA), paddr(MAP_PA), 512 * PAGE_SIZE, MMU_READ | MMU_USER,
				   MMU_CACHE_WB, 0, &b);
			tlb_batch_flush(&b);
			mapper_unmap(&upt, vaddr(MAP_VA + 100 * PAGE_SIZE), PAGE_SIZE, 0, &b);
			tlb_batch_flush(&b);
			mapper_unmap(&upt, vaddr(MAP_VA), 512 * PAGE_SIZE, 0, &b);
			tlb_batch_flush(&b);
		}
		break;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	unsigned long iters = 20000, runs = 5;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--runs N] | --case NAME [--iters N]\n", argv[0]);
			return 2;
		}
	}
	if (only) {
		for (unsigned int k = 0; k < ARRAY_SIZE(cases); k++) {
			if (strcmp(cases[k].name, only))
				continue;
			setup(&cases[k], iters);
			bench_measured(&cases[k], iters);
			teardown(&cases[k]);
			return 0;
		}
		fprintf(stderr, "vm-bench: no case %s\n", only);
		return 2;
	}
	printf("case ns/op\n");
	for (unsigned int k = 0; k < ARRAY_SIZE(cases); k++) {
		double t[64];
		unsigned long n = runs < 64 ? runs : 64, ops = 200000;
		if (cases[k].kind == 2)
			ops = 20000;
		for (unsigned long r = 0; r < n; r++) {
			setup(&cases[k], ops);
			double t0 = now();
			bench_measured(&cases[k], ops);
			t[r] = (now() - t0) / ops;
			teardown(&cases[k]);
		}
		qsort(t, n, sizeof(t[0]), cmp);
		printf("%s %.1f\n", cases[k].name, t[n / 2]);
	}
	return 0;
}

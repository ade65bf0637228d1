// SPDX-License-Identifier: MIT
/*
 * Faults of several threads at once against munmap, mmap, mprotect, mremap and
 * madvise of the same address space (mm/as.c), each thread acting as one CPU with
 * the space active on it, printed as TAP; built once per arch format, run in every
 * paging mode of it, and once more under ThreadSanitizer (mm-as-race-<arch>-tsan).
 *
 * Faults allocate and zero their frame with as->lock dropped (the locking rule of
 * <mm/as.h>); the fake allocator yields inside every allocation, so edits land in
 * that window often. Threads only reach page contents through as_copy_to() /
 * as_copy_from(), which hold the lock. A page's first word is either 0 (a fresh
 * frame) or a tag a thread wrote there (a counter and its check byte; mremap may
 * carry it to another page): a frame freed while still mapped (the fake poisons
 * freed frames with 0x5a bytes) or mapped without being zeroed (0xa5) shows as a
 * word that is neither.
 *
 * The threads run in rounds; between rounds, with everyone stopped, the space is
 * checked whole: the VMA tree is sound, every leaf lies inside a VMA with exactly
 * that VMA's protection (a fault that mapped after munmap, or with the protection
 * it saw before mprotect, breaks this), nothing is mapped outside the region, and
 * the frames in use are exactly the root, the tables and one per leaf (a frame a
 * fault allocated and neither mapped nor freed breaks this). At the end everything
 * goes back.
 */
#include <pthread.h>

#include <mm/as.h>
#include <mm/frame.h>
#include <mm/mman.h>
#include <mm/vma.h>

#include "vm_fake.h"

#define FAULTERS    2            /* threads that fault and copy */
#define EDITORS     2            /* threads that edit the region */
#define THREADS     (FAULTERS + EDITORS)
#define NP          4096u        /* a 16 MiB user window */
#define REGION      (0x200000u)  /* where the threads play */
#define RPAGES      64u
#define TAG_BIT     0x80000000u

_Static_assert(THREADS + 1 <= CONFIG_MAX_CPUS, "one CPU per thread and the main one");

static struct pagetable kpt;
static struct as as;
static pthread_barrier_t round_start, round_end;
static unsigned int rounds, ops_per_round;
static unsigned int errors;                   /* atomic */
static unsigned long results[THREADS][4];     /* per thread: 0, -EFAULT, -EACCES, other */

#define FAIL(...)                                                                  \
	do {                                                                       \
		__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);                  \
		printf("# " __VA_ARGS__);                                          \
		printf("\n");                                                      \
	} while (0)

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uintptr_t page_addr(unsigned int i)
{
	return REGION + (uintptr_t)i * PAGE_SIZE;
}

static uint32_t check_byte(uint32_t x)
{
	return ((x * 0x9du) ^ (x >> 7) ^ 0x3cu) & 0xffu;
}

/* Tag number @x (23 bits): the top bit, @x, and a check byte of @x. */
static uint32_t tag_of(uint32_t x)
{
	x &= 0x7fffffu;
	return TAG_BIT | x << 8 | check_byte(x);
}

/* A page's first word is 0 or a tag. */
static bool word_is_valid(uint32_t w)
{
	return w == 0 || ((w & TAG_BIT) && (w & 0xffu) == check_byte((w >> 8) & 0x7fffffu));
}

static void faulter(unsigned int t, uint64_t *seed)
{
	static const enum fault_access acc[] = { FAULT_READ, FAULT_WRITE, FAULT_WRITE, FAULT_EXEC };

	for (unsigned int k = 0; k < ops_per_round; k++) {
		unsigned int i = (unsigned int)(rng(seed) % RPAGES);
		uintptr_t a = page_addr(i) + rng(seed) % PAGE_SIZE;
		unsigned int what = (unsigned int)(rng(seed) % 8);

		if (what < 5) {
			struct fault_info fi = { .addr = a, .access = acc[rng(seed) % 4], .user = true };
			int err = as_fault(&as, &fi);
			results[t][err == 0 ? 0 : err == -EFAULT ? 1 : err == -EACCES ? 2 : 3]++;
			if (err != 0 && err != -EFAULT && err != -EACCES)
				FAIL("fault at %#lx: %d", (unsigned long)a, err);
		} else if (what < 7) {
			/* Tag the page (the kernel's copy faults it in whatever its protection). */
			uint32_t tag = tag_of(t << 20 | k);
			int err = as_copy_to(&as, page_addr(i), &tag, sizeof(tag));
			if (err != 0 && err != -EFAULT)
				FAIL("as_copy_to at page %u: %d", i, err);
		} else {
			uint32_t w;
			int err = as_copy_from(&as, &w, page_addr(i), sizeof(w));
			if (err == 0 && !word_is_valid(w))
				FAIL("page %u reads %#x", i, w);
			else if (err != 0 && err != -EFAULT)
				FAIL("as_copy_from at page %u: %d", i, err);
		}
	}
}

static void editor(uint64_t *seed)
{
	static const unsigned int prots[] = { PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ,
					      PROT_NONE, PROT_READ | PROT_EXEC };
	static const int advs[] = { MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_POPULATE_READ,
				    MADV_POPULATE_WRITE, MADV_WILLNEED };

	for (unsigned int k = 0; k < ops_per_round / 4; k++) {
		unsigned int i = (unsigned int)(rng(seed) % RPAGES);
		unsigned int n = 1 + (unsigned int)(rng(seed) % 4);
		if (i + n > RPAGES)
			n = RPAGES - i;
		uintptr_t a = page_addr(i), out;
		size_t len = (size_t)n * PAGE_SIZE;
		unsigned int prot = prots[rng(seed) % 5];
		int err = 0;

		switch (rng(seed) % 8) {
		case 0:
			err = as_munmap(&as, a, len);
			break;
		case 1:
		case 2:
			err = as_mmap(&as, a, len, prot,
				      (rng(seed) % 3 ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS | MAP_FIXED |
				      (rng(seed) % 4 ? 0 : MAP_POPULATE), -1, 0, &out);
			break;
		case 3:
			err = as_mprotect(&as, a, len, prot);
			if (err == -ENOMEM)
				err = 0;            /* a hole */
			break;
		case 4:
		case 5:
		case 6: {
			int adv = advs[rng(seed) % 6];
			err = as_madvise(&as, a, len, adv);
			if (err == -ENOMEM || err == -EINVAL || err == -EACCES)
				err = 0;            /* holes, shared or private refusals */
			break;
		}
		default: {
			/* Move a piece to another place in the region (never overlapping). */
			unsigned int j = (unsigned int)(rng(seed) % (RPAGES - n + 1));
			if (j < i + n && i < j + n)
				break;
			err = as_mremap(&as, a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, page_addr(j), &out);
			if (err == -EFAULT)
				err = 0;            /* not one whole VMA */
			break;
		}
		}
		if (err)
			FAIL("edit of pages [%u, %u): %d", i, i + n, err);
	}
}

static void *worker(void *arg)
{
	unsigned int t = (unsigned int)(uintptr_t)arg;
	uint64_t seed = 0x1234567ull * (t + 1) + test_levels;

	host_cpu_set(t + 1);
	as_activate(&as);
	for (unsigned int r = 0; r < rounds; r++) {
		pthread_barrier_wait(&round_start);
		if (t < FAULTERS)
			faulter(t, &seed);
		else
			editor(&seed);
		pthread_barrier_wait(&round_end);
	}
	/* This CPU switched away: the space stops being live here. */
	as_deactivate(&as);
	return NULL;
}

static unsigned int mmu_prot_of_vma(unsigned int prot)
{
	return MMU_USER | (prot ? MMU_READ : 0) | (prot & PROT_WRITE ? MMU_WRITE : 0) |
	       (prot & PROT_EXEC ? MMU_EXEC : 0);
}

/* With every thread stopped: the whole space is consistent. */
static void check_quiescent(size_t kframes, unsigned int round)
{
	struct mapper_leaf l;
	size_t leaves = 0;

	CHECK(vma_tree_check(&as.vmas), "round %u: VMA tree", round);
	for (unsigned int i = 0; i < RPAGES; i++) {
		uintptr_t a = page_addr(i);
		if (mapper_translate(&as.pt, vaddr(a), &l) != 0)
			continue;
		leaves++;
		struct vma *v = vma_find(&as.vmas, a);
		if (!CHECK(v != NULL, "round %u: page %u mapped outside every VMA", round, i))
			continue;
		CHECK(l.prot == mmu_prot_of_vma(v->prot) && l.level == 0,
		      "round %u: page %u leaf prot %#x, VMA prot %u", round, i, l.prot, v->prot);
		uint32_t w = *(uint32_t *)phys_to_virt(l.pa);
		CHECK(word_is_valid(w), "round %u: page %u holds %#x", round, i, w);
	}
	vaddr_t c = vaddr(0);
	while (mapper_walk_next(&as.pt, &c, vaddr(as.task_size), &l) == 0) {
		CHECK(l.va.raw >= REGION && l.va.raw < page_addr(RPAGES), "round %u: leaf at %#lx", round,
		      (unsigned long)l.va.raw);
		if (c.raw == 0)
			break;
	}
	for (struct vma *v = vma_find_next(&as.vmas, 0); v; v = vma_find_next(&as.vmas, v->end))
		CHECK(v->start >= REGION && v->end <= page_addr(RPAGES), "round %u: VMA [%#lx, %#lx)",
		      round, (unsigned long)v->start, (unsigned long)v->end);
	/* Exactly the root, the tables and one frame per leaf: no frame lost in a race. */
	CHECK_EQ(fake_frames_used(), kframes + 1 + mapper_count_tables(&as.pt) + leaves);
	CHECK_EQ(fake_kmalloc_live(), (long)as_vma_count(&as));
}

static void test_races(void)
{
	struct as_params p = {
		.min_addr = 16 * PAGE_SIZE, .task_size = NP * PAGE_SIZE, .mmap_base = (NP - 256) * PAGE_SIZE,
		.brk_start = 256 * PAGE_SIZE, .max_vmas = AS_DEFAULT_MAX_VMAS,
	};
	pthread_t th[THREADS];
	uintptr_t out;
	const char *env = getenv("VM_RACE_ROUNDS");

	/* The fake's fill patterns are not tags, or the check would see nothing. */
	CHECK(!word_is_valid(0x5a5a5a5au) && !word_is_valid(0xa5a5a5a5u), "fill patterns");
	rounds = env ? (unsigned int)strtoul(env, NULL, 0) : 40;
	ops_per_round = 1000;
	fake_mem_init(24 << 20);
	fake_tlb_reset();
	host_cpu_set(0);
	CHECK_EQ(mapper_init_kernel(&kpt, test_levels), 0);
	size_t kframes = fake_frames_used();
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	CHECK_EQ(as_mmap(&as, REGION, RPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, &out), 0);
	memset(results, 0, sizeof(results));
	pthread_barrier_init(&round_start, NULL, THREADS + 1);
	pthread_barrier_init(&round_end, NULL, THREADS + 1);
	fake_alloc_yield(true);
	for (unsigned int t = 0; t < THREADS; t++)
		CHECK(pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t) == 0, "thread %u", t);
	for (unsigned int r = 0; r < rounds; r++) {
		pthread_barrier_wait(&round_start);
		pthread_barrier_wait(&round_end);
		check_quiescent(kframes, r);
	}
	for (unsigned int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	fake_alloc_yield(false);
	pthread_barrier_destroy(&round_start);
	pthread_barrier_destroy(&round_end);
	CHECK_EQ(__atomic_load_n(&errors, __ATOMIC_RELAXED), 0);

	unsigned long sum[4] = { 0 };
	for (unsigned int t = 0; t < FAULTERS; t++)
		for (unsigned int k = 0; k < 4; k++)
			sum[k] += results[t][k];
	printf("# %u rounds: faults 0: %lu, -EFAULT: %lu, -EACCES: %lu\n", rounds, sum[0], sum[1], sum[2]);
	/* The threads did their work: faults both mapped pages and were refused. */
	CHECK(sum[0] > 0 && sum[1] + sum[2] > 0, "faults both succeeded and failed");
	CHECK(cpuset_is_empty(&as.cpus), "live nowhere once every thread left");

	CHECK_EQ(as_munmap(&as, REGION, RPAGES * PAGE_SIZE), 0);
	CHECK_EQ(fake_frames_used(), kframes + 1);
	as_destroy(&as);
	CHECK_EQ(fake_kmalloc_live(), 0);
	struct tlb_batch b;
	tlb_batch_init(&b, &tlb_kernel_cpus);
	mapper_destroy(&kpt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 0);
}

int main(void)
{
	tap_start();
	tap_run_modes("faults racing munmap, mmap, mprotect, mremap, madvise on 4 threads", test_races);
	fake_mem_fini();
	return tap_done();
}

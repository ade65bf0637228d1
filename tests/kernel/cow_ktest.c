// SPDX-License-Identifier: MIT
/*
 * Copy-on-write reference counts with the real frame allocator (mm/as.c's
 * as_fork() over the buddy allocator and the frame database).
 *
 * cow.refcount_random: up to 6 address spaces made by forks of each other take
 * random writes (a copy-on-write fault each time a frame is shared), reads,
 * MADV_DONTNEED, munmap and map again, and teardowns, 3000 steps. Every read gives
 * what a model of each space's pages says, every frame stays referenced as many
 * times as spaces map it, and once every space is gone the free-frame count is
 * back where it started: a frame shared by N spaces is freed exactly once, after
 * its last mapping went, whatever the order.
 *
 * The spaces are never activated: the ktest writes through the direct map to the
 * frame the page table names, after as_fault() made the page writable, as a user
 * store would after its fault.
 */
#include <kern/ktest.h>
#include <kern/string.h>
#include <mm/as.h>
#include <mm/frame.h>
#include <mm/init.h>
#include <mm/mman.h>

#define SPACES 6
#define PAGES 32
#define STEPS 3000

static struct as spaces[SPACES];
static uint32_t model[SPACES][PAGES];     /* 0: no frame yet (reads zero) */
static bool live[SPACES];
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int fault(struct as *as, uintptr_t addr, enum fault_access access)
{
	struct fault_info fi = { .addr = addr, .access = access, .user = true };

	return as_fault(as, &fi);
}

/* The word at @addr as the program would read it (0 where no frame is mapped). */
static uint32_t peek(struct as *as, uintptr_t addr)
{
	struct mapper_leaf l;

	if (mapper_translate(&as->pt, vaddr(addr), &l) != 0)
		return 0;
	return *(volatile uint32_t *)phys_to_virt(l.pa);
}

/* A user store: the write fault (a copy or a take-over when shared), then the word. */
static bool poke(struct as *as, uintptr_t addr, uint32_t v)
{
	struct mapper_leaf l;

	if (fault(as, addr, FAULT_WRITE) != 0 || mapper_translate(&as->pt, vaddr(addr), &l) != 0 ||
	    !(l.prot & MMU_WRITE))
		return false;
	*(volatile uint32_t *)phys_to_virt(l.pa) = v;
	return true;
}

KTEST(cow, refcount_random)
{
	uint64_t before = mm_settled_free_frames();
	struct as_cow_stats c0, c1;
	uintptr_t a;
	uint32_t tag = 0;
	unsigned int forks = 0, bad_reads = 0, bad_refs = 0;

	rng = 0x2545f4914f6cdd1dull;
	memset(model, 0, sizeof(model));
	memset(live, 0, sizeof(live));
	as_cow_stats(&c0);
	KT_ASSERT(t, as_create(&spaces[0], &mm_kernel_pt, NULL) == 0, "as_create");
	KT_ASSERT(t, as_mmap(&spaces[0], 0, PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &a) == 0, "mmap");
	live[0] = true;
	for (unsigned int step = 0; step < STEPS; step++) {
		unsigned int s = rnd() % SPACES, pg = rnd() % PAGES, op = rnd() % 16;
		uintptr_t p = a + (uintptr_t)pg * PAGE_SIZE;

		if (!live[s]) {
			unsigned int from = rnd() % SPACES;
			if (!live[from])
				continue;
			if (!KT_EXPECT(t, as_fork(&spaces[s], &spaces[from], &mm_kernel_pt) == 0,
				       "as_fork at step %u", step))
				break;
			memcpy(model[s], model[from], sizeof(model[s]));
			live[s] = true;
			forks++;
		} else if (op < 7) {
			if (!KT_EXPECT(t, poke(&spaces[s], p, ++tag), "write at step %u", step))
				break;
			model[s][pg] = tag;
		} else if (op < 11) {
			bad_reads += peek(&spaces[s], p) != model[s][pg];
		} else if (op < 13) {
			KT_EXPECT(t, as_madvise(&spaces[s], p, PAGE_SIZE, MADV_DONTNEED) == 0, "madvise");
			model[s][pg] = 0;
		} else if (op < 15) {
			uintptr_t got;
			KT_EXPECT(t, as_munmap(&spaces[s], p, PAGE_SIZE) == 0, "munmap");
			KT_EXPECT(t, as_mmap(&spaces[s], p, PAGE_SIZE, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, &got) == 0,
				  "mmap again");
			model[s][pg] = 0;
		} else if (s != 0 || rnd() % 4 == 0) {
			as_destroy(&spaces[s]);
			live[s] = false;
		}
		/* Every 100 steps: each mapped frame has one reference per space mapping it. */
		if (step % 100 == 99) {
			for (unsigned int i = 0; i < SPACES; i++) {
				if (!live[i])
					continue;
				for (unsigned int q = 0; q < PAGES; q++) {
					struct mapper_leaf l;
					uintptr_t va = a + (uintptr_t)q * PAGE_SIZE;
					if (mapper_translate(&spaces[i].pt, vaddr(va), &l) != 0)
						continue;
					unsigned int maps = 0;
					for (unsigned int j = 0; j < SPACES; j++) {
						struct mapper_leaf m;
						maps += live[j] &&
							mapper_translate(&spaces[j].pt, vaddr(va), &m) == 0 &&
							m.pa.raw == l.pa.raw;
					}
					bad_refs += frame_refs(l.pa) != maps;
				}
			}
		}
	}
	for (unsigned int s = 0; s < SPACES; s++) {
		if (!live[s])
			continue;
		for (unsigned int pg = 0; pg < PAGES; pg++)
			bad_reads += peek(&spaces[s], a + (uintptr_t)pg * PAGE_SIZE) != model[s][pg];
		as_destroy(&spaces[s]);
	}
	as_cow_stats(&c1);
	KT_EXPECT(t, bad_reads == 0, "%u reads differ from the model", bad_reads);
	KT_EXPECT(t, bad_refs == 0, "%u frames with a reference count not their mappings'", bad_refs);
	KT_EXPECT(t, forks > 0 && c1.copies > c0.copies && c1.takeovers > c0.takeovers,
		  "%u forks, %llu copies, %llu take-overs", forks,
		  (unsigned long long)(c1.copies - c0.copies),
		  (unsigned long long)(c1.takeovers - c0.takeovers));
	uint64_t after = mm_settled_free_frames();
	KT_EXPECT(t, after == before, "%llu frames free before, %llu after",
		  (unsigned long long)before, (unsigned long long)after);
	ktest_log(t, "%u forks; %llu copies, %llu take-overs", forks,
		  (unsigned long long)(c1.copies - c0.copies),
		  (unsigned long long)(c1.takeovers - c0.takeovers));
}

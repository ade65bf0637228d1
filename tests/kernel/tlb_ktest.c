// SPDX-License-Identifier: MIT
/*
 * TLB shootdown ktests, on every online CPU.
 *
 * tlb.no_stale_*: readers on every other CPU sweep a kernel mapping while this
 * CPU edits it: remaps it to new frames holding a new pattern, protects it
 * read-only and back, unmaps it and maps it again. The edits are published
 * through a sequence count, odd while an edit is under way (a seqlock): a
 * reader's sample counts only if the count was even and unchanged around it, so
 * the state it checks held during the whole access. Before each edit, every
 * reader has swept the whole range in the previous state (so its TLB holds the
 * translations the edit makes stale). After an edit returned, no sample may read
 * an old pattern, write through a read-only mapping, or read an unmapped page
 * without faulting. The editing CPU checks itself too (the local flush). Sizes
 * of 1, 32 and 33 pages (the per-page and the full-flush paths around
 * tlb_flush_all_threshold), 512 pages (a full flush of 4 KiB leaves) and one
 * 2 MiB huge leaf.
 *
 * tlb.shootdown_targets: a flush reaches exactly the CPUs of its set but the
 * caller, and nobody when the set is only the caller.
 *
 * tlb.as_calls_reach_the_as_cpus: the address-space calls a process makes
 * (munmap, mprotect to read-only, mremap, MADV_DONTNEED: mm/as.c, what the system
 * calls run) shoot down exactly the CPUs that run a thread of that address space,
 * with a bystander CPU that runs none left alone, and nobody once the threads
 * are gone; a call that removes no translation sends nothing.
 */
#include <kern/cpu.h>
#include <kern/fault.h>
#include <kern/ktest.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <mm/as.h>
#include <mm/frame.h>
#include <mm/init.h>
#include <mm/kmap.h>
#include <mm/mman.h>
#include <mm/mmio.h>
#include <mm/tlb.h>

enum stale_state { ST_RW, ST_RO, ST_UNMAPPED };

#define MAX_PAGES 512
#define HUGE_ORDER 9           /* 2 MiB: a huge leaf on every format we run */

static struct stale {
	uintptr_t va;
	unsigned int npages;
	uint64_t seq;                  /* odd while an edit is under way */
	uint64_t gen;                  /* the pattern mapped pages hold */
	unsigned int state;            /* enum stale_state */
	unsigned int stop;
	uint64_t acked[NCPUS];         /* the last even seq a reader swept completely */
	uint64_t samples[NCPUS];
	uint64_t violations[NCPUS];
	char what[NCPUS][96];          /* the first violation, per reader */
} S;

/* One sample of page @i; returns false if it contradicts the published state. */
static bool sample(unsigned int i, unsigned int st, uint64_t gen, char *what, size_t len)
{
	volatile uint64_t *p = (volatile uint64_t *)(S.va + (uintptr_t)i * PAGE_SIZE);
	uint64_t v = 0;
	int r = copy_nofault(&v, (const void *)p, sizeof(v));

	if (st == ST_UNMAPPED) {
		if (r == 0) {
			snprintf(what, len, "read page %u after unmap: %#llx", i, (unsigned long long)v);
			return false;
		}
		return true;
	}
	if (r != 0) {
		snprintf(what, len, "page %u faulted while mapped (gen %llu)", i, (unsigned long long)gen);
		return false;
	}
	if (v != gen) {
		snprintf(what, len, "page %u holds %#llx, gen %llu is mapped (stale translation)", i,
			 (unsigned long long)v, (unsigned long long)gen);
		return false;
	}
	if (st == ST_RO) {
		/* Writing the value it holds: harmless if it wrongly succeeds. */
		if (copy_nofault((void *)p, &v, sizeof(v)) == 0) {
			snprintf(what, len, "wrote page %u after it was made read-only", i);
			return false;
		}
	}
	return true;
}

/* One sweep of every page under one even seq; true if it was a valid sweep. */
static bool sweep(unsigned int self)
{
	uint64_t s1 = __atomic_load_n(&S.seq, __ATOMIC_ACQUIRE);

	if (s1 & 1)
		return false;
	unsigned int st = __atomic_load_n(&S.state, __ATOMIC_ACQUIRE);
	uint64_t gen = __atomic_load_n(&S.gen, __ATOMIC_ACQUIRE);
	bool bad = false;
	char what[96];

	for (unsigned int i = 0; i < S.npages; i++) {
		if (!sample(i, st, gen, what, sizeof(what)))
			bad = true;
		S.samples[self]++;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&S.seq, __ATOMIC_RELAXED) != s1)
		return false;   /* an edit began meanwhile: the sweep proves nothing */
	if (bad) {
		if (!S.violations[self])
			memcpy(S.what[self], what, sizeof(what));
		S.violations[self]++;
	}
	__atomic_store_n(&S.acked[self], s1, __ATOMIC_RELEASE);
	return true;
}

static void reader(void *arg)
{
	unsigned int self = cpu_current();

	(void)arg;
	while (!__atomic_load_n(&S.stop, __ATOMIC_ACQUIRE)) {
		sweep(self);
		cpu_relax();
	}
}

/* Frames of one generation: npages single frames, or one huge block. */
struct gen_frames {
	paddr_t pa[MAX_PAGES];
	bool huge;
};

static int frames_get(struct gen_frames *f, unsigned int npages, bool huge, uint64_t gen)
{
	f->huge = huge;
	if (huge) {
		if (frame_alloc(HUGE_ORDER, 0, &f->pa[0]))
			return -1;
		uint64_t *p = phys_to_virt(f->pa[0]);
		for (unsigned int i = 0; i < npages; i++)
			p[i * (PAGE_SIZE / 8)] = gen;
		return 0;
	}
	for (unsigned int i = 0; i < npages; i++) {
		if (frame_alloc(0, 0, &f->pa[i])) {
			while (i--)
				frame_free(f->pa[i], 0);
			return -1;
		}
		*(uint64_t *)phys_to_virt(f->pa[i]) = gen;
	}
	return 0;
}

static void frames_put(struct gen_frames *f, unsigned int npages)
{
	if (f->huge) {
		frame_free(f->pa[0], HUGE_ORDER);
		return;
	}
	for (unsigned int i = 0; i < npages; i++)
		frame_free(f->pa[i], 0);
}

#define KPROT (MMU_READ | MMU_WRITE | MMU_GLOBAL)

static int map_gen(const struct gen_frames *f, unsigned int npages, unsigned int prot)
{
	struct tlb_batch b;
	unsigned long flags;
	struct pagetable *pt = kmap_begin(&b, &flags);
	int err = 0;

	if (f->huge)
		err = mapper_map(pt, vaddr(S.va), f->pa[0], (size_t)npages * PAGE_SIZE, prot,
				 MMU_CACHE_WB, 0, &b);
	for (unsigned int i = 0; !f->huge && i < npages && !err; i++)
		err = mapper_map(pt, vaddr(S.va + (uintptr_t)i * PAGE_SIZE), f->pa[i], PAGE_SIZE, prot,
				 MMU_CACHE_WB, MAPPER_NOHUGE, &b);
	kmap_end(&b, flags);
	return err;
}

/* Unmap the old generation and map the new one in one batch: one flush. */
static int remap_gen(const struct gen_frames *f, unsigned int npages)
{
	struct tlb_batch b;
	unsigned long flags;
	struct pagetable *pt = kmap_begin(&b, &flags);
	int err = mapper_unmap(pt, vaddr(S.va), (size_t)npages * PAGE_SIZE, 0, &b);

	if (!err && f->huge)
		err = mapper_map(pt, vaddr(S.va), f->pa[0], (size_t)npages * PAGE_SIZE, KPROT,
				 MMU_CACHE_WB, 0, &b);
	for (unsigned int i = 0; !err && !f->huge && i < npages; i++)
		err = mapper_map(pt, vaddr(S.va + (uintptr_t)i * PAGE_SIZE), f->pa[i], PAGE_SIZE,
				 KPROT, MMU_CACHE_WB, MAPPER_NOHUGE, &b);
	kmap_end(&b, flags);
	return err;
}

/* Wait until every reader swept the whole range under the current seq. */
static bool wait_readers(struct ktest_ctx *t, const struct cpuset *readers)
{
	uint64_t seq = __atomic_load_n(&S.seq, __ATOMIC_RELAXED);

	/* The editing CPU checks itself first: its own (local) flush. */
	while (!sweep(cpu_current()))
		;
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(readers, c))
			continue;
		unsigned long spins = 0;
		while (__atomic_load_n(&S.acked[c], __ATOMIC_ACQUIRE) != seq) {
			cpu_relax();
			if (++spins > 2000000000ul) {
				ktest_fail(t, __FILE__, __LINE__, "reader CPU %u never swept seq %llu", c,
					   (unsigned long long)seq);
				return false;
			}
		}
	}
	return true;
}

static void publish(unsigned int state, uint64_t gen)
{
	__atomic_store_n(&S.state, state, __ATOMIC_RELAXED);
	__atomic_store_n(&S.gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&S.seq, S.seq + 1, __ATOMIC_RELEASE);   /* even: stable */
}

static void edit_begin(void)
{
	__atomic_store_n(&S.seq, S.seq + 1, __ATOMIC_RELAXED);   /* odd: editing */
	/* The odd count is visible before any entry changes (store-store and store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#define GENS 6

static void stale_run(struct ktest_ctx *t, unsigned int npages, bool huge)
{
	static struct gen_frames frames[GENS + 2];
	unsigned int nf = 0, self = cpu_current();
	size_t size = (size_t)npages * PAGE_SIZE;
	size_t align = huge ? PAGE_SIZE << HUGE_ORDER : PAGE_SIZE;
	struct cpuset readers;
	vaddr_t va;
	uint64_t gen = 1;

	KT_ASSERT(t, npages <= MAX_PAGES, "too many pages");
	KT_ASSERT(t, mmio_alloc(size, align, &va) == 0, "no room for %u pages", npages);
	memset(&S, 0, sizeof(S));
	S.va = va.raw;
	S.npages = npages;
	S.seq = 1;   /* editing: readers wait for the first mapping */

	cpuset_clear(&readers);
	for (unsigned int c = 0; c < NCPUS; c++)
		if (c != self && cpuset_has(&cpu_online_set, c) && smp_work_start(c, reader, NULL) == 0)
			cpuset_add(&readers, c);

	bool ok = frames_get(&frames[nf], npages, huge, gen) == 0;
	KT_EXPECT(t, ok, "no frames");
	ok = ok && KT_EXPECT(t, map_gen(&frames[nf++], npages, KPROT) == 0, "map");
	publish(ST_RW, gen);
	ok = ok && wait_readers(t, &readers);

	/* remap, remap, read-only, read-write, unmap, map, remap, read-only, unmap. */
	static const char steps[] = "rrpwumrpu";
	for (const char *s = steps; ok && *s; s++) {
		unsigned int state = ST_RW;
		edit_begin();
		if (*s == 'r' || *s == 'm') {
			if (!KT_EXPECT(t, nf < GENS + 2 && frames_get(&frames[nf], npages, huge, gen + 1) == 0,
				       "no frames for gen %llu", (unsigned long long)gen + 1)) {
				ok = false;
				break;
			}
			int err = *s == 'r' ? remap_gen(&frames[nf], npages) : map_gen(&frames[nf], npages, KPROT);
			ok = KT_EXPECT(t, err == 0, "%s gen %llu: %d", *s == 'r' ? "remap" : "map",
				       (unsigned long long)gen + 1, err);
			nf++;
			gen++;
		} else if (*s == 'p') {
			ok = KT_EXPECT(t, kmap_protect(va, size, MMU_READ | MMU_GLOBAL) == 0, "protect");
			state = ST_RO;
		} else if (*s == 'w') {
			ok = KT_EXPECT(t, kmap_protect(va, size, KPROT) == 0, "unprotect");
		} else if (*s == 'u') {
			ok = KT_EXPECT(t, kmap_unmap(va, size) == 0, "unmap");
			state = ST_UNMAPPED;
		}
		publish(state, gen);
		ok = ok && wait_readers(t, &readers);
	}

	__atomic_store_n(&S.stop, 1, __ATOMIC_RELEASE);
	for (unsigned int c = 0; c < NCPUS; c++)
		if (cpuset_has(&readers, c))
			smp_work_wait(c);
	kmap_unmap(va, size);
	for (unsigned int i = 0; i < nf; i++)
		frames_put(&frames[i], npages);
	mmio_free(va, size);

	uint64_t samples = 0;
	for (unsigned int c = 0; c < NCPUS; c++) {
		samples += S.samples[c];
		KT_EXPECT(t, S.violations[c] == 0, "CPU %u: %llu bad sweeps, first: %s", c,
			  (unsigned long long)S.violations[c], S.what[c]);
		if (cpuset_has(&readers, c))
			KT_EXPECT(t, S.samples[c] > 0, "reader CPU %u took no sample", c);
	}
	ktest_log(t, "%u pages%s, %u readers, %llu samples", npages, huge ? " (one huge leaf)" : "",
		  smp_online_count() - 1, (unsigned long long)samples);
}

KTEST(tlb, no_stale_1_page)
{
	stale_run(t, 1, false);
}

KTEST(tlb, no_stale_32_pages)
{
	stale_run(t, 32, false);
}

KTEST(tlb, no_stale_33_pages)
{
	stale_run(t, 33, false);
}

KTEST(tlb, no_stale_512_pages)
{
	stale_run(t, 512, false);
}

KTEST(tlb, no_stale_huge_leaf)
{
	stale_run(t, 512, true);
}

/* A flush whose set is @set: which CPUs served it, and did this one send one? */
static void flush_with(const struct cpuset *set, uint64_t served[NCPUS], uint64_t *sent,
		       bool *by_call)
{
	uint64_t calls = this_cpu()->shootdowns_by_call;
	struct tlb_batch b;
	unsigned long flags = cpu_irq_save();

	for (unsigned int c = 0; c < NCPUS; c++)
		served[c] = cpu_area(c)->shootdowns_served;
	*sent = this_cpu()->shootdowns_sent;
	tlb_batch_init(&b, set);
	/* An address nothing uses: the invalidation is harmless everywhere. */
	tlb_batch_add(&b, vaddr(S.va ? S.va : (uintptr_t)&S), PAGE_SIZE, PAGE_SIZE, true);
	tlb_batch_flush(&b);
	for (unsigned int c = 0; c < NCPUS; c++)
		served[c] = cpu_area(c)->shootdowns_served - served[c];
	*sent = this_cpu()->shootdowns_sent - *sent;
	*by_call = this_cpu()->shootdowns_by_call != calls;
	cpu_irq_restore(flags);
}

KTEST(tlb, shootdown_targets)
{
	unsigned int self = cpu_current();
	uint64_t served[NCPUS], sent;
	struct cpuset set;
	bool by_call = false, any_by_call = false;

	/* Only the caller: nothing is sent. */
	cpuset_clear(&set);
	cpuset_add(&set, self);
	flush_with(&set, served, &sent, &by_call);
	KT_EXPECT_EQ(t, sent, 0);
	for (unsigned int c = 0; c < NCPUS; c++)
		KT_EXPECT(t, served[c] == 0, "CPU %u served a flush of the caller only", c);

	/* The caller and each other CPU in turn, then everyone. */
	for (unsigned int other = 0; other <= NCPUS; other++) {
		if (other < NCPUS && (other == self || !cpuset_has(&cpu_online_set, other)))
			continue;
		if (other == NCPUS)
			set = cpu_online_set;
		else
			cpuset_add(&set, other);
		flush_with(&set, served, &sent, &by_call);
		any_by_call |= by_call;
		KT_EXPECT(t, sent == (cpuset_has_other(&set, self) ? 1u : 0u),
			  "%llu shootdowns sent for one flush", (unsigned long long)sent);
		for (unsigned int c = 0; c < NCPUS; c++) {
			bool target = c != self && cpuset_has(&set, c);
			/*
			 * A firmware or hardware shootdown runs none of our code on the
			 * targets (riscv64 SBI RFENCE); by call, each target serves it once.
			 */
			KT_EXPECT(t, served[c] == (target && by_call ? 1u : 0u),
				  "CPU %u served %llu shootdowns (target: %d)", c,
				  (unsigned long long)served[c], target);
		}
		if (other < NCPUS)
			cpuset_del(&set, other);
	}
	ktest_log(t, "remote flushes %s", smp_online_count() < 2 ? "not needed (one CPU)" :
		  any_by_call ? "by cross-CPU call, each target counted" : "by firmware or hardware (targets run no kernel code)");
}

/* ---- the calls of an address space, from threads on several CPUs ---- */

static struct {
	struct as as;
	unsigned int ready, release;
} R;

static void as_runner(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&R.ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&R.release, __ATOMIC_ACQUIRE))
		cpu_relax();                /* serves the shootdowns meanwhile */
}

struct as_counts {
	uint64_t served[NCPUS];
	uint64_t sent;
};

static void counts_read(struct as_counts *c)
{
	for (unsigned int i = 0; i < NCPUS; i++)
		c->served[i] = __atomic_load_n(&cpu_area(i)->shootdowns_served, __ATOMIC_RELAXED);
	c->sent = this_cpu()->shootdowns_sent;
}

/*
 * After one call: did it send @want_sent (0: none, 1: at least one) shootdowns, and
 * did every CPU of @targets serve each of them, and no other CPU any?
 */
static void counts_check(struct ktest_ctx *t, const char *what, const struct as_counts *before,
			 const struct cpuset *targets, bool want_sent)
{
	struct as_counts now;

	counts_read(&now);
	uint64_t sent = now.sent - before->sent;
	KT_EXPECT(t, want_sent ? sent >= 1 : sent == 0, "%s: %llu shootdowns sent", what,
		  (unsigned long long)sent);
	if (!this_cpu()->shootdowns_by_call)
		return;                     /* firmware or hardware: targets run no kernel code */
	for (unsigned int c = 0; c < NCPUS; c++) {
		uint64_t served = now.served[c] - before->served[c];
		bool target = cpuset_has(targets, c);

		KT_EXPECT(t, served == (target ? sent : 0),
			  "%s: CPU %u served %llu of %llu shootdowns (runs the space: %d)", what, c,
			  (unsigned long long)served, (unsigned long long)sent, target);
	}
}

KTEST(tlb, as_calls_reach_the_as_cpus)
{
	enum { PAGES = 16 };
	unsigned int self = cpu_current(), bystander = NCPUS, nrun = 0;
	struct thread *runners[NCPUS];
	struct cpuset targets, none;
	struct as_counts c;
	uintptr_t a, moved;

	/* Every other online CPU runs a thread of the space, but the last: a bystander. */
	cpuset_clear(&targets);
	cpuset_clear(&none);
	for (unsigned int i = 0; i < NCPUS; i++)
		if (i != self && cpuset_has(&cpu_online_set, i))
			bystander = i;
	if (smp_online_count() < 3)
		bystander = NCPUS;          /* two CPUs: one runner; one: none */
	memset(&R, 0, sizeof(R));
	KT_ASSERT(t, as_create(&R.as, &mm_kernel_pt, NULL) == 0, "as_create");
	KT_ASSERT(t, as_mmap(&R.as, 0, PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0, &a) == 0, "mmap");
	for (unsigned int i = 0; i < NCPUS; i++) {
		if (i == self || i == bystander || !cpuset_has(&cpu_online_set, i))
			continue;
		runners[nrun] = thread_create_in(&R.as, as_runner, NULL, (int)i, "as-runner", NULL);
		if (!KT_EXPECT(t, runners[nrun], "no thread for CPU %u", i))
			break;
		cpuset_add(&targets, i);
		nrun++;
	}
	while (__atomic_load_n(&R.ready, __ATOMIC_ACQUIRE) < nrun)
		thread_yield();
	for (unsigned int i = 0; i < NCPUS; i++)
		KT_EXPECT(t, cpuset_has(&R.as.cpus, i) == cpuset_has(&targets, i),
			  "CPU %u: in the space's set %d, runs a thread of it %d", i,
			  cpuset_has(&R.as.cpus, i), cpuset_has(&targets, i));

	bool any = nrun > 0;
	counts_read(&c);
	KT_EXPECT(t, as_munmap(&R.as, a, PAGE_SIZE) == 0, "munmap");
	counts_check(t, "munmap of a populated page", &c, &targets, any);
	counts_read(&c);
	KT_EXPECT(t, as_mprotect(&R.as, a + PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ) == 0, "mprotect");
	counts_check(t, "mprotect to read-only", &c, &targets, any);
	counts_read(&c);
	KT_EXPECT(t, as_madvise(&R.as, a + 3 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED) == 0, "madvise");
	counts_check(t, "MADV_DONTNEED of a populated page", &c, &targets, any);
	counts_read(&c);
	KT_EXPECT(t, as_madvise(&R.as, a + 3 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED) == 0, "madvise");
	counts_check(t, "MADV_DONTNEED of a page without a frame", &c, &targets, false);
	counts_read(&c);
	/* Moving 4 populated pages to a fixed place PAGES pages above. */
	KT_EXPECT(t, as_mremap(&R.as, a + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, a + 2 * PAGES * PAGE_SIZE, &moved) == 0,
		  "mremap");
	counts_check(t, "mremap of populated pages", &c, &targets, any);
	counts_read(&c);
	KT_EXPECT(t, as_munmap(&R.as, a + 4 * PAGE_SIZE, 4 * PAGE_SIZE) == 0, "munmap");
	counts_check(t, "munmap of a range mremap emptied", &c, &targets, false);

	__atomic_store_n(&R.release, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < nrun; i++)
		thread_join(runners[i]);
	KT_EXPECT(t, cpuset_is_empty(&R.as.cpus), "the set keeps a CPU after its threads left");
	counts_read(&c);
	KT_EXPECT(t, as_munmap(&R.as, a, 2 * PAGES * PAGE_SIZE + 4 * PAGE_SIZE) == 0, "munmap");
	counts_check(t, "munmap once no thread runs the space", &c, &none, false);
	as_destroy(&R.as);
	ktest_log(t, "%u CPUs ran the space, bystander %s", nrun,
		  bystander < NCPUS ? "one CPU" : "none (fewer than 3 CPUs)");
}

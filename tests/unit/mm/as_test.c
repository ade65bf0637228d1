// SPDX-License-Identifier: MIT
/*
 * Host tests of address spaces (mm/as.c) and the VMA tree (mm/vma.c), built once
 * per arch format and run in every paging mode of it.
 *
 * Directed tests pin down Linux's results for mmap/munmap/mprotect/mremap/brk and
 * faults. The differential fuzzer then runs random call sequences against a
 * page-granular reference model written from the same rules (docs/vm.md): every
 * return value and errno must match, after every call the VMA list must equal the
 * model's runs of pages, the page table must agree with the VMAs page by page
 * (present iff faulted in, protection, frame contents), and after teardown every
 * frame and VMA struct must be back.
 *
 * Short run in the suite. Long run (documented in docs/vm.md):
 *   VM_FUZZ_STEPS=2000000 VM_FUZZ_SEED=7 build/tests/unit/unit-mm-as-x86_64
 */
#include <mm/frame.h>
#include "vm_fake.h"

#include <mm/as.h>
#include <mm/mman.h>
#include <mm/vma.h>


static struct pagetable kpt;
static size_t kframes;

static void setup_kernel(void)
{
	fake_mem_init(24 << 20);
	fake_tlb_reset();
	host_cpu_set(0);
	CHECK_EQ(mapper_init_kernel(&kpt, test_levels), 0);
	kframes = fake_frames_used();
}

/*
 * A user-mode fault at @addr for @access, described as a trap handler would: the
 * present/protection hint unknown (riscv64's view), no instruction address.
 */
static int fault_at(struct as *as, uintptr_t addr, enum fault_access access)
{
	struct fault_info fi = { .addr = addr, .access = access, .user = true };

	return as_fault(as, &fi);
}

static void teardown_kernel(void)
{
	struct tlb_batch b;

	tlb_batch_init(&b, &tlb_kernel_cpus);
	mapper_destroy(&kpt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 0);
	CHECK_EQ(fake_kmalloc_live(), 0);
}

/* A small user window so the reference model can be page-granular. */
#define NP 4096u                          /* pages: a 16 MiB user range */
#define MIN_PAGE 16u
#define BASE_PAGE (NP - 256u)
#define BRK_PAGE 256u

static void small_params(struct as_params *p)
{
	p->min_addr = MIN_PAGE * PAGE_SIZE;
	p->task_size = NP * PAGE_SIZE;
	p->mmap_base = BASE_PAGE * PAGE_SIZE;
	p->brk_start = BRK_PAGE * PAGE_SIZE;
	p->max_vmas = AS_DEFAULT_MAX_VMAS;
}

/* ---- the VMA tree on its own ---- */

static void test_vma_tree(void)
{
	enum { N = 3000 };
	static struct vma v[N];
	struct vma_tree t;
	uintptr_t out;

	vma_tree_init(&t);
	/* Areas of 1 page every 3 pages, inserted in a scrambled order. */
	for (unsigned int i = 0; i < N; i++) {
		unsigned int k = (i * 1237u) % N;
		v[k] = (struct vma){ .start = (16 + 3 * k) * PAGE_SIZE, .end = (17 + 3 * k) * PAGE_SIZE };
		vma_insert(&t, &v[k]);
	}
	CHECK(vma_tree_check(&t), "tree after inserts");
	CHECK_EQ(t.count, N);
	CHECK(t.root->height <= 18, "height %d for %d nodes", t.root->height, N);
	CHECK_EQ((uintptr_t)vma_find(&t, (16 + 3 * 77) * PAGE_SIZE + 5), (uintptr_t)&v[77]);
	CHECK(vma_find(&t, (17 + 3 * 77) * PAGE_SIZE) == NULL, "gap");
	CHECK_EQ((uintptr_t)vma_find_next(&t, (17 + 3 * 77) * PAGE_SIZE), (uintptr_t)&v[78]);
	CHECK_EQ((uintptr_t)vma_find_prev(&t, (16 + 3 * 78) * PAGE_SIZE), (uintptr_t)&v[77]);
	CHECK(vma_find_prev(&t, 16 * PAGE_SIZE) == NULL, "no prev");
	/* Every gap is 2 pages: a 3-page request goes above the last area. */
	CHECK_EQ(vma_gap_topdown(&t, 16 * PAGE_SIZE, (16 + 3 * N) * PAGE_SIZE, 2 * PAGE_SIZE, &out), 0);
	CHECK_EQ(out, (14 + 3 * N) * PAGE_SIZE);
	CHECK_EQ(vma_gap_topdown(&t, 16 * PAGE_SIZE, (16 + 3 * N) * PAGE_SIZE, 3 * PAGE_SIZE, &out), -ENOMEM);
	/* Open a 5-page hole in the middle: found top-down, and only it. */
	vma_remove(&t, &v[1000]);
	vma_remove(&t, &v[1001]);
	CHECK(vma_tree_check(&t), "tree after removes");
	CHECK_EQ(vma_gap_topdown(&t, 16 * PAGE_SIZE, (16 + 3 * N) * PAGE_SIZE, 5 * PAGE_SIZE, &out), 0);
	CHECK_EQ(out, (16 + 3 * 1002 - 5) * PAGE_SIZE);   /* the hole is [end of 999, start of 1002) */
	CHECK_EQ(vma_gap_topdown(&t, 16 * PAGE_SIZE, (16 + 3 * N) * PAGE_SIZE, 9 * PAGE_SIZE, &out), -ENOMEM);
	/* Bounds changes keep the augmentation right. */
	vma_set_bounds(&t, &v[999], v[999].start, v[999].end + 4 * PAGE_SIZE);
	CHECK(vma_tree_check(&t), "after growing an end");
	vma_set_bounds(&t, &v[5], v[5].start - PAGE_SIZE, v[5].end);
	CHECK(vma_tree_check(&t), "after moving a start");
	for (unsigned int i = 0; i < N; i++)
		if (i != 1000 && i != 1001)
			vma_remove(&t, &v[i]);
	CHECK(t.root == NULL && t.count == 0, "empty");
}

/* ---- directed address-space tests ---- */

static void test_mmap_errors(void)
{
	struct as as;
	struct as_params p;
	uintptr_t a, b;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	CHECK_EQ(as_mmap(&as, 0, 0, PROT_READ, anon, -1, 0, &a), -EINVAL);
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, MAP_ANONYMOUS, -1, 0, &a), -EINVAL);
	/* Anonymous: do_mmap()'s switch knows MAP_SHARED and MAP_PRIVATE only, whatever the flags. */
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x40000000, -1,
			 0, &a), -EINVAL);
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0, &a),
		 -EINVAL);
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, -1, 0, &a), -EBADF);
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, anon, -1, 100, &a), -EINVAL);
	CHECK_EQ(as_mmap(&as, 0, SIZE_MAX - 5, PROT_READ, anon, -1, 0, &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, 0, NP * PAGE_SIZE, PROT_READ, anon, -1, 0, &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, 0x20001, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &a), -EINVAL);
	CHECK_EQ(as_mmap(&as, PAGE_SIZE, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &a), -EPERM);
	CHECK_EQ(as_mmap(&as, (NP - 1) * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &a), -ENOMEM);

	/* Top-down placement below mmap_base; a hint is taken when free. */
	CHECK_EQ(as_mmap(&as, 0, 3 * PAGE_SIZE, PROT_READ, anon, -1, 0, &a), 0);
	CHECK_EQ(a, (BASE_PAGE - 3) * PAGE_SIZE);
	CHECK_EQ(as_mmap(&as, 0x100000, PAGE_SIZE, PROT_READ, anon, -1, 0, &b), 0);
	CHECK_EQ(b, 0x100000);
	/* The hint is taken over: placed elsewhere. NOREPLACE over it: -EEXIST. */
	CHECK_EQ(as_mmap(&as, 0x100000, PAGE_SIZE, PROT_READ, anon, -1, 0, &b), 0);
	CHECK(b != 0x100000, "hint in use");
	CHECK_EQ(as_mmap(&as, 0x100000, PAGE_SIZE, PROT_READ, anon | MAP_FIXED_NOREPLACE, -1, 0, &b), -EEXIST);
	/* Merging: a neighbour with the same prot joins the same VMA. */
	size_t n = as_vma_count(&as);
	CHECK_EQ(as_mmap(&as, 0x101000, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &b), 0);
	CHECK_EQ(as_vma_count(&as), n);
	/* Shared mappings never merge with another mapping. */
	CHECK_EQ(as_mmap(&as, 0x102000, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
			 &b), 0);
	CHECK_EQ(as_vma_count(&as), n + 1);
	/* The VMA limit (vm.max_map_count): Linux refuses once the count exceeds it. */
	as.max_vmas = as_vma_count(&as) - 1;
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, anon, -1, 0, &b), -ENOMEM);
	/*
	 * mremap near the limit, as Linux 6.1: moving needs the count 4 below it
	 * (move_vma), and MREMAP_FIXED refuses before unmapping the target when the
	 * count plus 2 is not (mremap_to); the target is then still mapped.
	 */
	uintptr_t src = 0x200000, dst = 0x400000, got;
	as.max_vmas = AS_DEFAULT_MAX_VMAS;
	CHECK_EQ(as_mmap(&as, src, PAGE_SIZE, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0, &b), 0);
	CHECK_EQ(as_mmap(&as, dst, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0, &b), 0);
	as.max_vmas = as_vma_count(&as) + 3;
	CHECK_EQ(as_mremap(&as, src, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, 0x600000, &got), -ENOMEM);
	as.max_vmas = as_vma_count(&as) + 5;
	CHECK_EQ(as_mremap(&as, src, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, dst, &got), -ENOMEM);
	CHECK_EQ(as_vma_count(&as), as.max_vmas - 5);   /* nothing unmapped */
	as.max_vmas = as_vma_count(&as) + 6;
	CHECK_EQ(as_mremap(&as, src, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, dst, &got), 0);
	CHECK_EQ(got, dst);
	as.max_vmas = AS_DEFAULT_MAX_VMAS;
	as_destroy(&as);
	teardown_kernel();
}

/*
 * mmap's checks in Linux 6.1's order: the offset (the arch's sys_mmap()), the fd
 * (ksys_mmap_pgoff()), the length, an address past the top before an unaligned
 * one (get_unmapped_area()), MAP_FIXED_NOREPLACE over a mapping, the map type
 * last (do_mmap()'s switch); prot bits mmap does not know are ignored
 * (calc_vm_prot_bits()), and MAP_NONBLOCK turns MAP_POPULATE off.
 */
static void test_mmap_check_order(void)
{
	struct as as;
	struct as_params p;
	struct mapper_leaf l;
	uintptr_t a, top = NP * PAGE_SIZE;
	unsigned int anon = MAP_PRIVATE | MAP_ANONYMOUS, bad = 0x0f | MAP_ANONYMOUS;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, -1, 1, &a), -EINVAL);
	CHECK_EQ(as_mmap(&as, 0, 0, PROT_READ, 0, -1, 0, &a), -EBADF);
	CHECK_EQ(as_mmap(&as, 0, SIZE_MAX, PROT_READ, bad, -1, 0, &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, 0, top + PAGE_SIZE, PROT_READ, bad, -1, 0, &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, top, PAGE_SIZE, PROT_READ, bad | MAP_FIXED, -1, 0, &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, top + 1, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, 0x20001, PAGE_SIZE, PROT_READ, bad | MAP_FIXED, -1, 0, &a), -EINVAL);
	CHECK_EQ(as_mmap(&as, 0x100000, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &a), 0);
	CHECK_EQ(as_mmap(&as, 0x100000, PAGE_SIZE, PROT_READ, bad | MAP_FIXED_NOREPLACE, -1, 0, &a),
		 -EEXIST);
	CHECK_EQ(as_mmap(&as, 0x101000, PAGE_SIZE, PROT_READ, bad | MAP_FIXED_NOREPLACE, -1, 0, &a),
		 -EINVAL);
	CHECK_EQ(as_mmap(&as, 0, SIZE_MAX, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0,
			 &a), -ENOMEM);
	CHECK_EQ(as_mmap(&as, 0, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0,
			 &a), -EINVAL);
	/* Unknown prot bits: the mapping gets the known ones. */
	CHECK_EQ(as_mmap(&as, 0x200000, PAGE_SIZE, PROT_READ | PROT_SEM | 0x10 | PROT_GROWSDOWN,
			 anon | MAP_FIXED, -1, 0, &a), 0);
	struct vma *v = vma_find(&as.vmas, 0x200000);
	CHECK(v && v->prot == PROT_READ, "prot %u", v ? v->prot : 99u);
	CHECK_EQ(as_mmap(&as, 0x300000, 2 * PAGE_SIZE, PROT_READ,
			 anon | MAP_FIXED | MAP_POPULATE | MAP_NONBLOCK, -1, 0, &a), 0);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(0x301000), &l), -ENOENT);
	CHECK_EQ(as_mmap(&as, 0x300000, 2 * PAGE_SIZE, PROT_READ, anon | MAP_FIXED | MAP_POPULATE, -1, 0,
			 &a), 0);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(0x301000), &l), 0);
	as_destroy(&as);
	teardown_kernel();
}

static void test_munmap_mprotect(void)
{
	struct as as;
	struct as_params p;
	uintptr_t a;

	setup_kernel();
	small_params(&p);
	as_create(&as, &kpt, &p);
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	CHECK_EQ(as_munmap(&as, 0x1001, PAGE_SIZE), -EINVAL);
	CHECK_EQ(as_munmap(&as, 0x10000, 0), -EINVAL);
	CHECK_EQ(as_munmap(&as, 0x10000, SIZE_MAX), -EINVAL);
	CHECK_EQ(as_munmap(&as, 0x10000, PAGE_SIZE), 0);           /* nothing there: fine */
	CHECK_EQ(as_mmap(&as, 0x200000, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0, &a), 0);
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ(fault_at(&as, 0x200000 + i * PAGE_SIZE, FAULT_WRITE), 0);
	size_t used = fake_frames_used();
	/* A hole in the middle splits the VMA and frees the page's frame. */
	CHECK_EQ(as_munmap(&as, 0x203000, PAGE_SIZE), 0);
	CHECK_EQ(as_vma_count(&as), 2);
	CHECK_EQ(fake_frames_used(), used - 1);
	CHECK_EQ(fault_at(&as, 0x203000, FAULT_READ), -EFAULT);
	/* mprotect: unaligned -> EINVAL, zero length -> 0, a hole -> ENOMEM after the part before. */
	CHECK_EQ(as_mprotect(&as, 0x200001, PAGE_SIZE, PROT_READ), -EINVAL);
	CHECK_EQ(as_mprotect(&as, 0x200000, 0, PROT_READ), 0);
	CHECK_EQ(as_mprotect(&as, 0x200000, PAGE_SIZE, 0x40), -EINVAL);
	CHECK_EQ(as_mprotect(&as, 0x200000, PAGE_SIZE, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	/* PROT_GROWSDOWN looks at the first VMA ending above start, even from a hole;
	 * PROT_GROWSUP needs start mapped first. */
	CHECK_EQ(as_mprotect(&as, 0x1ff000, 2 * PAGE_SIZE, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	CHECK_EQ(as_mprotect(&as, 0x1ff000, PAGE_SIZE, PROT_READ | PROT_GROWSDOWN), -ENOMEM);
	CHECK_EQ(as_mprotect(&as, 0x1ff000, 2 * PAGE_SIZE, PROT_READ | PROT_GROWSUP), -ENOMEM);
	CHECK_EQ(as_mprotect(&as, 0x200000, PAGE_SIZE, PROT_READ | PROT_GROWSUP), -EINVAL);
	CHECK_EQ(as_mprotect(&as, 0x1ff000, 2 * PAGE_SIZE, PROT_READ), -ENOMEM);
	CHECK_EQ(as_mprotect(&as, 0x200000, 8 * PAGE_SIZE, PROT_READ), -ENOMEM);
	CHECK_EQ(fault_at(&as, 0x200000, FAULT_WRITE), -EACCES);     /* applied before the hole */
	CHECK_EQ(fault_at(&as, 0x204000, FAULT_WRITE), 0);           /* not after it */
	/* PROT_NONE keeps the frame; back to RW, its contents are intact. */
	uint32_t *word;
	struct mapper_leaf l;
	CHECK_EQ(mapper_translate(&as.pt, vaddr(0x205000), &l), 0);
	word = phys_to_virt(l.pa);
	*word = 0xfeedf00d;
	CHECK_EQ(as_mprotect(&as, 0x205000, PAGE_SIZE, PROT_NONE), 0);
	CHECK_EQ(fault_at(&as, 0x205000, FAULT_READ), -EACCES);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(0x205000), &l), 0);
	CHECK_EQ(l.prot & MMU_RWX, 0);
	CHECK_EQ(as_mprotect(&as, 0x205000, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	CHECK_EQ(*word, 0xfeedf00d);
	/* Execute needs PROT_EXEC; write-only implies read (as on x86 Linux). */
	CHECK_EQ(fault_at(&as, 0x206000, FAULT_EXEC), -EACCES);
	CHECK_EQ(as_mprotect(&as, 0x206000, PAGE_SIZE, PROT_WRITE), 0);
	CHECK_EQ(fault_at(&as, 0x206000, FAULT_READ), 0);
	as_destroy(&as);
	teardown_kernel();
}

static void test_mremap_brk(void)
{
	struct as as;
	struct as_params p;
	uintptr_t a, b;

	setup_kernel();
	small_params(&p);
	as_create(&as, &kpt, &p);
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	CHECK_EQ(as_mmap(&as, 0x300000, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0, &a), 0);
	CHECK_EQ(fault_at(&as, 0x300000, FAULT_WRITE), 0);
	struct mapper_leaf l;
	mapper_translate(&as.pt, vaddr(0x300000), &l);
	*(uint32_t *)phys_to_virt(l.pa) = 0xabcd;

	CHECK_EQ(as_mremap(&as, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, 0x10, 0, &b), -EINVAL);
	CHECK_EQ(as_mremap(&as, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_FIXED, 0x500000, &b), -EINVAL);
	CHECK_EQ(as_mremap(&as, a, 4 * PAGE_SIZE, 0, MREMAP_MAYMOVE, 0, &b), -EINVAL);
	CHECK_EQ(as_mremap(&as, a + 1, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0, &b), -EINVAL);
	CHECK_EQ(as_mremap(&as, 0x800000, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0, &b), -EFAULT);
	CHECK_EQ(as_mremap(&as, a, 5 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE, 0, &b), -EFAULT);
	CHECK_EQ(as_mremap(&as, a, 0, 8 * PAGE_SIZE, MREMAP_MAYMOVE, 0, &b), -EINVAL);
	/* Grow in place, then blocked without MAYMOVE, then moved (contents follow). */
	CHECK_EQ(as_mremap(&as, a, 4 * PAGE_SIZE, 6 * PAGE_SIZE, 0, 0, &b), 0);
	CHECK_EQ(b, a);
	CHECK_EQ(as_mmap(&as, 0x306000, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &b), 0);
	CHECK_EQ(as_mremap(&as, a, 6 * PAGE_SIZE, 8 * PAGE_SIZE, 0, 0, &b), -ENOMEM);
	CHECK_EQ(as_mremap(&as, a, 6 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE, 0, &b), 0);
	CHECK(b != a, "moved");
	CHECK_EQ(fault_at(&as, a, FAULT_READ), -EFAULT);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(b), &l), 0);
	CHECK_EQ(*(uint32_t *)phys_to_virt(l.pa), 0xabcd);
	/* Shrink: always at the same address. FIXED onto an existing mapping replaces it. */
	CHECK_EQ(as_mremap(&as, b, 8 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0, &a), 0);
	CHECK_EQ(a, b);
	CHECK_EQ(as_mremap(&as, b, 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, 0x306000, &a), 0);
	CHECK_EQ(a, 0x306000);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(0x306000), &l), 0);
	CHECK_EQ(*(uint32_t *)phys_to_virt(l.pa), 0xabcd);
	CHECK_EQ(as_mremap(&as, 0x306000, 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, 0x307000, &a),
		 -EINVAL);                                       /* overlapping */
	/*
	 * An unmapped old address is -EFAULT before anything else (Linux 6.1's
	 * vma_lookup()): a shrink or a same-size call there, and a MREMAP_FIXED one
	 * with a bad target, which is not unmapped either.
	 */
	CHECK_EQ(as_mremap(&as, 0x310000, 2 * PAGE_SIZE, PAGE_SIZE, 0, 0, &a), -EFAULT);
	CHECK_EQ(as_mremap(&as, 0x310000, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE, 0, &a), -EFAULT);
	CHECK_EQ(as_mremap(&as, 0x310000, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, 0x306001, &a),
		 -EFAULT);
	CHECK_EQ(as_mremap(&as, 0x310000, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, 0x306000, &a),
		 -EFAULT);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(0x306000), &l), 0);   /* the target is still there */
	CHECK_EQ(as_mremap(&as, 0x306000, 2 * PAGE_SIZE, PAGE_SIZE, 0, 0, &a), 0);
	CHECK_EQ(a, 0x306000);                                 /* a mapped one shrinks */

	/* brk: grows from brk_start, refuses below it and into a mapping, shrinks. */
	uintptr_t br = as_brk(&as, 0);
	CHECK_EQ(br, BRK_PAGE * PAGE_SIZE);
	CHECK_EQ(as_brk(&as, br + 10000), br + 10000);
	CHECK_EQ(fault_at(&as, br + 9999, FAULT_WRITE), 0);
	CHECK_EQ(fault_at(&as, br + 3 * PAGE_SIZE, FAULT_READ), -EFAULT);
	CHECK_EQ(as_brk(&as, br - PAGE_SIZE), br + 10000);
	CHECK_EQ(as_mmap(&as, br + 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ, anon | MAP_FIXED, -1, 0, &b), 0);
	CHECK_EQ(as_brk(&as, br + 8 * PAGE_SIZE), br + 10000);          /* would touch the mapping */
	CHECK_EQ(as_brk(&as, br + 7 * PAGE_SIZE), br + 7 * PAGE_SIZE);
	CHECK_EQ(as_brk(&as, br + PAGE_SIZE), br + PAGE_SIZE);
	CHECK_EQ(fault_at(&as, br + 2 * PAGE_SIZE, FAULT_READ), -EFAULT);
	as_destroy(&as);
	teardown_kernel();
}

/* Faults: the flushes they issue, frame exhaustion, kernel-half and out-of-range addresses. */
static void test_faults(void)
{
	struct as as;
	uintptr_t a;

	setup_kernel();
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	as_activate(&as);
	CHECK(cpuset_has(&as.cpus, 0), "live on CPU 0");
	CHECK_EQ(as_mmap(&as, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			 &a), 0);
	fake_tlb_reset();
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
	/* x86_64: no flush for a new translation; riscv64: one local fence, never remote. */
	CHECK_EQ(fake_tlb_nr, MMU_MAP_NEEDS_FENCE ? 1 : 0);
	/* The frame database says whose frames these are: the user's, and the tables'. */
	struct mapper_leaf fl;
	CHECK_EQ(mapper_translate(&as.pt, vaddr(a), &fl), 0);
	CHECK_EQ(frame_get_owner(fl.pa), FRAME_OWNER_USER);
	CHECK_EQ(frame_get_owner(as.pt.root), FRAME_OWNER_PAGE_TABLE);
	/* A spurious fault (stale TLB) flushes the page locally. */
	fake_tlb_reset();
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
	CHECK_EQ(fake_tlb_nr, 1);
	CHECK_EQ(fake_tlb_events[0].kind, TLB_EV_PAGE);
	/* Out of frames: -ENOMEM, nothing mapped. */
	fake_fail_all_allocs(true);
	CHECK_EQ(fault_at(&as, a + PAGE_SIZE, FAULT_READ), -ENOMEM);
	fake_fail_all_allocs(false);
	struct mapper_leaf l;
	CHECK_EQ(mapper_translate(&as.pt, vaddr(a + PAGE_SIZE), &l), -ENOENT);
	CHECK_EQ(fault_at(&as, as.task_size, FAULT_READ), -EFAULT);
	CHECK_EQ(fault_at(&as, UINTPTR_MAX - 5, FAULT_READ), -EFAULT);
	/* munmap while live: one flush of the page, frame freed after it. */
	size_t used = fake_frames_used();
	fake_tlb_reset();
	CHECK_EQ(as_munmap(&as, a, PAGE_SIZE), 0);
	CHECK(fake_tlb_nr >= 1, "flushed");
	CHECK_EQ(fake_tlb_events[0].frames_used, used);
	as_deactivate(&as);
	as_destroy(&as);
	teardown_kernel();
}

/* ---- directed tests at the edges of documented limits ---- */

/* Map [@addr, @addr + @n pages) fixed, anonymous, with @prot and @type. */
static int map_at(struct as *as, uintptr_t addr, unsigned int n, unsigned int prot, unsigned int type)
{
	uintptr_t out;

	return as_mmap(as, addr, n * PAGE_SIZE, prot, type | MAP_ANONYMOUS | MAP_FIXED, -1, 0, &out);
}

static bool vma_is(struct as *as, uintptr_t addr, uintptr_t start, uintptr_t end, unsigned int prot)
{
	struct vma *v = vma_find(&as->vmas, addr);

	return CHECK(v && v->start == start && v->end == end && v->prot == prot,
		     "VMA at %#lx: [%#lx, %#lx) prot %u, want [%#lx, %#lx) prot %u",
		     (unsigned long)addr, v ? (unsigned long)v->start : 0ul,
		     v ? (unsigned long)v->end : 0ul, v ? v->prot : 0u, (unsigned long)start,
		     (unsigned long)end, prot);
}

/*
 * mremap growth in place: a VMA starting exactly at the new end leaves room (the
 * range grown into is free); one page lower it blocks, and without MREMAP_MAYMOVE
 * that is -ENOMEM with nothing changed.
 */
static void test_mremap_grow_to_next(void)
{
	struct as as;
	struct as_params p;
	uintptr_t out;
	const unsigned int rw = PROT_READ | PROT_WRITE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x300000;
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	CHECK_EQ(map_at(&as, a + 4 * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);   /* other prot: no merge */
	CHECK_EQ(as_mremap(&as, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0, &out), 0);
	CHECK_EQ(out, a);
	vma_is(&as, a, a, a + 4 * PAGE_SIZE, rw);
	vma_is(&as, a + 4 * PAGE_SIZE, a + 4 * PAGE_SIZE, a + 5 * PAGE_SIZE, PROT_READ);
	CHECK_EQ(as_vma_count(&as), 2);
	/* Now the next VMA starts one page below the wanted end. */
	CHECK_EQ(as_mremap(&as, a, 4 * PAGE_SIZE, 5 * PAGE_SIZE, 0, 0, &out), -ENOMEM);
	vma_is(&as, a, a, a + 4 * PAGE_SIZE, rw);
	CHECK_EQ(as_vma_count(&as), 2);
	as_destroy(&as);
	teardown_kernel();
}

/*
 * The VMA limit, max_vmas, on both sides of each call that can add a VMA, as
 * Linux 6.1 counts it: mmap and brk refuse only once the count exceeds the limit
 * (so a count equal to it still maps); a munmap that splits needs the count below
 * the limit; an mprotect of the middle of a VMA needs room for both new pieces.
 */
static void test_vma_limit_edges(void)
{
	struct as as;
	struct as_params p;
	uintptr_t out;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	/* Four separate VMAs (a page apart, so none merges). */
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(map_at(&as, 0x400000 + 2 * i * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(map_at(&as, 0x500000, 3, PROT_READ, MAP_PRIVATE), 0);
	size_t n = as_vma_count(&as);
	CHECK_EQ(n, 5);

	/* mmap: count == limit maps (one past it), count > limit does not. */
	as.max_vmas = n;
	CHECK_EQ(map_at(&as, 0x600000, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(as_vma_count(&as), n + 1);
	CHECK_EQ(as_mmap(&as, 0x700000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &out), -ENOMEM);
	CHECK_EQ(as_munmap(&as, 0x600000, PAGE_SIZE), 0);

	/* munmap of a VMA's middle page: a split, allowed below the limit only. */
	as.max_vmas = n;
	CHECK_EQ(as_munmap(&as, 0x501000, PAGE_SIZE), -ENOMEM);
	vma_is(&as, 0x501000, 0x500000, 0x503000, PROT_READ);
	as.max_vmas = n + 1;
	CHECK_EQ(as_munmap(&as, 0x501000, PAGE_SIZE), 0);
	CHECK_EQ(as_vma_count(&as), n + 1);
	CHECK_EQ(map_at(&as, 0x501000, 1, PROT_READ, MAP_PRIVATE), 0);   /* merges back */
	CHECK_EQ(as_vma_count(&as), n);

	/* mprotect of the middle page: two more VMAs, so count + 2 must not pass the limit. */
	as.max_vmas = n + 1;
	CHECK_EQ(as_mprotect(&as, 0x501000, PAGE_SIZE, PROT_READ | PROT_WRITE), -ENOMEM);
	vma_is(&as, 0x501000, 0x500000, 0x503000, PROT_READ);
	as.max_vmas = n + 2;
	CHECK_EQ(as_mprotect(&as, 0x501000, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	CHECK_EQ(as_vma_count(&as), n + 2);
	vma_is(&as, 0x501000, 0x501000, 0x502000, PROT_READ | PROT_WRITE);
	CHECK_EQ(as_mprotect(&as, 0x501000, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ(as_vma_count(&as), n);

	/* brk adds the heap's VMA: at count == limit it still grows, past it not. */
	uintptr_t br = as_brk(&as, 0);
	CHECK_EQ(map_at(&as, 0x600000, 1, PROT_READ, MAP_PRIVATE), 0);
	as.max_vmas = n;                                                     /* count n + 1 > limit */
	CHECK_EQ(as_brk(&as, br + PAGE_SIZE), br);
	CHECK_EQ(as_munmap(&as, 0x600000, PAGE_SIZE), 0);                          /* count == limit */
	CHECK_EQ(as_brk(&as, br + PAGE_SIZE), br + PAGE_SIZE);
	CHECK_EQ(as_vma_count(&as), n + 1);
	as.max_vmas = AS_DEFAULT_MAX_VMAS;
	as_destroy(&as);
	teardown_kernel();
}

/* munmap and mprotect round an unaligned length up to whole pages, and no further. */
static void test_unaligned_lengths(void)
{
	struct as as;
	struct as_params p;
	const unsigned int rw = PROT_READ | PROT_WRITE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x200000;
	CHECK_EQ(map_at(&as, a, 8, rw, MAP_PRIVATE), 0);
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ(fault_at(&as, a + i * PAGE_SIZE, FAULT_WRITE), 0);

	/* One byte: the whole first page goes, the second stays. */
	CHECK_EQ(as_munmap(&as, a, 1), 0);
	CHECK_EQ(fault_at(&as, a, FAULT_READ), -EFAULT);
	vma_is(&as, a + PAGE_SIZE, a + PAGE_SIZE, a + 8 * PAGE_SIZE, rw);
	/* A page and a byte: two pages. */
	CHECK_EQ(as_munmap(&as, a + PAGE_SIZE, PAGE_SIZE + 1), 0);
	CHECK_EQ(fault_at(&as, a + 2 * PAGE_SIZE, FAULT_READ), -EFAULT);
	vma_is(&as, a + 3 * PAGE_SIZE, a + 3 * PAGE_SIZE, a + 8 * PAGE_SIZE, rw);
	struct mapper_leaf l;
	CHECK_EQ(mapper_translate(&as.pt, vaddr(a + 2 * PAGE_SIZE), &l), -ENOENT);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(a + 3 * PAGE_SIZE), &l), 0);

	/* mprotect of a page and a byte: two pages read-only, the third still writable. */
	CHECK_EQ(as_mprotect(&as, a + 3 * PAGE_SIZE, PAGE_SIZE + 1, PROT_READ), 0);
	vma_is(&as, a + 4 * PAGE_SIZE, a + 3 * PAGE_SIZE, a + 5 * PAGE_SIZE, PROT_READ);
	vma_is(&as, a + 5 * PAGE_SIZE, a + 5 * PAGE_SIZE, a + 8 * PAGE_SIZE, rw);
	CHECK_EQ(fault_at(&as, a + 4 * PAGE_SIZE, FAULT_WRITE), -EACCES);
	CHECK_EQ(fault_at(&as, a + 5 * PAGE_SIZE, FAULT_WRITE), 0);
	CHECK_EQ(mapper_translate(&as.pt, vaddr(a + 4 * PAGE_SIZE), &l), 0);
	CHECK_EQ(l.prot & MMU_WRITE, 0);
	/* One byte less than a page: one page. */
	CHECK_EQ(as_mprotect(&as, a + 5 * PAGE_SIZE, PAGE_SIZE - 1, PROT_READ), 0);
	vma_is(&as, a + 5 * PAGE_SIZE, a + 3 * PAGE_SIZE, a + 6 * PAGE_SIZE, PROT_READ);
	vma_is(&as, a + 6 * PAGE_SIZE, a + 6 * PAGE_SIZE, a + 8 * PAGE_SIZE, rw);
	CHECK(vma_tree_check(&as.vmas), "tree");
	as_destroy(&as);
	teardown_kernel();
}

/*
 * MAP_FIXED_NOREPLACE refuses a range with any mapping in it, also one strictly
 * inside (neither end of the range is mapped); mappings that only touch the
 * range's ends do not count.
 */
static void test_noreplace_inside(void)
{
	struct as as;
	struct as_params p;
	uintptr_t out;
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t z = 0x400000;
	CHECK_EQ(map_at(&as, z + 2 * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(as_mmap(&as, z, 5 * PAGE_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0, &out), -EEXIST);
	CHECK_EQ(as_vma_count(&as), 1);
	vma_is(&as, z + 2 * PAGE_SIZE, z + 2 * PAGE_SIZE, z + 3 * PAGE_SIZE, PROT_READ);
	CHECK(vma_find(&as.vmas, z) == NULL, "nothing mapped at the start");

	/* Neighbours ending at the start and starting at the end: room. */
	uintptr_t y = 0x500000;
	CHECK_EQ(map_at(&as, y - PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(map_at(&as, y + 5 * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(as_mmap(&as, y, 5 * PAGE_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0, &out), 0);
	CHECK_EQ(out, y);
	vma_is(&as, y, y, y + 5 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	as_destroy(&as);
	teardown_kernel();
}

/*
 * The page offset of each piece of a shared VMA follows its start: after a split
 * by mprotect and after a munmap of the front. Consecutive pieces of the object
 * then merge back when their protection is the same again.
 */
static void test_shared_pgoff_split(void)
{
	struct as as;
	struct as_params p;
	uintptr_t s = 0x600000;
	const unsigned int rw = PROT_READ | PROT_WRITE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	CHECK_EQ(map_at(&as, s, 6, rw, MAP_SHARED), 0);
	struct vma *v = vma_find(&as.vmas, s);
	if (!CHECK(v != NULL, "mapped"))
		return;
	uint64_t obj = v->obj, base = v->pgoff;

	CHECK_EQ(as_mprotect(&as, s + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ(as_vma_count(&as), 3);
	for (unsigned int i = 0; i < 6; i++) {
		v = vma_find(&as.vmas, s + i * PAGE_SIZE);
		if (CHECK(v != NULL, "page %u", i)) {
			CHECK_EQ(v->obj, obj);
			CHECK_EQ(v->pgoff + (s + i * PAGE_SIZE - v->start) / PAGE_SIZE, base + i);
		}
	}
	CHECK_EQ(as_mprotect(&as, s + 2 * PAGE_SIZE, PAGE_SIZE, rw), 0);
	CHECK_EQ(as_vma_count(&as), 1);                  /* consecutive pieces merged back */
	vma_is(&as, s, s, s + 6 * PAGE_SIZE, rw);

	/* The front goes: what is left starts one page later in the object. */
	CHECK_EQ(as_munmap(&as, s, PAGE_SIZE), 0);
	v = vma_find(&as.vmas, s + PAGE_SIZE);
	if (CHECK(v != NULL && v->start == s + PAGE_SIZE, "the rest"))
		CHECK_EQ(v->pgoff, base + 1);
	/* And a split of the rest still lines up with it. */
	CHECK_EQ(as_mprotect(&as, s + 3 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), 0);
	v = vma_find(&as.vmas, s + 4 * PAGE_SIZE);
	if (CHECK(v != NULL && v->start == s + 3 * PAGE_SIZE, "the middle piece"))
		CHECK_EQ(v->pgoff, base + 3);
	v = vma_find(&as.vmas, s + 5 * PAGE_SIZE);
	if (CHECK(v != NULL && v->start == s + 5 * PAGE_SIZE, "the last piece"))
		CHECK_EQ(v->pgoff, base + 5);
	CHECK_EQ(as_mprotect(&as, s + 3 * PAGE_SIZE, 2 * PAGE_SIZE, rw), 0);
	CHECK_EQ(as_vma_count(&as), 1);
	as_destroy(&as);
	teardown_kernel();
}

/* ---- mincore and madvise ---- */

/* The first word of the frame mapped at @addr, or -1u if nothing is mapped there. */
static uint32_t word_at(struct as *as, uintptr_t addr)
{
	struct mapper_leaf l;

	if (mapper_translate(&as->pt, vaddr(addr & ~(PAGE_SIZE - 1)), &l) != 0)
		return UINT32_MAX;
	return *(uint32_t *)phys_to_virt(l.pa);
}

static void set_word(struct as *as, uintptr_t addr, uint32_t val)
{
	struct mapper_leaf l;

	if (CHECK_EQ(mapper_translate(&as->pt, vaddr(addr & ~(PAGE_SIZE - 1)), &l), 0))
		*(uint32_t *)phys_to_virt(l.pa) = val;
}

/*
 * mincore(2) as the system call drives as_mincore_check() and as_mincore(), with
 * chunks of at most @chunk pages: the bytes reach @vec in order, up to the first
 * page outside every VMA. Returns the call's result; *@done: bytes written.
 */
static int mincore_call(struct as *as, uintptr_t addr, size_t len, size_t chunk, unsigned char *vec,
			size_t *done)
{
	size_t pages, n;

	*done = 0;
	int err = as_mincore_check(as, addr, len, &pages);
	if (err)
		return err;
	while (pages) {
		err = as_mincore(as, addr, MIN(pages, chunk), vec + *done, &n);
		if (err)
			return err;
		if (!CHECK(n >= 1 && n <= MIN(pages, chunk), "as_mincore filled %zu of %zu", n, pages))
			return -EIO;
		*done += n;
		addr += n * PAGE_SIZE;
		pages -= n;
	}
	return 0;
}

/* One as_mincore() call of @pages from @addr into a vector pre-filled with 0xee. */
static int mincore_once(struct as *as, uintptr_t addr, size_t pages, unsigned char *vec, size_t *n)
{
	memset(vec, 0xee, 16);
	return as_mincore(as, addr, pages, vec, n);
}

static void test_mincore(void)
{
	struct as as;
	struct as_params p;
	unsigned char v[16];
	size_t n, pages;
	const unsigned int rw = PROT_READ | PROT_WRITE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x200000, top = NP * PAGE_SIZE;

	/* The range checks of sys_mincore(): alignment, then the user range. */
	CHECK_EQ(as_mincore_check(&as, a + 1, PAGE_SIZE, &pages), -EINVAL);
	CHECK_EQ(as_mincore_check(&as, a + 1, 0, &pages), -EINVAL);
	CHECK_EQ(as_mincore_check(&as, a, 0, &pages), 0);
	CHECK_EQ(pages, 0);
	CHECK_EQ(as_mincore_check(&as, top, 0, &pages), 0);            /* nothing, at the top */
	CHECK_EQ(as_mincore_check(&as, top + PAGE_SIZE, 0, &pages), -ENOMEM);
	CHECK_EQ(as_mincore_check(&as, top - PAGE_SIZE, PAGE_SIZE, &pages), 0);
	CHECK_EQ(as_mincore_check(&as, top - PAGE_SIZE, PAGE_SIZE + 1, &pages), -ENOMEM);
	CHECK_EQ(as_mincore_check(&as, a, SIZE_MAX, &pages), -ENOMEM);  /* wraps */
	CHECK_EQ(as_mincore_check(&as, UINTPTR_MAX & ~(PAGE_SIZE - 1), 1, &pages), -ENOMEM);
	CHECK_EQ(as_mincore_check(&as, a, 1, &pages), 0);
	CHECK_EQ(pages, 1);
	CHECK_EQ(as_mincore_check(&as, a, PAGE_SIZE + 1, &pages), 0);    /* rounded up */
	CHECK_EQ(pages, 2);
	CHECK_EQ(as_mincore_check(&as, a, 3 * PAGE_SIZE, &pages), 0);
	CHECK_EQ(pages, 3);

	/* Nothing mapped: -ENOMEM, nothing written. */
	CHECK_EQ(mincore_once(&as, a, 4, v, &n), -ENOMEM);
	CHECK_EQ(n, 0);
	CHECK_EQ(v[0], 0xee);
	CHECK_EQ(mincore_once(&as, a + 1, 4, v, &n), -EINVAL);
	CHECK_EQ(mincore_once(&as, top, 1, v, &n), -ENOMEM);
	CHECK_EQ(mincore_once(&as, a, 0, v, &n), 0);
	CHECK_EQ(n, 0);

	/* Four pages, then two read-only ones right after (another VMA), then a hole. */
	CHECK_EQ(map_at(&as, a, 4, rw, MAP_PRIVATE), 0);
	CHECK_EQ(map_at(&as, a + 4 * PAGE_SIZE, 2, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(as_vma_count(&as), 2);
	CHECK_EQ(mincore_once(&as, a, 8, v, &n), 0);
	CHECK_EQ(n, 6);                                     /* through both VMAs, up to the hole */
	for (unsigned int i = 0; i < 6; i++)
		CHECK_EQ(v[i], 0);                          /* untouched: not resident */
	CHECK_EQ(v[6], 0xee);
	/* Residency follows faults, whatever the access. */
	CHECK_EQ(fault_at(&as, a + PAGE_SIZE, FAULT_WRITE), 0);
	CHECK_EQ(fault_at(&as, a + 3 * PAGE_SIZE + 5, FAULT_READ), 0);
	CHECK_EQ(fault_at(&as, a + 5 * PAGE_SIZE, FAULT_READ), 0);
	CHECK_EQ(mincore_once(&as, a, 6, v, &n), 0);
	CHECK_EQ(n, 6);
	static const unsigned char want[6] = { 0, 1, 0, 1, 0, 1 };
	CHECK(memcmp(v, want, 6) == 0, "residency %u%u%u%u%u%u", v[0], v[1], v[2], v[3], v[4], v[5]);
	/* A chunk of fewer pages, from the middle. */
	CHECK_EQ(mincore_once(&as, a + PAGE_SIZE, 2, v, &n), 0);
	CHECK_EQ(n, 2);
	CHECK(v[0] == 1 && v[1] == 0 && v[2] == 0xee, "chunk");
	/* PROT_NONE keeps the frame: still resident. */
	CHECK_EQ(as_mprotect(&as, a + 3 * PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
	CHECK_EQ(mincore_once(&as, a + 3 * PAGE_SIZE, 1, v, &n), 0);
	CHECK(n == 1 && v[0] == 1, "PROT_NONE page with a frame is resident");
	/* A hole at page 1: the chunk stops before it, a chunk at it fails. */
	CHECK_EQ(as_munmap(&as, a + PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ(mincore_once(&as, a, 6, v, &n), 0);
	CHECK(n == 1 && v[0] == 0 && v[1] == 0xee, "stops at the hole: %zu", n);
	CHECK_EQ(mincore_once(&as, a + PAGE_SIZE, 5, v, &n), -ENOMEM);
	CHECK_EQ(n, 0);
	/* The whole call, as the system call drives it: the prefix, then -ENOMEM. */
	CHECK_EQ(mincore_call(&as, a, 6 * PAGE_SIZE, 4096, v, &n), -ENOMEM);
	CHECK_EQ(n, 1);
	CHECK_EQ(mincore_call(&as, a + 2 * PAGE_SIZE, 4 * PAGE_SIZE - 1, 1, v, &n), 0);
	CHECK_EQ(n, 4);
	CHECK(v[0] == 0 && v[1] == 1 && v[2] == 0 && v[3] == 1, "chunks of one page");
	/* After munmap of everything: -ENOMEM again. */
	CHECK_EQ(as_munmap(&as, a, 6 * PAGE_SIZE), 0);
	CHECK_EQ(mincore_once(&as, a + 3 * PAGE_SIZE, 1, v, &n), -ENOMEM);
	as_destroy(&as);
	teardown_kernel();
}

/* Linux 6.1 defines 0-4, 8-25, 100 and 101 (asm-generic/mman-common.h). */
static bool advice_is_defined(int advice)
{
	return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25) || advice == 100 ||
	       advice == 101;
}

/* What madvise() of every advice returns on a mapped, writable VMA (docs/vm.md). */
static int advice_result(int advice, bool shared)
{
	if (!advice_is_defined(advice))
		return -EINVAL;
	switch (advice) {
	case MADV_HWPOISON:
	case MADV_SOFT_OFFLINE:
		return -EPERM;
	case MADV_REMOVE:
		return shared ? 0 : -EINVAL;
	case MADV_FREE:
	case MADV_WIPEONFORK:
		return shared ? -EINVAL : 0;
	case MADV_COLLAPSE:
		return -EINVAL;
	default:
		return 0;
	}
}

/* Does @advice drop the data of a VMA it succeeds on? */
static bool advice_drops(int advice, bool shared)
{
	if (shared)
		return advice == MADV_REMOVE;
	return advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_DONTNEED_LOCKED;
}

/*
 * Every advice value from -1 to 31, and some far ones, on private and shared
 * memory, mapped, across a hole, after a hole, and not mapped at all; what each
 * does to the data and the frames.
 */
static void test_madvise_values(void)
{
	struct as as;
	struct as_params p;
	const unsigned int rw = PROT_READ | PROT_WRITE;
	static const int far[] = { 26, 27, 28, 29, 30, 31, 99, 100, 101, 102, 999, -1, -100,
				   INT32_MIN, INT32_MAX };

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x200000, h = 0x300000;
	int advices[32 + sizeof(far) / sizeof(far[0])];
	unsigned int nadv = 0;
	for (int k = 0; k < 32; k++)
		advices[nadv++] = k;
	for (unsigned int k = 0; k < sizeof(far) / sizeof(far[0]); k++)
		advices[nadv++] = far[k];
	for (unsigned int k = 0; k < nadv; k++) {
		int adv = advices[k];
		for (int sh = 0; sh < 2; sh++) {
			unsigned int type = sh ? MAP_SHARED : MAP_PRIVATE;
			int want = advice_result(adv, sh);
			/* Two faulted, tagged pages. */
			CHECK_EQ(map_at(&as, a, 2, rw, type), 0);
			size_t base = fake_frames_used();
			CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
			CHECK_EQ(fault_at(&as, a + PAGE_SIZE, FAULT_WRITE), 0);
			set_word(&as, a, 0x1000u + k);
			set_word(&as, a + PAGE_SIZE, 0x2000u + k);
			size_t used = fake_frames_used();

			int got = as_madvise(&as, a, 2 * PAGE_SIZE, adv);
			CHECK(got == want, "advice %d on %s memory: %d, want %d", adv,
			      sh ? "shared" : "private", got, want);
			if (got == 0 && advice_drops(adv, sh)) {
				CHECK(word_at(&as, a) == UINT32_MAX && word_at(&as, a + PAGE_SIZE) == UINT32_MAX,
				      "advice %d dropped the pages", adv);
				CHECK(fake_frames_used() <= base, "advice %d: frames back (%zu, %zu before)",
				      adv, fake_frames_used(), base);
				/* The next touch maps a zeroed frame. */
				CHECK_EQ(fault_at(&as, a, FAULT_READ), 0);
				CHECK_EQ(word_at(&as, a), 0);
			} else {
				CHECK(word_at(&as, a) == 0x1000u + k &&
				      word_at(&as, a + PAGE_SIZE) == 0x2000u + k,
				      "advice %d kept the data (%s)", adv, sh ? "shared" : "private");
				CHECK(fake_frames_used() == used, "advice %d: frames kept", adv);
			}
			CHECK_EQ(as_vma_count(&as), 1);         /* no hint splits or records anything */

			/* [page][hole][page]: a VMA's refusal comes first, else -ENOMEM. */
			CHECK_EQ(as_munmap(&as, a + PAGE_SIZE, PAGE_SIZE), 0);
			CHECK_EQ(map_at(&as, a + 2 * PAGE_SIZE, 1, rw, type), 0);
			int across = want == 0 ? -ENOMEM : want;
			got = as_madvise(&as, a, 3 * PAGE_SIZE, adv);
			CHECK(got == across, "advice %d across a hole: %d, want %d", adv, got, across);
			/* [hole][page]: the same. */
			got = as_madvise(&as, a + PAGE_SIZE, 2 * PAGE_SIZE, adv);
			CHECK(got == across, "advice %d after a hole: %d, want %d", adv, got, across);
			/* [page][hole to the end]. */
			got = as_madvise(&as, a + 2 * PAGE_SIZE, 2 * PAGE_SIZE, adv);
			CHECK(got == across, "advice %d before a hole: %d, want %d", adv, got, across);
			/* Nothing mapped: -ENOMEM for every defined advice but the privileged ones. */
			int none = !advice_is_defined(adv) ? -EINVAL : want == -EPERM ? -EPERM : -ENOMEM;
			got = as_madvise(&as, h, PAGE_SIZE, adv);
			CHECK(got == none, "advice %d unmapped: %d, want %d", adv, got, none);
			/* Length 0: the advice must still be defined; the range does not matter. */
			got = as_madvise(&as, h, 0, adv);
			CHECK(got == (none == -EINVAL ? -EINVAL : 0), "advice %d, length 0: %d", adv, got);
			got = as_madvise(&as, a + 1, PAGE_SIZE, adv);
			CHECK(got == -EINVAL, "advice %d, unaligned: %d", adv, got);
			CHECK_EQ(as_munmap(&as, a, 3 * PAGE_SIZE), 0);
		}
	}
	CHECK_EQ(fake_frames_used(), kframes + 1);      /* the root, nothing else */
	as_destroy(&as);
	teardown_kernel();
}

/* The argument checks of do_madvise(), in its order. */
static void test_madvise_args(void)
{
	struct as as;
	struct as_params p;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x200000;
	CHECK_EQ(map_at(&as, a, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE), 0);
	CHECK_EQ(as_madvise(&as, a + 1, PAGE_SIZE, 999), -EINVAL);
	CHECK_EQ(as_madvise(&as, a + 1, 0, MADV_NORMAL), -EINVAL);         /* alignment before length */
	CHECK_EQ(as_madvise(&as, a, 0, MADV_HWPOISON), 0);                 /* length before privilege */
	CHECK_EQ(as_madvise(&as, a, PAGE_SIZE, MADV_HWPOISON), -EPERM);
	CHECK_EQ(as_madvise(&as, a, PAGE_SIZE, MADV_SOFT_OFFLINE), -EPERM);
	CHECK_EQ(as_madvise(&as, a, SIZE_MAX, MADV_NORMAL), -EINVAL);      /* rounds up to 0 */
	CHECK_EQ(as_madvise(&as, a, SIZE_MAX - PAGE_SIZE + 2, MADV_NORMAL), -EINVAL);
	/* end < start: the aligned length wraps the address. */
	CHECK_EQ(as_madvise(&as, a, (SIZE_MAX - a + 1) + PAGE_SIZE, MADV_NORMAL), -EINVAL);
	CHECK_EQ(as_madvise(&as, a, (SIZE_MAX - a + 1) + PAGE_SIZE, MADV_HWPOISON), -EINVAL);
	/* Up to exactly the top of the address space: no wrap, only a hole. */
	CHECK_EQ(as_madvise(&as, a, SIZE_MAX - a + 1 - PAGE_SIZE, MADV_NORMAL), -ENOMEM);
	/* Above the user range (no VMA there): -ENOMEM, not a range error. */
	CHECK_EQ(as_madvise(&as, NP * PAGE_SIZE, PAGE_SIZE, MADV_NORMAL), -ENOMEM);
	uintptr_t last = UINTPTR_MAX & ~(PAGE_SIZE - 1);
	CHECK_EQ(as_madvise(&as, last - PAGE_SIZE, PAGE_SIZE - 1, MADV_DONTNEED), -ENOMEM);
	CHECK_EQ(as_madvise(&as, last, PAGE_SIZE - 1, MADV_DONTNEED), -EINVAL);   /* ends at 0 */
	/* Unaligned lengths cover whole pages. */
	CHECK_EQ(as_madvise(&as, a, 2 * PAGE_SIZE - 1, MADV_NORMAL), 0);
	CHECK_EQ(as_madvise(&as, a, 2 * PAGE_SIZE + 1, MADV_NORMAL), -ENOMEM);
	CHECK_EQ(as_madvise(&as, a, 1, MADV_WILLNEED), 0);
	as_destroy(&as);
	teardown_kernel();
}

/*
 * MADV_DONTNEED and MADV_FREE of private memory: the frames go back after the TLB
 * flush, the next touch is zero-filled, the pages around keep their data; over a
 * hole the mapped parts are dropped and the result is -ENOMEM.
 */
static void test_madvise_dontneed(void)
{
	struct as as;
	uintptr_t a, out;
	unsigned char v[8];
	size_t n;

	setup_kernel();
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	as_activate(&as);
	size_t empty = fake_frames_used();
	CHECK_EQ(as_mmap(&as, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			 &a), 0);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(fault_at(&as, a + i * PAGE_SIZE, FAULT_WRITE), 0);
		set_word(&as, a + i * PAGE_SIZE, 0xd0 + i);
	}
	size_t used = fake_frames_used();
	fake_tlb_reset();
	CHECK_EQ(as_madvise(&as, a + PAGE_SIZE, 2 * PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(fake_frames_used(), used - 2);
	/* The flush came first, with the frames still allocated (no stale write can reach them). */
	CHECK(fake_tlb_nr >= 1, "flushed");
	CHECK_EQ(fake_tlb_events[0].frames_used, used);
	CHECK_EQ(as_mincore(&as, a, 4, v, &n), 0);
	CHECK(n == 4 && v[0] == 1 && v[1] == 0 && v[2] == 0 && v[3] == 1, "residency after DONTNEED");
	CHECK_EQ(word_at(&as, a), 0xd0);
	CHECK_EQ(word_at(&as, a + 3 * PAGE_SIZE), 0xd3);
	CHECK_EQ(fault_at(&as, a + PAGE_SIZE, FAULT_READ), 0);
	CHECK_EQ(word_at(&as, a + PAGE_SIZE), 0);               /* zero-filled */
	/* MADV_FREE: the same for private memory. */
	CHECK_EQ(as_madvise(&as, a, PAGE_SIZE, MADV_FREE), 0);
	CHECK_EQ(word_at(&as, a), UINT32_MAX);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
	CHECK_EQ(word_at(&as, a), 0);
	/* The whole VMA: every frame back, the emptied page tables too. */
	CHECK_EQ(as_madvise(&as, a, 4 * PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(fake_frames_used(), empty);
	CHECK_EQ(as_vma_count(&as), 1);
	/* A hole in the middle: both sides dropped, -ENOMEM. */
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(fault_at(&as, a + i * PAGE_SIZE, FAULT_WRITE), 0);
	CHECK_EQ(as_munmap(&as, a + PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ(as_madvise(&as, a, 4 * PAGE_SIZE, MADV_DONTNEED), -ENOMEM);
	CHECK_EQ(fake_frames_used(), empty);
	/* PROT_NONE pages are dropped as well. */
	CHECK_EQ(fault_at(&as, a + 2 * PAGE_SIZE, FAULT_WRITE), 0);
	CHECK_EQ(as_mprotect(&as, a + 2 * PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
	CHECK_EQ(as_madvise(&as, a + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(fake_frames_used(), empty);
	/* brk memory is private anonymous memory too. */
	uintptr_t br = as_brk(&as, 0);
	CHECK_EQ(as_brk(&as, br + 2 * PAGE_SIZE), br + 2 * PAGE_SIZE);
	CHECK_EQ(fault_at(&as, br, FAULT_WRITE), 0);
	set_word(&as, br, 77);
	CHECK_EQ(as_madvise(&as, br, 2 * PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(fault_at(&as, br, FAULT_READ), 0);
	CHECK_EQ(word_at(&as, br), 0);
	(void)out;
	as_deactivate(&as);
	as_destroy(&as);
	teardown_kernel();
}

/*
 * Shared anonymous memory: MADV_DONTNEED keeps the data (Linux: the shmem object
 * holds the pages, the next touch maps them again), MADV_FREE is -EINVAL,
 * MADV_REMOVE punches a hole (frames freed, zero on the next touch) whatever the
 * protection (Linux 6.1 as the peer runs it checks VM_MAYWRITE, which anonymous
 * shared memory always has); a range over private then shared memory drops the
 * private part before MADV_FREE fails on the shared one.
 */
static void test_madvise_shared(void)
{
	struct as as;
	struct as_params p;
	unsigned char v[4];
	size_t n;
	const unsigned int rw = PROT_READ | PROT_WRITE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t s = 0x400000;
	CHECK_EQ(map_at(&as, s, 2, rw, MAP_SHARED), 0);
	CHECK_EQ(fault_at(&as, s, FAULT_WRITE), 0);
	CHECK_EQ(fault_at(&as, s + PAGE_SIZE, FAULT_WRITE), 0);
	set_word(&as, s, 0x5a5a);
	set_word(&as, s + PAGE_SIZE, 0x6b6b);
	size_t used = fake_frames_used();
	CHECK_EQ(as_madvise(&as, s, 2 * PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(as_madvise(&as, s, 2 * PAGE_SIZE, MADV_DONTNEED_LOCKED), 0);
	CHECK_EQ(fault_at(&as, s, FAULT_READ), 0);
	CHECK_EQ(word_at(&as, s), 0x5a5a);                      /* the old data again */
	CHECK_EQ(as_mincore(&as, s, 2, v, &n), 0);
	CHECK(n == 2 && v[0] == 1 && v[1] == 1, "still resident (Linux: in the page cache)");
	CHECK_EQ(fake_frames_used(), used);
	CHECK_EQ(as_madvise(&as, s, 2 * PAGE_SIZE, MADV_FREE), -EINVAL);
	CHECK_EQ(word_at(&as, s + PAGE_SIZE), 0x6b6b);
	/* MADV_REMOVE of one page: gone, zero when touched again. */
	CHECK_EQ(as_madvise(&as, s + PAGE_SIZE, PAGE_SIZE, MADV_REMOVE), 0);
	CHECK_EQ(fake_frames_used(), used - 1);
	CHECK_EQ(word_at(&as, s + PAGE_SIZE), UINT32_MAX);
	CHECK_EQ(fault_at(&as, s + PAGE_SIZE, FAULT_READ), 0);
	CHECK_EQ(word_at(&as, s + PAGE_SIZE), 0);
	CHECK_EQ(word_at(&as, s), 0x5a5a);
	/* Read-only and PROT_NONE shared memory: removed all the same. */
	uint32_t w = 0x7c7c;
	set_word(&as, s + PAGE_SIZE, 0x7c7c);
	CHECK_EQ(as_mprotect(&as, s + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ(as_madvise(&as, s + PAGE_SIZE, PAGE_SIZE, MADV_REMOVE), 0);
	CHECK_EQ(word_at(&as, s + PAGE_SIZE), UINT32_MAX);
	CHECK_EQ(as_mprotect(&as, s + PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
	CHECK_EQ(as_copy_to(&as, s + PAGE_SIZE, &w, sizeof(w)), 0);
	CHECK_EQ(word_at(&as, s + PAGE_SIZE), 0x7c7c);
	CHECK_EQ(as_madvise(&as, s + PAGE_SIZE, PAGE_SIZE, MADV_REMOVE), 0);
	CHECK_EQ(word_at(&as, s + PAGE_SIZE), UINT32_MAX);
	CHECK_EQ(as_mincore(&as, s, 2, v, &n), 0);
	CHECK(n == 2 && v[0] == 1 && v[1] == 0, "only the removed page went");
	CHECK_EQ(word_at(&as, s), 0x5a5a);

	/* Private right below shared: FREE drops the private page, then fails. */
	CHECK_EQ(map_at(&as, s - PAGE_SIZE, 1, rw, MAP_PRIVATE), 0);
	CHECK_EQ(as_mprotect(&as, s, PAGE_SIZE, rw), 0);
	CHECK_EQ(fault_at(&as, s - PAGE_SIZE, FAULT_WRITE), 0);
	CHECK_EQ(as_madvise(&as, s - PAGE_SIZE, 3 * PAGE_SIZE, MADV_FREE), -EINVAL);
	CHECK_EQ(word_at(&as, s - PAGE_SIZE), UINT32_MAX);
	CHECK_EQ(word_at(&as, s), 0x5a5a);
	/* MADV_REMOVE the other way round: private first, -EINVAL, nothing removed. */
	CHECK_EQ(as_madvise(&as, s - PAGE_SIZE, 3 * PAGE_SIZE, MADV_REMOVE), -EINVAL);
	CHECK_EQ(word_at(&as, s), 0x5a5a);
	/* WIPEONFORK: private only. */
	CHECK_EQ(as_madvise(&as, s - PAGE_SIZE, PAGE_SIZE, MADV_WIPEONFORK), 0);
	CHECK_EQ(as_madvise(&as, s - PAGE_SIZE, 2 * PAGE_SIZE, MADV_WIPEONFORK), -EINVAL);
	as_destroy(&as);
	teardown_kernel();
}

/*
 * MADV_POPULATE_READ / _WRITE fault the range in, refusing with -EINVAL a VMA
 * that does not allow the access by its own protection (a read needs PROT_READ:
 * PROT_WRITE or PROT_EXEC alone do not do, though the MMU lets such pages be
 * read), and -ENOMEM when frames run out (the pages before stay populated).
 */
static void test_madvise_populate(void)
{
	struct as as;
	struct as_params p;
	unsigned char v[4];
	size_t n;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x500000;
	CHECK_EQ(map_at(&as, a, 3, PROT_READ | PROT_WRITE, MAP_PRIVATE), 0);
	CHECK_EQ(as_madvise(&as, a, 3 * PAGE_SIZE, MADV_POPULATE_READ), 0);
	CHECK_EQ(as_mincore(&as, a, 3, v, &n), 0);
	CHECK(n == 3 && v[0] == 1 && v[1] == 1 && v[2] == 1, "populated");
	CHECK_EQ(word_at(&as, a + 2 * PAGE_SIZE), 0);
	size_t used = fake_frames_used();
	CHECK_EQ(as_madvise(&as, a, 3 * PAGE_SIZE, MADV_POPULATE_WRITE), 0);  /* already there */
	CHECK_EQ(fake_frames_used(), used);

	static const struct { unsigned int prot; int rd, wr; } cases[] = {
		{ PROT_NONE, -EINVAL, -EINVAL },
		{ PROT_READ, 0, -EINVAL },
		{ PROT_WRITE, -EINVAL, 0 },
		{ PROT_EXEC, -EINVAL, -EINVAL },
		{ PROT_READ | PROT_EXEC, 0, -EINVAL },
		{ PROT_WRITE | PROT_EXEC, -EINVAL, 0 },
	};
	uintptr_t b = 0x600000;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int w = 0; w < 2; w++) {
			CHECK_EQ(map_at(&as, b, 2, cases[i].prot, w ? MAP_SHARED : MAP_PRIVATE), 0);
			int want = w ? cases[i].wr : cases[i].rd;
			int got = as_madvise(&as, b, 2 * PAGE_SIZE, w ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
			CHECK(got == want, "prot %u populate %s: %d, want %d", cases[i].prot, w ? "write" : "read",
			      got, want);
			CHECK_EQ(as_mincore(&as, b, 2, v, &n), 0);
			CHECK(v[0] == (want == 0) && v[1] == (want == 0), "prot %u: residency %u %u",
			      cases[i].prot, v[0], v[1]);
			CHECK_EQ(as_munmap(&as, b, 2 * PAGE_SIZE), 0);
		}
	}
	/* Out of frames at the second page: -ENOMEM, the first stays. */
	CHECK_EQ(as_madvise(&as, a, 3 * PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(map_at(&as, a + 3 * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(fault_at(&as, a + 3 * PAGE_SIZE, FAULT_READ), 0);    /* the tables exist now */
	fake_fail_nth_alloc(2);
	CHECK_EQ(as_madvise(&as, a, 3 * PAGE_SIZE, MADV_POPULATE_WRITE), -ENOMEM);
	fake_fail_nth_alloc(0);
	CHECK_EQ(as_mincore(&as, a, 3, v, &n), 0);
	CHECK(v[0] == 1 && v[1] == 0 && v[2] == 0, "populated up to the failure: %u %u %u", v[0], v[1], v[2]);
	/* A hole: both sides populated, -ENOMEM. */
	CHECK_EQ(as_munmap(&as, a + PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ(as_madvise(&as, a, 3 * PAGE_SIZE, MADV_POPULATE_READ), -ENOMEM);
	CHECK_EQ(as_mincore(&as, a + 2 * PAGE_SIZE, 1, v, &n), 0);
	CHECK_EQ(v[0], 1);
	as_destroy(&as);
	teardown_kernel();
}

/* ---- faults racing edits: another CPU acts while a fault allocates ---- */

enum race_op { RACE_MUNMAP, RACE_PROTECT_R, RACE_PROTECT_RX, RACE_FAULT, RACE_REMAP_SHARED_R,
	       RACE_DONTNEED, RACE_MOVE, RACE_NONE };

struct race {
	struct as *as;
	enum race_op op;
	uintptr_t addr, to;
	bool ran, lock_held;
	int result;
};

/* Runs inside frame_alloc() of the call under test (fake_alloc_hook()). */
static void race_hook(void *arg)
{
	struct race *r = arg;
	uintptr_t out;

	r->ran = true;
	r->lock_held = spin_is_locked(&r->as->lock);
	if (r->lock_held)
		return;                 /* taking it again would spin forever; the test fails */
	switch (r->op) {
	case RACE_MUNMAP:
		r->result = as_munmap(r->as, r->addr, PAGE_SIZE);
		break;
	case RACE_PROTECT_R:
		r->result = as_mprotect(r->as, r->addr, PAGE_SIZE, PROT_READ);
		break;
	case RACE_PROTECT_RX:
		r->result = as_mprotect(r->as, r->addr, PAGE_SIZE, PROT_READ | PROT_EXEC);
		break;
	case RACE_FAULT:
		r->result = fault_at(r->as, r->addr, FAULT_WRITE);
		set_word(r->as, r->addr, 0x77);
		break;
	case RACE_REMAP_SHARED_R:
		r->result = as_munmap(r->as, r->addr, PAGE_SIZE) |
			    map_at(r->as, r->addr, 1, PROT_READ, MAP_SHARED);
		break;
	case RACE_DONTNEED:
		r->result = as_madvise(r->as, r->addr, PAGE_SIZE, MADV_DONTNEED);
		break;
	case RACE_MOVE:
		r->result = as_mremap(r->as, r->addr, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
				      r->to, &out);
		break;
	case RACE_NONE:
		r->result = 0;
		break;
	}
}

/* Arm the hook for the next frame allocation: @op on @addr. */
static void race_arm(struct race *r, struct as *as, enum race_op op, uintptr_t addr)
{
	*r = (struct race){ .as = as, .op = op, .addr = addr, .result = -1 };
	fake_alloc_hook(race_hook, r);
}

static bool race_ran(const struct race *r)
{
	fake_alloc_hook(NULL, NULL);
	return CHECK(r->ran && !r->lock_held && r->result == 0,
		     "race %d: ran %d, as->lock held while allocating %d, result %d", r->op, r->ran,
		     r->lock_held, r->result);
}

/* The MMU protection of the leaf at @addr, or -1u if there is none. */
static unsigned int leaf_prot(struct as *as, uintptr_t addr)
{
	struct mapper_leaf l;

	return mapper_translate(&as->pt, vaddr(addr), &l) == 0 ? l.prot : UINT32_MAX;
}

/*
 * A fault allocates its frame with as->lock dropped; what another CPU does to the
 * page meanwhile decides the result, as if the fault had come after it: munmap,
 * a move, or an mprotect that removes the access make it fail with no leaf left
 * and the frame back; an mprotect that keeps the access makes it map with the new
 * protection; a competing fault wins and the frame goes back. Kernel copies and
 * both populates see the same.
 */
static void test_fault_races(void)
{
	struct as as;
	struct as_params p;
	struct race r;
	unsigned char v[4];
	size_t n;
	const unsigned int rw = PROT_READ | PROT_WRITE;

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	uintptr_t a = 0x200000, b = 0x300000;
	/* A resident page in the same 2 MiB, so the tables exist and only data frames count. */
	CHECK_EQ(map_at(&as, a + 8 * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(fault_at(&as, a + 8 * PAGE_SIZE, FAULT_READ), 0);
	CHECK_EQ(map_at(&as, b + 8 * PAGE_SIZE, 1, PROT_READ, MAP_PRIVATE), 0);
	CHECK_EQ(fault_at(&as, b + 8 * PAGE_SIZE, FAULT_READ), 0);
	size_t base = fake_frames_used();

	/* The hook runs, with as->lock free, on a plain fault. */
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_NONE, a);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
	race_ran(&r);
	CHECK_EQ(fake_frames_used(), base + 1);
	CHECK_EQ(as_munmap(&as, a, 2 * PAGE_SIZE), 0);

	/* munmap while the fault allocates: -EFAULT, nothing mapped, the frame back. */
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_MUNMAP, a);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), -EFAULT);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a), UINT32_MAX);
	CHECK_EQ(fake_frames_used(), base);

	/* mremap moves the page away: -EFAULT, and nothing at either end. */
	race_arm(&r, &as, RACE_MOVE, a + PAGE_SIZE);
	r.to = b;
	CHECK_EQ(fault_at(&as, a + PAGE_SIZE, FAULT_READ), -EFAULT);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a + PAGE_SIZE), UINT32_MAX);
	CHECK_EQ(leaf_prot(&as, b), UINT32_MAX);
	CHECK_EQ(fake_frames_used(), base);
	CHECK_EQ(as_munmap(&as, b, PAGE_SIZE), 0);

	/* mprotect read-only: a write fault is refused, a read fault maps read-only. */
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_PROTECT_R, a);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), -EACCES);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a), UINT32_MAX);
	CHECK_EQ(fake_frames_used(), base);
	race_arm(&r, &as, RACE_PROTECT_R, a + PAGE_SIZE);
	CHECK_EQ(fault_at(&as, a + PAGE_SIZE, FAULT_READ), 0);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a + PAGE_SIZE), MMU_USER | MMU_READ);   /* not the old RW */
	CHECK_EQ(as_munmap(&as, a, 2 * PAGE_SIZE), 0);
	/* mprotect to R+X: mapped with the new protection. */
	CHECK_EQ(map_at(&as, a, 1, PROT_READ, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_PROTECT_RX, a);
	CHECK_EQ(fault_at(&as, a, FAULT_READ), 0);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a), MMU_USER | MMU_READ | MMU_EXEC);
	CHECK_EQ(as_munmap(&as, a, PAGE_SIZE), 0);
	CHECK_EQ(fake_frames_used(), base);

	/* Unmapped and mapped again, shared and read-only: the new VMA decides. */
	CHECK_EQ(map_at(&as, a, 1, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_REMAP_SHARED_R, a);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), -EACCES);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a), UINT32_MAX);
	CHECK_EQ(as_munmap(&as, a, PAGE_SIZE), 0);
	CHECK_EQ(map_at(&as, a, 1, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_REMAP_SHARED_R, a);
	CHECK_EQ(fault_at(&as, a, FAULT_READ), 0);
	race_ran(&r);
	CHECK_EQ(leaf_prot(&as, a), MMU_USER | MMU_READ);
	CHECK(vma_find(&as.vmas, a) && (vma_find(&as.vmas, a)->flags & VMA_SHARED), "the new VMA");
	CHECK_EQ(as_munmap(&as, a, PAGE_SIZE), 0);
	CHECK_EQ(fake_frames_used(), base);

	/* Another fault of the page wins: 0, its frame stays, ours goes back. */
	CHECK_EQ(map_at(&as, a, 1, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_FAULT, a);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
	race_ran(&r);
	CHECK_EQ(word_at(&as, a), 0x77);
	CHECK_EQ(fake_frames_used(), base + 1);
	/* MADV_DONTNEED of the page while its next fault allocates: the fault maps zeroes. */
	race_arm(&r, &as, RACE_DONTNEED, a);
	CHECK_EQ(as_madvise(&as, a, PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(fault_at(&as, a, FAULT_WRITE), 0);
	race_ran(&r);
	CHECK_EQ(word_at(&as, a), 0);
	CHECK_EQ(fake_frames_used(), base + 1);
	CHECK_EQ(as_munmap(&as, a, PAGE_SIZE), 0);

	/* as_copy_to(): the second page goes while the first is allocated: -EFAULT there. */
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	static const uint8_t bytes[2 * 4096] = { 1, 2, 3, 4 };
	race_arm(&r, &as, RACE_MUNMAP, a + PAGE_SIZE);
	CHECK_EQ(as_copy_to(&as, a, bytes, sizeof(bytes)), -EFAULT);
	race_ran(&r);
	CHECK_EQ(word_at(&as, a), 0x04030201);
	CHECK_EQ(as_munmap(&as, a, 2 * PAGE_SIZE), 0);

	/* MADV_POPULATE_WRITE: a page gone meanwhile is -ENOMEM, one made read-only -EINVAL. */
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_MUNMAP, a + PAGE_SIZE);
	CHECK_EQ(as_madvise(&as, a, 2 * PAGE_SIZE, MADV_POPULATE_WRITE), -ENOMEM);
	race_ran(&r);
	CHECK_EQ(as_munmap(&as, a, 2 * PAGE_SIZE), 0);
	CHECK_EQ(map_at(&as, a, 2, rw, MAP_PRIVATE), 0);
	race_arm(&r, &as, RACE_PROTECT_R, a + PAGE_SIZE);
	CHECK_EQ(as_madvise(&as, a, 2 * PAGE_SIZE, MADV_POPULATE_WRITE), -EINVAL);
	race_ran(&r);
	CHECK_EQ(as_mincore(&as, a, 2, v, &n), 0);
	CHECK(n == 2 && v[0] == 1 && v[1] == 0, "populated up to the change: %u %u", v[0], v[1]);
	CHECK_EQ(as_munmap(&as, a, 2 * PAGE_SIZE), 0);

	/* MAP_POPULATE: best effort, it stops where the mapping changed under it. */
	uintptr_t out;
	race_arm(&r, &as, RACE_MUNMAP, a + PAGE_SIZE);
	CHECK_EQ(as_mmap(&as, a, 3 * PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE,
			 -1, 0, &out), 0);
	race_ran(&r);
	CHECK_EQ(as_mincore(&as, a, 3, v, &n), 0);
	CHECK(n == 1 && v[0] == 1, "first page populated, the hole stops the chunk: %zu", n);
	CHECK_EQ(leaf_prot(&as, a + PAGE_SIZE), UINT32_MAX);
	CHECK_EQ(as_munmap(&as, a, 3 * PAGE_SIZE), 0);
	CHECK_EQ(fake_frames_used(), base);

	as_destroy(&as);
	teardown_kernel();
}

/* ---- the differential fuzzer ---- */

struct mpage {
	bool mapped, shared, resident;
	unsigned int prot;
	unsigned int fork;      /* VMA_DONTCOPY | VMA_WIPEONFORK, from the fork advices */
	uint64_t obj, pgoff;
	uint32_t tag;
};

static struct mpage m[NP];
static uintptr_t m_brk;
static uint64_t m_next_obj;
static uint32_t next_tag;
static uint64_t rs;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static bool m_join(unsigned int i)   /* do pages i-1 and i belong to one VMA? */
{
	const struct mpage *a = &m[i - 1], *b = &m[i];
	if (!a->mapped || !b->mapped || a->prot != b->prot || a->shared != b->shared ||
	    a->fork != b->fork)
		return false;
	return !a->shared || (a->obj == b->obj && a->pgoff + 1 == b->pgoff);
}

static unsigned int m_run_end(unsigned int i)
{
	while (i + 1 < NP && m_join(i + 1))
		i++;
	return i + 1;
}

static bool m_free(uint64_t s, uint64_t n)
{
	for (uint64_t i = s; i < s + n; i++)
		if (i >= NP || m[i].mapped)
			return false;
	return true;
}

static void m_unmap(uint64_t s, uint64_t e)
{
	for (uint64_t i = s; i < e && i < NP; i++)
		memset(&m[i], 0, sizeof(m[i]));
}

/* Highest free run of @n pages in [lo, hi) (pages), or -1. */
static long m_top(uint64_t lo, uint64_t hi, uint64_t n)
{
	uint64_t run = 0;
	for (uint64_t i = hi; i-- > lo;) {
		run = m[i].mapped ? 0 : run + 1;
		if (run >= n)
			return (long)i;
	}
	return -1;
}

static int m_place(uintptr_t hint, uint64_t len, uintptr_t *out)
{
	uint64_t n = len / PAGE_SIZE;
	if (len > (NP - MIN_PAGE) * PAGE_SIZE)
		return -ENOMEM;
	hint &= ~(PAGE_SIZE - 1);
	if (hint && hint < MIN_PAGE * PAGE_SIZE)
		hint = MIN_PAGE * PAGE_SIZE;
	if (hint && hint <= NP * PAGE_SIZE - len && m_free(hint / PAGE_SIZE, n)) {
		*out = hint;
		return 0;
	}
	long s = m_top(MIN_PAGE, BASE_PAGE, n);
	if (s < 0)
		s = m_top(MIN_PAGE, NP, n);
	if (s < 0)
		return -ENOMEM;
	*out = (uintptr_t)s * PAGE_SIZE;
	return 0;
}

static int m_mmap(uintptr_t addr, size_t len, unsigned int prot, unsigned int flags, uintptr_t *out)
{
	unsigned int type = flags & MAP_TYPE;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;
	if (len == 0)
		return -EINVAL;
	if (len > SIZE_MAX - PAGE_SIZE + 1)
		return -ENOMEM;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (len > NP * PAGE_SIZE)
		return -ENOMEM;
	prot &= 7u;               /* mmap ignores the bits it does not know */
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (addr > NP * PAGE_SIZE - len)
			return -ENOMEM;
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < MIN_PAGE * PAGE_SIZE)
			return -EPERM;
		if ((flags & MAP_FIXED_NOREPLACE) && !m_free(addr / PAGE_SIZE, len / PAGE_SIZE))
			return -EEXIST;
	} else {
		int err = m_place(addr, len, &addr);
		if (err)
			return err;
	}
	/* do_mmap(): anonymous memory knows only MAP_SHARED and MAP_PRIVATE, after placement. */
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	m_unmap(addr / PAGE_SIZE, (addr + len) / PAGE_SIZE);
	uint64_t obj = type != MAP_PRIVATE ? m_next_obj++ : 0;
	for (uint64_t i = 0; i < len / PAGE_SIZE; i++)
		m[addr / PAGE_SIZE + i] = (struct mpage){ .mapped = true, .shared = obj != 0, .prot = prot,
						   .obj = obj, .pgoff = i };
	*out = addr;
	return 0;
}

static int m_munmap(uintptr_t addr, size_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || addr > NP * PAGE_SIZE || len > NP * PAGE_SIZE - addr)
		return -EINVAL;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (len == 0 || len > NP * PAGE_SIZE - addr)
		return -EINVAL;
	m_unmap(addr / PAGE_SIZE, (addr + len) / PAGE_SIZE);
	return 0;
}

static int m_mprotect(uintptr_t start, size_t len, unsigned int prot)
{
	unsigned int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || (start & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (len == 0)
		return 0;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (len == 0 || start + len <= start)
		return -ENOMEM;
	if (prot & ~(7u | PROT_SEM | grows))
		return -EINVAL;
	uint64_t s = start / PAGE_SIZE, e = (start + len) / PAGE_SIZE;
	if (grows & PROT_GROWSDOWN) {
		/* the first VMA ending above start, if it starts below the end */
		for (uint64_t i = s; i < e && i < NP; i++)
			if (m[i].mapped)
				return -EINVAL;
		return -ENOMEM;
	}
	if (s >= NP || !m[s].mapped)
		return -ENOMEM;
	if (grows)
		return -EINVAL;
	for (uint64_t i = s; i < e; i++) {
		if (i >= NP || !m[i].mapped)
			return -ENOMEM;
		m[i].prot = prot & 7u;
	}
	return 0;
}

static int m_vma_to_resize(uintptr_t addr, size_t old_len, unsigned int *end_page)
{
	uint64_t p = addr / PAGE_SIZE;
	if (p >= NP || !m[p].mapped)
		return -EFAULT;
	if (old_len == 0)
		return -EINVAL;
	*end_page = m_run_end((unsigned int)p);
	if (old_len > *end_page * PAGE_SIZE - addr)
		return -EFAULT;
	return 0;
}

static void m_move(uintptr_t addr, size_t old_len, uintptr_t new, size_t new_len, bool keep_old)
{
	static struct mpage tmp[NP];
	uint64_t o = addr / PAGE_SIZE, n = new / PAGE_SIZE;
	const struct mpage last = m[o + old_len / PAGE_SIZE - 1];
	memcpy(tmp, &m[o], old_len / PAGE_SIZE * sizeof(struct mpage));
	if (keep_old) {
		for (uint64_t i = o; i < o + old_len / PAGE_SIZE; i++)
			m[i].resident = false, m[i].tag = 0;
	} else {
		m_unmap(o, o + old_len / PAGE_SIZE);
	}
	for (uint64_t i = 0; i < new_len / PAGE_SIZE; i++) {
		if (i < old_len / PAGE_SIZE) {
			m[n + i] = tmp[i];
		} else {
			m[n + i] = last;
			m[n + i].pgoff = last.pgoff + (i - old_len / PAGE_SIZE + 1);
			m[n + i].resident = false;
			m[n + i].tag = 0;
		}
	}
}

static int m_mremap(uintptr_t addr, size_t old_len, size_t new_len, unsigned int flags,
		    uintptr_t new_addr, uintptr_t *out)
{
	unsigned int endp;
	int err;
	if (flags & ~7u)
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	old_len = old_len > SIZE_MAX - PAGE_SIZE + 1 ? 0 : (old_len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	new_len = new_len > SIZE_MAX - PAGE_SIZE + 1 ? 0 : (new_len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (new_len == 0)
		return -EINVAL;
	if (addr >= NP * PAGE_SIZE || !m[addr / PAGE_SIZE].mapped)
		return -EFAULT;        /* vma_lookup() before anything else */
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		if (new_addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (new_len > NP * PAGE_SIZE || new_addr > NP * PAGE_SIZE - new_len)
			return -EINVAL;
		if (addr + old_len > new_addr && new_addr + new_len > addr)
			return -EINVAL;
		if (flags & MREMAP_FIXED)
			m_unmap(new_addr / PAGE_SIZE, (new_addr + new_len) / PAGE_SIZE);
		if (old_len > new_len) {
			if (addr + new_len > NP * PAGE_SIZE || old_len - new_len > NP * PAGE_SIZE - (addr + new_len))
				return -EINVAL;   /* as the munmap of the tail would */
			m_unmap((addr + new_len) / PAGE_SIZE, (addr + old_len) / PAGE_SIZE);
			old_len = new_len;
		}
		err = m_vma_to_resize(addr, old_len, &endp);
		if (err)
			return err;
		if ((flags & MREMAP_DONTUNMAP) && m[addr / PAGE_SIZE].shared)
			return -EINVAL;
		if (flags & MREMAP_FIXED) {
			if (new_addr < MIN_PAGE * PAGE_SIZE)
				return -EPERM;
		} else {
			err = m_place(new_addr, new_len, &new_addr);
			if (err)
				return err;
		}
		m_move(addr, old_len, new_addr, new_len, flags & MREMAP_DONTUNMAP);
		*out = new_addr;
		return 0;
	}
	if (old_len >= new_len) {
		if (old_len != new_len) {
			if (addr + new_len > NP * PAGE_SIZE || old_len - new_len > NP * PAGE_SIZE - (addr + new_len))
				return -EINVAL;
			m_unmap((addr + new_len) / PAGE_SIZE, (addr + old_len) / PAGE_SIZE);
		}
		*out = addr;
		return 0;
	}
	err = m_vma_to_resize(addr, old_len, &endp);
	if (err)
		return err;
	if (old_len == endp * PAGE_SIZE - addr && addr + new_len > addr && addr + new_len <= NP * PAGE_SIZE &&
	    m_free(endp, (addr + new_len) / PAGE_SIZE - endp)) {
		m_move(addr, old_len, addr, new_len, false);
		*out = addr;
		return 0;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uintptr_t to;
	err = m_place(0, new_len, &to);
	if (err)
		return err;
	m_move(addr, old_len, to, new_len, false);
	*out = to;
	return 0;
}

static uintptr_t m_brk_call(uintptr_t brk)
{
	if (brk < BRK_PAGE * PAGE_SIZE || brk > NP * PAGE_SIZE)
		return m_brk;
	uintptr_t newp = (brk + PAGE_SIZE - 1) / PAGE_SIZE, oldp = (m_brk + PAGE_SIZE - 1) / PAGE_SIZE;
	if (newp == oldp)
		return m_brk = brk;
	if (brk <= m_brk) {
		bool any = false;
		for (uintptr_t i = newp; i < oldp; i++)
			any |= m[i].mapped;
		if (!any)
			return m_brk;
		m_unmap(newp, oldp);
		return m_brk = brk;
	}
	for (uintptr_t i = oldp; i < NP && i < newp + 1; i++)
		if (m[i].mapped)
			return m_brk;
	for (uintptr_t i = oldp; i < newp; i++)
		m[i] = (struct mpage){ .mapped = true, .prot = PROT_READ | PROT_WRITE };
	return m_brk = brk;
}

static int m_fault(uintptr_t addr, enum fault_access access, bool fail)
{
	uint64_t p = addr / PAGE_SIZE;
	if (addr >= NP * PAGE_SIZE || !m[p].mapped)
		return -EFAULT;
	unsigned int prot = m[p].prot;
	bool ok = access == FAULT_WRITE ? (prot & PROT_WRITE) :
		  access == FAULT_EXEC ? (prot & PROT_EXEC) : (prot != 0);
	if (!ok)
		return -EACCES;
	if (m[p].resident)
		return 0;
	if (fail)
		return -ENOMEM;
	m[p].resident = true;
	return 0;
}

/* Linux 6.1's defined advice values (madvise_behavior_valid(), a distribution's options). */
static bool m_advice_valid(int a)
{
	return (a >= 0 && a <= 4) || (a >= 8 && a <= 25) || a == 100 || a == 101;
}

/*
 * madvise(2) page by page: the argument checks of do_madvise(), then each page in
 * order: a page outside every VMA makes the result -ENOMEM, a page whose VMA
 * refuses the advice stops the walk with that errno (docs/vm.md's table).
 */
static int m_madvise(uintptr_t start, size_t len, int advice)
{
	if (!m_advice_valid(advice) || (start & (PAGE_SIZE - 1)))
		return -EINVAL;
	size_t rl = len > SIZE_MAX - PAGE_SIZE + 1 ? 0 : (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (len && !rl)
		return -EINVAL;
	uintptr_t end = start + rl;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		return -EPERM;
	int unmapped = 0;
	uint64_t s = start / PAGE_SIZE, e = end / PAGE_SIZE;
	for (uint64_t i = s; i < e && i < NP; i++) {
		struct mpage *pg = &m[i];
		if (!pg->mapped) {
			unmapped = -ENOMEM;
			continue;
		}
		switch (advice) {
		case MADV_FREE:
			if (pg->shared)
				return -EINVAL;
			pg->resident = false, pg->tag = 0;
			break;
		case MADV_DONTNEED:
		case MADV_DONTNEED_LOCKED:
			if (!pg->shared)
				pg->resident = false, pg->tag = 0;
			break;
		case MADV_REMOVE:
			if (!pg->shared)
				return -EINVAL;
			pg->resident = false, pg->tag = 0;
			break;
		case MADV_WIPEONFORK:
			if (pg->shared)
				return -EINVAL;
			pg->fork |= VMA_WIPEONFORK;
			break;
		case MADV_KEEPONFORK:
			pg->fork &= ~VMA_WIPEONFORK;
			break;
		case MADV_DONTFORK:
			pg->fork |= VMA_DONTCOPY;
			break;
		case MADV_DOFORK:
			pg->fork &= ~VMA_DONTCOPY;
			break;
		case MADV_POPULATE_READ:
		case MADV_POPULATE_WRITE:
			if (!(pg->prot & (advice == MADV_POPULATE_WRITE ? PROT_WRITE : PROT_READ)))
				return -EINVAL;
			pg->resident = true;    /* a zeroed frame; tag 0 until a fault tags it */
			break;
		case MADV_COLLAPSE:
			return -EINVAL;
		default:
			break;
		}
	}
	if (e > NP)
		unmapped = -ENOMEM;   /* nothing is mapped above the window */
	return unmapped;
}

static int m_mincore(uintptr_t addr, size_t len, unsigned char *vec, size_t *done)
{
	*done = 0;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len > NP * PAGE_SIZE || addr > NP * PAGE_SIZE - len)
		return -ENOMEM;
	size_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
	for (size_t i = 0; i < pages; i++) {
		const struct mpage *pg = &m[addr / PAGE_SIZE + i];
		if (!pg->mapped)
			return -ENOMEM;
		vec[(*done)++] = pg->resident;
	}
	return 0;
}

/* Compare the address space with the model; returns false (and reports) on a mismatch. */
static bool compare(struct as *as, unsigned long step)
{
	struct mapper_leaf l;
	bool ok = CHECK(vma_tree_check(&as->vmas), "step %lu: tree unsound", step);

	/* VMAs = the model's runs. */
	struct vma *v = vma_find_next(&as->vmas, 0);
	for (unsigned int i = 0; i < NP && ok;) {
		if (!m[i].mapped) {
			i++;
			continue;
		}
		unsigned int e = m_run_end(i);
		ok &= CHECK(v && v->start == i * PAGE_SIZE && v->end == e * PAGE_SIZE && v->prot == m[i].prot &&
			    !!(v->flags & VMA_SHARED) == m[i].shared &&
			    (v->flags & (VMA_DONTCOPY | VMA_WIPEONFORK)) == m[i].fork &&
			    (!m[i].shared || (v->obj == m[i].obj && v->pgoff == m[i].pgoff)),
			    "step %lu: VMA [%#lx, %#lx) prot %u vs model [%#x, %#x) prot %u", step,
			    v ? (unsigned long)v->start : 0ul, v ? (unsigned long)v->end : 0ul,
			    v ? v->prot : 99u, i * (unsigned int)PAGE_SIZE, e * (unsigned int)PAGE_SIZE, m[i].prot);
		v = v ? vma_find_next(&as->vmas, v->end) : NULL;
		i = e;
	}
	ok &= CHECK(!v || !ok, "step %lu: extra VMA at %#lx", step, v ? (unsigned long)v->start : 0ul);
	/* Page tables = residency, protection and contents of the model. */
	for (unsigned int i = 0; i < NP && ok; i++) {
		int err = mapper_translate(&as->pt, vaddr(i * PAGE_SIZE), &l);
		if (!m[i].resident) {
			ok &= CHECK(err == -ENOENT, "step %lu: page %#x mapped", step, i);
			continue;
		}
		ok &= CHECK(err == 0, "step %lu: page %#x not mapped", step, i);
		if (err)
			break;
		unsigned int want = MMU_USER | (m[i].prot & 7u ? MMU_READ : 0) |
				    (m[i].prot & PROT_WRITE ? MMU_WRITE : 0) |
				    (m[i].prot & PROT_EXEC ? MMU_EXEC : 0);
		ok &= CHECK(l.prot == want && l.level == 0, "step %lu: page %#x prot %#x want %#x",
			    step, i, l.prot, want);
		ok &= CHECK(*(uint32_t *)phys_to_virt(l.pa) == m[i].tag, "step %lu: page %#x tag",
			    step, i);
	}
	/* Nothing mapped outside the window. */
	vaddr_t c = vaddr(NP * PAGE_SIZE);
	ok &= CHECK(mapper_walk_next(&as->pt, &c, vaddr(as->task_size), &l) == -ENOENT,
		    "step %lu: leaf outside the window", step);
	return ok;
}

static uintptr_t r_addr(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return (rnd() % (NP + 64)) * PAGE_SIZE + rnd() % PAGE_SIZE;
	case 2: return UINTPTR_MAX - rnd() % (64 * PAGE_SIZE);
	default: return (rnd() % (NP + 16)) * PAGE_SIZE;
	}
}

static size_t r_len(void)
{
	switch (rnd() % 10) {
	case 0: return 0;
	case 1: return rnd() % (NP * PAGE_SIZE);
	case 2: return SIZE_MAX - rnd() % (4 * PAGE_SIZE);
	case 3: return 1 + rnd() % (8 * PAGE_SIZE);
	default: return (1 + rnd() % 32) * PAGE_SIZE;
	}
}

static void fuzz(unsigned long steps, uint64_t seed)
{
	struct as as;
	struct as_params p;
	unsigned long counts[8] = { 0 };

	setup_kernel();
	small_params(&p);
	CHECK_EQ(as_create(&as, &kpt, &p), 0);
	memset(m, 0, sizeof(m));
	m_brk = BRK_PAGE * PAGE_SIZE;
	m_next_obj = 1;
	next_tag = 0;
	rs = seed * 0x9e3779b97f4a7c15ull + test_levels;

	for (unsigned long step = 0; step < steps; step++) {
		unsigned int op = rnd() % 18;
		int e1 = 0, e2 = 0;
		uintptr_t o1 = 0, o2 = 0;
		const char *name;

		if (op < 3) {
			name = "mmap";
			uintptr_t a = r_addr();
			size_t len = r_len();
			unsigned int prot = rnd() % 16 == 0 ? 0x10 : rnd() % 8;
			static const unsigned int types[] = { MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED,
							       MAP_SHARED_VALIDATE, 0 };
			unsigned int flags = types[rnd() % 5] | (rnd() % 16 ? MAP_ANONYMOUS : 0);
			unsigned int f = rnd() % 8;
			flags |= f == 0 ? MAP_FIXED : f == 1 ? MAP_FIXED_NOREPLACE : 0;
			if (rnd() % 32 == 0)
				flags |= 0x40000000;
			e1 = as_mmap(&as, a, len, prot, flags, -1, 0, &o1);
			e2 = m_mmap(a, len, prot, flags, &o2);
		} else if (op < 5) {
			name = "munmap";
			uintptr_t a = r_addr();
			size_t len = r_len();
			e1 = as_munmap(&as, a, len);
			e2 = m_munmap(a, len);
		} else if (op < 7) {
			name = "mprotect";
			uintptr_t a = r_addr();
			size_t len = r_len();
			unsigned int prot = rnd() % 8;
			if (rnd() % 16 == 0)
				prot |= rnd() % 2 ? PROT_GROWSDOWN : 0x40;
			e1 = as_mprotect(&as, a, len, prot);
			e2 = m_mprotect(a, len, prot);
		} else if (op < 9) {
			name = "mremap";
			uintptr_t a = r_addr(), na = r_addr();
			size_t ol = r_len(), nl = r_len();
			unsigned int flags = rnd() % 8;
			if (rnd() % 4 == 0)
				nl = ol;
			if (rnd() % 32 == 0)
				flags |= 8;
			if (getenv("VM_FUZZ_TRACE"))
				printf("# mremap(%#lx, %#zx, %#zx, %u, %#lx)\n", (unsigned long)a, ol, nl,
				       flags, (unsigned long)na);
			e1 = as_mremap(&as, a, ol, nl, flags, na, &o1);
			e2 = m_mremap(a, ol, nl, flags, na, &o2);
		} else if (op < 10) {
			name = "brk";
			uintptr_t a = rnd() % 4 == 0 ? r_addr() : m_brk + (rnd() % (16 * PAGE_SIZE)) - 8 * PAGE_SIZE;
			o1 = as_brk(&as, a);
			o2 = m_brk_call(a);
		} else if (op == 16) {
			name = "madvise";
			static const int advs[] = { MADV_DONTNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
						    MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_WILLNEED,
						    MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_DONTFORK,
						    MADV_DOFORK, MADV_COLLAPSE, MADV_HWPOISON, 999, -1 };
			uintptr_t a = r_addr();
			size_t len = r_len();
			int adv = rnd() % 4 == 0 ? (int)(rnd() % 32) : advs[rnd() % ARRAY_SIZE(advs)];
			e1 = as_madvise(&as, a, len, adv);
			e2 = m_madvise(a, len, adv);
		} else if (op == 17) {
			name = "mincore";
			static unsigned char v1[NP], v2[NP];
			uintptr_t a = rnd() % 2 ? r_addr() : (rnd() % NP) * PAGE_SIZE;
			size_t len = r_len(), d1, d2;
			size_t chunk = rnd() % 2 ? NP : 1 + rnd() % 8;
			e1 = mincore_call(&as, a, len, chunk, v1, &d1);
			e2 = m_mincore(a, len, v2, &d2);
			/* The bytes before a failure are what the user's vector got. */
			if (!CHECK(d1 == d2 && memcmp(v1, v2, d1) == 0,
				   "step %lu mincore(%#lx, %#zx): %zu bytes, model %zu, or they differ",
				   step, (unsigned long)a, len, d1, d2))
				break;
		} else {
			name = "fault";
			uintptr_t a = rnd() % 4 == 0 ? r_addr() : (rnd() % NP) * PAGE_SIZE + rnd() % PAGE_SIZE;
			enum fault_access acc = (enum fault_access)(rnd() % 3);
			bool fail = rnd() % 16 == 0;
			if (fail)
				fake_fail_nth_alloc(1);
			e1 = fault_at(&as, a, acc);
			fake_fail_nth_alloc(0);
			e2 = m_fault(a, acc, fail);
			if (e1 == 0 && e2 == 0 && m[a / PAGE_SIZE].tag == 0 && m[a / PAGE_SIZE].resident) {
				/* Newly resident: zero-filled; tag it so moves can be followed. */
				struct mapper_leaf l;
				if (CHECK_EQ(mapper_translate(&as.pt, vaddr(a & ~(PAGE_SIZE - 1)), &l), 0)) {
					uint32_t *w = phys_to_virt(l.pa);
					CHECK_EQ(w[0] | w[1023], 0);
					w[0] = m[a / PAGE_SIZE].tag = ++next_tag;
				}
			}
		}
		counts[op < 3 ? 0 : op < 5 ? 1 : op < 7 ? 2 : op < 9 ? 3 : op < 10 ? 4 : op < 16 ? 5 :
		       op == 16 ? 6 : 7] += e1 == 0 ? 1 : 0;
		if (getenv("VM_FUZZ_TRACE"))
			printf("# %lu %s -> %d %#lx\n", step, name, e1, (unsigned long)o1);
		if (!CHECK(e1 == e2 && o1 == o2, "step %lu %s: got %d/%#lx, model %d/%#lx", step, name,
			   e1, (unsigned long)o1, e2, (unsigned long)o2) ||
		    !compare(&as, step))
			break;
	}
	printf("# %lu steps; successes: mmap %lu munmap %lu mprotect %lu mremap %lu brk %lu "
	       "fault %lu madvise %lu mincore %lu; %zu VMAs at the end\n", steps, counts[0], counts[1],
	       counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], as_vma_count(&as));
	as_destroy(&as);
	CHECK_EQ(fake_frames_used(), kframes);
	teardown_kernel();
}

/* ---- fork: copy-on-write ---- */

/* A user write as the CPU does it: a fault first if the leaf is missing or
 * read-only, then the store. */
static void user_write(struct as *as, uintptr_t addr, uint32_t val)
{
	unsigned int p = leaf_prot(as, addr & ~(PAGE_SIZE - 1));

	if (p == UINT32_MAX || !(p & MMU_WRITE))
		CHECK_EQ(fault_at(as, addr, FAULT_WRITE), 0);
	CHECK(leaf_prot(as, addr & ~(PAGE_SIZE - 1)) & MMU_WRITE, "writable after the fault");
	set_word(as, addr, val);
}

/* A user read: a fault first if the leaf is missing. */
static uint32_t user_read(struct as *as, uintptr_t addr)
{
	if (leaf_prot(as, addr & ~(PAGE_SIZE - 1)) == UINT32_MAX)
		CHECK_EQ(fault_at(as, addr, FAULT_READ), 0);
	return word_at(as, addr);
}

static paddr_t frame_at(struct as *as, uintptr_t addr)
{
	struct mapper_leaf l;

	if (mapper_translate(&as->pt, vaddr(addr & ~(PAGE_SIZE - 1)), &l) != 0)
		return paddr(0);
	return l.pa;
}

/*
 * as_fork(): private pages copy-on-write at every page, in both directions;
 * take-over when the other side's mapping is gone; MAP_SHARED memory shared,
 * unpopulated pages included; PROT_NONE frames kept (and mprotect back to RW does
 * not make a shared frame writable); munmap, MADV_DONTNEED, mremap and a kernel
 * write in one space leave the other's copy; every frame back after both go.
 */
static void test_fork_cow(void)
{
	enum { NPG = 8, NSH = 4 };
	struct as parent, child;
	struct as_cow_stats c0, c1;
	uintptr_t a, sh, pn, out;

	setup_kernel();
	CHECK_EQ(as_create(&parent, &kpt, NULL), 0);
	as_activate(&parent);
	CHECK_EQ(as_mmap(&parent, 0, NPG * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &a), 0);
	CHECK_EQ(as_mmap(&parent, 0, NSH * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0, &sh), 0);
	CHECK_EQ(as_mmap(&parent, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0, &pn), 0);
	for (unsigned int i = 0; i < NPG; i++)
		user_write(&parent, a + i * PAGE_SIZE, 100 + i);
	user_write(&parent, sh, 200);                 /* shared pages 1..3 stay untouched */
	user_write(&parent, pn, 300);
	CHECK_EQ(as_mprotect(&parent, pn, PAGE_SIZE, PROT_NONE), 0);
	size_t before = fake_frames_used();

	fake_tlb_reset();
	CHECK_EQ(as_fork(&child, &parent, &kpt), 0);
	CHECK(fake_tlb_nr >= 1, "the parent's CPUs flushed by fork");
	CHECK_EQ(as_vma_count(&child), as_vma_count(&parent));
	for (unsigned int i = 0; i < NPG; i++) {
		uintptr_t p = a + i * PAGE_SIZE;
		CHECK(!(leaf_prot(&parent, p) & MMU_WRITE) && !(leaf_prot(&child, p) & MMU_WRITE),
		      "page %u read-only on both sides", i);
		CHECK_EQ(frame_at(&parent, p).raw, frame_at(&child, p).raw);
		CHECK_EQ(frame_refs(frame_at(&parent, p)), 2);
	}
	for (unsigned int i = 0; i < NSH; i++) {
		CHECK(frame_at(&parent, sh + i * PAGE_SIZE).raw != 0, "shared page %u populated", i);
		CHECK_EQ(frame_at(&parent, sh + i * PAGE_SIZE).raw, frame_at(&child, sh + i * PAGE_SIZE).raw);
		CHECK(leaf_prot(&child, sh + i * PAGE_SIZE) & MMU_WRITE, "shared page %u writable", i);
	}
	CHECK_EQ(frame_at(&child, pn).raw, frame_at(&parent, pn).raw);
	CHECK_EQ(word_at(&child, pn), 300);
	CHECK_EQ(fake_frames_used() - before, (size_t)(NSH - 1) + mapper_count_tables(&child.pt) + 1);

	/* Even pages: the child writes first (a copy), then the parent (a take-over). */
	as_cow_stats(&c0);
	for (unsigned int i = 0; i < NPG; i += 2) {
		user_write(&child, a + i * PAGE_SIZE, 500 + i);
		CHECK_EQ(user_read(&parent, a + i * PAGE_SIZE), 100 + i);
		size_t used = fake_frames_used();
		user_write(&parent, a + i * PAGE_SIZE, 600 + i);
		CHECK_EQ(fake_frames_used(), used);           /* taken over, not copied */
		CHECK_EQ(user_read(&child, a + i * PAGE_SIZE), 500 + i);
	}
	/* Odd pages: the other way round. */
	for (unsigned int i = 1; i < NPG; i += 2) {
		user_write(&parent, a + i * PAGE_SIZE, 700 + i);
		CHECK_EQ(user_read(&child, a + i * PAGE_SIZE), 100 + i);
		user_write(&child, a + i * PAGE_SIZE, 800 + i);
		CHECK_EQ(user_read(&parent, a + i * PAGE_SIZE), 700 + i);
	}
	as_cow_stats(&c1);
	CHECK_EQ(c1.copies - c0.copies, NPG);
	CHECK_EQ(c1.takeovers - c0.takeovers, NPG);
	CHECK_EQ(c1.faults - c0.faults, 2 * NPG);

	/* Shared memory: writes on either side seen by both, the untouched pages too. */
	user_write(&child, sh + 3 * PAGE_SIZE, 203);
	CHECK_EQ(user_read(&parent, sh + 3 * PAGE_SIZE), 203);
	user_write(&parent, sh, 210);
	CHECK_EQ(user_read(&child, sh), 210);

	/* PROT_NONE: back to RW in the child stays read-only while shared, then copies. */
	CHECK_EQ(as_mprotect(&child, pn, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	CHECK(!(leaf_prot(&child, pn) & MMU_WRITE), "a shared frame not made writable by mprotect");
	user_write(&child, pn, 301);
	CHECK(frame_at(&child, pn).raw != frame_at(&parent, pn).raw, "copied");
	CHECK_EQ(as_mprotect(&parent, pn, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ(word_at(&parent, pn), 300);

	/* A fresh round of sharing (a second fork), then munmap, DONTNEED, mremap, a
	 * kernel write in the grandchild: the child keeps its data. */
	struct as gc;
	CHECK_EQ(as_fork(&gc, &child, &kpt), 0);
	CHECK_EQ(as_munmap(&gc, a, PAGE_SIZE), 0);
	CHECK_EQ(as_madvise(&gc, a + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(user_read(&gc, a + PAGE_SIZE), 0);
	CHECK_EQ(as_mremap(&gc, a + 2 * PAGE_SIZE, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, a + 64 * PAGE_SIZE, &out), 0);
	CHECK_EQ(frame_at(&gc, a + 64 * PAGE_SIZE).raw, frame_at(&child, a + 2 * PAGE_SIZE).raw);
	uint32_t k = 999;
	CHECK_EQ(as_copy_to(&gc, a + 65 * PAGE_SIZE, &k, sizeof(k)), 0);
	CHECK_EQ(word_at(&gc, a + 65 * PAGE_SIZE), 999);
	CHECK_EQ(word_at(&child, a + 3 * PAGE_SIZE), 803);
	CHECK_EQ(word_at(&child, a), 500);
	CHECK_EQ(word_at(&child, a + PAGE_SIZE), 801);
	as_destroy(&gc);
	for (unsigned int i = 0; i < NPG; i++) {
		CHECK_EQ(word_at(&child, a + i * PAGE_SIZE), (i & 1 ? 800 : 500) + i);
		CHECK_EQ(word_at(&parent, a + i * PAGE_SIZE), (i & 1 ? 700 : 600) + i);
	}
	as_destroy(&child);
	CHECK_EQ(frame_refs(frame_at(&parent, a)), 1);
	as_deactivate(&parent);
	as_destroy(&parent);
	teardown_kernel();                              /* every frame and VMA back */
}

/*
 * The fork advices (Linux's madvise_vma_behavior() and dup_mmap()): DONTFORK
 * leaves a range out of the child, WIPEONFORK gives it to the child empty (and
 * the flag with it, so a grandchild gets it empty too) with the parent's pages
 * still writable, DOFORK and KEEPONFORK undo them; each splits the VMA and the
 * undo merges it back; WIPEONFORK on shared memory is -EINVAL; a split past the
 * VMA limit is -EAGAIN.
 */
static void test_fork_advice(void)
{
	enum { NPG = 8 };
	struct as parent, child, gc;
	uintptr_t a, sh;

	setup_kernel();
	CHECK_EQ(as_create(&parent, &kpt, NULL), 0);
	as_activate(&parent);
	CHECK_EQ(as_mmap(&parent, 0, NPG * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &a), 0);
	CHECK_EQ(as_mmap(&parent, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0, &sh), 0);
	for (unsigned int i = 0; i < NPG; i++)
		user_write(&parent, a + i * PAGE_SIZE, 100 + i);
	size_t vmas = as_vma_count(&parent);

	CHECK_EQ(as_madvise(&parent, sh, PAGE_SIZE, MADV_WIPEONFORK), -EINVAL);
	CHECK_EQ(as_madvise(&parent, a + PAGE_SIZE, PAGE_SIZE, MADV_DONTFORK), 0);
	CHECK_EQ(as_vma_count(&parent), vmas + 2);
	CHECK_EQ(as_madvise(&parent, a + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTFORK), 0);
	CHECK_EQ(as_vma_count(&parent), vmas + 2);                 /* merged with page 1 */
	CHECK_EQ(as_madvise(&parent, a + 4 * PAGE_SIZE, 2 * PAGE_SIZE, MADV_WIPEONFORK), 0);
	CHECK_EQ(as_vma_count(&parent), vmas + 4);
	/* pages 6 and 7: wiped, then kept again */
	CHECK_EQ(as_madvise(&parent, a + 6 * PAGE_SIZE, 2 * PAGE_SIZE, MADV_WIPEONFORK), 0);
	CHECK_EQ(as_madvise(&parent, a + 6 * PAGE_SIZE, 2 * PAGE_SIZE, MADV_KEEPONFORK), 0);
	CHECK_EQ(as_vma_count(&parent), vmas + 4);
	CHECK_EQ(as_fork(&child, &parent, &kpt), 0);
	CHECK_EQ(as_vma_count(&child), vmas + 3);                  /* the DONTFORK one gone */
	for (unsigned int i = 1; i <= 2; i++) {
		uintptr_t p = a + i * PAGE_SIZE;
		CHECK_EQ(fault_at(&child, p, FAULT_READ), -EFAULT);
		CHECK(leaf_prot(&parent, p) & MMU_WRITE, "a DONTFORK page stays writable in the parent");
		CHECK_EQ(frame_refs(frame_at(&parent, p)), 1);
	}
	for (unsigned int i = 4; i <= 5; i++) {
		uintptr_t p = a + i * PAGE_SIZE;
		CHECK_EQ(frame_at(&child, p).raw, 0);
		CHECK(leaf_prot(&parent, p) & MMU_WRITE, "a WIPEONFORK page stays writable in the parent");
		CHECK_EQ(frame_refs(frame_at(&parent, p)), 1);
		CHECK_EQ(user_read(&child, p), 0);
		CHECK_EQ(word_at(&parent, p), 100 + i);
	}
	for (unsigned int i = 0; i < NPG; i += i == 0 ? 3 : (i == 3 ? 3 : 1)) {
		uintptr_t p = a + i * PAGE_SIZE;       /* 0, 3, 6, 7: copy-on-write */
		CHECK_EQ(frame_at(&child, p).raw, frame_at(&parent, p).raw);
		CHECK_EQ(user_read(&child, p), 100 + i);
	}
	/* The child's VMA keeps the flag: a grandchild gets pages 4 and 5 empty again. */
	user_write(&child, a + 4 * PAGE_SIZE, 444);
	CHECK_EQ(as_fork(&gc, &child, &kpt), 0);
	CHECK_EQ(user_read(&gc, a + 4 * PAGE_SIZE), 0);
	CHECK_EQ(user_read(&gc, a + 3 * PAGE_SIZE), 103);
	as_destroy(&gc);
	as_destroy(&child);
	for (unsigned int i = 0; i < NPG; i++)
		CHECK_EQ(frame_refs(frame_at(&parent, a + i * PAGE_SIZE)), 1);

	/* DOFORK and KEEPONFORK: one VMA again, and the next child gets every page. */
	CHECK_EQ(as_madvise(&parent, a, NPG * PAGE_SIZE, MADV_DOFORK), 0);
	CHECK_EQ(as_madvise(&parent, a, NPG * PAGE_SIZE, MADV_KEEPONFORK), 0);
	CHECK_EQ(as_vma_count(&parent), vmas);
	CHECK_EQ(as_fork(&child, &parent, &kpt), 0);
	for (unsigned int i = 0; i < NPG; i++)
		CHECK_EQ(user_read(&child, a + i * PAGE_SIZE), 100 + i);
	as_destroy(&child);

	/* A split that would pass the VMA limit: -EAGAIN, nothing changed. */
	parent.max_vmas = as_vma_count(&parent) + 1;
	CHECK_EQ(as_madvise(&parent, a + PAGE_SIZE, PAGE_SIZE, MADV_DONTFORK), -EAGAIN);
	CHECK_EQ(as_vma_count(&parent), vmas);
	CHECK_EQ(as_madvise(&parent, a, PAGE_SIZE, MADV_DONTFORK), 0);   /* one split: fits */
	as_deactivate(&parent);
	as_destroy(&parent);
	teardown_kernel();                              /* every frame and VMA back */
}

/*
 * A fork that runs out of memory, at each allocation in turn: -ENOMEM, nothing of
 * the child left, the parent's data and frames as they were.
 */
static void test_fork_nomem(void)
{
	struct as parent, child;
	uintptr_t a, sh;

	setup_kernel();
	CHECK_EQ(as_create(&parent, &kpt, NULL), 0);
	as_activate(&parent);
	CHECK_EQ(as_mmap(&parent, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &a), 0);
	CHECK_EQ(as_mmap(&parent, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0, &sh), 0);
	for (unsigned int i = 0; i < 64; i += 3)
		user_write(&parent, a + i * PAGE_SIZE, i);
	user_write(&parent, sh, 42);
	int err = -ENOMEM;
	unsigned int n;
	for (n = 1; n < 200 && err; n++) {
		size_t before = fake_frames_used();
		long km = fake_kmalloc_live();
		fake_fail_nth_alloc(n);
		err = as_fork(&child, &parent, &kpt);
		fake_fail_nth_alloc(0);
		if (err) {
			CHECK_EQ(err, -ENOMEM);
			/* Shared pages populated by the failed fork stay the parent's. */
			CHECK(fake_frames_used() <= before + 7, "allocation %u: %zu frames, %zu before", n,
			      fake_frames_used(), before);
			CHECK_EQ(fake_kmalloc_live(), km);
			for (unsigned int i = 0; i < 64; i += 3)
				CHECK_EQ(user_read(&parent, a + i * PAGE_SIZE), i);
			CHECK_EQ(user_read(&parent, sh), 42);
		}
	}
	CHECK(err == 0 && n > 2, "a fork succeeded after %u failing allocations", n - 2);
	CHECK_EQ(user_read(&child, a + 3 * PAGE_SIZE), 3);
	as_destroy(&child);
	as_deactivate(&parent);
	as_destroy(&parent);
	teardown_kernel();
}

/*
 * Reference counts against a model: up to 6 spaces made by forks of each other,
 * random writes, reads, munmaps, DONTNEEDs and destroys; every read gives what the
 * model says, and once all are gone every frame is back (the fake allocator aborts
 * on a double free).
 */
static void test_fork_refcount_fuzz(void)
{
	enum { SPACES = 6, PG = 32, STEPS = 4000 };
	static struct as as[SPACES];
	static uint32_t model[SPACES][PG];     /* 0: no frame (reads zero) */
	bool live[SPACES] = { false };
	uintptr_t a;

	setup_kernel();
	rs = 0x9e3779b97f4a7c15ull;
	CHECK_EQ(as_create(&as[0], &kpt, NULL), 0);
	CHECK_EQ(as_mmap(&as[0], 0, PG * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &a), 0);
	live[0] = true;
	memset(model, 0, sizeof(model));
	uint32_t tag = 1;
	for (unsigned int step = 0; step < STEPS; step++) {
		unsigned int s = rnd() % SPACES, pg = rnd() % PG, op = rnd() % 16;
		uintptr_t p = a + pg * PAGE_SIZE;
		if (!live[s]) {
			/* Fork it from a live one. */
			unsigned int from = rnd() % SPACES;
			if (!live[from])
				continue;
			CHECK_EQ(as_fork(&as[s], &as[from], &kpt), 0);
			memcpy(model[s], model[from], sizeof(model[s]));
			live[s] = true;
			continue;
		}
		if (op < 7) {
			user_write(&as[s], p, ++tag);
			model[s][pg] = tag;
		} else if (op < 11) {
			CHECK(user_read(&as[s], p) == model[s][pg], "space %u page %u: %u, not %u", s, pg,
			      user_read(&as[s], p), model[s][pg]);
		} else if (op < 13) {
			CHECK_EQ(as_madvise(&as[s], p, PAGE_SIZE, MADV_DONTNEED), 0);
			model[s][pg] = 0;
		} else if (op < 15) {
			/* munmap and map back at the same place: zero pages. */
			CHECK_EQ(as_munmap(&as[s], p, PAGE_SIZE), 0);
			uintptr_t got;
			CHECK_EQ(as_mmap(&as[s], p, PAGE_SIZE, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, &got), 0);
			model[s][pg] = 0;
		} else if (s != 0 || rnd() % 4 == 0) {
			as_destroy(&as[s]);
			live[s] = false;
		}
	}
	for (unsigned int s = 0; s < SPACES; s++)
		if (live[s]) {
			for (unsigned int pg = 0; pg < PG; pg++)
				CHECK_EQ(user_read(&as[s], a + pg * PAGE_SIZE), model[s][pg]);
			as_destroy(&as[s]);
		}
	teardown_kernel();
}

static void test_fuzz(void)
{
	const char *s = getenv("VM_FUZZ_STEPS"), *seed = getenv("VM_FUZZ_SEED");

	fuzz(s ? strtoul(s, NULL, 0) : 4000, seed ? strtoull(seed, NULL, 0) : 1);
}

int main(void)
{
	tap_start();
	test_set_levels(MMU_LEVELS_MIN);
	tap_run("VMA tree: order, balance, neighbours, gap search", test_vma_tree);
	tap_run_modes("mmap: errno results, placement, hints, merging", test_mmap_errors);
	tap_run_modes("mmap: the order of its checks, prot bits ignored, MAP_NONBLOCK", test_mmap_check_order);
	tap_run_modes("munmap and mprotect: splitting, holes, PROT_NONE", test_munmap_mprotect);
	tap_run_modes("mremap and brk", test_mremap_brk);
	tap_run_modes("faults: flushes, exhaustion, bad addresses", test_faults);
	tap_run_modes("mremap grows in place up to a VMA starting at the new end", test_mremap_grow_to_next);
	tap_run_modes("the VMA limit on both sides, per call", test_vma_limit_edges);
	tap_run_modes("munmap and mprotect of unaligned lengths: whole pages", test_unaligned_lengths);
	tap_run_modes("MAP_FIXED_NOREPLACE over a VMA strictly inside the range", test_noreplace_inside);
	tap_run_modes("shared VMA page offsets after splits and a front munmap", test_shared_pgoff_split);
	tap_run_modes("mincore: range checks, residency, chunks, holes", test_mincore);
	tap_run_modes("madvise: every advice value on private and shared memory, holes", test_madvise_values);
	tap_run_modes("madvise: argument checks in Linux's order", test_madvise_args);
	tap_run_modes("madvise DONTNEED / FREE: frames back after the flush, zero on touch", test_madvise_dontneed);
	tap_run_modes("madvise on shared memory: DONTNEED keeps, REMOVE drops, FREE refused",
		      test_madvise_shared);
	tap_run_modes("madvise POPULATE_READ / _WRITE: protection, exhaustion, holes", test_madvise_populate);
	tap_run_modes("faults racing munmap, mremap, mprotect, faults, madvise while allocating",
		      test_fault_races);
	tap_run_modes("fork: copy-on-write both ways, take-over, shared memory, PROT_NONE, munmap/DONTNEED/mremap after", test_fork_cow);
	tap_run_modes("fork advice: DONTFORK, WIPEONFORK (to grandchildren), DOFORK, KEEPONFORK, splits and merges", test_fork_advice);
	tap_run_modes("fork out of memory at every allocation: -ENOMEM, the parent as it was", test_fork_nomem);
	tap_run_modes("fork reference counts: random forks, writes, drops and exits against a model", test_fork_refcount_fuzz);
	tap_run_modes("differential fuzz against the page model", test_fuzz);
	fake_mem_fini();
	return tap_done();
}

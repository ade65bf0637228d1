// SPDX-License-Identifier: MIT
/*
 * Host tests of the MMIO window allocator and ioremap/iounmap (mm/mmio.c), per arch
 * format and paging mode: alignment, top-down first fit, coalescing on free (a
 * randomised run against a page bitmap), refusal of bad frees, and ioremap's
 * leaves (caching, global, not user, huge where aligned) and their removal.
 */
#include "vm_fake.h"

#include <mm/kmap.h>
#include <mm/mmio.h>


static void test_alloc_free(void)
{
	struct pagetable kpt;
	vaddr_t a, b, c;

	fake_mem_init(8 << 20);
	mapper_init_kernel(&kpt, test_levels);
	struct mmu_layout l;
	mmu_layout_get(test_levels, &l);
	uintptr_t base = l.mmio_start.raw, size = 1024 * PAGE_SIZE;
	kmap_init(&kpt);
	CHECK_EQ(mmio_init(vaddr(base), vaddr(base + size), test_levels), 0);
	CHECK_EQ(mmio_alloc(0, PAGE_SIZE, &a), -EINVAL);
	CHECK_EQ(mmio_alloc(PAGE_SIZE, 3 * PAGE_SIZE, &a), -EINVAL);
	CHECK_EQ(mmio_alloc(PAGE_SIZE, PAGE_SIZE, &a), 0);
	CHECK_EQ(a.raw, base + size - PAGE_SIZE);                 /* from the top */
	CHECK_EQ(mmio_alloc(PAGE_SIZE, 64 * PAGE_SIZE, &b), 0);
	CHECK_EQ(b.raw % (64 * PAGE_SIZE), 0);
	CHECK_EQ(mmio_alloc(2 * size, PAGE_SIZE, &c), -ENOMEM);
	CHECK_EQ(mmio_free(a, PAGE_SIZE), 0);
	CHECK_EQ(mmio_free(a, PAGE_SIZE), -EINVAL);           /* double free */
	CHECK_EQ(mmio_free(b, PAGE_SIZE), 0);
	CHECK_EQ(mmio_free_bytes(), size);
	CHECK_EQ(mmio_alloc(size, PAGE_SIZE, &c), 0);         /* coalesced back into one range */
	CHECK_EQ(mmio_free(c, size), 0);

	/* Random allocations and frees against a page bitmap. */
	static uint8_t owner[1024];
	static struct { vaddr_t va; size_t n; } live[64];
	unsigned int nl = 0;
	uint64_t r = 12345;
	memset(owner, 0, sizeof(owner));
	for (unsigned int step = 0; step < 4000; step++) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		if (nl < 64 && (r % 3 || nl == 0)) {
			size_t n = 1 + r % 40, align = PAGE_SIZE << (r >> 8) % 5;
			vaddr_t va;
			if (mmio_alloc(n * PAGE_SIZE, align, &va) == 0) {
				CHECK_EQ(va.raw % align, 0);
				for (size_t i = 0; i < n; i++) {
					CHECK_EQ(owner[(va.raw - base) / PAGE_SIZE + i], 0);
					owner[(va.raw - base) / PAGE_SIZE + i] = 1;
				}
				live[nl].va = va;
				live[nl++].n = n;
			}
		} else {
			unsigned int k = r % nl;
			CHECK_EQ(mmio_free(live[k].va, live[k].n * PAGE_SIZE), 0);
			for (size_t i = 0; i < live[k].n; i++)
				owner[(live[k].va.raw - base) / PAGE_SIZE + i] = 0;
			live[k] = live[--nl];
		}
		size_t used = 0;
		for (unsigned int i = 0; i < 1024; i++)
			used += owner[i];
		if (!CHECK_EQ(mmio_free_bytes(), size - used * PAGE_SIZE))
			break;
	}
	while (nl) {
		nl--;
		mmio_free(live[nl].va, live[nl].n * PAGE_SIZE);
	}
	CHECK_EQ(mmio_free_bytes(), size);
	CHECK_EQ(mmio_alloc(size, PAGE_SIZE, &c), 0);
	mmio_free(c, size);

	struct tlb_batch tb;
	tlb_batch_init(&tb, &tlb_kernel_cpus);
	mapper_destroy(&kpt, 0, &tb);
	tlb_batch_flush(&tb);
	CHECK_EQ(fake_frames_used(), 0);
}

static void test_ioremap(void)
{
	struct pagetable kpt;
	struct mmu_layout l;
	struct mapper_leaf leaf;

	fake_mem_init(8 << 20);
	mapper_init_kernel(&kpt, test_levels);
	size_t base_frames = fake_frames_used();
	mmu_layout_get(test_levels, &l);
	kmap_init(&kpt);
	CHECK_EQ(mmio_init(l.mmio_start, vaddr_add(l.mmio_start, 1ul << 30), test_levels), 0);

	char *p = ioremap(paddr(0xfee00020), 0x10, MMU_CACHE_UC);
	CHECK(p != NULL, "ioremap");
	CHECK_EQ((uintptr_t)p & 0xfff, 0x20);
	CHECK_EQ(mapper_translate(&kpt, vaddr((uintptr_t)p), &leaf), 0);
	CHECK_EQ(leaf.pa.raw, 0xfee00000);
	CHECK_EQ(leaf.prot, MMU_READ | MMU_WRITE | MMU_GLOBAL);
	CHECK_EQ(leaf.cache, mmu_cache_effective(MMU_CACHE_UC));
	/* A 2 MiB-aligned frame buffer gets 2 MiB leaves. */
	char *fb = ioremap(paddr(0xc0000000), 8 << 20, MMU_CACHE_WC);
	CHECK(fb != NULL, "fb");
	CHECK_EQ(mapper_translate(&kpt, vaddr((uintptr_t)fb + (5 << 20)), &leaf), 0);
	CHECK_EQ(leaf.level, 1);
	CHECK_EQ(leaf.pa.raw + ((uintptr_t)fb + (5 << 20) - leaf.va.raw), 0xc0000000 + (5 << 20));
	CHECK(ioremap(paddr(0), 0, MMU_CACHE_UC) == NULL, "size 0");
	/* Out of table frames: NULL, and the window is unchanged. */
	size_t before = mmio_free_bytes();
	fake_fail_all_allocs(true);
	CHECK(ioremap(paddr(0x12345000), 3 << 20, MMU_CACHE_UC) == NULL, "no tables");
	fake_fail_all_allocs(false);
	CHECK_EQ(mmio_free_bytes(), before);
	iounmap(p);
	iounmap(fb);
	CHECK_EQ(mapper_translate(&kpt, vaddr((uintptr_t)p), &leaf), -ENOENT);
	CHECK_EQ(mmio_free_bytes(), 1ul << 30);
	struct tlb_batch tb;
	tlb_batch_init(&tb, &tlb_kernel_cpus);
	tlb_batch_flush(&tb);
	CHECK_EQ(fake_frames_used(), base_frames);
	tlb_batch_init(&tb, &tlb_kernel_cpus);
	mapper_destroy(&kpt, 0, &tb);
	tlb_batch_flush(&tb);
}

int main(void)
{
	tap_start();
	tap_run_modes("MMIO window: alignment, top-down fit, coalescing", test_alloc_free);
	tap_run_modes("ioremap/iounmap on the kernel table", test_ioremap);
	fake_mem_fini();
	return tap_done();
}

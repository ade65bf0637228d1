// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: kmalloc/kfree/krealloc/ksize and a constructed object cache
 * driven by arbitrary operation sequences against the reference model of
 * tests/unit/mm/model.h (no overlap, alignment, contents kept, krealloc keeping
 * the prefix). Each input starts from a fresh allocator and must give every frame
 * back once everything is freed. Even inputs run with slab debugging on.
 */
#include "fuzz_mm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ctor(void *obj)
{
	memset(obj, 0x5c, 40);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct fuzz_snapshot start, end;
	struct slab_cache cache;
	struct model m;

	slab_debug_set(size % 2 == 0);
	fuzz_boot(&start);
	FUZZ_ASSERT(slab_cache_init(&cache, "fuzz-40", 40, 8, ctor) == 0, "cache");
	model_init(&m);
	while (in.n) {
		unsigned int op = (unsigned int)take(&in, 1);
		switch (op % 6) {
		case 0: case 1: {                    /* kmalloc */
			unsigned int shift = (unsigned int)take(&in, 1) % 22;
			size_t sz = (size_t)(take(&in, 3) & ((1ull << shift) - 1));
			void *p = kmalloc(sz, KM_NOWARN | (op & 0x40 ? KM_ZERO : 0));
			if (!p)
				break;
			size_t cls = ksize(p);
			FUZZ_ASSERT(cls >= sz, "ksize %zu < %zu", cls, sz);
			if (cls <= KMALLOC_MAX_CACHE_SIZE)
				FUZZ_ASSERT(((uintptr_t)p & (cls - 1)) == 0, "alignment");
			if (op & 0x40)
				for (size_t i = 0; i < sz; i++)
					FUZZ_ASSERT(((unsigned char *)p)[i] == 0, "kzalloc");
			uint64_t pa = virt_to_phys(p).raw;
			FUZZ_ASSERT(model_overlap(&m, pa, pa + (sz ? sz : 1)) < 0, "overlap");
			model_add(&m, (struct model_alloc){ pa, pa + (sz ? sz : 1), MODEL_KMALLOC, 0, sz, 0 });
			break;
		}
		case 2: {                            /* kfree */
			if (!m.n)
				break;
			size_t i = (size_t)take(&in, 2) % m.n;
			struct model_alloc a = m.a[i];
			FUZZ_ASSERT(model_stamp_ok(&a), "contents changed while live");
			model_remove(&m, i);
			if (a.kind == MODEL_KMALLOC) {
				kfree(phys_to_virt(paddr(a.start)));
			} else {
				ctor(phys_to_virt(paddr(a.start)));   /* back in constructed state */
				slab_free(&cache, phys_to_virt(paddr(a.start)));
			}
			break;
		}
		case 3: {                            /* krealloc */
			if (!m.n)
				break;
			size_t i = (size_t)take(&in, 2) % m.n;
			if (m.a[i].kind != MODEL_KMALLOC)
				break;
			struct model_alloc a = m.a[i];
			FUZZ_ASSERT(model_stamp_ok(&a), "contents changed while live");
			size_t sz = (size_t)take(&in, 2) * ((op & 0x80) ? 64 : 1) + 1;
			void *q = krealloc(phys_to_virt(paddr(a.start)), sz, KM_NOWARN);
			if (!q)
				break;
			model_remove(&m, i);
			/* The first bytes (the tag) survive when the new size holds them. */
			size_t keep = MIN(MIN(sz, (size_t)8), (size_t)(a.end - a.start));
			FUZZ_ASSERT(memcmp(q, &a.tag, keep) == 0, "krealloc lost the contents");
			uint64_t pa = virt_to_phys(q).raw;
			FUZZ_ASSERT(model_overlap(&m, pa, pa + sz) < 0, "overlap");
			model_add(&m, (struct model_alloc){ pa, pa + sz, MODEL_KMALLOC, 0, sz, 0 });
			break;
		}
		case 4: {                            /* the constructed cache */
			void *p = slab_alloc(&cache, KM_NOWARN);
			if (!p)
				break;
			FUZZ_ASSERT(((unsigned char *)p)[39] == 0x5c, "constructed state");
			uint64_t pa = virt_to_phys(p).raw;
			FUZZ_ASSERT(model_overlap(&m, pa, pa + 40) < 0, "overlap");
			model_add(&m, (struct model_alloc){ pa, pa + 40, MODEL_FRAMES, 0, 40, 0 });
			break;
		}
		case 5: {                            /* CPU switch or shrink */
			unsigned int v = (unsigned int)take(&in, 1);
			if (v & 0x80)
				slab_cache_shrink(kmalloc_cache((size_t)1 << (v % 21)));
			else
				host_cpu_set(v % NCPUS);
			break;
		}
		}
	}
	while (m.n) {
		struct model_alloc a = m.a[--m.n];
		FUZZ_ASSERT(model_stamp_ok(&a), "contents changed while live");
		if (a.kind == MODEL_KMALLOC) {
			kfree(phys_to_virt(paddr(a.start)));
		} else {
			ctor(phys_to_virt(paddr(a.start)));
			slab_free(&cache, phys_to_virt(paddr(a.start)));
		}
	}
	model_fini(&m);
	FUZZ_ASSERT(slab_bad_frees() == 0, "a good free was refused");
	FUZZ_ASSERT(slab_cache_destroy(&cache) == 0, "cache busy");
	fuzz_snapshot(&end);
	FUZZ_ASSERT(memcmp(&start, &end, sizeof(start)) == 0, "not back to the starting state");
	FUZZ_ASSERT(buddy_check() == 0, "free lists");
	return 0;
}

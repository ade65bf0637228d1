// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the buddy allocator driven by arbitrary operation sequences
 * (allocations of any order, zone, limit and frame count; frees, double frees,
 * wrong-order and stray frees; per-CPU cache drains; CPU switches) against the
 * reference model of tests/unit/mm/model.h. Each input starts from a fresh
 * allocator and must end, once everything is freed, in the starting state.
 */
#include <kern/errno.h>
#include <mm/framedb.h>

#include "fuzz_mm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct fuzz_snapshot start, end;
	struct model m;

	fuzz_boot(&start);
	model_init(&m);
	while (in.n) {
		unsigned int op = (unsigned int)take(&in, 1);
		switch (op % 8) {
		case 0: case 1: case 2: {            /* allocate a block */
			unsigned int order = (unsigned int)take(&in, 1) % (FRAME_MAX_ORDER + 2);
			unsigned int fl = (unsigned int)take(&in, 1);
			unsigned int flags = FRAME_NOWARN | (fl & (FRAME_ZERO | FRAME_DMA | FRAME_NORMAL | FRAME_NOPCP));
			uint64_t limit = (fl & 0x80) ? take(&in, 2) * PAGE_SIZE * 16 : UINT64_MAX;
			paddr_t pa;
			int err = buddy_alloc(order, flags, paddr(limit), &pa);
			if (order > FRAME_MAX_ORDER || ((flags & FRAME_DMA) && (flags & FRAME_NORMAL))) {
				FUZZ_ASSERT(err == -EINVAL, "bad request accepted: %d", err);
				break;
			}
			if (err) {
				FUZZ_ASSERT(err == -ENOMEM, "%d", err);
				break;
			}
			uint64_t end_pa = pa.raw + (PAGE_SIZE << order);
			FUZZ_ASSERT(IS_ALIGNED(pa.raw, PAGE_SIZE << order), "misaligned");
			FUZZ_ASSERT(end_pa <= limit, "above the limit");
			FUZZ_ASSERT(!(flags & FRAME_DMA) || end_pa <= ZONE_DMA_LIMIT, "not DMA");
			FUZZ_ASSERT(!(flags & FRAME_NORMAL) || pa.raw >= ZONE_DMA_LIMIT, "not NORMAL");
			FUZZ_ASSERT(model_overlap(&m, pa.raw, end_pa) < 0, "overlap");
			if (flags & FRAME_ZERO)
				FUZZ_ASSERT(*(uint64_t *)phys_to_virt(pa) == 0, "not zeroed");
			model_add(&m, (struct model_alloc){ pa.raw, end_pa, MODEL_FRAMES, order, 0, 0 });
			break;
		}
		case 3: {                            /* allocate a frame count */
			size_t count = (size_t)take(&in, 2) % 2048;
			paddr_t pa;
			int err = buddy_alloc_count(count, FRAME_NOWARN, paddr(UINT64_MAX), &pa);
			if (count == 0) {
				FUZZ_ASSERT(err == -EINVAL, "count 0: %d", err);
				break;
			}
			if (err)
				break;
			uint64_t end_pa = pa.raw + count * PAGE_SIZE;
			FUZZ_ASSERT(model_overlap(&m, pa.raw, end_pa) < 0, "overlap");
			model_add(&m, (struct model_alloc){ pa.raw, end_pa, MODEL_COUNT, 0, count, 0 });
			break;
		}
		case 4: case 5: {                    /* free a live allocation */
			if (!m.n)
				break;
			size_t i = (size_t)take(&in, 2) % m.n;
			struct model_alloc a = m.a[i];
			FUZZ_ASSERT(model_stamp_ok(&a), "contents changed while live");
			model_remove(&m, i);
			int err = a.kind == MODEL_FRAMES ? buddy_free(paddr(a.start), a.order)
							 : buddy_free_count(paddr(a.start), a.count);
			FUZZ_ASSERT(err == 0, "good free refused: %d", err);
			break;
		}
		case 6: {                            /* a bad free: must change nothing */
			uint64_t pa = take(&in, 4) * 4096 / 16;
			if (take(&in, 1) & 1)
				pa += 4 * GiB - 16 * MiB;
			unsigned int order = (unsigned int)take(&in, 1) % (FRAME_MAX_ORDER + 1);
			struct frame *f = framedb_lookup(paddr(pa));
			/* Only addresses that are not a live block of this order. */
			if (f && IS_ALIGNED(pa, PAGE_SIZE << order) && frame_state(f) == FRAME_ALLOCATED &&
			    f->order == order)
				break;
			FUZZ_ASSERT(buddy_free(paddr(pa), order) == -EINVAL, "bad free accepted");
			break;
		}
		case 7: {                            /* switch CPU or drain */
			unsigned int v = (unsigned int)take(&in, 1);
			if (v & 0x80)
				buddy_drain_cpu(v % NCPUS);
			else
				host_cpu_set(v % NCPUS);
			break;
		}
		}
	}
	FUZZ_ASSERT(buddy_check() == 0, "free lists");
	while (m.n) {
		struct model_alloc a = m.a[--m.n];
		FUZZ_ASSERT(model_stamp_ok(&a), "contents changed while live");
		FUZZ_ASSERT((a.kind == MODEL_FRAMES ? buddy_free(paddr(a.start), a.order)
						    : buddy_free_count(paddr(a.start), a.count)) == 0, "free");
	}
	model_fini(&m);
	fuzz_snapshot(&end);
	FUZZ_ASSERT(memcmp(&start, &end, sizeof(start)) == 0, "not back to the starting state");
	FUZZ_ASSERT(buddy_check() == 0, "free lists at the end");
	return 0;
}

// SPDX-License-Identifier: MIT
/* Kernel stacks with a guard page (see <mm/kstack.h>). */
#include <kern/errno.h>
#include <mm/frame.h>
#include <mm/kmap.h>
#include <mm/kstack.h>
#include <mm/mmio.h>

int kstack_alloc(struct kstack *ks)
{
	vaddr_t va;
	paddr_t pa;

	if (mmio_alloc(KSTACK_SIZE + PAGE_SIZE, PAGE_SIZE, &va))
		return -ENOMEM;
	if (frame_alloc(KSTACK_ORDER, 0, &pa)) {
		mmio_free(va, KSTACK_SIZE + PAGE_SIZE);
		return -ENOMEM;
	}
	/* The window's first page stays unmapped: the guard. */
	if (kmap_map(vaddr(va.raw + PAGE_SIZE), pa, KSTACK_SIZE, MMU_READ | MMU_WRITE | MMU_GLOBAL,
		     MMU_CACHE_WB)) {
		frame_free(pa, KSTACK_ORDER);
		mmio_free(va, KSTACK_SIZE + PAGE_SIZE);
		return -ENOMEM;
	}
	ks->guard = va.raw;
	ks->bottom = va.raw + PAGE_SIZE;
	ks->top = ks->bottom + KSTACK_SIZE;
	ks->frames = pa;
	return 0;
}

void kstack_free(struct kstack *ks)
{
	/* kmap_unmap() flushes every CPU before the frames go back. */
	kmap_unmap(vaddr(ks->bottom), KSTACK_SIZE);
	frame_free(ks->frames, KSTACK_ORDER);
	mmio_free(vaddr(ks->guard), KSTACK_SIZE + PAGE_SIZE);
}

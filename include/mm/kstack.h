/* SPDX-License-Identifier: MIT */
/*
 * Kernel stacks with a guard page (mm/kstack.c): KSTACK_SIZE bytes of frames
 * mapped read/write, not executable, in the kernel's mapping window (the one
 * ioremap() uses, <mm/mmio.h>), with the page below them left unmapped, so that
 * an overflow faults instead of running into whatever lies below.
 */
#ifndef MM_KSTACK_H
#define MM_KSTACK_H

#include <kern/types.h>
#include <mm/types.h>

#define KSTACK_ORDER 2
#define KSTACK_SIZE  (PAGE_SIZE << KSTACK_ORDER)

struct kstack {
	uintptr_t guard;    /* the unmapped page [guard, bottom) */
	uintptr_t bottom;   /* the stack [bottom, top) */
	uintptr_t top;
	paddr_t frames;     /* its 2^KSTACK_ORDER frames */
};

/* Allocate and map a stack. Returns 0, or -ENOMEM (nothing is left allocated). */
int kstack_alloc(struct kstack *ks);

/* Unmap and free a stack kstack_alloc() gave (no CPU may run on it). */
void kstack_free(struct kstack *ks);

#endif

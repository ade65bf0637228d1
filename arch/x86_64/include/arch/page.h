/* SPDX-License-Identifier: MIT */
/*
 * x86_64 boot-time virtual layout: where the image is linked and loaded, and what
 * the boot page tables map. For arch/x86_64/ only (and usable from assembly); generic
 * code gets these facts from struct boot_info (image_offset, boot_direct_map_size)
 * and the page size from <mm/types.h>.
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

/*
 * The kernel image is linked in the top 2 GiB (valid under 4- and 5-level paging)
 * and loaded at KERNEL_PHYS_BASE; KERNEL_VMA_OFFSET maps one to the other.
 * KERNEL_PHYS_BASE is 2 MiB aligned so the image can sit in large pages.
 */
#define KERNEL_VMA_OFFSET  0xffffffff80000000
#define KERNEL_PHYS_BASE   0x200000

/*
 * The boot page tables (boot.S) map the first BOOT_DIRECT_MAP_SIZE bytes of physical
 * memory twice: identity (for the switch to long mode) and at BOOT_DIRECT_MAP_BASE
 * (to reach boot information and firmware tables); the first 1 GiB, holding the
 * image, also at KERNEL_VMA_OFFSET.
 */
#define BOOT_DIRECT_MAP_BASE 0xffff800000000000
#define BOOT_DIRECT_MAP_SIZE 0x100000000   /* 4 GiB: all multiboot2 data lies below */

#ifndef __ASSEMBLER__
#include <kern/types.h>

/* Kernel-image symbol -> its physical address. */
static inline uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA_OFFSET;
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * aarch64 boot-time virtual layout: where the image is linked and loaded, and what
 * the boot page tables map. For arch/aarch64/ only (and usable from assembly);
 * generic code gets these facts from struct boot_info (image_offset,
 * boot_direct_map_size) and the page size from <mm/types.h>.
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

/*
 * The kernel image is linked in the top 2 GiB of the TTBR1 half, as on x86_64, so
 * one linker script serves the 48-bit and the 52-bit modes, and loaded at
 * KERNEL_PHYS_BASE: QEMU virt's RAM starts at 1 GiB and -kernel puts an arm64
 * Image text_offset (2 MiB) into it. boot.S maps the image with 1 GiB blocks, so
 * KERNEL_VMA_OFFSET is 1 GiB aligned.
 */
#define KERNEL_VMA_OFFSET  0xffffffff80000000
#define KERNEL_PHYS_BASE   0x40200000
#define KERNEL_VIRT_BASE   (KERNEL_VMA_OFFSET + KERNEL_PHYS_BASE)
#define KERNEL_TEXT_OFFSET 0x200000     /* the Image header's text_offset */

/*
 * The boot page tables (boot.S) map the first BOOT_DIRECT_MAP_SIZE bytes of
 * physical memory at BOOT_DIRECT_MAP_BASE with 1 GiB blocks, to reach the device
 * tree and the device registers: the first GiB (QEMU virt's flash and devices) as
 * Device-nGnRE, the rest as normal memory. 0xffff800000000000 is the 48-bit mode's
 * direct-map base (mmu_layout_get(4)), the lowest TTBR1 address with T1SZ = 16.
 */
#define BOOT_DIRECT_MAP_BASE 0xffff800000000000
#define BOOT_DIRECT_MAP_SIZE 0x400000000   /* 16 GiB */

#ifndef __ASSEMBLER__
#include <kern/types.h>

_Static_assert((KERNEL_VMA_OFFSET & ((1ull << 30) - 1)) == 0,
	       "the image is mapped with 1 GiB blocks: the offset must be 1 GiB aligned");

/* Kernel-image symbol -> its physical address. */
static inline uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA_OFFSET;
}
#endif

#endif

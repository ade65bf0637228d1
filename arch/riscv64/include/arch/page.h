/* SPDX-License-Identifier: MIT */
/*
 * riscv64 boot-time virtual layout: where the image is linked and loaded, and what
 * the boot page tables map. For arch/riscv64/ only (and usable from assembly); generic
 * code gets these facts from struct boot_info (image_offset, boot_direct_map_size)
 * and the page size from <mm/types.h>.
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

/*
 * The kernel image is linked at KERNEL_VIRT_BASE in the top 2 GiB (valid under
 * Sv39, Sv48 and Sv57) and loaded at KERNEL_PHYS_BASE, 2 MiB above the start of
 * RAM on QEMU virt, where OpenSBI fw_dynamic hands over (the firmware itself sits
 * in [0x80000000, KERNEL_PHYS_BASE)). KERNEL_VMA_OFFSET maps one to the other;
 * boot.S maps the image with one 1 GiB leaf, so the offset is 1 GiB aligned.
 */
#define KERNEL_VMA_OFFSET  0xffffffff00000000
#define KERNEL_PHYS_BASE   0x80200000
#define KERNEL_VIRT_BASE   (KERNEL_VMA_OFFSET + KERNEL_PHYS_BASE)

/*
 * The boot page tables (boot.S) map the first BOOT_DIRECT_MAP_SIZE bytes of physical
 * memory at BOOT_DIRECT_MAP_BASE with 1 GiB leaves, to reach the device tree and
 * device registers. 0xffffffc000000000 is the lowest upper-half address under Sv39
 * (bits 63..39 copy bit 38); the Sv48/Sv57 bases are chosen later, at run time.
 * Physical addresses are not checked against RAM: the leaves also cover MMIO
 * (the UART, the test device), which is what the console needs.
 */
#define BOOT_DIRECT_MAP_BASE 0xffffffc000000000
#define BOOT_DIRECT_MAP_SIZE 0x400000000   /* 16 GiB */

#ifndef __ASSEMBLER__
#include <kern/types.h>

_Static_assert((KERNEL_VMA_OFFSET & ((1ull << 30) - 1)) == 0,
	       "the image is mapped with 1 GiB leaves: the offset must be 1 GiB aligned");

/* Kernel-image symbol -> its physical address. */
static inline uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA_OFFSET;
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * aarch64 virtual layout constants for arch/aarch64/ only (and usable from
 * assembly); generic code gets the page size from <mm/types.h> and the image
 * offset from struct boot_info.
 *
 * The kernel image is linked in the top 2 GiB of the TTBR1 half, as on x86_64, so
 * one linker script and one layout serve both 48-bit and (later) 52-bit modes.
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

#define KERNEL_VMA_OFFSET  0xffffffff80000000

#endif
